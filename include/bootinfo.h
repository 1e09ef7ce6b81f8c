/*
 * struct boot_info: everything only real mode can learn, handed from
 * stage 2 (which fills it, see stage2/layout.inc for the same offsets) to
 * stage 3 (RDI at entry).  Stage 3 copies it before touching low memory.
 */
#ifndef PXHV_BOOTINFO_H
#define PXHV_BOOTINFO_H
#include "types.h"
#include "pxhv_config.h"

#define BOOTINFO_MAGIC   0x56487870u /* "pxHV" */
#define BOOTINFO_VERSION 1
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

enum mem_source { MEMSRC_E820 = 1, MEMSRC_E801 = 2, MEMSRC_88 = 3 };

/* vmx_status: what stage 2 found.  Stage 3 prints and stops unless VMX_OK. */
enum vmx_status {
    VMX_OK              = 0,
    VMX_NO_CPU_SUPPORT  = 1, /* CPUID.1:ECX.VMX[bit 5] = 0                          */
    VMX_FW_LOCKED_OFF   = 2, /* IA32_FEATURE_CONTROL locked with bit 2 clear        */
    VMX_VMXON_FAIL_INVALID = 3, /* VMXON: CF=1 (VMfailInvalid)                      */
    VMX_VMXON_FAIL_VALID   = 4, /* VMXON: ZF=1 (VMfailValid)                        */
    VMX_CR_FIXED_BAD    = 5, /* CR0/CR4 cannot satisfy IA32_VMX_CR*_FIXED*           */
};

/* guest_status: result of stage 2 reading the guest's first sector(s). */
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

#define BI_FLAG_LONG_MODE  (1u << 0)
#define BI_FLAG_EDD        (1u << 1) /* INT 13h extensions on the boot drive */
#define BI_FLAG_A20_FAST   (1u << 2)
#define BI_FLAG_A20_KBC    (1u << 3)

struct boot_info {
    u32 magic;            /* 0x000 BOOTINFO_MAGIC                               */
    u32 version;          /* 0x004 BOOTINFO_VERSION                             */
    u32 flags;            /* 0x008 BI_FLAG_*                                    */
    u32 boot_drive;       /* 0x00C DL at 0x7C00                                 */
    u32 vmx_status;       /* 0x010 enum vmx_status                              */
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
    u64 hv_base;          /* 0x040 physical base of the 2 MiB region            */
    u64 hv_size;          /* 0x048 HV_REGION_SIZE                               */
    u64 vmxon_phys;       /* 0x050 VMXON region (in VMX root when VMX_OK)       */
    u64 vmxon_rflags;     /* 0x058 RFLAGS after VMXON (CF/ZF tell failures)     */
    u64 feature_control;  /* 0x060 IA32_FEATURE_CONTROL as found                */
    u32 guest_status;     /* 0x068 enum guest_status                            */
    u32 guest_bios_err;   /* 0x06C AH of the failing INT 13h                    */
    u32 guest_drive;      /* 0x070 DL to give the guest                         */
    u32 guest_si;         /* 0x074 SI (partition entry at 0x7BE+16n) or 0       */
    u32 guest_part_lba;   /* 0x078 start LBA of the chained partition           */
    u32 guest_load_bytes; /* 0x07C bytes placed at 0x7C00                       */
    struct pxhv_config config; /* 0x080 copy of the configuration block (0x38)  */
    u8  reserved[0x100 - 0x080 - sizeof(struct pxhv_config)];
    struct e820_entry e820[BOOTINFO_E820_MAX]; /* 0x100                         */
} PACKED;

STATIC_ASSERT(sizeof(struct pxhv_config) == 0x38, "config layout");
STATIC_ASSERT(sizeof(struct boot_info) == 0x100 + 24 * BOOTINFO_E820_MAX, "boot_info layout");

#endif
