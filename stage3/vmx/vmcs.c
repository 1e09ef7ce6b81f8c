/*
 * Each CPU's VMCS (SDM Vol. 3C ch. 24): controls and host state, the guest's
 * starting state, VM entry and its failures.  The guest state the core reads
 * and writes at run time is in state.c.
 */
#include "vmx_impl.h"
#include "core/console.h"
#include "core/core.h"
#include "core/host.h"
#include "core/hv.h"
#include "lib/lib.h"
#include "core/power.h"
#include "hw/x86.h"

NORETURN void vmx_field_failed(enum vmcs_field f, bool write, u64 v)
{
    u64 err = 0, dummy;
    /* Again, to tell VMfailInvalid (no current VMCS) from VMfailValid. */
    int rc = write ? vmwrite_raw(f, v) : vmread_raw(f, &dummy);
    if (rc != 2)
        panic("%s %s (0x%04x) failed: VMfailInvalid (no current VMCS)",
              write ? "VMWRITE" : "VMREAD", vmcs_field_name(f), f);
    vmread_raw(VMCS_VM_INSTRUCTION_ERROR, &err);
    panic("%s %s (0x%04x) = 0x%llx failed: VM-instruction error %llu: %s",
          write ? "VMWRITE" : "VMREAD", vmcs_field_name(f), f, v, err,
          vm_instruction_error_str((u32)err));
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
    if (vmx_ctl.exit & EXITCTL_LOAD_PAT)
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
    vmx_setup_bitmaps(c);
    vmx_write(NULL, VMCS_IO_BITMAP_A, vmx_bitmap_pa(c, VMX_PAGE_IO_A));
    vmx_write(NULL, VMCS_IO_BITMAP_B, vmx_bitmap_pa(c, VMX_PAGE_IO_B));
    vmx_write(NULL, VMCS_MSR_BITMAP, vmx_bitmap_pa(c, VMX_PAGE_MSR_BITMAP));
    vmx_write(NULL, VMCS_TSC_OFFSET, 0);
    vmx_write(NULL, VMCS_VMCS_LINK_POINTER, ~0ULL);     /* 26.3.1.5: no shadow VMCS */
    if (vmx_ctl.cpu2 & PROC2_ENABLE_XSAVES)
        vmx_write(NULL, VMCS_XSS_EXIT_BITMAP, 0);
    u16 vpid = (u16)(c->index + 1);                     /* 0 is the host's (28.1) */
    if (vmx_ctl.cpu2 & PROC2_ENABLE_VPID)
        vmx_write(NULL, VMCS_VPID, vpid);
    vmx_write(NULL, VMCS_CR0_GUEST_HOST_MASK, vmx_ctl.cr0_mask);
    vmx_write(NULL, VMCS_CR4_GUEST_HOST_MASK, vmx_ctl.cr4_mask);
    /* The root cell's EPT, or the cell's own (c->slat). */
    u64 eptp = c->slat ? c->slat : vmx_ctl.eptp;
    vmx_write(NULL, VMCS_EPT_POINTER, eptp);
    /* Flush anything cached for this EPTP and VPID (28.3.3.4). */
    if (vmx_caps.ept_vpid & EPT_CAP_INVEPT)
        invept(vmx_caps.ept_vpid & EPT_CAP_INVEPT_SINGLE ? INVEPT_SINGLE : INVEPT_ALL, eptp);
    if (vmx_ctl.cpu2 & PROC2_ENABLE_VPID)
        invvpid(vmx_caps.ept_vpid & VPID_CAP_SINGLE ? INVVPID_SINGLE : INVVPID_ALL, vpid);
}

void vmx_cpu_init(struct cpu *c)
{
    /* 24.2: the VMCS region starts with the revision id from IA32_VMX_BASIC. */
    *(u32 *)(usize)c->vm_ctl_pa = VMX_BASIC_REVISION(vmx_caps.basic);
    if (vmclear(c->vm_ctl_pa))
        panic("VMCLEAR of the VMCS at 0x%llx failed", c->vm_ctl_pa);
    if (vmptrld(c->vm_ctl_pa))
        panic("VMPTRLD of the VMCS at 0x%llx failed", c->vm_ctl_pa);
    /* A fresh VMCS: nothing cached from another (the in-place relaunch
     * replaces the VMCS in the middle of an exit), and launched anew. */
    vmx_of(c)->valid = vmx_of(c)->dirty = 0;
    vmx_of(c)->resumed = false;
    setup_controls(c);
    setup_host_state(c);
}

static void set_seg_limit(enum seg_reg s, u16 sel, u64 base, u32 limit, u32 ar)
{
    /* Field encodings step by 2 from ES in the order of enum seg_reg (Appendix B). */
    vmx_write(NULL, (enum vmcs_field)(VMCS_GUEST_ES_SEL + 2 * s), sel);
    vmx_write(NULL, (enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * s), base);
    vmx_write(NULL, (enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * s), limit);
    vmx_write(NULL, (enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * s), ar);
}

static void set_seg(enum seg_reg s, u16 sel, u64 base, u32 ar)
{
    set_seg_limit(s, sel, base, 0xFFFF, ar);
}

/*
 * Real mode as a BIOS leaves a boot sector, as power-up and INIT leave a CPU
 * (SDM Vol. 3A Table 9-1), or as a SIPI starts one (8.4.1): unrestricted
 * guest lets CR0.PE/PG be 0 (26.3.1.1).  Access rights: 0x9B present
 * accessed code, 0x93 present accessed data, 0x82 LDT, 0x8B busy TSS
 * (24.4.1; VM entry wants TR busy, 26.3.1.2).
 */
void vmx_guest_start(struct cpu *c, enum vcpu_start how, u8 vector)
{
    struct guest_regs *r = c->regs;
    u64 cr0 = how == START_BOOT_SECTOR ? CR0_ET : CR0_CD | CR0_NW | CR0_ET;
    u16 cs = how == START_SIPI ? (u16)(vector << 8) : how == START_BOOT_SECTOR ? 0 : 0xF000;
    u64 cs_base = how == START_SIPI ? (u64)vector << 12 : how == START_BOOT_SECTOR ? 0 : 0xFFFF0000;

    if (how == START_SIPI) {
        /* The CPU is in the INIT state already: CS:IP and the activity
         * change, and nothing blocks events any longer. */
        set_seg(SEG_CS, cs, cs_base, 0x9B);
        vmcs_set(c, VC_RIP, 0);
        vmcs_set(c, VC_ACTIVITY, ACT_ACTIVE);
        vmcs_set(c, VC_INTR, 0);
        vmcs_set(c, VC_PENDING_DBG, 0);
        return;
    }
    if (how != START_BOOT_SECTOR && c->launched)   /* INIT leaves CD and NW as they were */
        cr0 = (vmx_get(c, GR_CR0) & (CR0_CD | CR0_NW)) | CR0_ET;
    vmcs_set(c, VC_CR0, (cr0 | (vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG))) & vmx_caps.cr0_fixed1);
    vmcs_set(c, VC_CR0_SHADOW, cr0);
    vmcs_set(c, VC_CR3, 0);
    vmcs_set(c, VC_CR4, vmx_caps.cr4_fixed0);
    vmcs_set(c, VC_CR4_SHADOW, 0);
    vmx_write(NULL, VMCS_GUEST_DR7, 0x400);
    vmcs_set(c, VC_RSP, how == START_BOOT_SECTOR ? LOW_BOOT_SECTOR : 0);
    vmcs_set(c, VC_RIP, how == START_BOOT_SECTOR ? LOW_BOOT_SECTOR : 0xFFF0);
    /* IF=1 as the BIOS jumps to the boot sector; only bit 1 after INIT. */
    vmcs_set(c, VC_RFLAGS, RFLAGS_FIXED | (how == START_BOOT_SECTOR ? RFLAGS_IF : 0));
    set_seg(SEG_CS, cs, cs_base, 0x9B);
    for (enum seg_reg sr = SEG_ES; sr <= SEG_GS; sr++)
        if (sr != SEG_CS)
            set_seg(sr, 0, 0, 0x93);
    set_seg(SEG_LDTR, 0, 0, how == START_BOOT_SECTOR ? AR_UNUSABLE : 0x82);
    set_seg(SEG_TR, 0, 0, 0x8B);
    vmx_write(NULL, VMCS_GUEST_GDTR_BASE, 0);
    vmx_write(NULL, VMCS_GUEST_GDTR_LIMIT, 0xFFFF);
    vmx_write(NULL, VMCS_GUEST_IDTR_BASE, 0);
    vmx_write(NULL, VMCS_GUEST_IDTR_LIMIT, how == START_BOOT_SECTOR ? 0x3FF : 0xFFFF);
    vmx_write(NULL, VMCS_GUEST_IA32_DEBUGCTL, 0);
    vmcs_set(c, VC_EFER, 0);
    vmcs_set(c, VC_ENTRY_CTLS, vmx_ctl.entry & ~ENTRYCTL_IA32E_MODE_GUEST);
    if ((vmx_ctl.entry & ENTRYCTL_LOAD_PAT) && !c->launched)
        vmx_write(NULL, VMCS_GUEST_IA32_PAT, PAT_POWER_ON);
    vmx_write(NULL, VMCS_GUEST_SYSENTER_CS, 0);
    vmx_write(NULL, VMCS_GUEST_SYSENTER_ESP, 0);
    vmx_write(NULL, VMCS_GUEST_SYSENTER_EIP, 0);
    vmcs_set(c, VC_ACTIVITY, how == START_WAIT_FOR_SIPI ? ACT_WAIT_SIPI : ACT_ACTIVE);
    vmcs_set(c, VC_INTR, 0);
    vmcs_set(c, VC_PENDING_DBG, 0);
    vmcs_set(c, VC_ENTRY_INTR, 0);
    c->nmi_pending = false;
    memset(r, 0, sizeof *r);
    if (how != START_BOOT_SECTOR) {
        /* EDX = the processor signature, CPUID.1:EAX (Table 9-1); the debug
         * registers as INIT leaves them (pxHV never switches them). */
        u32 a, b, ecx, d;
        cpuid(1, 0, &a, &b, &ecx, &d);
        r->r[R_RDX] = a;
        __asm__ volatile("mov %0, %%dr0; mov %0, %%dr1; mov %0, %%dr2; mov %0, %%dr3; mov %1, %%dr6"
                         :: "r"(0ULL), "r"(0xFFFF0FF0ULL));
    }
    if (how == START_FLAT32) {
        /* Protected mode, caches on: the shadow shows what the guest set. */
        cr0 = CR0_PE | CR0_ET;
        vmcs_set(c, VC_CR0, (cr0 | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1 & ~(u64)CR0_PG);
        vmcs_set(c, VC_CR0_SHADOW, cr0);
        set_seg_limit(SEG_CS, 0x08, 0, 0xFFFFFFFF, 0xC09B);
        for (enum seg_reg sr = SEG_ES; sr <= SEG_GS; sr++)
            if (sr != SEG_CS)
                set_seg_limit(sr, 0x10, 0, 0xFFFFFFFF, 0xC093);
        vmcs_set(c, VC_RSP, 0);
        vmcs_set(c, VC_RIP, 0);
    }
}

/*
 * The in-place launch (include/core/virt.h): every guest-state field of
 * SDM Vol. 3C 24.4 "Guest-State Area" from a CPU's own state, so that VM
 * entry continues it where the state was taken.  CR0 and CR4 get the bits
 * VMX operation fixes (VMXE, NE; A.7, A.8), with the read shadows holding the
 * values the CPU had, so the guest reads its own (24.6.6).  The MSRs VMX does
 * not switch (KERNEL_GS_BASE and the SYSCALL ones) and CR2 are the CPU's own:
 * they are written back as they were, pxHV never uses them.
 */
void vmx_guest_set_state(struct cpu *c, const struct vcpu_state *s)
{
    u64 free = (vmx_ctl.cpu2 & PROC2_UNRESTRICTED_GUEST) ? CR0_PE | CR0_PG : 0;
    vmcs_set(c, VC_CR0, (s->cr0 | (vmx_caps.cr0_fixed0 & ~free)) & vmx_caps.cr0_fixed1);
    vmcs_set(c, VC_CR0_SHADOW, s->cr0);
    vmcs_set(c, VC_CR3, s->cr3);
    vmcs_set(c, VC_CR4, (s->cr4 | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1);
    vmcs_set(c, VC_CR4_SHADOW, s->cr4);
    vmx_write(NULL, VMCS_GUEST_DR7, s->dr7);
    vmcs_set(c, VC_RSP, s->rsp);
    vmcs_set(c, VC_RIP, s->rip);
    vmcs_set(c, VC_RFLAGS, s->rflags | RFLAGS_FIXED);
    for (enum seg_reg sr = SEG_ES; sr < SEG_COUNT; sr++)
        vmx_set_seg(c, sr, &s->seg[sr]);
    vmx_write(NULL, VMCS_GUEST_GDTR_BASE, s->gdt_base);
    vmx_write(NULL, VMCS_GUEST_GDTR_LIMIT, s->gdt_limit);
    vmx_write(NULL, VMCS_GUEST_IDTR_BASE, s->idt_base);
    vmx_write(NULL, VMCS_GUEST_IDTR_LIMIT, s->idt_limit);
    vmx_write(NULL, VMCS_GUEST_IA32_DEBUGCTL, s->debugctl);
    vmcs_set(c, VC_EFER, s->efer);
    /* 24.8.1: the IA-32e mode guest control is EFER.LMA (26.3.1.1 checks it). */
    vmcs_set(c, VC_ENTRY_CTLS, s->efer & EFER_LMA ? vmx_ctl.entry | ENTRYCTL_IA32E_MODE_GUEST
                                                   : vmx_ctl.entry & ~ENTRYCTL_IA32E_MODE_GUEST);
    if (vmx_ctl.entry & ENTRYCTL_LOAD_PAT)
        vmx_write(NULL, VMCS_GUEST_IA32_PAT, s->pat);
    vmx_write(NULL, VMCS_GUEST_SYSENTER_CS, s->sysenter_cs);
    vmx_write(NULL, VMCS_GUEST_SYSENTER_ESP, s->sysenter_esp);
    vmx_write(NULL, VMCS_GUEST_SYSENTER_EIP, s->sysenter_eip);
    /* PAE paging outside IA-32e mode: VM entry loads the PDPTEs from these
     * fields with EPT (26.3.2.4), as MOV CR3 loaded them. */
    if ((s->cr0 & CR0_PG) && (s->cr4 & CR4_PAE) && !(s->efer & EFER_LMA)) {
        u64 pdpte[4] = { 0, 0, 0, 0 };
        guest_read(s->cr3 & ~0x1FULL, pdpte, sizeof pdpte);
        for (u32 i = 0; i < 4; i++)
            vmx_write(NULL, (enum vmcs_field)(VMCS_GUEST_PDPTE0 + 2 * i), pdpte[i]);
    }
    vmcs_set(c, VC_ACTIVITY, ACT_ACTIVE);
    vmcs_set(c, VC_INTR, 0);
    vmcs_set(c, VC_PENDING_DBG, 0);
    vmcs_set(c, VC_ENTRY_INTR, 0);
    c->nmi_pending = false;
    wrmsr(MSR_KERNEL_GS_BASE, s->kernel_gs_base);
    wrmsr(MSR_STAR, s->star);
    wrmsr(MSR_LSTAR, s->lstar);
    wrmsr(MSR_CSTAR, s->cstar);
    wrmsr(MSR_SFMASK, s->sfmask);
    write_cr2(s->cr2);
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
    if (c->nmi_pending)
        vmx_deliver_nmi(c);
    vmcs_flush(c);
    /* The first registers go where every exit will push the guest's. */
    struct guest_regs *frame = (struct guest_regs *)(usize)(cpu_stack_top(c) - sizeof *frame);
    *frame = *c->regs;
    c->launched = true;
    /* A CPU whose VMCS was launched before (a cell starting again) resumes:
     * VMLAUNCH needs a clear VMCS (30.3 "VMLAUNCH/VMRESUME"). */
    if (vmx_of(c)->resumed)
        vmx_resume(frame);
    vmx_launch(frame);
}

/* VMLAUNCH or VMRESUME fell through: the entry itself failed (30.2, 30.4). */
NORETURN void vmx_entry_failed(struct guest_regs *regs, u64 rflags)
{
    struct cpu *c = this_cpu();
    const char *insn = vmx_of(c)->resumed ? "VMRESUME" : "VMLAUNCH";

    c->regs = regs;
    c->launched = vmx_of(c)->resumed;
    if (rflags & RFLAGS_CF) {
        kprintf("pxHV: %s failed: VMfailInvalid (CF=1): no valid current VMCS\n", insn);
    } else {
        u32 err = (u32)vmx_read(NULL, VMCS_VM_INSTRUCTION_ERROR);
        kprintf("pxHV: %s failed: VM-instruction error %u: %s\n", insn, err,
                vm_instruction_error_str(err));
        if (err == VMXERR_ENTRY_BAD_CONTROLS || vmx_of(c)->resumed)
            vmx_dump_controls();
        if (err == VMXERR_ENTRY_BAD_HOST)
            vmx_dump_host();
        if (vmx_of(c)->resumed)
            vmx_dump_guest(c);
    }
    hv_stop(vmx_of(c)->resumed ? "VMRESUME failed" : "VMLAUNCH failed");
}
