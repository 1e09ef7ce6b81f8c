/*
 * What the guest's memory map (core/memmap.c) and the ranges kept from the
 * guest (core/kept.c) share.  The rest of stage 3 reaches both through
 * core/core.h.
 */
#ifndef PXHV_MEMMAP_H
#define PXHV_MEMMAP_H
#include "lib/types.h"
#include "lib/e820.h"

/* The guest's memory map (defined in core/kept.c, planned by core/memmap.c);
 * guest_keep reserves a range in it. */
extern struct e820_map g_guest_map;

/* The machine's MTRRs, as the firmware set them (core/kept.c): read once,
 * by the plan, before the second-level tables are built. */
void read_mtrrs(void);

#endif
