/*
 * CPUID: what the guest is told about the CPU.  The real answer, with
 * hardware virtualization hidden (CPUID.1:ECX.VMX = 0, SDM Vol. 3C 23.6;
 * CPUID.80000001h:ECX.SVM = 0 and no leaf 8000000Ah),
 * the "hypervisor present" bit set, the OS-controlled bits (OSXSAVE, OSPKE)
 * taken from the guest's own CR4, and pxHV's leaves in the range reserved
 * for hypervisors.
 */
#include "core/core.h"
#include "core/hv.h"
#include "boot/hypercall.h"
#include "hw/x86.h"

void core_cpuid(struct cpu *c)
{
    struct guest_regs *r = c->regs;
    u32 leaf = (u32)r->r[R_RAX], sub = (u32)r->r[R_RCX], a, b, d, ecx;

    c->stats.event[EV_CPUID]++;
    if (leaf >= PXHV_CPUID_BASE && leaf <= 0x4FFFFFFF) {
        a = b = ecx = d = 0;
        if (leaf == PXHV_CPUID_BASE) {
            a = PXHV_CPUID_MAX;
            b = ecx = d = PXHV_CPUID_SIG;
        } else if (leaf == PXHV_CPUID_REGION && virt->cpl(c) == 0) {
            a = (u32)g_hv_base;             /* where pxHV lives: for the kernel's tests */
            b = (u32)(g_hv_base >> 32);
            ecx = (u32)g_hv_size;
        }
    } else {
        cpuid(leaf, sub, &a, &b, &ecx, &d);
        if (leaf == 1) {
            u64 cr4 = virt->get(c, GR_CR4);
            ecx &= ~(u32)CPUID_1_ECX_OSXSAVE;
            ecx |= (u32)CPUID_1_ECX_HYPERVISOR | (cr4 & CR4_OSXSAVE ? (u32)CPUID_1_ECX_OSXSAVE : 0);
        } else if (leaf == 7 && sub == 0) {
            ecx &= ~(u32)CPUID_7_ECX_OSPKE;
            ecx |= virt->get(c, GR_CR4) & CR4_PKE ? (u32)CPUID_7_ECX_OSPKE : 0;
        }
        /* What the backend keeps for itself (virt_ops.cpuid_hidden). */
        u32 *reg[4] = { &a, &b, &ecx, &d };
        for (const struct cpuid_bits *h = virt->cpuid_hidden; h->leaf || h->mask; h++)
            if (h->leaf == leaf)
                for (u32 i = 0; i < 4; i++)
                    if (h->reg == CPUID_LEAF || h->reg == i)
                        *reg[i] &= ~h->mask;
    }
    r->r[R_RAX] = a;
    r->r[R_RBX] = b;
    r->r[R_RCX] = ecx;
    r->r[R_RDX] = d;
    virt->skip(c, 0);
}
