/*
 * What the guest's memory map (core/memmap.c) and the ranges kept from the
 * guest (core/kept.c) share.  The rest of stage 3 reaches both through
 * core/core.h.
 */
#ifndef PXHV_MEMMAP_H
#define PXHV_MEMMAP_H
#include "lib/types.h"
#include "lib/e820.h"

/* The guest's memory map (core/memmap.c); guest_keep reserves a range in it. */
extern struct e820_map guest_map;

/* Ranges the guest may not use as RAM, with the access it keeps and, where
 * set, the region page the second-level tables show at each of its pages
 * instead (the INT 15h page; the IOMMU's registers, stage3/iommu); the
 * cells' memory.  Sorted by base, so that guest_hpa, on the exit path, stops
 * at the first range past the access.  Owner: core/kept.c; the plan
 * (core/memmap.c) gives the INT 15h page its contents. */
struct kept {
    u64 base, len, remap;
    u8 perms;
    const char *what;
};
extern struct kept kept[];
extern u32 nkept;

/* The machine's MTRRs, as the firmware set them (core/kept.c): read once,
 * by the plan, before the second-level tables are built. */
void read_mtrrs(void);

#endif
