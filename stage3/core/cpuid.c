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

/* pxHV's own leaves, in the range reserved for hypervisors. */
static void cpuid_pxhv(struct cpu *c, u32 leaf, u64 *out)
{
    out[0] = out[1] = out[2] = out[3] = 0;
    if (leaf == PXHV_CPUID_BASE) {
        out[0] = PXHV_CPUID_MAX;
        out[1] = out[2] = out[3] = PXHV_CPUID_SIG;
    } else if (leaf == PXHV_CPUID_REGION && virt->cpl(c) == 0) {
        out[0] = (u32)g_hv_base;            /* where pxHV lives: for the kernel's tests */
        out[1] = (u32)(g_hv_base >> 32);
        out[2] = (u32)g_hv_size;
    }
}

/* The bits the OS controls through CR4 (leaf 1 OSXSAVE, leaf 7 OSPKE) and
 * the hypervisor-present bit. */
static void cpuid_os_bits(struct cpu *c, u32 leaf, u32 sub, u64 *ecx)
{
    if (leaf == 1) {
        *ecx &= ~(u64)CPUID_1_ECX_OSXSAVE;
        *ecx |= CPUID_1_ECX_HYPERVISOR | (virt->get(c, GR_CR4) & CR4_OSXSAVE ? CPUID_1_ECX_OSXSAVE : 0);
    } else if (sub == 0) {
        *ecx &= ~(u64)CPUID_7_ECX_OSPKE;
        *ecx |= virt->get(c, GR_CR4) & CR4_PKE ? CPUID_7_ECX_OSPKE : 0;
    }
}

/*
 * On every CPUID exit, so written for the exit path: the answer goes straight
 * into the guest's saved registers, and the rare leaves are handled out of
 * line, which keeps few values live across the CPUID instruction (each one
 * more is a register saved and restored on every exit).
 */
void core_cpuid(struct cpu *c)
{
    u64 *g = c->regs->r;
    u32 leaf = (u32)g[R_RAX], sub = (u32)g[R_RCX], a, b, ecx, d;

    c->stats.event[EV_CPUID]++;
    if (leaf >= PXHV_CPUID_BASE && leaf <= 0x4FFFFFFF) {
        u64 out[4];
        cpuid_pxhv(c, leaf, out);
        g[R_RAX] = out[0], g[R_RBX] = out[1], g[R_RCX] = out[2], g[R_RDX] = out[3];
    } else {
        cpuid(leaf, sub, &a, &b, &ecx, &d);
        g[R_RAX] = a, g[R_RBX] = b, g[R_RCX] = ecx, g[R_RDX] = d;
        if (leaf == 1 || leaf == 7)
            cpuid_os_bits(c, leaf, sub, &g[R_RCX]);
        /* What the backend keeps for itself (virt_ops.cpuid_hidden); the
         * list ends at its first zero mask. */
        static const u8 slot[4] = { R_RAX, R_RBX, R_RCX, R_RDX };
        for (const struct cpuid_bits *h = virt->cpuid_hidden; h->mask; h++)
            if (h->leaf == leaf)
                for (u32 i = 0; i < 4; i++)
                    if (h->reg == CPUID_LEAF || h->reg == i)
                        g[slot[i]] &= ~(u64)h->mask;
    }
    virt->skip(c, 0);
}
