/*
 * Control-register access exits (SDM Vol. 3C 27.2.1, Table 27-3).  They
 * happen when the guest changes a CR0/CR4 bit pxHV owns (the guest/host
 * masks, vmx.c) or, on CPUs that force it, on MOV to/from CR3.  The guest
 * gets what a CPU without VMX would do, and the real register keeps the bits
 * VMX operation requires.
 */
#include "vmx_impl.h"
#include "core/core.h"
#include "core/hv.h"
#include "hw/x86.h"

/* A present PAE PDPTE with a reserved bit set: bits 2:1, 8:5 and those at
 * or above MAXPHYADDR (SDM Vol. 3A 4.4.1 "PDPTE Registers"). */
static bool pdpte_bad(u64 e)
{
    u32 a, b, ecx, d;
    cpuid(0x80000000, 0, &a, &b, &ecx, &d);
    u32 bits = 36;
    if (a >= 0x80000008) {
        cpuid(0x80000008, 0, &a, &b, &ecx, &d);
        bits = a & 0xFF;
    }
    return (e & 1) && (e & (0x1E6ULL | ~((1ULL << bits) - 1)));
}

/* With PAE paging outside IA-32e mode the CPU takes the PDPTEs from the VMCS
 * on entry when EPT is on (26.3.2.4), so after a paging-mode change made on
 * the guest's behalf they are loaded as MOV to CR would, with its #GP when
 * one is bad (SDM Vol. 2B MOV CR).  False: the guest gets #GP(0), and the
 * registers must not change: the caller checks first (check_only). */
static bool load_pdptes(struct cpu *c, u64 cr0, u64 cr3, u64 cr4, bool check_only)
{
    /* With EFER.LME set, paging is IA-32e paging (or off): no PDPTEs. */
    if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || (vmcs_get(c, VC_EFER) & EFER_LME))
        return true;
    u64 pdpte[4] = { 0, 0, 0, 0 };
    if (!guest_read(cr3 & 0xFFFFFFE0ULL, pdpte, sizeof pdpte))
        return false;
    for (u32 i = 0; i < 4; i++)
        if (pdpte_bad(pdpte[i]))
            return false;
    for (u32 i = 0; i < 4 && !check_only; i++)
        vmx_write(c, (enum vmcs_field)(VMCS_GUEST_PDPTE0 + 2 * i), pdpte[i]);
    return true;
}

static bool guest_set_cr0(struct cpu *c, u64 v)
{
    u64 old = vmcs_get(c, VC_CR0), efer = vmcs_get(c, VC_EFER), cr4 = vmcs_get(c, VC_CR4);

    /* SDM Vol. 2B MOV CR: #GP for reserved bits, PG without PE, NW without CD,
     * and enabling paging with LME set but PAE clear. */
    if ((v >> 32) || ((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)))
        return false;
    if ((v & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME) && !(cr4 & CR4_PAE))
        return false;
    struct segment cs, tr;
    vmx_get_seg(c, SEG_CS, &cs);
    /* Paging off in 64-bit mode (only compatibility mode may leave IA-32e
     * mode); IA-32e mode on with CS.L set or a 16-bit TSS in TR. */
    if (!(v & CR0_PG) && (old & CR0_PG) && (efer & EFER_LMA) && cs.l)
        return false;
    if ((v & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
        vmx_get_seg(c, SEG_TR, &tr);
        if (cs.l || tr.type == 1 || tr.type == 3)      /* 16-bit TSS, available or busy */
            return false;
    }
    if (!load_pdptes(c, v, vmcs_get(c, VC_CR3), cr4, true))
        return false;

    u64 fixed0 = vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG);
    vmcs_set(c, VC_CR0, (v | fixed0) & vmx_caps.cr0_fixed1);
    vmcs_set(c, VC_CR0_SHADOW, v);

    /* Paging switched with EFER.LME set: activate or leave IA-32e mode as
     * the CPU would (SDM Vol. 3A 9.8.5), and keep the IA-32e-mode-guest
     * entry control equal to EFER.LMA, which VM entry checks (26.2.4). */
    if ((v ^ old) & CR0_PG && (efer & EFER_LME)) {
        efer = v & CR0_PG ? efer | EFER_LMA : efer & ~EFER_LMA;
        vmcs_set(c, VC_EFER, efer);
        u64 entry = vmcs_get(c, VC_ENTRY_CTLS) & ~(u64)ENTRYCTL_IA32E_MODE_GUEST;
        vmcs_set(c, VC_ENTRY_CTLS, efer & EFER_LMA ? entry | ENTRYCTL_IA32E_MODE_GUEST : entry);
    }
    load_pdptes(c, v, vmcs_get(c, VC_CR3), cr4, false);
    return true;
}

static bool guest_set_cr4(struct cpu *c, u64 v)
{
    /* VMXE and SMXE are reserved for a guest that sees neither VMX nor SMX
     * (CPUID.1:ECX); unsupported bits #GP. */
    if ((v & (CR4_VMXE | CR4_SMXE)) || (v & ~vmx_caps.cr4_fixed1))
        return false;
    if ((vmcs_get(c, VC_EFER) & EFER_LMA) && !(v & CR4_PAE))
        return false;
    u64 cr0 = vmcs_get(c, VC_CR0), cr3 = vmcs_get(c, VC_CR3);
    if (!load_pdptes(c, cr0, cr3, v, true))
        return false;
    vmcs_set(c, VC_CR4, v | vmx_caps.cr4_fixed0);
    vmcs_set(c, VC_CR4_SHADOW, v);
    load_pdptes(c, cr0, cr3, v, false);
    return true;
}

void vmx_cr_access(struct cpu *c)
{
    struct cr_qual q = vmx_decode_cr(vmcs_get(c, VC_QUAL));
    u64 val = q.gpr == R_RSP ? vmcs_get(c, VC_RSP) : c->regs->r[q.gpr];
    bool ok = true;

    c->stats.event[EV_CR]++;
    if (!(vmcs_get(c, VC_EFER) & EFER_LMA))
        val = (u32)val;       /* outside 64-bit mode the operand is 32 bits */

    switch (q.type) {
    case CR_MOV_TO:
        if (q.cr == 0) {
            ok = guest_set_cr0(c, val);
        } else if (q.cr == 4) {
            ok = guest_set_cr4(c, val);
        } else if (q.cr == 3) {
            u64 cr0 = vmcs_get(c, VC_CR0), cr4 = vmcs_get(c, VC_CR4);
            if (!(ok = load_pdptes(c, cr0, val, cr4, true)))
                break;
            vmcs_set(c, VC_CR3, val);
            load_pdptes(c, cr0, val, cr4, false);
            if (vmx_ctl.cpu2 & PROC2_ENABLE_VPID)
                invvpid(vmx_caps.ept_vpid & VPID_CAP_SINGLE ? INVVPID_SINGLE : INVVPID_ALL,
                        (u16)(c->index + 1));
        } else {
            ok = false;
        }
        break;
    case CR_MOV_FROM:          /* CR3-store exiting */
        if (q.cr != 3) {
            ok = false;
        } else if (q.gpr == R_RSP) {
            vmcs_set(c, VC_RSP, vmcs_get(c, VC_CR3));
        } else {
            c->regs->r[q.gpr] = vmcs_get(c, VC_CR3);
        }
        break;
    case CR_CLTS:
        vmcs_set(c, VC_CR0, vmcs_get(c, VC_CR0) & ~CR0_TS);
        vmcs_set(c, VC_CR0_SHADOW, vmcs_get(c, VC_CR0_SHADOW) & ~CR0_TS);
        break;
    case CR_LMSW: {           /* loads PE, MP, EM, TS; cannot clear PE */
        u64 cur = vmx_get(c, GR_CR0);
        ok = guest_set_cr0(c, (cur & ~0xEULL) | (q.lmsw_src & 0xF) | (cur & CR0_PE));
        break;
    }
    }
    if (ok)
        virt->skip(c, 0);
    else
        inject_gp0(c);
}
