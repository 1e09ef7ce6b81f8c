/*
 * The guest's memory as pxHV touches it on the guest's behalf (hypercall
 * buffers, string I/O, the INT 15h answers): guest-physical accesses that
 * never reach what pxHV keeps, and the guest's own page walk.
 */
#include "core.h"
#include "hv.h"
#include "lib.h"
#include "pt.h"
#include "x86.h"

bool guest_read(u64 gpa, void *dst, u64 len)
{
    if (!guest_may_read(gpa, len))
        return false;
    memcpy(dst, (const void *)(usize)gpa, len);
    return true;
}

bool guest_write(u64 gpa, const void *src, u64 len)
{
    if (!guest_may_write(gpa, len))
        return false;
    memcpy((void *)(usize)gpa, src, len);
    return true;
}

/* CPL = SS.DPL in protected mode (SDM Vol. 3C 24.4.1), 3 in virtual-8086
 * mode, 0 in real mode. */
u32 guest_cpl(struct cpu *c)
{
    if (virt->get(c, GR_RFLAGS) & RFLAGS_VM)
        return 3;
    if (!(virt->get(c, GR_CR0) & CR0_PE))
        return 0;
    struct segment ss;
    virt->get_seg(c, SEG_SS, &ss);
    return ss.dpl;
}

/* Guest linear -> guest physical through the guest's own page tables
 * (SDM Vol. 3A 4.3 "32-Bit Paging", 4.4 "PAE Paging", 4.5 "4-Level
 * Paging"). */
bool guest_linear_to_phys(struct cpu *c, u64 gla, u64 *gpa)
{
    u64 cr0 = virt->get(c, GR_CR0), cr4 = virt->get(c, GR_CR4), cr3 = virt->get(c, GR_CR3);

    if (!(cr0 & CR0_PG)) {
        *gpa = gla;
        return true;
    }
    if (!(cr4 & CR4_PAE)) {
        u32 pde, pte;
        if (!guest_read((cr3 & 0xFFFFF000) + ((gla >> 22) & 0x3FF) * 4, &pde, 4) || !(pde & PTE_P))
            return false;
        if ((pde & PTE_PS) && (cr4 & CR4_PSE)) {
            *gpa = (pde & 0xFFC00000) | (gla & 0x3FFFFF);
            return true;
        }
        if (!guest_read((pde & 0xFFFFF000) + ((gla >> 12) & 0x3FF) * 4, &pte, 4) || !(pte & PTE_P))
            return false;
        *gpa = (pte & 0xFFFFF000) | (gla & 0xFFF);
        return true;
    }
    u64 e;
    int level;
    if (virt->get(c, GR_EFER) & EFER_LMA) {
        e = (cr3 & PT_ADDR_MASK) | PTE_P;
        level = 4;
    } else {
        u64 pdpte[4];
        virt->get_pdptes(c, pdpte);
        e = pdpte[(gla >> 30) & 3];
        level = 2;
        if (!(e & PTE_P))
            return false;
    }
    for (; level >= 1; level--) {
        u64 idx = (gla >> (12 + 9 * (level - 1))) & 0x1FF;
        if (!guest_read((e & PT_ADDR_MASK) + idx * 8, &e, 8) || !(e & PTE_P))
            return false;
        if (level > 1 && level < 4 && (e & PTE_PS)) {
            u64 span = 1ULL << (12 + 9 * (level - 1));
            *gpa = (e & PT_ADDR_MASK & ~(span - 1)) | (gla & (span - 1));
            return true;
        }
    }
    *gpa = (e & PT_ADDR_MASK) | (gla & 0xFFF);
    return true;
}
