/*
 * RDMSR/WRMSR that exit (the backend's MSR bitmap, built from
 * msr_intercepted, and every MSR outside the bitmap's ranges).  The guest
 * sees a CPU without hardware virtualization: IA32_FEATURE_CONTROL reads as
 * locked with VMX off, what firmware leaves on such a CPU, and the VMX
 * capability MSRs do not exist (#GP), as SDM Vol. 3C 23.7 says of a CPU
 * without VMX.  Everything else is executed for the guest, with the #GP the
 * CPU raises where it refuses.
 */
#include "core.h"
#include "vmx.h"
#include "x86.h"

const struct msr_range msr_intercepted[] = {
    { MSR_IA32_FEATURE_CONTROL, MSR_IA32_FEATURE_CONTROL },
    { MSR_IA32_VMX_BASIC, MSR_IA32_VMX_LAST },
    { 0, 0 },
};

static bool msr_is_vmx(u32 msr)
{
    return msr >= MSR_IA32_VMX_BASIC && msr <= MSR_IA32_VMX_LAST;
}

void core_rdmsr(struct cpu *c)
{
    struct guest_regs *r = c->regs;
    u32 msr = (u32)r->r[R_RCX];
    u64 v;

    c->stats.event[EV_MSR_READ]++;
    if (msr == MSR_IA32_FEATURE_CONTROL) {
        v = FEATURE_CONTROL_LOCK;
    } else if (msr_is_vmx(msr) || !rdmsr_safe(msr, &v)) {
        inject_gp0(c);
        return;
    }
    r->r[R_RAX] = (u32)v;
    r->r[R_RDX] = v >> 32;
    virt->skip(c);
}

void core_wrmsr(struct cpu *c)
{
    struct guest_regs *r = c->regs;
    u32 msr = (u32)r->r[R_RCX];
    u64 v = (r->r[R_RDX] << 32) | (u32)r->r[R_RAX];

    c->stats.event[EV_MSR_WRITE]++;
    if (msr == MSR_IA32_FEATURE_CONTROL || msr_is_vmx(msr) || !wrmsr_safe(msr, v)) {
        inject_gp0(c);
        return;
    }
    virt->skip(c);
}
