/*
 * Where the hypervisor region lies and how its pieces are laid out (pure:
 * no privileged instruction; unit-tested in tests/unit/test_region.c).
 *
 * The A20 gate.  With it off, the chipset drives A20M# and the CPU clears
 * bit 20 of every physical address it emits.  On Intel CPUs VMXON "blocks and
 * disables A20M" for as long as the CPU is in VMX operation (SDM Vol. 3C 30.3
 * "VMXON-Enter VMX Operation"), but the engines pxHV is tested on apply the
 * guest's A20 state in VMX and SVM operation alike, to pxHV's own accesses and
 * to the guest's accesses after the second-level translation.  So, by
 * construction:
 *   - every byte pxHV uses has address bit 20 clear: turning A20 off cannot
 *     move pxHV's code, data, stacks or page tables;
 *   - the region's A20 alias (its addresses with bit 20 set, 1 MiB higher)
 *     lies in RAM too, so that where the CPU applies A20M in VMX/SVM
 *     operation the second-level tables keep the alias from the guest as
 *     they keep the region (a guest access there would land in the region).
 * A region of at most 1 MiB sits inside one even-numbered MiB; a larger one
 * starts at an even MiB and uses only the even MiBs (the odd ones between are
 * the aliases of the ones below them).
 */
#ifndef PXHV_REGION_H
#define PXHV_REGION_H
#include "lib/types.h"
#include "lib/e820.h"

#define REGION_WINDOW  (1ULL << 20)          /* the span of one A20 alias     */

/* Hands out the region's pieces in order, skipping every address with bit
 * 20 set and never letting a piece cross into one. */
struct region_cursor { u64 next; };

/* `bytes` (page-aligned, at most REGION_WINDOW) at the cursor: returns the
 * address of the piece. */
u64 region_take(struct region_cursor *c, u64 bytes);

/* The pieces of a region, in the order region_take hands them out. */
struct region_parts {
    u64 image;           /* the stage 3 image and its bss                    */
    u32 cpus;            /* one block of cpu_bytes per CPU                   */
    u64 cpu_bytes;
    u64 pool;            /* the page pool (page tables, second-level tables) */
    u64 cells;           /* pxHV's copy of the cells' images (at most 1 MiB) */
    u64 iommu;           /* the IOMMU's tables, the last piece (stage3/iommu) */
};

/* Bytes from the region's first byte to the end of its last piece, when the
 * region starts at an even MiB (or anywhere inside one, if the result is at
 * most REGION_WINDOW). */
u64 region_span(const struct region_parts *p);

/* The highest base for a region of `span` bytes in a sanitized map: its
 * pieces and their A20 aliases in RAM, the region at or above
 * HV_REGION_MIN_BASE and ending at or below HV_REGION_MAX_END (layout.h),
 * page-aligned.  Returns 0 when there is no such place. */
u64 region_place(const struct e820_map *m, u64 span);

/* RAM for cells below the region: len[i] bytes each (multiples of 2 MiB),
 * each 2 MiB-aligned and inside one RAM range of the map, at or above
 * HV_REGION_MIN_BASE, ending at or below `below`, the first cell highest and
 * each next one below the one before.  2 MiB alignment keeps a cell's own A20
 * alias inside the cell and the root's out of it (a cell's range and the MiB
 * above it start at even MiBs).  base[i] gets each; returns how many were
 * placed (n when all fit). */
u32 region_cells_place(const struct e820_map *m, u64 below, u32 n, const u64 len[], u64 base[]);

/* The ranges to keep from the guest: the region and, with `alias`, its A20
 * alias (one MiB higher).  A region over one MiB holds the aliases of all its
 * even MiBs but the last, whose alias ends one MiB after the region: one
 * range.  Returns how many ranges (1 or 2) were written. */
u32 region_hidden(u64 base, u64 span, bool alias, u64 start[2], u64 len[2]);

#endif
