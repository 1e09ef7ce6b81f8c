/*
 * EPT paging-structure builder, SDM Vol. 3C 29.3 "The Extended Page Table
 * Mechanism (EPT)".  Pure code; the page allocator and the classifier
 * (which knows the memory map and MTRRs) come from the caller.
 * Unit-tested on the host (tests/unit/test_ept.c).
 */
#include "ept.h"

#define ENTRIES 512

/* Bytes one entry maps at a level: 4 KiB at 1, 2 MiB at 2, 1 GiB at 3,
 * 512 GiB at 4 (29.3.2). */
static u64 slot_size(int level)
{
    return 1ULL << (12 + 9 * (level - 1));
}

/*
 * Memory-type field of a leaf (29.3.7, bits 5:3).  Only UC, WC, WT, WP and
 * WB are allowed; a reserved value there is an EPT misconfiguration
 * (29.3.3.1), so anything else falls back to UC.
 */
static u64 memtype_bits(u8 t)
{
    if (t != 0 && t != 1 && t != 4 && t != 5 && t != 6)
        t = 0;
    return (u64)t << EPT_MT_SHIFT;
}

static u64 leaf_entry(u64 addr, int level, const struct ept_attr *a)
{
    u64 e = (addr & EPT_ADDR_MASK) | (a->perms & EPT_RWX) | memtype_bits(a->memtype);
    if (level > 1)
        e |= EPT_LARGE;   /* bit 7: this PDPTE/PDE maps a page (29.3.2) */
    return e;
}

static bool large_ok(const struct ept_builder *b, int level)
{
    return level == 1 || (level == 2 && b->allow_2m) || (level == 3 && b->allow_1g);
}

/*
 * Fill `table` (a level-`level` structure mapping [base, base + 512 slots))
 * for guest-physical [0, top).  `known` is the parent's answer when the
 * parent's whole range was uniform: the classifier need not be asked again
 * for its pieces.  Returns false when the allocator ran out.
 */
static bool fill(struct ept_builder *b, u64 *table, int level, u64 base, u64 top,
                 const struct ept_attr *known)
{
    u64 size = slot_size(level);

    for (u32 i = 0; i < ENTRIES; i++) {
        u64 sb = base + (u64)i * size;
        if (sb >= top)
            break;                         /* beyond top: not present */
        u64 se = sb + size;
        bool whole = se <= top;
        u64 len = (whole ? se : top) - sb;

        struct ept_attr a;
        if (known)
            a = *known;
        else
            a = b->classify(b->ctx, sb, len);

        if (!a.mixed && (a.perms & EPT_RWX) == 0) {
            /* Uniformly not present: a zero entry at any level covers it
             * (29.3.2: an entry with bits 2:0 clear is not present), and so
             * does one that reaches past top.  No table needed. */
            table[i] = 0;
            continue;
        }
        if (!a.mixed && whole && large_ok(b, level)) {
            table[i] = leaf_entry(sb, level, &a);
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
        /* Non-leaf entries: RWX so the leaves alone decide access
         * (29.3.2: access rights are the AND over the walk); bits 7:3
         * must stay zero in a non-leaf entry. */
        table[i] = ((u64)(usize)next & EPT_ADDR_MASK) | EPT_RWX;
        if (!fill(b, next, level - 1, sb, top, a.mixed ? NULL : &a))
            return false;
    }
    return true;
}

u64 *ept_build(struct ept_builder *b, u64 top)
{
    b->tables = 0;
    b->leaves[0] = b->leaves[1] = b->leaves[2] = 0;

    u64 *pml4 = b->alloc(b->ctx);
    if (!pml4)
        return NULL;
    b->tables = 1;
    if (!fill(b, pml4, 4, 0, top, NULL))
        return NULL;
    return pml4;
}

u64 ept_lookup(const u64 *pml4, u64 gpa, u64 *page_size)
{
    const u64 *table = pml4;
    for (int level = 4; level >= 1; level--) {
        u64 e = table[(gpa >> (12 + 9 * (level - 1))) & (ENTRIES - 1)];
        if (page_size)
            *page_size = slot_size(level);
        if ((e & EPT_RWX) == 0)
            return 0;                      /* not present */
        if (level == 1 || (level <= 3 && (e & EPT_LARGE)))
            return e;
        table = (const u64 *)(usize)(e & EPT_ADDR_MASK);
    }
    return 0;   /* not reached: level 1 always returns */
}

u64 ept_make_eptp(const u64 *pml4, bool ad)
{
    /* 24.6.11: bits 2:0 memory type of the paging structures (6 = WB),
     * bits 5:3 walk length minus one (3 for 4 levels), bit 6 enables the
     * accessed and dirty flags, bits N-1:12 the PML4 address. */
    u64 eptp = ((u64)(usize)pml4 & EPT_ADDR_MASK) | 6ULL | (3ULL << 3);
    if (ad)
        eptp |= BIT(6);
    return eptp;
}
