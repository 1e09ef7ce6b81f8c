/*
 * Disk and memory layout: the one source for stage 1, stage 2, stage 3, the
 * linker script, the image scripts and the test guests (the build generates
 * NASM, make and shell forms of these values, include/boot/asm_exports.h).
 * docs/memory-map.md explains each choice.
 */
#ifndef PXHV_LAYOUT_H
#define PXHV_LAYOUT_H

/* ---- Disk (512-byte sectors) ---- */
#define SECTOR_SIZE           512
#define DISK_STAGE2_LBA       1     /* 40 sectors = 20 KiB                  */
#define DISK_STAGE2_SECTORS   40
#define DISK_CONFIG_LBA       41    /* struct pxhv_config, one sector       */
#define DISK_STAGE3_LBA       42    /* stage 3 flat image, size in config   */
#define DISK_STAGE3_MAX_SECTORS 512 /* 256 KiB                              */
#define DISK_CELL_IMAGES_LBA  560   /* cell images (struct pxhv_cell), to    */
#define DISK_BUILTIN_LBA      1536  /* built-in test guest                  */
#define DISK_BUILTIN_MAX_SECTORS 64 /* 32 KiB, loaded at 0000:7C00          */
#define DISK_PART1_LBA        2048  /* optional guest partition 1           */
#define MBR_PART_TABLE        0x1BE /* partition table offset in sector 0  */
#define MBR_CODE_BYTES        440   /* boot code; then disk signature, table */
#define MBR_STAGE2_LBA        0x1B0 /* u64 in stage 1: where stage 2 is      */
/* Bochs sees a hard disk as whole cylinders of 16 heads x 63 sectors. */
#define DISK_CYLINDER_BYTES   (16 * 63 * SECTOR_SIZE)

/* ---- Low memory while stages 1 and 2 run (all of it belongs to the guest later) ---- */
#define LOW_MBR_COPY          0x0600   /* boot-disk MBR copy for DS:SI chain    */
#define LOW_BOOT_SECTOR       0x7C00
#define LOW_STAGE2            0x10000
#define LOW_STAGE2_STACK      0x1FFF0  /* stage 2's stack, then stage 3's early one */
#define LOW_STAGE3_BOUNCE     0x20000  /* stage 3 read here in real mode        */
#define LOW_STAGE3_BOUNCE_END 0x60000
#define LOW_PAGE_TABLES       0x60000  /* boot page tables: stage 2's first 2 MiB, */
#define LOW_PAGE_TABLES_END   0x70000
#define LOW_CENSUS            0x70000  /* where every AP says it exists (core/census.c) */
#define CENSUS_COUNT          0x100    /*   in that page: how many answered          */
#define CENSUS_IDS            0x104    /*   and their APIC IDs                        */
#define CENSUS_MAX            ((4096 - CENSUS_IDS) / 4)  /* then stage 3's early 4 GiB identity map  */
#define LOW_CELL_BOUNCE       LOW_PAGE_TABLES  /* cell images, 32 KiB at a time, before the tables */
#define CELL_STAGING          0x200000 /* cell images from stage 2 until stage 3 has copied them */
#define CELL_STAGING_END      0x1000000

/* ---- The hypervisor region: the only memory pxHV keeps ---- */
#define HV_REGION_ALIGN       0x1000ULL       /* EPT hides it page by page        */
#define HV_REGION_MIN_BASE    0x1000000ULL    /* never below 16 MiB               */
#define HV_REGION_MAX_END     0x100000000ULL  /* below 4 GiB (APs reach CR3 there) */
#define HV_PT_POOL_PAGES      24              /* host page tables + EPT/NPT        */

/* ---- CPUs ---- */
#ifndef PXHV_MAX_CPUS                 /* make PXHV_MAX_CPUS=N changes it        */
#define PXHV_MAX_CPUS         64    /* build-time maximum of virtualized CPUs  */
#endif

/* Stage 3 flat image header (first bytes of stage3.bin). */
#define STAGE3_MAGIC          0x33535850 /* no suffix: the linker script reads it too */ /* "PXS3" */

#endif
