/*
 * struct boot_info: everything only real mode can learn, handed from
 * stage 2 (which fills it through the generated offsets, asm_exports.h) to
 * stage 3 (RDI at entry).  Stage 3's early start adds where it placed the
 * hypervisor region; its main copies the structure before the guest owns
 * low memory.
 */
#ifndef PXHV_BOOTINFO_H
#define PXHV_BOOTINFO_H
#include "lib/types.h"
#include "boot/pxhv_config.h"

#define BOOTINFO_MAGIC   0x56487870u /* "pxHV" */
#define BOOTINFO_VERSION 4
#define BOOTINFO_E820_MAX 64

/* E820 entry as stage 2 stores it: always 24 bytes (ACPI 3 attr = 1 if the BIOS gave 20). */
struct e820_entry {
    u64 base;
    u64 length;
    u32 type;
    u32 attr;
} PACKED;

enum e820_type {
    E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3, E820_NVS = 4, E820_UNUSABLE = 5,
};

enum mem_source { MEMSRC_E820 = 1, MEMSRC_E801 = 2, MEMSRC_88 = 3, MEMSRC_UEFI = 4 };

/* virt: the hardware virtualization the CPU offers (CPUID), found by stage 3's
 * early start (core/handoff.c) or by pxhv.efi. */
#define VIRT_VMX (1u << 0) /* CPUID.1:ECX.VMX[bit 5]          (SDM Vol. 3C 23.6)  */
#define VIRT_SVM (1u << 1) /* CPUID.80000001h:ECX.SVM[bit 2]  (APM Vol. 2 15.4)   */

/* guest_status: result of stage 2 reading the guest's first sector(s); stage
 * 3's early start adds what the sector holds (GUEST_EMPTY, GUEST_UNSIGNED). */
enum guest_status {
    GUEST_OK            = 0,
    GUEST_NOT_CONFIGURED= 1, /* guest_source = NONE                               */
    GUEST_READ_ERROR    = 2, /* INT 13h failed: guest_bios_err = AH               */
    GUEST_NO_DRIVE      = 3, /* drive absent (INT 13h AH=08h/15h says so)          */
    GUEST_EMPTY         = 4, /* sector is all zero                                */
    GUEST_UNSIGNED      = 5, /* no 0xAA55 at offset 510                           */
    GUEST_NO_ACTIVE_PART= 6, /* no partition with 0x80 flag                       */
    GUEST_TOO_LARGE     = 7, /* builtin guest_sectors > DISK_BUILTIN_MAX_SECTORS   */
};

/* cell_status: stage 2's reads of the cells' images; cells.cell[i].staged is
 * set for each image read, and the first cell without it is the one that
 * failed (cell_bios_err = AH of the failing call). */
enum cell_status {
    CELLS_STAGED        = 0,
    CELL_READ_ERROR     = 1, /* INT 13h                                           */
    CELL_MOVE_ERROR     = 2, /* INT 15h AH=87h, the move above 1 MiB               */
};

#define BI_FLAG_EDD        (1u << 1) /* INT 13h extensions on the boot drive */
#define BI_FLAG_A20_FAST   (1u << 2)
#define BI_FLAG_A20_KBC    (1u << 3)
/* Filled by pxhv.efi (include/boot/uefi.h) from UEFI, not by stage 2: the
 * memory map from GetMemoryMap, the RSDP from the configuration table; no
 * BIOS, no boot drive, no guest boot sector, no low memory of pxHV's. */
#define BI_FLAG_UEFI       (1u << 4)

struct boot_info {
    u32 magic;            /* 0x000 BOOTINFO_MAGIC                               */
    u32 version;          /* 0x004 BOOTINFO_VERSION                             */
    u32 flags;            /* 0x008 BI_FLAG_*                                    */
    u32 boot_drive;       /* 0x00C DL at 0x7C00                                 */
    u32 virt;             /* 0x010 VIRT_*                                       */
    u32 mem_source;       /* 0x014 enum mem_source                              */
    u32 e820_count;       /* 0x018                                              */
    u32 conv_kb;          /* 0x01C INT 12h                                      */
    u32 e801_ax;          /* 0x020 KiB 1-16 MiB (0 if E801 failed)              */
    u32 e801_bx;          /* 0x024 64 KiB blocks above 16 MiB                    */
    u32 ext88_kb;         /* 0x028 INT 15h AH=88h                               */
    u32 disk_cyls;        /* 0x02C INT 13h AH=08h geometry of boot drive        */
    u32 disk_heads;       /* 0x030                                              */
    u32 disk_spt;         /* 0x034                                              */
    u64 disk_sectors;     /* 0x038 INT 13h AH=48h total sectors (0 if no EDD)   */
    u64 hv_base;          /* 0x040 the hypervisor region (stage 3's early start) */
    u64 hv_size;          /* 0x048                                              */
    u32 cpus;             /* 0x050 CPUs the region holds blocks for             */
    /* The switch to long mode (stage2/cpu.asm), for the boot CPU and then for
     * each AP that stage 3 starts at stage 2's entry: CR3 to load, then RSP,
     * RDI and the 64-bit entry point to jump to. */
    u32 lm_cr3;           /* 0x054                                              */
    u64 lm_stack;         /* 0x058                                              */
    u64 lm_entry;         /* 0x060                                              */
    u32 guest_status;     /* 0x068 enum guest_status                            */
    u32 guest_bios_err;   /* 0x06C AH of the failing INT 13h                    */
    u32 guest_drive;      /* 0x070 DL to give the guest                         */
    u32 guest_si;         /* 0x074 SI (partition entry at 0x7BE+16n) or 0       */
    u32 guest_part_lba;   /* 0x078 start LBA of the chained partition           */
    u32 guest_load_bytes; /* 0x07C bytes placed at 0x7C00                       */
    struct pxhv_config config; /* 0x080 copy of the configuration block (0x38)  */
    u64 lm_arg;           /* 0x0B8 RDI at the entry point                       */
    u32 config_lba;       /* 0x0C0 where stage 1 says the configuration is      */
    /* The UEFI door's (BI_FLAG_UEFI); zero from stage 2. */
    u32 pool_extra;       /* 0x0C4 pool pages beyond HV_PT_POOL_PAGES: the page
                                   tables for what lies above 4 GiB        */
    u64 rsdp;             /* 0x0C8 the ACPI RSDP; 0: search the BIOS areas   */
    u64 phys_top;         /* 0x0D0 end of the physical address space the guest
                                   reaches (RAM and MMIO, whole GiB); 0: the
                                   map's memory and the first 4 GiB          */
    u32 cell_status;      /* 0x0D8 enum cell_status (stage 2)                   */
    u32 cell_bios_err;    /* 0x0DC                                              */
    u32 e801_cx;          /* 0x0E0 E801h's pair "as configured" (stage 2); stage */
    u32 e801_dx;          /* 0x0E4 3 takes it for e801_ax/bx when non-zero       */
    u8  reserved[0x100 - 0x0E8];
    struct e820_entry e820[BOOTINFO_E820_MAX]; /* 0x100                         */
    struct pxhv_cells cells;   /* 0x700 the configuration's cells, `staged` filled */
} PACKED;

STATIC_ASSERT(sizeof(struct pxhv_config) == 0x38, "config layout");
STATIC_ASSERT(sizeof(struct boot_info) == 0x100 + 24 * BOOTINFO_E820_MAX + sizeof(struct pxhv_cells),
              "boot_info layout");

#endif
