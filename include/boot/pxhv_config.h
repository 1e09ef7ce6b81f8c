/*
 * The configuration block: sector DISK_CONFIG_LBA of the pxHV disk.
 * Written by scripts/mkimage.sh, changed in place by scripts/pxhv-config.sh
 * (no rebuild of code needed).  Read by stage 2 in real mode and copied into
 * struct boot_info.  Stage 2 and the scripts read the generated offsets
 * (include/boot/asm_exports.h).  All fields little endian.
 */
#ifndef PXHV_CONFIG_H
#define PXHV_CONFIG_H
#include "lib/types.h"

#define PXHV_CONFIG_MAGIC   "pxHVCFG1"     /* 8 bytes, no NUL needed */
#define PXHV_CONFIG_VERSION 1

enum guest_source {
    GUEST_SRC_NONE      = 0, /* no guest: stop after VMX setup          */
    GUEST_SRC_PARTITION = 1, /* active partition of the boot disk (VBR)  */
    GUEST_SRC_DRIVE     = 2, /* sector 0 of BIOS drive guest_drive       */
    GUEST_SRC_BUILTIN   = 3, /* guest_sectors at guest_lba of boot disk  */
    GUEST_SRC_MBR       = 4, /* the boot code saved at guest_lba by the
                                installer, with the disk's partition table */
    GUEST_SRC_UEFI      = 5, /* the firmware itself, virtualized in place by
                                pxhv.efi, then the next UEFI loader      */
};

#define CFG_FLAG_TRACE_EXITS  (1u << 0) /* print every VM exit            */
#define CFG_FLAG_NO_POWEROFF  (1u << 1) /* halt instead of powering off   */
/* Fault injection, so the tests can prove the failure reports: */
#define CFG_FLAG_BREAK_GUEST_STATE (1u << 2) /* launch with an unusable TR   */
#define CFG_FLAG_BREAK_CONTROLS    (1u << 3) /* launch with a bad CR3-target count */
/* Deliver the guest's INIT and SIPI by intercepting its ICR writes even where
 * the CPU has the wait-for-SIPI activity state (include/core/ipi.h). */
#define CFG_FLAG_INTERCEPT_IPI     (1u << 4)
/* Refuse to start the guest on a machine without a usable IOMMU: its devices
 * could reach pxHV's memory by DMA (docs/iommu.md). */
#define CFG_FLAG_REQUIRE_IOMMU     (1u << 5)
/* Test only: the hypercall PXHV_HC_TEST_RELAUNCH exists (include/boot/hypercall.h). */
#define CFG_FLAG_TEST_RELAUNCH     (1u << 6)

#define CFG_GUEST_NAME_LEN  16

struct pxhv_config {
    char magic[8];        /* 0x00 "pxHVCFG1"                              */
    u32  version;         /* 0x08 PXHV_CONFIG_VERSION                     */
    u32  stage3_lba;      /* 0x0C                                         */
    u32  stage3_sectors;  /* 0x10                                         */
    u32  guest_source;    /* 0x14 enum guest_source                       */
    u32  guest_drive;     /* 0x18 BIOS drive for GUEST_SRC_DRIVE          */
    u32  guest_lba;       /* 0x1C for GUEST_SRC_BUILTIN and GUEST_SRC_MBR */
    u32  guest_sectors;   /* 0x20 for GUEST_SRC_BUILTIN                   */
    u32  flags;           /* 0x24 CFG_FLAG_*                              */
    char guest_name[CFG_GUEST_NAME_LEN]; /* 0x28 label printed at launch, NUL padded */
} PACKED;                 /* 0x38 bytes; then the cells (struct pxhv_cells) */

/*
 * Cells (docs/cells.md): guests beside the root guest, each with CPUs,
 * memory carved below pxHV's region, ports and an image of its own.  The
 * table follows struct pxhv_config in the same sector (CFG_CELLS_OFFSET), so
 * a configuration without cells reads as zero cells.  Each image lies in
 * pxHV's own sectors (image_lba, absolute); stage 2 reads it and leaves it at
 * `staged` (its copy in struct boot_info) for stage 3, which keeps a copy in
 * its region so that a cell can be restarted.
 */
#define CELLS_MAX           4
#define CELL_NAME_LEN       8
#define CELL_CPUS_MAX       8
#define CELL_PORT_RANGES    4
#define CELL_CMDLINE_LEN    56
#define CELL_MEM_MIN_MIB    4      /* room for the low area, the ACPI tables, a kernel */

enum cell_format {
    CELL_FMT_FLAT      = 1,  /* <= 64 KiB ending at 0x100000, started at F000:FFF0 */
    CELL_FMT_MULTIBOOT = 2,  /* a Multiboot (version 1) kernel                    */
};
enum cell_policy {
    CELL_POLICY_STOP    = 0, /* its CPUs halt in pxHV                              */
    CELL_POLICY_RESTART = 1, /* its image again, at most 3 times a minute          */
};

struct pxhv_cell_ports { u16 first, count; } PACKED;

struct pxhv_cell {
    char name[CELL_NAME_LEN];  /* 0x00 NUL padded; [a-z0-9_-]                    */
    u8   format;               /* 0x08 enum cell_format                           */
    u8   policy;               /* 0x09 enum cell_policy                           */
    u8   cpus;                 /* 0x0A CPUs, taken from the highest APIC IDs ...  */
    u8   flags;                /* 0x0B reserved, 0                                */
    u8   cpu_ids[CELL_CPUS_MAX]; /* 0x0C ... unless listed here (0xFF: none)    */
    u32  mem_mib;              /* 0x14 RAM, MiB, even                             */
    u32  image_lba;            /* 0x18 absolute                                   */
    u32  image_sectors;        /* 0x1C                                            */
    u32  image_bytes;          /* 0x20 <= image_sectors * 512                     */
    u32  staged;               /* 0x24 boot_info only: where stage 2 put it       */
    struct pxhv_cell_ports ports[CELL_PORT_RANGES]; /* 0x28 passed through     */
    char cmdline[CELL_CMDLINE_LEN]; /* 0x38 Multiboot command line, NUL padded   */
} PACKED;                      /* 0x70 bytes                                      */

struct pxhv_cells {
    u32 count;                 /* 0x00 cells in use, from cell[0]                 */
    struct pxhv_cell cell[CELLS_MAX];   /* 0x04                                  */
} PACKED;

#define CFG_CELLS_OFFSET    0x38   /* struct pxhv_cells in the configuration sector */
STATIC_ASSERT(sizeof(struct pxhv_cell) == 0x70, "cell layout");
STATIC_ASSERT(CFG_CELLS_OFFSET + sizeof(struct pxhv_cells) <= 512, "cells fit the config sector");

#endif
