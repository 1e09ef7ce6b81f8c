/*
 * What the IOMMU code shares between its vendor-neutral parts (iommu.c the
 * set-up, regs.c the registers the guest sees, faults.c the reports and the
 * end, pci.c the PCI configuration) and the two drivers (vtd.c, amdvi.c).
 * Nothing outside stage3/iommu/ includes it.
 */
#ifndef PXHV_IOMMU_IMPL_H
#define PXHV_IOMMU_IMPL_H
#include "lib/iommu.h"
#include "core/iommu.h"
#include "core/apic.h"
#include "core/cpu.h"

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

/* A blocked DMA the unit reported: one line per device, kind and page (faults.c). */
void iommu_blocked(u16 rid, bool write, u64 addr, const char *why);

/* iommu_active (include/core/iommu.h): set by iommu_setup (iommu.c);
 * faults.c polls the units then. */
/* The image check (faults.c): pxHV's image as iommu_setup hashed it, and
 * its hash now. */
extern u64 iommu_image_hash, iommu_image_len;
u64 iommu_image_now(void);
/* Guest writes dropped at each unit's registers (regs.c), for iommu_end. */
extern u64 iommu_reg_writes[IOMMU_MAX_UNITS];

/* The drivers: false with a line on COM1 when the unit cannot be used. */
bool vtd_enable(void);
void vtd_poll(u32 unit);
bool amdvi_enable(void);
void amdvi_poll(u32 unit);

/* MMIO through the host's identity map. */
static inline u32 mmio_read32(u64 a) { return *(volatile u32 *)(usize)a; }
static inline u64 mmio_read64(u64 a) { return *(volatile u64 *)(usize)a; }
static inline void mmio_write32(u64 a, u32 v) { *(volatile u32 *)(usize)a = v; }
static inline void mmio_write64(u64 a, u64 v) { *(volatile u64 *)(usize)a = v; }

/*
 * Bounded waits: one second on the TSC, the time Linux's drivers give the
 * same operations (DMAR_OPERATION_TIMEOUT, and about the same for AMD-Vi's
 * COMPLETION_WAIT), whatever one register read costs (an emulator's are
 * slow).  `cond` is checked at least once and again every 10 us.
 */
#define IOMMU_WAIT_US 1000000u
#define IOMMU_WAIT(cond) ({                                          \
    bool ok_ = false;                                                \
    for (u32 t_ = 0; t_ <= IOMMU_WAIT_US / 10; t_++) {               \
        if (cond) { ok_ = true; break; }                             \
        udelay(10);                                                  \
    }                                                                \
    ok_; })

/*
 * The guest's A20 gate and pxHV's own register accesses.  Every IOMMU base
 * the emulators here have (VT-d 0xFED90000 on q35, AMD-Vi 0xFED80000) has
 * address bit 20 set, and Bochs and QEMU apply the guest's A20M to pxHV's
 * accesses too (docs/memory-map.md "A20"): with the gate off, a read of a
 * unit's register reads whatever lies 1 MiB lower.  So a unit is asked only
 * after a register whose value is known reads that value (vtd_sane,
 * amdvi_sane: CAP, EFR, and the enable bit pxHV set); otherwise the poll is
 * deferred to a later one.
 */
bool vtd_sane(u32 unit);
bool amdvi_sane(u32 unit);

/* The register pages the guest sees (regs.c: reads give all ones, writes exit). */
void iommu_regs_keep(void);

/* PCI configuration space (pci.c, ecam.c): the AMD IOMMU's function and the
 * register holding the ECAM window's base are kept from the guest's writes. */
void pci_protect_setup(void);
bool pci_ecam_write(struct cpu *c, u64 gpa);
void pci_report(void);

/* Between pci.c and ecam.c.  pci.c: the lock on the configuration address
 * register (pci_lock), a configuration address, one access through the
 * ports under the lock (the guest's address put back), whether a write
 * reaches what is kept, and a dropped write counted. */
void pci_cfg_lock(void);
void pci_cfg_unlock(void);
u32  pci_cfg_addr(u8 bus, u8 dev, u8 fn, u32 reg);
u32  pci_cfg_access(u32 a, u32 reg, u8 size, bool in, u32 v);
enum kept_kind { KEPT_NONE, KEPT_IOMMU_FN, KEPT_EXBAR };
enum kept_kind pci_protected(u8 bus, u8 dev, u8 fn, u32 reg, u32 size);
void pci_dropped(enum kept_kind k, u8 bus, u8 dev, u8 fn, u32 reg, const char *route);
/* ecam.c: the ECAM window of segment 0, bus 0 (pci_find_ecam, from the MCFG
 * table), a function's page watched (and its A20 alias), the writes there. */
extern u64 pci_ecam, pci_ecam_writes;
void pci_find_ecam(void);
void pci_ecam_watch(u8 bus, u8 dev, u8 fn, const char *what);

/* For the write handlers (regs.c, pci.c; the store's first byte comes from
 * guest_store_gpa, core/core.h): the value a decoded store writes, and the
 * register an XCHG gives the old value to. */
struct insn;
void iommu_set_reg(struct cpu *c, const struct insn *in, u64 v, u32 mode);
u64  iommu_store_value(struct cpu *c, const struct insn *in);

#endif
