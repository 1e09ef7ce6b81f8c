/*
 * The page-table builder (include/lib/pt.h).  Pure code; the page allocator and
 * the classifier (which knows the memory map and MTRRs) come from the
 * caller.  Unit-tested on the host (tests/unit/test_pt.c).
 */
#include "lib/pt.h"

#define ENTRIES 512

/* Bytes one entry maps at a level: 4 KiB at 1, 2 MiB at 2, 1 GiB at 3,
 * 512 GiB at 4. */
static u64 slot_size(int level)
{
    return 1ULL << (12 + 9 * (level - 1));
}

/*
 * EPT leaf (SDM Vol. 3C 28.2.2): permissions in bits 2:0, the memory type
 * in bits 5:3 (28.2.6 "EPT and Memory Typing").  Only UC, WC, WT, WP and WB
 * are allowed there; a reserved value is an EPT misconfiguration
 * (28.2.3.1), so anything else falls back to UC.
 */
static u64 ept_leaf(u64 addr, int level, const struct pt_attr *a)
{
    u8 t = a->memtype;
    if (t != 0 && t != 1 && t != 4 && t != 5 && t != 6)
        t = 0;
    u64 e = (addr & PT_ADDR_MASK) | EPT_MT(t);
    e |= (a->perms & PT_R ? EPT_R : 0) | (a->perms & PT_W ? EPT_W : 0) |
         (a->perms & PT_X ? EPT_X : 0);
    return level > 1 ? e | EPT_LARGE : e;
}

/* Hypervisor mapping: present and writable (the host never maps anything
 * read-only); the memory type is left to the MTRRs (PAT entry 0, WB). */
static u64 host_leaf(u64 addr, int level, const struct pt_attr *a)
{
    u64 e = (addr & PT_ADDR_MASK) | PTE_P | (a->perms & PT_W ? PTE_W : 0);
    return level > 1 ? e | PTE_PS : e;
}

/*
 * Nested-paging leaf (AMD APM Vol. 2 15.25 "Nested Paging"): the host's own
 * 4-level format, in which every guest access counts as a user access (U set),
 * with the memory type through the PAT index bits as the host's PAT (the
 * power-on one) resolves them: WB 0, WT PWT, UC PCD|PWT; WC and WP, which
 * that PAT lacks, become UC- and WT.  The real MTRRs still apply on top
 * (15.25.8), as they are the firmware's.  No execute: NX, which the nested
 * walk honours with the host's EFER.NXE set (svm.c sets it).
 */
static u64 npt_leaf(u64 addr, int level, const struct pt_attr *a)
{
    u8 t = a->memtype;
    u64 pat = t == 6 ? 0 : t == 4 || t == 5 ? PTE_PWT : t == 1 ? PTE_PCD : PTE_PCD | PTE_PWT;
    u64 e = (addr & PT_ADDR_MASK) | PTE_P | PTE_U | pat | (a->perms & PT_W ? PTE_W : 0) |
            (a->perms & PT_X ? 0 : PTE_NX);
    return level > 1 ? e | PTE_PS : e;
}

/*
 * VT-d second-stage leaf (VT-d rev. 4.1, 9.8 "Second-Stage Paging Entries"):
 * read and write in bits 1:0, page size in bit 7.  Execute (bit 2) is only
 * meaningful for requests with PASID, the memory type fields only where
 * ECAP.MTS is set, SNP only where ECAP.SC is set (a reserved bit
 * otherwise): all stay zero, so DMA gets the memory type the host's MTRRs
 * and PAT give the address.
 */
static u64 vtd_leaf(u64 addr, int level, const struct pt_attr *a)
{
    u64 e = (addr & PT_ADDR_MASK) | (a->perms & PT_R ? BIT(0) : 0) | (a->perms & PT_W ? BIT(1) : 0);
    return level > 1 ? e | EPT_LARGE : e;
}

/*
 * AMD-Vi I/O page-table leaf (AMD IOMMU rev. 3.00, 2.2.3 "I/O Page Tables
 * for Host Translations"): present in bit 0, next level 0 in bits 11:9 (a
 * page at whatever level it stands: 4 KiB, 2 MiB, 1 GiB), read in bit 61,
 * write in bit 62.  Coherence (FC) is left to the device's own attribute.
 */
static u64 amdvi_leaf(u64 addr, int level, const struct pt_attr *a)
{
    (void)level;
    return (addr & PT_ADDR_MASK) | BIT(0) | (a->perms & PT_R ? BIT(61) : 0) |
           (a->perms & PT_W ? BIT(62) : 0);
}

/* Non-leaf EPT entries are RWX so that the leaves alone decide access (the
 * walk ANDs the rights); their bits 7:3 must be zero.  The same holds for
 * the IOMMUs' table entries: read and write allowed, the leaf decides. */
const struct pt_format pt_ept = {
    .name = "EPT", .leaf = ept_leaf, .table_bits = EPT_RWX, .present = EPT_RWX,
    .large = EPT_LARGE, .large_is = EPT_LARGE,
};
const struct pt_format pt_host = {
    .name = "host", .leaf = host_leaf, .table_bits = PTE_P | PTE_W, .present = PTE_P,
    .large = PTE_PS, .large_is = PTE_PS,
};
const struct pt_format pt_npt = {
    .name = "NPT", .leaf = npt_leaf, .table_bits = PTE_P | PTE_W | PTE_U, .present = PTE_P,
    .large = PTE_PS, .large_is = PTE_PS,
};
const struct pt_format pt_vtd = {
    .name = "VT-d", .leaf = vtd_leaf, .table_bits = BIT(0) | BIT(1), .present = BIT(0) | BIT(1),
    .large = EPT_LARGE, .large_is = EPT_LARGE,
};
const struct pt_format pt_amdvi = {
    .name = "AMD-Vi", .leaf = amdvi_leaf, .table_bits = BIT(0) | BIT(61) | BIT(62),
    .present = BIT(0), .large = 7ULL << 9, .large_is = 0, .next_shift = 9,
};

struct pt_attr pt_all_rw(void *ctx, u64 base, u64 len)
{
    (void)ctx, (void)base, (void)len;
    return (struct pt_attr){ .mixed = false, .perms = PT_RWX, .memtype = 0 };
}

static bool large_ok(const struct pt_builder *b, int level)
{
    return level == 1 || (level == 2 && b->allow_2m) || (level == 3 && b->allow_1g);
}

/*
 * Fill `table` (a level-`level` structure mapping [base, base + 512 slots))
 * for [0, top).  `known` is the parent's answer when the parent's whole range
 * (from `base`) was uniform: the classifier need not be asked again for its
 * pieces, whose remapped address moves along with them.
 * Returns false when the allocator ran out.
 */
static bool fill(struct pt_builder *b, u64 *table, int level, u64 base, u64 top,
                 const struct pt_attr *known)
{
    u64 size = slot_size(level);

    for (u32 i = 0; i < ENTRIES; i++) {
        u64 sb = base + (u64)i * size;
        if (sb >= top)
            break;                         /* beyond top: not present */
        u64 se = sb + size;
        bool whole = se <= top;
        u64 len = (whole ? se : top) - sb;
        struct pt_attr a = known ? *known : b->classify(b->ctx, sb, len);
        if (known && a.remap)
            a.remap += sb - base;          /* the parent's range, offset by this slot */

        if (!a.mixed && (a.perms & PT_RWX) == 0) {
            /* Uniformly not present: a zero entry at any level covers it,
             * and so does one that reaches past top.  No table needed. */
            table[i] = 0;
            continue;
        }
        if (!a.mixed && whole && large_ok(b, level) && (a.remap & (size - 1)) == 0) {
            table[i] = b->fmt->leaf(a.remap ? a.remap : sb, level, &a);
            b->leaves[level - 1]++;
            continue;
        }
        if (level == 1) {
            /* A 4 KiB page is mixed (a classifier bug) or sticks out past
             * top: leave it unmapped rather than guess. */
            table[i] = 0;
            continue;
        }
        u64 *next = b->alloc(b->ctx);
        if (!next)
            return false;
        b->tables++;
        table[i] = ((u64)(usize)next & PT_ADDR_MASK) | b->fmt->table_bits;
        if (b->fmt->next_shift)
            table[i] |= (u64)(level - 1) << b->fmt->next_shift;
        if (!fill(b, next, level - 1, sb, top, a.mixed ? NULL : &a))
            return false;
    }
    return true;
}

u64 *pt_build(struct pt_builder *b, u64 top)
{
    b->tables = 0;
    b->leaves[0] = b->leaves[1] = b->leaves[2] = 0;

    u64 *root = b->alloc(b->ctx);
    if (!root)
        return NULL;
    b->tables = 1;
    if (!fill(b, root, 4, 0, top, NULL))
        return NULL;
    return root;
}

u64 pt_lookup(const struct pt_format *f, const u64 *root, u64 addr, u64 *page_size)
{
    const u64 *table = root;
    for (int level = 4; level >= 1; level--) {
        u64 e = table[(addr >> (12 + 9 * (level - 1))) & (ENTRIES - 1)];
        if (page_size)
            *page_size = slot_size(level);
        if ((e & f->present) == 0)
            return 0;                      /* not present */
        if (level == 1 || (level <= 3 && (e & f->large) == f->large_is))
            return e;
        table = (const u64 *)(usize)(e & PT_ADDR_MASK);
    }
    return 0;   /* not reached: level 1 always returns */
}

bool pt_set_leaf(const struct pt_format *f, u64 *root, u64 addr, const struct pt_attr *a)
{
    u64 *table = root;
    for (int level = 4; level > 1; level--) {
        u64 e = table[(addr >> (12 + 9 * (level - 1))) & (ENTRIES - 1)];
        if ((e & f->present) == 0 || (level <= 3 && (e & f->large)))
            return false;
        table = (u64 *)(usize)(e & PT_ADDR_MASK);
    }
    u64 *leaf = &table[(addr >> 12) & (ENTRIES - 1)];
    if ((*leaf & f->present) == 0)
        return false;
    *leaf = f->leaf(*leaf & PT_ADDR_MASK, 1, a);
    return true;
}

u64 ept_make_eptp(const u64 *pml4, bool ad)
{
    u64 eptp = ((u64)(usize)pml4 & PT_ADDR_MASK) | EPTP_MT_WB | EPTP_WALK_4;
    return ad ? eptp | EPTP_AD : eptp;
}
