/*
 * Each CPU's VMCS (SDM Vol. 3C ch. 24): controls and host state, the guest's
 * starting state, VM entry, and the guest-state accessors the core uses,
 * which go through the per-exit cache (vmx_impl.h).
 */
#include "vmx_impl.h"
#include "console.h"
#include "core.h"
#include "host.h"
#include "hv.h"
#include "lib.h"
#include "power.h"
#include "x86.h"

const u16 vmx_cached_field[VC_COUNT] = {
    [VC_EXIT_REASON] = VMCS_EXIT_REASON, [VC_QUAL] = VMCS_EXIT_QUALIFICATION,
    [VC_INSTR_LEN] = VMCS_EXIT_INSTRUCTION_LEN, [VC_INSTR_INFO] = VMCS_EXIT_INSTRUCTION_INFO,
    [VC_GPA] = VMCS_GUEST_PHYSICAL_ADDR, [VC_GLA] = VMCS_GUEST_LINEAR_ADDR,
    [VC_RIP] = VMCS_GUEST_RIP, [VC_RSP] = VMCS_GUEST_RSP, [VC_RFLAGS] = VMCS_GUEST_RFLAGS,
    [VC_INTR] = VMCS_GUEST_INTERRUPTIBILITY, [VC_PENDING_DBG] = VMCS_GUEST_PENDING_DBG_EXCEPTIONS,
    [VC_ACTIVITY] = VMCS_GUEST_ACTIVITY_STATE, [VC_CR0] = VMCS_GUEST_CR0,
    [VC_CR3] = VMCS_GUEST_CR3, [VC_CR4] = VMCS_GUEST_CR4, [VC_EFER] = VMCS_GUEST_IA32_EFER,
    [VC_CR0_SHADOW] = VMCS_CR0_READ_SHADOW, [VC_CR4_SHADOW] = VMCS_CR4_READ_SHADOW,
    [VC_ENTRY_CTLS] = VMCS_ENTRY_CONTROLS, [VC_ENTRY_INTR] = VMCS_ENTRY_INTR_INFO,
    [VC_ENTRY_ERROR] = VMCS_ENTRY_EXCEPTION_ERROR_CODE,
};

u64 vmx_read(struct cpu *c, enum vmcs_field f)
{
    u64 v;
    int rc = vmread_raw(f, &v);
    if (c)
        c->vmx.ops++;
    if (rc)
        panic("VMREAD %s (0x%04x) failed (%s)", vmcs_field_name(f), f,
              rc == 1 ? "VMfailInvalid" : "VMfailValid");
    return v;
}

void vmx_write(struct cpu *c, enum vmcs_field f, u64 v)
{
    int rc = vmwrite_raw(f, v);
    if (c)
        c->vmx.ops++;
    if (rc == 2) {
        u64 err = 0;
        vmread_raw(VMCS_VM_INSTRUCTION_ERROR, &err);
        panic("VMWRITE %s (0x%04x) = 0x%llx failed: VM-instruction error %llu: %s",
              vmcs_field_name(f), f, v, err, vm_instruction_error_str((u32)err));
    }
    if (rc)
        panic("VMWRITE %s (0x%04x) failed: VMfailInvalid (no current VMCS)", vmcs_field_name(f), f);
}

void vmcs_flush(struct cpu *c)
{
    for (u32 d = c->vmx.dirty; d; d &= d - 1) {
        u32 i = (u32)__builtin_ctz(d);
        vmx_write(c, (enum vmcs_field)vmx_cached_field[i], c->vmx.val[i]);
    }
    c->vmx.valid = c->vmx.dirty = 0;
}

/* ---- the VMCS of one CPU ---- */

static void setup_host_state(struct cpu *c)
{
    vmx_write(NULL, VMCS_HOST_CR0, read_cr0());
    vmx_write(NULL, VMCS_HOST_CR3, host_cr3);
    vmx_write(NULL, VMCS_HOST_CR4, read_cr4());
    vmx_write(NULL, VMCS_HOST_CS_SEL, HOST_CS);
    vmx_write(NULL, VMCS_HOST_SS_SEL, HOST_DS);
    vmx_write(NULL, VMCS_HOST_DS_SEL, HOST_DS);
    vmx_write(NULL, VMCS_HOST_ES_SEL, HOST_DS);
    vmx_write(NULL, VMCS_HOST_FS_SEL, HOST_DS);
    vmx_write(NULL, VMCS_HOST_GS_SEL, HOST_DS);
    vmx_write(NULL, VMCS_HOST_TR_SEL, HOST_TR);
    vmx_write(NULL, VMCS_HOST_FS_BASE, 0);
    vmx_write(NULL, VMCS_HOST_GS_BASE, (u64)(usize)c);     /* this_cpu() after an exit */
    vmx_write(NULL, VMCS_HOST_TR_BASE, (u64)(usize)&c->tss);
    vmx_write(NULL, VMCS_HOST_GDTR_BASE, (u64)(usize)c->gdt);
    vmx_write(NULL, VMCS_HOST_IDTR_BASE, host_idtr.base);
    vmx_write(NULL, VMCS_HOST_SYSENTER_CS, 0);
    vmx_write(NULL, VMCS_HOST_SYSENTER_ESP, 0);
    vmx_write(NULL, VMCS_HOST_SYSENTER_EIP, 0);
    vmx_write(NULL, VMCS_HOST_IA32_EFER, rdmsr(MSR_EFER));
    if (vmx_ctl.exit & EXIT_LOAD_PAT)
        vmx_write(NULL, VMCS_HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
    vmx_write(NULL, VMCS_HOST_RSP, cpu_stack_top(c));
    vmx_write(NULL, VMCS_HOST_RIP, (u64)(usize)vmx_exit_stub);
}

static void setup_controls(struct cpu *c)
{
    vmx_write(NULL, VMCS_PIN_CONTROLS, vmx_ctl.pin);
    vmx_write(NULL, VMCS_PRIMARY_CONTROLS, vmx_ctl.cpu);
    vmx_write(NULL, VMCS_SECONDARY_CONTROLS, vmx_ctl.cpu2);
    vmx_write(NULL, VMCS_EXIT_CONTROLS, vmx_ctl.exit);
    vmx_write(NULL, VMCS_ENTRY_CONTROLS, vmx_ctl.entry);
    vmx_write(NULL, VMCS_EXCEPTION_BITMAP, 0);
    vmx_write(NULL, VMCS_PF_ERROR_CODE_MASK, 0);
    vmx_write(NULL, VMCS_PF_ERROR_CODE_MATCH, 0);
    vmx_write(NULL, VMCS_CR3_TARGET_COUNT, 0);
    vmx_write(NULL, VMCS_EXIT_MSR_STORE_COUNT, 0);
    vmx_write(NULL, VMCS_EXIT_MSR_LOAD_COUNT, 0);
    vmx_write(NULL, VMCS_ENTRY_MSR_LOAD_COUNT, 0);
    vmx_write(NULL, VMCS_ENTRY_INTR_INFO, 0);
    vmx_write(NULL, VMCS_IO_BITMAP_A, vmx_ctl.io_bitmap_a);
    vmx_write(NULL, VMCS_IO_BITMAP_B, vmx_ctl.io_bitmap_b);
    vmx_write(NULL, VMCS_MSR_BITMAP, vmx_ctl.msr_bitmap);
    vmx_write(NULL, VMCS_TSC_OFFSET, 0);
    vmx_write(NULL, VMCS_VMCS_LINK_POINTER, ~0ULL);     /* 26.3.1.5: no shadow VMCS */
    if (vmx_ctl.cpu2 & CPU2_ENABLE_XSAVES)
        vmx_write(NULL, VMCS_XSS_EXIT_BITMAP, 0);
    u16 vpid = (u16)(c->index + 1);                     /* 0 is the host's (28.1) */
    if (vmx_ctl.cpu2 & CPU2_ENABLE_VPID)
        vmx_write(NULL, VMCS_VPID, vpid);
    vmx_write(NULL, VMCS_CR0_GUEST_HOST_MASK, vmx_ctl.cr0_mask);
    vmx_write(NULL, VMCS_CR4_GUEST_HOST_MASK, vmx_ctl.cr4_mask);
    vmx_write(NULL, VMCS_EPT_POINTER, vmx_ctl.eptp);
    /* Flush anything cached for this EPTP and VPID (28.3.3.4). */
    if (vmx_caps.ept_vpid & EPT_CAP_INVEPT)
        invept(vmx_caps.ept_vpid & EPT_CAP_INVEPT_SINGLE ? INVEPT_SINGLE : INVEPT_ALL, vmx_ctl.eptp);
    if (vmx_ctl.cpu2 & CPU2_ENABLE_VPID)
        invvpid(vmx_caps.ept_vpid & VPID_CAP_SINGLE ? INVVPID_SINGLE : INVVPID_ALL, vpid);
}

void vmx_cpu_init(struct cpu *c)
{
    /* 24.2: the VMCS region starts with the revision id from IA32_VMX_BASIC. */
    *(u32 *)(usize)c->vmx.vmcs_pa = VMX_BASIC_REVISION(vmx_caps.basic);
    if (vmclear(c->vmx.vmcs_pa))
        panic("VMCLEAR of the VMCS at 0x%llx failed", c->vmx.vmcs_pa);
    if (vmptrld(c->vmx.vmcs_pa))
        panic("VMPTRLD of the VMCS at 0x%llx failed", c->vmx.vmcs_pa);
    setup_controls(c);
    setup_host_state(c);
}

static void set_seg(enum seg_reg s, u16 sel, u32 ar)
{
    static const u16 fields[SEG_COUNT][4] = {
#define SEG_FIELDS(n) { VMCS_GUEST_##n##_SEL, VMCS_GUEST_##n##_BASE, VMCS_GUEST_##n##_LIMIT, VMCS_GUEST_##n##_AR }
        SEG_FIELDS(ES), SEG_FIELDS(CS), SEG_FIELDS(SS), SEG_FIELDS(DS),
        SEG_FIELDS(FS), SEG_FIELDS(GS), SEG_FIELDS(LDTR), SEG_FIELDS(TR),
#undef SEG_FIELDS
    };
    vmx_write(NULL, fields[s][0], sel);
    vmx_write(NULL, fields[s][1], (u64)sel << 4);
    vmx_write(NULL, fields[s][2], 0xFFFF);
    vmx_write(NULL, fields[s][3], ar);
}

/*
 * Real mode at 0000:7C00 as a BIOS leaves it (unrestricted guest: 26.3.1.1
 * lets CR0.PE/PG be 0).  Access rights: 0x9B = present accessed code, 0x93 =
 * present accessed data, 0x8B = busy TSS (24.4.1).
 */
void vmx_guest_start(struct cpu *c, enum vcpu_start how, const struct guest_regs *r)
{
    (void)how;
    u64 cr0 = (CR0_ET | (vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG))) & vmx_caps.cr0_fixed1;
    vmcs_set(c, VC_CR0, cr0);
    vmcs_set(c, VC_CR0_SHADOW, CR0_ET);
    vmcs_set(c, VC_CR3, 0);
    vmcs_set(c, VC_CR4, vmx_caps.cr4_fixed0);
    vmcs_set(c, VC_CR4_SHADOW, 0);
    vmx_write(NULL, VMCS_GUEST_DR7, 0x400);
    vmcs_set(c, VC_RSP, LOW_BOOT_SECTOR);
    vmcs_set(c, VC_RIP, LOW_BOOT_SECTOR);
    vmcs_set(c, VC_RFLAGS, RFLAGS_FIXED | RFLAGS_IF);  /* IF=1, as the BIOS jumps to the boot sector */
    set_seg(SEG_CS, 0, 0x9B);
    set_seg(SEG_SS, 0, 0x93);
    set_seg(SEG_DS, 0, 0x93);
    set_seg(SEG_ES, 0, 0x93);
    set_seg(SEG_FS, 0, 0x93);
    set_seg(SEG_GS, 0, 0x93);
    set_seg(SEG_LDTR, 0, AR_UNUSABLE);
    set_seg(SEG_TR, 0, 0x8B);
    vmx_write(NULL, VMCS_GUEST_GDTR_BASE, 0);
    vmx_write(NULL, VMCS_GUEST_GDTR_LIMIT, 0xFFFF);
    vmx_write(NULL, VMCS_GUEST_IDTR_BASE, 0);
    vmx_write(NULL, VMCS_GUEST_IDTR_LIMIT, 0x3FF);      /* the real-mode IVT */
    vmx_write(NULL, VMCS_GUEST_IA32_DEBUGCTL, 0);
    vmcs_set(c, VC_EFER, 0);
    vmcs_set(c, VC_ENTRY_CTLS, vmx_ctl.entry & ~ENTRY_IA32E_MODE_GUEST);
    if (vmx_ctl.entry & ENTRY_LOAD_PAT)
        vmx_write(NULL, VMCS_GUEST_IA32_PAT, PAT_POWER_ON);
    vmx_write(NULL, VMCS_GUEST_SYSENTER_CS, 0);
    vmx_write(NULL, VMCS_GUEST_SYSENTER_ESP, 0);
    vmx_write(NULL, VMCS_GUEST_SYSENTER_EIP, 0);
    vmcs_set(c, VC_ACTIVITY, ACT_ACTIVE);
    vmcs_set(c, VC_INTR, 0);
    vmcs_set(c, VC_PENDING_DBG, 0);
    vmcs_set(c, VC_ENTRY_INTR, 0);
    c->regs = (struct guest_regs *)r;
}

NORETURN void vmx_run(struct cpu *c)
{
    /* Deliberate breakage on request (tests/test_entry_failures.sh):
     * 26.3.1.2 requires a usable TR; 26.2.1.1 limits the CR3-target count to
     * what IA32_VMX_MISC bits 24:16 allow. */
    if (g_boot.config.flags & CFG_FLAG_BREAK_GUEST_STATE) {
        kprintf("pxHV: test: launching with an unusable guest TR\n");
        vmx_write(NULL, VMCS_GUEST_TR_AR, AR_UNUSABLE);
    }
    if (g_boot.config.flags & CFG_FLAG_BREAK_CONTROLS) {
        kprintf("pxHV: test: launching with CR3-target count 0x100\n");
        vmx_write(NULL, VMCS_CR3_TARGET_COUNT, 0x100);
    }
    vmcs_flush(c);
    /* The first registers go where every exit will push the guest's. */
    struct guest_regs *frame = (struct guest_regs *)(usize)(cpu_stack_top(c) - sizeof *frame);
    *frame = *c->regs;
    c->launched = true;
    vmx_launch(frame);
}

/* VMLAUNCH or VMRESUME fell through: the entry itself failed (30.2, 30.4). */
NORETURN void vmx_entry_failed(struct guest_regs *regs, u64 rflags)
{
    struct cpu *c = this_cpu();
    const char *insn = c->vmx.resumed ? "VMRESUME" : "VMLAUNCH";

    c->regs = regs;
    c->launched = c->vmx.resumed;
    if (rflags & RFLAGS_CF) {
        kprintf("pxHV: %s failed: VMfailInvalid (CF=1): no valid current VMCS\n", insn);
    } else {
        u32 err = (u32)vmx_read(NULL, VMCS_VM_INSTRUCTION_ERROR);
        kprintf("pxHV: %s failed: VM-instruction error %u: %s\n", insn, err,
                vm_instruction_error_str(err));
        if (err == VMXERR_ENTRY_BAD_CONTROLS || c->vmx.resumed)
            vmx_dump_controls();
        if (err == VMXERR_ENTRY_BAD_HOST)
            vmx_dump_host();
        if (c->vmx.resumed)
            vmx_dump_guest(c);
    }
    hv_stop(c->vmx.resumed ? "VMRESUME failed" : "VMLAUNCH failed");
}

/* ---- guest state for the core ---- */

u64 vmx_get(struct cpu *c, enum guest_reg r)
{
    switch (r) {
    case GR_RIP:    return vmcs_get(c, VC_RIP);
    case GR_RSP:    return vmcs_get(c, VC_RSP);
    case GR_RFLAGS: return vmcs_get(c, VC_RFLAGS);
    case GR_CR3:    return vmcs_get(c, VC_CR3);
    case GR_EFER:   return vmcs_get(c, VC_EFER);
    /* What the guest reads: its own bits, and the shadow where pxHV owns them. */
    case GR_CR0:
        return (vmcs_get(c, VC_CR0) & ~vmx_ctl.cr0_mask) | (vmcs_get(c, VC_CR0_SHADOW) & vmx_ctl.cr0_mask);
    case GR_CR4:
        return (vmcs_get(c, VC_CR4) & ~vmx_ctl.cr4_mask) | (vmcs_get(c, VC_CR4_SHADOW) & vmx_ctl.cr4_mask);
    default:        return 0;
    }
}

void vmx_set(struct cpu *c, enum guest_reg r, u64 v)
{
    static const u8 slot[GR_COUNT] = {
        [GR_RIP] = VC_RIP, [GR_RSP] = VC_RSP, [GR_RFLAGS] = VC_RFLAGS, [GR_CR3] = VC_CR3,
    };
    if (r == GR_RIP || r == GR_RSP || r == GR_RFLAGS || r == GR_CR3)
        vmcs_set(c, slot[r], v);
    else
        panic("vmx_set: register %u is set through its own path", r);
}

void vmx_get_seg(struct cpu *c, enum seg_reg s, struct segment *out)
{
    /* Field encodings step by 2 from ES in the order of enum seg_reg (Appendix B). */
    u32 ar = (u32)vmx_read(c, (enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * s));
    out->sel = (u16)vmx_read(c, (enum vmcs_field)(VMCS_GUEST_ES_SEL + 2 * s));
    out->base = vmx_read(c, (enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * s));
    out->limit = (u32)vmx_read(c, (enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * s));
    out->type = ar & 0xF;
    out->s = ar >> 4 & 1;
    out->dpl = ar >> 5 & 3;
    out->present = ar >> 7 & 1;
    out->l = ar >> 13 & 1;
    out->db = ar >> 14 & 1;
    out->g = ar >> 15 & 1;
    out->unusable = ar >> 16 & 1;
}

void vmx_get_pdptes(struct cpu *c, u64 pdpte[4])
{
    for (u32 i = 0; i < 4; i++)
        pdpte[i] = vmx_read(c, (enum vmcs_field)(VMCS_GUEST_PDPTE0 + 2 * i));
}

/*
 * Past the instruction that exited, as its completion would leave the CPU:
 * blocking by STI or MOV SS ends (24.4.2), and a single-step trap pending
 * from RFLAGS.TF is recorded as BS in the pending debug exceptions, which
 * the next VM entry delivers (26.6.3 "Delivery of Pending Debug Exceptions
 * after VM Entry").
 */
void vmx_skip(struct cpu *c)
{
    vmcs_set(c, VC_RIP, vmcs_get(c, VC_RIP) + vmcs_get(c, VC_INSTR_LEN));
    u64 intr = vmcs_get(c, VC_INTR);
    if (intr & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS))
        vmcs_set(c, VC_INTR, intr & ~(u64)(INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
    if (vmcs_get(c, VC_RFLAGS) & RFLAGS_TF)
        vmcs_set(c, VC_PENDING_DBG, vmcs_get(c, VC_PENDING_DBG) | DR6_BS);
}

/* Exceptions of the fault class (SDM Vol. 3A Table 6-1): the CPU sets RF in
 * the RFLAGS image it pushes for them, so an injected one must too. */
#define FAULT_VECTORS (BIT(VEC_DE) | BIT(5) | BIT(VEC_UD) | BIT(VEC_NM) | BIT(VEC_TS) | \
                       BIT(VEC_NP) | BIT(VEC_SS) | BIT(VEC_GP) | BIT(VEC_PF) | BIT(16) | \
                       BIT(VEC_AC) | BIT(19) | BIT(20) | BIT(21))

void vmx_inject(struct cpu *c, u8 vector, bool has_code, u32 code)
{
    u32 info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | vector;
    /* 26.2.1.3: no error code is delivered with CR0.PE = 0. */
    if (has_code && (vmcs_get(c, VC_CR0) & CR0_PE)) {
        info |= INTR_INFO_DELIVER_CODE;
        vmcs_set(c, VC_ENTRY_ERROR, code);
    }
    if (FAULT_VECTORS & BIT(vector))
        vmcs_set(c, VC_RFLAGS, vmcs_get(c, VC_RFLAGS) | RFLAGS_RF);
    vmcs_set(c, VC_ENTRY_INTR, info);
}
