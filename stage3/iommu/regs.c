/*
 * The IOMMU units' registers as the guest sees them (iommu.c keeps them while
 * it sets the units up): a page of all ones it may read, whose writes exit
 * here and are dropped; and, for pci.c's pages too, the value a decoded store
 * writes and the register an XCHG gives the old value to.
 */
#include "iommu_impl.h"
#include "core/console.h"
#include "core/core.h"
#include "core/hv.h"
#include "lib/insn.h"
#include "lib/lib.h"
#include "core/virt.h"

static u64 ones_page;                  /* what the guest reads at the registers */
u64 iommu_reg_writes[IOMMU_MAX_UNITS];       /* guest writes dropped, per unit */

/*
 * A device that answers nothing: reads give all ones, writes go nowhere.
 * Every register page of every unit shows one region page of 0xFF bytes,
 * readable (and executable, as MMIO is), not writable: a read costs the
 * guest nothing, a write exits to iommu_write, which drops it.
 */
void iommu_regs_keep(void)
{
    ones_page = (u64)(usize)iommu_page(NULL);
    if (!ones_page)
        panic("IOMMU: no page left for its registers' stand-in");
    memset((void *)(usize)ones_page, 0xFF, 4096);
    for (u32 u = 0; u < iommu.desc.nunits; u++)
        guest_keep_shown(iommu.desc.unit[u].base, (iommu.desc.unit[u].reg_size + 0xFFF) & ~0xFFFULL,
                         PT_R | PT_X, ones_page, "the IOMMU's registers");
}

/* ---- stores the second-level tables stopped ---- */

u64 iommu_store_value(struct cpu *c, const struct insn *in)
{
    if (in->kind == INSN_STORE_IMM)
        return in->imm;
    u64 r = in->reg == R_RSP ? virt->get(c, GR_RSP) : c->regs->r[in->reg];
    return in->high_byte ? r >> 8 : r;
}

/* The register of an XCHG gets `v` as a MOV of that size would leave it
 * (SDM Vol. 1 3.4.1.1: a 32-bit result in 64-bit mode clears bits 63:32;
 * 8- and 16-bit results keep the rest). */
void iommu_set_reg(struct cpu *c, const struct insn *in, u64 v, u32 mode)
{
    u64 cur = in->reg == R_RSP ? virt->get(c, GR_RSP) : c->regs->r[in->reg];
    u64 nv;
    if (in->size == 8)
        nv = v;
    else if (in->size == 4)
        nv = mode == 64 ? (u32)v : (cur & ~0xFFFFFFFFULL) | (u32)v;
    else if (in->size == 2)
        nv = (cur & ~0xFFFFULL) | (u16)v;
    else if (in->high_byte)
        nv = (cur & ~0xFF00ULL) | (u64)(u8)v << 8;
    else
        nv = (cur & ~0xFFULL) | (u8)v;
    if (in->reg == R_RSP)
        virt->set(c, GR_RSP, nv);
    else
        c->regs->r[in->reg] = nv;
}

bool iommu_write(struct cpu *c, u64 gpa)
{
    u32 u = 0;
    for (; u < iommu.desc.nunits; u++)
        if (gpa - iommu.desc.unit[u].base < ((iommu.desc.unit[u].reg_size + 0xFFF) & ~0xFFFULL))
            break;
    if (!ones_page)
        return false;                 /* nothing kept: not pxHV's page */
    if (u == iommu.desc.nunits)
        return pci_ecam_write(c, gpa);

    u8 bytes[INSN_MAX_LEN];
    u32 mode, n = guest_fetch(c, bytes, INSN_MAX_LEN, &mode);
    struct insn in;
    if (!insn_decode_write(bytes, n, mode, &in)) {
        /* Without its length the instruction cannot be skipped. */
        guest_refuse(c, "a write to the IOMMU's registers at GPA 0x%llx by an instruction pxHV "
                     "does not decode", gpa);
        guest_end(c, "unsupported write to the IOMMU's registers", false);
    }
    u64 start;
    if (!guest_store_gpa(c, &in, mode, &start))
        start = gpa;
    if (!iommu_reg_writes[u]++)
        kprintf("pxHV: IOMMU: the guest wrote %u bytes to unit %u's registers at 0x%llx: dropped, "
                "as every later write (reads give all ones)\n", in.size, u, start);
    if (in.kind == INSN_XCHG)
        iommu_set_reg(c, &in, ~0ULL, mode);    /* what a read of the page gives */
    virt->skip(c, in.len);
    return true;
}

