/*
 * Control-register access exits (SDM 27.1.3, Table 27-3).  They happen
 * when the guest changes a CR0/CR4 bit the hypervisor owns (the guest/host
 * masks, vmx.c) or, on CPUs that force it, on MOV to/from CR3.  The guest
 * gets what a CPU without VMX would do, and the real register keeps the
 * bits VMX operation requires.
 */
#include "hv.h"
#include "vcpu.h"
#include "console.h"
#include "x86.h"

/* With PAE paging outside IA-32e mode the CPU takes the PDPTEs from the
 * VMCS on entry when EPT is on (SDM 26.3.2.4), so after we change the
 * paging mode on the guest's behalf we load them as MOV to CR would. */
static void load_pdptes(void)
{
    u64 cr0 = vmread(VMCS_GUEST_CR0), cr4 = vmread(VMCS_GUEST_CR4);
    if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || (vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA))
        return;
    u64 pdpte[4] = { 0, 0, 0, 0 };
    guest_read(vmread(VMCS_GUEST_CR3) & ~0x1FULL, pdpte, sizeof pdpte);
    vmwrite(VMCS_GUEST_PDPTE0, pdpte[0]);
    vmwrite(VMCS_GUEST_PDPTE1, pdpte[1]);
    vmwrite(VMCS_GUEST_PDPTE2, pdpte[2]);
    vmwrite(VMCS_GUEST_PDPTE3, pdpte[3]);
}

static bool guest_write_cr0(u64 v)
{
    u64 old = vmread(VMCS_GUEST_CR0);
    u64 efer = vmread(VMCS_GUEST_IA32_EFER);
    u64 cr4 = vmread(VMCS_GUEST_CR4);

    /* SDM Vol. 2 MOV CR: #GP for reserved bits, PG without PE, NW without CD,
     * and enabling paging with LME set but PAE clear. */
    if ((v >> 32) || ((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)))
        return false;
    if ((v & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME) && !(cr4 & CR4_PAE))
        return false;

    u64 fixed0 = g_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG);
    u64 real = (v | fixed0) & g_caps.cr0_fixed1;
    vmwrite(VMCS_GUEST_CR0, real);
    vmwrite(VMCS_CR0_READ_SHADOW, v);

    /* Paging switched with EFER.LME set: activate/deactivate IA-32e mode
     * as the CPU would (SDM 10.8.5); the dispatcher syncs the entry control. */
    if ((v ^ old) & CR0_PG && (efer & EFER_LME)) {
        efer = v & CR0_PG ? efer | EFER_LMA : efer & ~EFER_LMA;
        vmwrite(VMCS_GUEST_IA32_EFER, efer);
    }
    load_pdptes();
    return true;
}

static bool guest_write_cr4(u64 v)
{
    /* VMXE is reserved for a guest that sees no VMX; unsupported bits #GP. */
    if ((v & CR4_VMXE) || (v & ~g_caps.cr4_fixed1))
        return false;
    if ((vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA) && !(v & CR4_PAE))
        return false;
    vmwrite(VMCS_GUEST_CR4, v | g_caps.cr4_fixed0);
    vmwrite(VMCS_CR4_READ_SHADOW, v);
    load_pdptes();
    return true;
}

void handle_cr_access(void)
{
    struct cr_qual q = vmx_decode_cr(g_vcpu.qual);
    u64 val = q.gpr == R_RSP ? vmread(VMCS_GUEST_RSP) : g_vcpu.regs->r[q.gpr];
    bool ok = true;

    if (!(vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA))
        val = (u32)val;       /* outside 64-bit mode the operand is 32 bits */

    switch (q.type) {
    case 0: /* MOV to CR */
        if (q.cr == 0) {
            ok = guest_write_cr0(val);
        } else if (q.cr == 4) {
            ok = guest_write_cr4(val);
        } else if (q.cr == 3) {
            vmwrite(VMCS_GUEST_CR3, val);
            load_pdptes();
            if (g_caps.cpu2 & CPU2_ENABLE_VPID)
                invvpid(g_caps.ept_vpid & VPID_CAP_SINGLE ? 1 : 2, 1);
        } else {
            ok = false;
        }
        break;
    case 1: /* MOV from CR (CR3-store exiting) */
        if (q.cr != 3) {
            ok = false;
            break;
        }
        if (q.gpr == R_RSP)
            vmwrite(VMCS_GUEST_RSP, vmread(VMCS_GUEST_CR3));
        else
            g_vcpu.regs->r[q.gpr] = vmread(VMCS_GUEST_CR3);
        break;
    case 2: /* CLTS */
        vmwrite(VMCS_GUEST_CR0, vmread(VMCS_GUEST_CR0) & ~CR0_TS);
        vmwrite(VMCS_CR0_READ_SHADOW, vmread(VMCS_CR0_READ_SHADOW) & ~CR0_TS);
        break;
    case 3: { /* LMSW: loads PE, MP, EM, TS; cannot clear PE */
        u64 shadow = (vmread(VMCS_CR0_READ_SHADOW) & g_vcpu.cr0_mask) |
                     (vmread(VMCS_GUEST_CR0) & ~g_vcpu.cr0_mask);
        u64 v = (shadow & ~0xEULL) | (q.lmsw_src & 0xF) | (shadow & CR0_PE);
        ok = guest_write_cr0(v);
        break;
    }
    }
    if (ok)
        exit_skip_instruction();
    else
        exit_inject_gp();
}
