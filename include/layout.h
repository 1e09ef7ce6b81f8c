/*
 * Disk and memory layout shared by the build, stage 2 (mirrored in
 * stage2/layout.inc) and stage 3.  docs/memory-map.md explains each choice.
 */
#ifndef PXHV_LAYOUT_H
#define PXHV_LAYOUT_H

/* ---- Disk (512-byte sectors) ---- */
#define DISK_STAGE1_LBA       0     /* MBR: stage 1 + partition table      */
#define DISK_STAGE2_LBA       1     /* 40 sectors = 20 KiB                  */
#define DISK_STAGE2_SECTORS   40
#define DISK_CONFIG_LBA       41    /* struct pxhv_config, one sector       */
#define DISK_STAGE3_LBA       42    /* stage 3 flat image, size in config   */
#define DISK_STAGE3_MAX_SECTORS 512 /* 256 KiB                              */
#define DISK_BUILTIN_LBA      1536  /* built-in test guest                  */
#define DISK_BUILTIN_MAX_SECTORS 64 /* 32 KiB, loaded at 0000:7C00          */
#define DISK_PART1_LBA        2048  /* optional guest partition 1           */

/* ---- Low memory while stages 1 and 2 run (all of it belongs to the guest later) ---- */
#define LOW_MBR_COPY          0x0600   /* boot-disk MBR copy for DS:SI chain */
#define LOW_BOOT_SECTOR       0x7C00
#define LOW_STAGE2            0x10000
#define LOW_STAGE3_BOUNCE     0x20000  /* stage 3 read here in real mode     */
#define LOW_STAGE3_BOUNCE_END 0x60000
#define LOW_PAGE_TABLES       0x60000  /* stage 2 identity tables, 6 pages   */

/* ---- The hypervisor region: the only memory pxHV keeps ---- */
#define HV_REGION_SIZE        0x200000ULL /* 2 MiB, 2 MiB aligned             */
#define HV_REGION_ALIGN       0x200000ULL
#define HV_REGION_MIN_BASE    0x1000000ULL /* never below 16 MiB              */
#define HV_REGION_MAX_END     0x100000000ULL /* below 4 GiB                   */
#define HV_VMXON_OFFSET       (HV_REGION_SIZE - 0x1000) /* last page          */

/* Stage 3 flat image header (first bytes of stage3.bin). */
#define STAGE3_MAGIC          0x33535850u /* "PXS3" */

#endif
