/*
 * The guest state the core reads and writes after an exit (the backend's
 * get/set/skip/inject), through the per-exit VMCS cache of vmx_impl.h, and
 * the events VMX delivers at the next entry (HLT activity, NMIs).
 */
#include "vmx_impl.h"
#include "core/core.h"
#include "core/hv.h"
#include "hw/x86.h"

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

/* Resume in the HLT activity state (24.4.2, when IA32_VMX_MISC bit 6 allows
 * it): the next interrupt (with IF=1) or NMI wakes the guest. */
void vmx_halt(struct cpu *c, bool guest_if)
{
    (void)guest_if;
    vmx_skip(c, 0);
    if (vmx_caps.misc & VMX_MISC_ACT_HLT)
        vmcs_set(c, VC_ACTIVITY, ACT_HLT);
}

/*
 * An NMI for the guest is delivered at the next VM entry, unless the guest
 * blocks NMIs (virtual-NMI blocking, or STI/MOV SS blocking, which VM entry
 * refuses with an injected NMI, 26.3.1.5), or another event is being
 * injected: then the NMI-window exit says when (24.6.2).  A CPU waiting for
 * a SIPI ignores NMIs, as hardware does.
 */
void vmx_deliver_nmi(struct cpu *c)
{
    if (vmcs_get(c, VC_ACTIVITY) == ACT_WAIT_SIPI) {
        c->nmi_pending = false;
        return;
    }
    bool blocked = (vmcs_get(c, VC_INTR) & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS | INTR_BLOCK_NMI)) ||
                   (vmcs_get(c, VC_ENTRY_INTR) & INTR_INFO_VALID);
    u64 ctls = vmx_ctl.cpu;
    if (blocked) {
        ctls |= PROC_NMI_WINDOW_EXITING;
    } else {
        vmcs_set(c, VC_ENTRY_INTR, INTR_INFO_VALID | INTR_TYPE_NMI | VEC_NMI);
        if (vmcs_get(c, VC_ACTIVITY) == ACT_HLT)
            vmcs_set(c, VC_ACTIVITY, ACT_ACTIVE);
        c->nmi_pending = false;
    }
    vmx_write(c, VMCS_PRIMARY_CONTROLS, ctls);
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
    case GR_CR2:    return read_cr2();   /* VMX neither saves nor loads it */
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
    else if (r == GR_CR2)
        write_cr2(v);                    /* the guest's until the next host #PF: none */
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

void vmx_set_seg(struct cpu *c, enum seg_reg s, const struct segment *in)
{
    u32 ar = in->type | (u32)in->s << 4 | (u32)in->dpl << 5 | (u32)in->present << 7 |
             (u32)in->l << 13 | (u32)in->db << 14 | (u32)in->g << 15 | (u32)in->unusable << 16;
    vmx_write(c, (enum vmcs_field)(VMCS_GUEST_ES_SEL + 2 * s), in->sel);
    vmx_write(c, (enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * s), in->base);
    vmx_write(c, (enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * s), in->limit);
    vmx_write(c, (enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * s), ar);
}

/* The CPL is SS.DPL, in every mode (24.4.1; VM entry keeps real mode at 0
 * and virtual-8086 mode at 3, 26.3.1.2). */
u32 vmx_cpl(struct cpu *c)
{
    return (vmx_read(c, VMCS_GUEST_SS_AR) >> 5) & 3;
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
void vmx_skip(struct cpu *c, u32 len)
{
    u64 rip = vmcs_get(c, VC_RIP), next = rip + (len ? len : vmcs_get(c, VC_INSTR_LEN));
    /* The instruction pointer wraps at the code segment's operand size
     * outside 64-bit mode: IP at 64 KiB, EIP at 4 GiB.  Only an instruction
     * that ends across such a boundary needs CS to tell which. */
    if ((next ^ rip) >> 16) {
        u32 ar = (u32)vmx_read(c, VMCS_GUEST_CS_AR);
        if (!(ar & AR_L) || !(vmcs_get(c, VC_EFER) & EFER_LMA))
            next &= ar & AR_DB ? 0xFFFFFFFFULL : 0xFFFF;
    }
    vmcs_set(c, VC_RIP, next);
    u64 intr = vmcs_get(c, VC_INTR);
    if (intr & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS))
        vmcs_set(c, VC_INTR, intr & ~(u64)(INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
    if (vmcs_get(c, VC_RFLAGS) & RFLAGS_TF)
        vmcs_set(c, VC_PENDING_DBG, vmcs_get(c, VC_PENDING_DBG) | DR6_BS);
}

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
