/*
 * What the IOMMU code shares between its vendor-neutral part (iommu.c) and the
 * two drivers (vtd.c, amdvi.c).  Nothing outside stage3/iommu/ includes it.
 */
#ifndef PXHV_IOMMU_IMPL_H
#define PXHV_IOMMU_IMPL_H
#include "iommu.h"

/* The one domain every device is in: the guest's. */
#define IOMMU_DOMAIN 1

struct iommu_state {
    struct iommu_desc desc;
    u8   buses[32];            /* buses whose devices get translation        */
    u64  top;                  /* the identity map covers [0, top)           */
    u64 *pml4;                 /* the shared table, 4-level form (pt_build)  */
    u32  tables;               /* pages the tables took                      */
    u64  area, area_end;       /* the region's pages for the IOMMU           */
    u64  next;                 /* next free page there                       */
};
extern struct iommu_state iommu;

u64 *iommu_page(void *unused);   /* a zeroed page of the IOMMU's area (a pt_alloc_fn) */

/* A blocked DMA the unit reported: one line per device, kind and page. */
void iommu_blocked(u16 rid, bool write, u64 addr, const char *why);

/* The drivers: false with a line on COM1 when the unit cannot be used. */
bool vtd_enable(void);
void vtd_poll(void);
bool amdvi_enable(void);
void amdvi_poll(void);

/* MMIO through the host's identity map. */
static inline u32 mmio_read32(u64 a) { return *(volatile u32 *)(usize)a; }
static inline u64 mmio_read64(u64 a) { return *(volatile u64 *)(usize)a; }
static inline void mmio_write32(u64 a, u32 v) { *(volatile u32 *)(usize)a = v; }
static inline void mmio_write64(u64 a, u64 v) { *(volatile u64 *)(usize)a = v; }

/* Bounded waits: about a second of polling on real hardware, and long enough
 * under an emulator that executes register reads slowly. */
#define IOMMU_WAIT_LOOPS 10000000u

#endif
