/*
 * The IOMMU: what the firmware's ACPI tables say about it, and the
 * translation structures pxHV gives it.  Pure logic (stage3/lib/iommu_acpi.c,
 * stage3/lib/iommu_tables.c), unit-tested on the host (tests/unit/test_iommu.c)
 * with synthetic tables and with the tables QEMU builds.
 *
 * Two specifications, one revision each:
 *   VT-d   Intel Virtualization Technology for Directed I/O, Architecture
 *          Specification, rev. 4.1 ("VT-d" below): chapter 8 "BIOS
 *          Considerations" for the DMAR table, chapter 9 "Translation
 *          Structure Formats" for the tables.
 *   AMD-Vi AMD I/O Virtualization Technology (IOMMU) Specification, #48882
 *          rev. 3.00 ("AMD" below): 2.2 "Data Structures" for the device
 *          table and the I/O page tables, 2.4 "Commands", 2.5 "Event
 *          Logging", 5.2 "IVRS" for the ACPI table.
 *
 * The parsers turn either table into one compact description (struct
 * iommu_desc): the units with their register base, the devices each one
 * translates (ranges of PCI requester IDs, bus << 8 | device << 3 | function)
 * and the memory ranges the firmware needs reachable by DMA (RMRR, IVMD).
 * They read only the table they are given, so the same code runs over the
 * firmware's memory in stage 3 and over byte arrays in the unit test.
 * What the core calls of stage3/iommu/ is in include/core/iommu.h.
 */
#ifndef PXHV_LIB_IOMMU_H
#define PXHV_LIB_IOMMU_H
#include "lib/types.h"
#include "hw/acpi.h"
#include "lib/pt.h"

/* ======================= DMAR (VT-d chapter 8) ======================= */

/* 8.1 "DMA Remapping Reporting Structure" */
struct dmar_table {
    struct acpi_header h;            /* "DMAR"                                    */
    u8  haw;                         /* host address width minus one              */
    u8  flags;
    u8  reserved[10];
} PACKED;
#define DMAR_INTR_REMAP           BIT(0)
#define DMAR_X2APIC_OPT_OUT       BIT(1)
#define DMAR_DMA_CTRL_OPT_IN      BIT(2)

/* 8.2 "Remapping Structure Types": every structure starts with these. */
struct dmar_entry { u16 type, length; } PACKED;
enum { DMAR_DRHD = 0, DMAR_RMRR = 1, DMAR_ATSR = 2, DMAR_RHSA = 3, DMAR_ANDD = 4, DMAR_SATC = 5 };

/* 8.3 "DMA Remapping Hardware Unit Definition Structure" */
struct dmar_drhd {
    struct dmar_entry e;
    u8  flags;
    u8  size;                        /* register set: 2^size pages (bits 3:0)     */
    u16 segment;
    u64 base;                        /* register base address, 4 KiB aligned      */
} PACKED;                            /* then device scopes                        */
#define DRHD_INCLUDE_PCI_ALL      BIT(0)

/* 8.3.1 "Device Scope Structure": a PCI path from start_bus, one
 * (device, function) pair per hop; the last hop is the device itself. */
struct dmar_scope {
    u8  type, length;
    u8  flags, reserved;
    u8  enum_id;                     /* I/O APIC ID, HPET number, ACPI device     */
    u8  start_bus;
} PACKED;
struct dmar_path { u8 device, function; } PACKED;
enum {
    SCOPE_PCI_ENDPOINT = 1, SCOPE_PCI_SUBHIERARCHY = 2, SCOPE_IOAPIC = 3, SCOPE_HPET = 4,
    SCOPE_ACPI_NAMESPACE = 5,
};

/* 8.4 "Reserved Memory Region Reporting Structure" */
struct dmar_rmrr {
    struct dmar_entry e;
    u16 reserved;
    u16 segment;
    u64 base;                        /* 4 KiB aligned                             */
    u64 limit;                       /* last byte: base + length - 1              */
} PACKED;                            /* then device scopes (endpoints)            */

/* 8.5 "Root Port ATS Capability Reporting Structure" */
struct dmar_atsr {
    struct dmar_entry e;
    u8  flags, reserved;
    u16 segment;
} PACKED;

/* ======================= IVRS (AMD 5.2) ======================= */

/* 5.2.1 "I/O Virtualization Reporting Structure (IVRS)" */
struct ivrs_table {
    struct acpi_header h;            /* "IVRS"; revision 1: types 10h/11h, 2: 40h too */
    u32 ivinfo;
    u64 reserved;
} PACKED;
#define IVINFO_EFR_SUP            BIT(0)
#define IVINFO_PASIZE(i)          (((i) >> 8) & 0x7F)
#define IVINFO_VASIZE(i)          (((i) >> 15) & 0x7F)

/* Every block (IVHD or IVMD) starts with these. */
struct ivrs_block { u8 type, flags; u16 length; } PACKED;
enum {
    IVHD_10 = 0x10, IVHD_11 = 0x11, IVHD_40 = 0x40,
    IVMD_ALL = 0x20, IVMD_SELECT = 0x21, IVMD_RANGE = 0x22,
};

/* 5.2.2.1 "IVHD Block Header" (type 10h); types 11h and 40h add the EFR
 * register image (struct ivhd_11). */
struct ivhd_10 {
    struct ivrs_block b;
    u16 devid;                       /* the IOMMU's own PCI function             */
    u16 cap_offset;                  /* its capability block in config space     */
    u64 base;                        /* MMIO register base                       */
    u16 segment;
    u16 iommu_info;
    u32 feature;                     /* 10h: feature reporting; 11h/40h: attributes */
} PACKED;
struct ivhd_11 {
    struct ivhd_10 h;
    u64 efr;                         /* Extended Feature Register image          */
    u64 efr2;                        /* 40h: EFR2 image; 11h: reserved           */
} PACKED;

/* 5.2.2.2 "IVHD Device Entries": 4-byte entries for types 00h-3Fh, 8-byte
 * entries for 40h-7Fh, variable-length ones from 80h (only F0h is defined). */
struct ivhd_dev4 { u8 type; u16 devid; u8 dte; } PACKED;
struct ivhd_dev8 { u8 type; u16 devid; u8 dte; u8 data0; u16 data1; u8 data2; } PACKED;
enum {
    IVHD_DEV_PAD = 0x00, IVHD_DEV_ALL = 0x01, IVHD_DEV_SELECT = 0x02,
    IVHD_DEV_RANGE_START = 0x03, IVHD_DEV_RANGE_END = 0x04,
    IVHD_DEV_ALIAS_SELECT = 0x42, IVHD_DEV_ALIAS_RANGE = 0x43,
    IVHD_DEV_EXT_SELECT = 0x46, IVHD_DEV_EXT_RANGE = 0x47, IVHD_DEV_SPECIAL = 0x48,
    IVHD_DEV_ACPI_HID = 0xF0,
};
/* IVHD_DEV_SPECIAL: data0 = handle, data1 = the device ID it uses, data2 = variety. */
enum { IVHD_SPECIAL_IOAPIC = 1, IVHD_SPECIAL_HPET = 2 };

/* 5.2.3 "IVMD Block" (types 20h-22h) */
struct ivmd {
    struct ivrs_block b;
    u16 devid;                       /* 21h: the device; 22h: the first          */
    u16 aux;                         /* 22h: the last device                     */
    u64 reserved;
    u64 start;
    u64 length;
} PACKED;
#define IVMD_UNITY                BIT(0)
#define IVMD_IR                   BIT(1)
#define IVMD_IW                   BIT(2)
#define IVMD_EXCLUSION            BIT(3)

/* ======================= the compact description ======================= */

#define IOMMU_MAX_UNITS   8
#define IOMMU_MAX_DEVS    64         /* device ranges over all units            */
#define IOMMU_MAX_RESV    16         /* reserved memory ranges                  */

enum iommu_kind { IOMMU_NONE = 0, IOMMU_VTD = 1, IOMMU_AMDVI = 2 };

/* How a device range came to be named. */
enum iommu_dev_kind {
    DEV_ENDPOINT = 1,                /* a PCI function (VT-d endpoint, AMD select/range) */
    DEV_BUSES = 2,                   /* every function on buses first>>8 .. last>>8     */
    DEV_IOAPIC = 3, DEV_HPET = 4,    /* interrupt sources (the ID they send with)       */
    DEV_ACPI = 5,                    /* an ACPI-named device (VT-d ANDD scope, AMD F0h)  */
};

struct iommu_unit {
    u64 base;                        /* register base                          */
    u32 reg_size;                    /* bytes of registers (VT-d: from size; AMD: 16 KiB) */
    u16 segment;
    u16 devid;                       /* AMD: the IOMMU's own function; VT-d: 0  */
    u8  flags;                       /* DRHD flags or IVHD flags               */
    u8  type;                        /* AMD: the IVHD type used; VT-d: 0       */
    bool all;                        /* every device of the segment not named by another unit */
    u16 cap_offset;                  /* AMD                                    */
    u64 efr;                         /* AMD types 11h/40h                      */
};

struct iommu_dev {
    u16 first, last;                 /* requester IDs, inclusive               */
    u16 alias;                       /* the ID the IOMMU sees (AMD alias entries); = first otherwise */
    u8  unit;                        /* index into units                       */
    u8  kind;                        /* enum iommu_dev_kind                    */
};

struct iommu_resv {
    u64 base, end;                   /* [base, end)                             */
    u16 first, last;                 /* the devices it is for (VT-d: the span of the RMRR's endpoints) */
    bool all;                        /* for every device (AMD 20h)              */
    u8  flags;                       /* AMD IVMD flags; VT-d: IVMD_UNITY|IR|IW  */
};

struct iommu_desc {
    u8  kind;                        /* enum iommu_kind                         */
    u8  addr_width;                  /* VT-d: host address width; AMD: PAsize   */
    u8  flags;                       /* DMAR flags, or 0                        */
    u32 ivinfo;                      /* AMD                                     */
    u32 nunits, ndevs, nresv;
    struct iommu_unit unit[IOMMU_MAX_UNITS];
    struct iommu_dev  dev[IOMMU_MAX_DEVS];
    struct iommu_resv resv[IOMMU_MAX_RESV];
    u16 max_devid;                   /* the highest requester ID named          */
    u32 dropped;                     /* structures beyond the arrays above      */
    u32 unresolved;                  /* VT-d paths through bridges nobody resolved */
    u32 skipped;                     /* structures of a kind pxHV does not use (ATSR, RHSA...) */
    const char *error;               /* NULL, or why the table was refused      */
};

/*
 * A PCI path in a DMAR device scope goes through bridges: the bus behind the
 * bridge at (bus, device, function) is in that bridge's configuration space,
 * which only stage 3 can read.  The resolver gives the bridge's secondary and
 * subordinate bus numbers; false if there is no bridge there.  NULL: paths
 * of more than one hop are counted in `unresolved`.
 */
typedef bool (*iommu_bridge_fn)(void *ctx, u8 bus, u8 dev, u8 fn, u8 *secondary, u8 *subordinate);

/* Parse a DMAR / IVRS table (checksum, lengths, every structure bounded by
 * its parent).  False with desc->error set when the table is unusable. */
bool dmar_parse(const struct acpi_header *t, struct iommu_desc *d, iommu_bridge_fn bridge, void *ctx);
bool ivrs_parse(const struct acpi_header *t, struct iommu_desc *d);

/* The unit that translates requester ID `rid` on `segment` (VT-d: the DRHD
 * that names it, else the segment's INCLUDE_PCI_ALL unit; AMD: the IVHD
 * that lists it), or -1. */
int iommu_unit_of(const struct iommu_desc *d, u16 segment, u16 rid);
/* Buses with a device that some unit translates: bit b of map[b / 8]. */
void iommu_buses(const struct iommu_desc *d, u8 map[32]);

/* ================== translation structures (VT-d chapter 9) ================== */

/* 9.1 "Root Entry": one per bus, 128 bits. */
struct vtd_root_entry { u64 lo, hi; } PACKED;
#define VTD_RE_P                  BIT(0)
/* 9.3 "Context Entry": one per device and function, 128 bits. */
struct vtd_context_entry { u64 lo, hi; } PACKED;
#define VTD_CE_P                  BIT(0)
#define VTD_CE_FPD                BIT(1)           /* fault processing disable    */
#define VTD_CE_TT_SHIFT           2                /* bits 3:2, translation type  */
#define VTD_CE_TT_UNTRANSLATED    0ULL             /* second-stage tables only    */
#define VTD_CE_TT_PASSTHROUGH     2ULL
#define VTD_CE_AW(aw)             ((u64)(aw) & 7)  /* hi bits 2:0: 1 = 3-level, 2 = 4-level */
#define VTD_CE_DID(did)           ((u64)(did) << 8)/* hi bits 23:8: domain ID     */
/* 9.8 "Second-Stage Paging Entries": read and write in bits 1:0, the page
 * size in bit 7; pt_vtd (pt.h) writes them. */
#define VTD_SL_R                  BIT(0)
#define VTD_SL_W                  BIT(1)
#define VTD_SL_PS                 BIT(7)

/* 10.4.2 "Capability Register" (the fields the tables depend on) */
#define VTD_CAP_RWBF              BIT(4)
#define VTD_CAP_SAGAW(c)          (((c) >> 8) & 0x1F)  /* bit 1: 3-level, bit 2: 4-level */
#define VTD_CAP_MGAW(c)           ((((c) >> 16) & 0x3F) + 1)
#define VTD_CAP_SLLPS_2M          BIT(34)
#define VTD_CAP_SLLPS_1G          BIT(35)
#define VTD_CAP_ND(c)             ((c) & 7)            /* domains: 2^(4 + 2 * ND)  */
#define VTD_CAP_FRO(c)            ((((c) >> 24) & 0x3FF) * 16)  /* fault recording offset */
#define VTD_CAP_NFR(c)            ((((c) >> 40) & 0xFF) + 1)    /* fault recording registers */
/* Extended Capability Register */
#define VTD_ECAP_C                BIT(0)               /* page walks snoop the caches */
#define VTD_ECAP_QI               BIT(1)
#define VTD_ECAP_IRO(c)           ((((c) >> 8) & 0x3FF) * 16)  /* IOTLB register offset */

/* ================== translation structures (AMD 2.2) ================== */

/* 2.2.2 "Device Table Entry Format": 256 bits per device ID. */
struct amdvi_dte { u64 q[4]; } PACKED;
#define DTE_V                     BIT(0)
#define DTE_TV                    BIT(1)
#define DTE_MODE(levels)          ((u64)(levels) << 9) /* bits 11:9: table depth   */
#define DTE_IR                    BIT(61)
#define DTE_IW                    BIT(62)
#define DTE_DOMAIN(d)             ((u64)(d))           /* q[1] bits 15:0          */
/* 2.2.3 "I/O Page Tables for Host Translations" */
#define AMDVI_PTE_PR              BIT(0)
#define AMDVI_PTE_NEXT_SHIFT      9                    /* bits 11:9: next level, 0 = a page */
#define AMDVI_PTE_NEXT            (7ULL << AMDVI_PTE_NEXT_SHIFT)
#define AMDVI_PTE_IR              BIT(61)
#define AMDVI_PTE_IW              BIT(62)

/* 2.4 "Commands": 128 bits, the opcode in bits 63:60 of the first quadword. */
struct amdvi_cmd { u64 q[2]; } PACKED;
#define AMDVI_CMD_COMPLETION_WAIT        0x1ULL
#define AMDVI_CMD_INVALIDATE_DEVTAB      0x2ULL
#define AMDVI_CMD_INVALIDATE_PAGES       0x3ULL
#define AMDVI_CMD_INVALIDATE_ALL         0x8ULL
#define AMDVI_INV_ALL_PAGES              0x7FFFFFFFFFFFF000ULL  /* with S = 1: every page */
/* 2.5 "Event Logging": 128 bits; the event code in bits 63:60 of the first
 * quadword, the device ID in bits 15:0, the address in the second. */
struct amdvi_event { u64 q[2]; } PACKED;
#define AMDVI_EVENT_CODE(e)       ((u32)((e)->q[0] >> 60))
#define AMDVI_EVENT_DEVID(e)      ((u16)(e)->q[0])
#define AMDVI_EVENT_FLAGS(e)      ((u32)(((e)->q[0] >> 48) & 0xFFF))
enum {
    AMDVI_EV_ILLEGAL_DEV_TABLE_ENTRY = 1, AMDVI_EV_IO_PAGE_FAULT = 2,
    AMDVI_EV_DEV_TAB_HARDWARE_ERROR = 3, AMDVI_EV_PAGE_TAB_HARDWARE_ERROR = 4,
    AMDVI_EV_ILLEGAL_COMMAND = 5, AMDVI_EV_COMMAND_HARDWARE_ERROR = 6,
    AMDVI_EV_IOTLB_INV_TIMEOUT = 7, AMDVI_EV_INVALID_DEVICE_REQUEST = 8,
};
#define AMDVI_EVF_RW              BIT(5)               /* the access was a write (flags bit 5) */

/* ======================= builders ======================= */

/* A range of physical memory no device may reach. */
struct iommu_hole { u64 base, len; };

/* The classifier of "identity map of [0, top) minus the holes": a
 * pt_classify_fn whose ctx is a struct iommu_map. */
struct iommu_map { const struct iommu_hole *holes; u32 nholes; };
struct pt_attr iommu_classify(void *ctx, u64 base, u64 len);

/* Second-stage / I/O page-table root for a walk of `levels` (3 or 4) from a
 * pt_build() root: a 3-level walk starts at the table entry 0 of the 4-level
 * root points to (the builder's maps stay below 512 GiB then). */
u64 *iommu_pt_root(u64 *pml4, const struct pt_format *f, int levels);

/*
 * VT-d: the root table and one context table per bus in `buses`, every
 * device's context entry pointing at the second-stage table `sl_root` of a
 * `levels`-level walk with domain `did`.  Returns the root table (for the
 * Root Table Address Register), NULL when the allocator ran out; *tables
 * counts the pages taken.
 */
struct vtd_root_entry *vtd_build_context(const u8 buses[32], u64 sl_root, int levels, u16 did,
                                         pt_alloc_fn alloc, void *ctx, u32 *tables);
/* The context entry translating `rid` in a table vtd_build_context made
 * (NULL when its bus has none). */
const struct vtd_context_entry *vtd_context_of(const struct vtd_root_entry *root, u16 rid);
/* AW field for a walk of `levels`, or -1 when SAGAW does not allow it. */
int vtd_levels_for(u64 cap, u64 top, u8 *aw);

/* AMD: one device table entry translating through `root` (a `levels`-level
 * I/O page table) with domain `domain`; read and write allowed as the page
 * tables say.  Interrupts pass through unremapped (IV = 0). */
void amdvi_dte_translate(struct amdvi_dte *e, u64 root, int levels, u16 domain);
/* Device table bytes for IDs 0..max_devid, in whole pages. */
u64  amdvi_devtab_bytes(u16 max_devid);
/* Commands. */
void amdvi_cmd_completion_wait(struct amdvi_cmd *c, u64 store_pa, u64 data);
void amdvi_cmd_invalidate_devtab(struct amdvi_cmd *c, u16 devid);
void amdvi_cmd_invalidate_pages(struct amdvi_cmd *c, u16 domain);   /* every page */

/* Pages the tables for `d` take at most, for an identity map of [0, top)
 * (see iommu_tables.c for what is counted). */
#define IOMMU_SPLIT_PDS 3
#define IOMMU_SPLIT_PTS 6
u32 iommu_pages_needed(const struct iommu_desc *d, const u8 buses[32], u64 top, bool pages_1g);

/* Device ID as "bb:dd.f". */
#define IOMMU_BUS(rid)   ((rid) >> 8)
#define IOMMU_DEV(rid)   (((rid) >> 3) & 0x1F)
#define IOMMU_FN(rid)    ((rid) & 7)
#define IOMMU_RID(b, d, f) ((u16)(((b) << 8) | ((d) << 3) | (f)))

#endif
