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
} PACKED;                 /* 0x38 bytes; rest of the sector is zero       */

#endif
