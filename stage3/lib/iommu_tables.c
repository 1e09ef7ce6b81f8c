/*
 * The translation structures pxHV gives an IOMMU (include/lib/iommu.h): the
 * classifier of "everything but pxHV's memory" for the one page-table builder
 * (lib/pt.c, formats pt_vtd and pt_amdvi), VT-d root and context tables, AMD-Vi
 * device table entries and commands.  Pure code; the pages come from the
 * caller.  Unit-tested on the host (tests/unit/test_iommu.c).
 */
#include "lib/iommu.h"
#include "lib/lib.h"

/* Read and write everywhere except in the holes; a range that straddles a
 * hole's edge is split further.  Memory types do not matter here: a device's
 * access gets the type the host's MTRRs and PAT give the address. */
struct pt_attr iommu_classify(void *ctx, u64 base, u64 len)
{
    const struct iommu_map *m = ctx;
    struct pt_attr a = { .mixed = false, .perms = PT_R | PT_W, .memtype = 0 };

    for (u32 i = 0; i < m->nholes; i++) {
        u64 hb = m->holes[i].base, he = hb + m->holes[i].len;
        if (base >= he || base + len <= hb)
            continue;
        if (base < hb || base + len > he) {
            a.mixed = true;
            return a;
        }
        a.perms = 0;
    }
    return a;
}

u64 *iommu_pt_root(u64 *pml4, const struct pt_format *f, int levels)
{
    if (levels == 4)
        return pml4;
    if (levels != 3 || !(pml4[0] & f->present))
        return NULL;
    return (u64 *)(usize)(pml4[0] & PT_ADDR_MASK);
}

/*
 * The walk depth for a map of [0, top): 4 levels (48-bit AGAW) where SAGAW
 * offers it, else 3 (39-bit) when top fits (VT-d 10.4.2 "Capability
 * Register": SAGAW bit 1 = 39-bit, bit 2 = 48-bit; 9.3 "Context Entry": AW 1
 * and 2).  QEMU's intel-iommu offers only 39 bits unless aw-bits=48.
 */
int vtd_levels_for(u64 cap, u64 top, u8 *aw)
{
    u32 sagaw = VTD_CAP_SAGAW(cap);
    if ((sagaw & BIT(2)) && top <= (1ULL << 48)) {
        *aw = 2;
        return 4;
    }
    if ((sagaw & BIT(1)) && top <= (1ULL << 39)) {
        *aw = 1;
        return 3;
    }
    return -1;
}

struct vtd_root_entry *vtd_build_context(const u8 buses[32], u64 sl_root, int levels, u16 did,
                                         pt_alloc_fn alloc, void *ctx, u32 *tables)
{
    u8 aw = levels == 4 ? 2 : levels == 3 ? 1 : 0;
    *tables = 0;
    if (!aw || (sl_root & 0xFFF))
        return NULL;
    struct vtd_root_entry *root = (struct vtd_root_entry *)alloc(ctx);
    if (!root)
        return NULL;
    (*tables)++;
    for (u32 bus = 0; bus < 256; bus++) {
        if (!(buses[bus / 8] & (1u << (bus % 8))))
            continue;
        struct vtd_context_entry *ce = (struct vtd_context_entry *)alloc(ctx);
        if (!ce)
            return NULL;
        (*tables)++;
        /* Every function of the bus: one domain, translated by the
         * second-stage tables (TT 00b), faults recorded (FPD clear). */
        for (u32 devfn = 0; devfn < 256; devfn++) {
            ce[devfn].hi = VTD_CE_AW(aw) | VTD_CE_DID(did);
            ce[devfn].lo = (sl_root & PT_ADDR_MASK) | (VTD_CE_TT_UNTRANSLATED << VTD_CE_TT_SHIFT) |
                           VTD_CE_P;
        }
        root[bus].hi = 0;
        root[bus].lo = ((u64)(usize)ce & PT_ADDR_MASK) | VTD_RE_P;
    }
    return root;
}

const struct vtd_context_entry *vtd_context_of(const struct vtd_root_entry *root, u16 rid)
{
    const struct vtd_root_entry *re = &root[IOMMU_BUS(rid)];
    if (!(re->lo & VTD_RE_P))
        return NULL;
    const struct vtd_context_entry *ce = (const struct vtd_context_entry *)(usize)(re->lo & PT_ADDR_MASK);
    return &ce[rid & 0xFF];
}

/*
 * AMD 2.2.2 "Device Table Entry Format": V and TV set (the translation fields
 * are valid), Mode = the table depth, the root, IR and IW set so that the
 * page tables alone decide (the DTE's rights are ANDed with them), the domain
 * tagging the IOTLB.  Quadwords 2 and 3 stay zero: no interrupt remapping
 * (IV = 0 passes interrupts through as they are), no guest translation.
 */
void amdvi_dte_translate(struct amdvi_dte *e, u64 root, int levels, u16 domain)
{
    e->q[3] = 0;
    e->q[2] = 0;
    e->q[1] = DTE_DOMAIN(domain);
    e->q[0] = (root & PT_ADDR_MASK) | DTE_MODE(levels) | DTE_IR | DTE_IW | DTE_TV | DTE_V;
}

u64 amdvi_devtab_bytes(u16 max_devid)
{
    u64 bytes = ((u64)max_devid + 1) * sizeof(struct amdvi_dte);
    return (bytes + 4095) & ~4095ULL;
}

/* AMD 2.4.1 "COMPLETION_WAIT": with S set the IOMMU stores `data` at the
 * 8-byte aligned store_pa once every earlier command has completed. */
void amdvi_cmd_completion_wait(struct amdvi_cmd *c, u64 store_pa, u64 data)
{
    c->q[0] = (AMDVI_CMD_COMPLETION_WAIT << 60) | (store_pa & 0x000FFFFFFFFFFFF8ULL) | BIT(0);
    c->q[1] = data;
}

/* AMD 2.4.2 "INVALIDATE_DEVTAB_ENTRY": the device ID in bits 15:0. */
void amdvi_cmd_invalidate_devtab(struct amdvi_cmd *c, u16 devid)
{
    c->q[0] = (AMDVI_CMD_INVALIDATE_DEVTAB << 60) | devid;
    c->q[1] = 0;
}

/* AMD 2.4.3 "INVALIDATE_IOMMU_PAGES": the domain in bits 47:32; S = 1 with
 * the address 7FFF_FFFF_FFFF_F000h means every page, PDE = 1 the cached
 * table entries too. */
void amdvi_cmd_invalidate_pages(struct amdvi_cmd *c, u16 domain)
{
    c->q[0] = (AMDVI_CMD_INVALIDATE_PAGES << 60) | ((u64)domain << 32);
    c->q[1] = AMDVI_INV_ALL_PAGES | BIT(1) | BIT(0);
}

/*
 * Pages for the tables of one description, an upper bound the early start
 * adds to the region: VT-d a root table, a context table per bus and an
 * invalidation queue per unit; AMD-Vi the device table up to the highest
 * bus's last function, a command buffer and an event log per unit (4 KiB
 * each, their smallest size); both the page of all ones the guest sees at
 * the units' registers, and the shared identity map of [0, top): its top
 * two levels, a directory per GiB
 * (or, with 1 GiB pages, per GiB that holds a hole or a memory-type change)
 * and IOMMU_SPLIT_PTS page tables for the 2 MiB ranges those split.
 */
u32 iommu_pages_needed(const struct iommu_desc *d, const u8 buses[32], u64 top, bool pages_1g)
{
    u32 n = 0, nbuses = 0, last_bus = 0;
    for (u32 b = 0; b < 256; b++)
        if (buses[b / 8] & (1u << (b % 8)))
            nbuses++, last_bus = b;
    if (d->kind == IOMMU_VTD)
        n += 1 + nbuses + d->nunits;             /* + an invalidation queue per unit */
    else if (d->kind == IOMMU_AMDVI)
        n += (u32)(amdvi_devtab_bytes((u16)(last_bus << 8 | 0xFF)) / 4096) + 2 * d->nunits;
    else
        return 0;
    n += 1;                                      /* what the guest reads at the registers */
    u64 gib = (top + (1ULL << 30) - 1) >> 30;
    u64 pds = pages_1g && gib > IOMMU_SPLIT_PDS ? IOMMU_SPLIT_PDS : gib;
    n += 1 + (u32)((gib + 511) / 512) + (u32)pds + IOMMU_SPLIT_PTS;
    return n;
}
