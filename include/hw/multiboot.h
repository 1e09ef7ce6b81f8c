/*
 * Multiboot version 1 (the Multiboot Specification 0.6.96): the header a
 * kernel carries (3.1 "OS image format"), the machine state it is entered
 * in (3.2 "Machine state") and the information structure it is handed
 * (3.3 "Boot information format").  All addresses are 32-bit physical.
 */
#ifndef PXHV_HW_MULTIBOOT_H
#define PXHV_HW_MULTIBOOT_H
#include "lib/types.h"

/* 3.1.1 "The layout of Multiboot header": within the first 8192 bytes of
 * the image, 32-bit aligned; magic + flags + checksum == 0 (mod 2^32). */
#define MB_HEADER_MAGIC   0x1BADB002u
#define MB_HEADER_SEARCH  8192u
struct mb_header {
    u32 magic, flags, checksum;
    /* 3.1.3 "The address fields of Multiboot header": valid with flag 16 */
    u32 header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
    /* 3.1.4 "The graphics fields of Multiboot header": valid with flag 2 */
    u32 mode_type, width, height, depth;
} PACKED;

/* 3.1.2 "The magic fields of Multiboot header": bits 0-15 are requirements
 * a loader that does not understand one must refuse; bits 16-31 optional. */
#define MB_HF_PAGE_ALIGN  BIT(0)    /* modules on 4 KiB boundaries           */
#define MB_HF_MEMORY_INFO BIT(1)    /* mem_lower/upper (and mmap) wanted     */
#define MB_HF_VIDEO_MODE  BIT(2)    /* a video mode table wanted             */
#define MB_HF_AOUT_KLUDGE BIT(16)   /* load by the address fields, not ELF   */
#define MB_HF_REQUIRED    0xFFFFu

/* 3.2 "Machine state": EAX holds this, EBX the information structure. */
#define MB_BOOTLOADER_MAGIC 0x2BADB002u

/* 3.3 "Boot information format" */
struct mb_info {
    u32 flags;
    u32 mem_lower, mem_upper;       /* KiB below 640 KiB, from 1 MiB on      */
    u32 boot_device;
    u32 cmdline;
    u32 mods_count, mods_addr;
    u32 syms[4];                    /* a.out symbol table or ELF sections    */
    u32 mmap_length, mmap_addr;
    u32 drives_length, drives_addr;
    u32 config_table;
    u32 boot_loader_name;
    u32 apm_table;
    u32 vbe_control_info, vbe_mode_info;
    u16 vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
} PACKED;
STATIC_ASSERT(sizeof(struct mb_info) == 88, "Multiboot information: 88 bytes");
#define MB_INFO_MEMORY      BIT(0)
#define MB_INFO_BOOTDEV     BIT(1)
#define MB_INFO_CMDLINE     BIT(2)
#define MB_INFO_MODS        BIT(3)
#define MB_INFO_MEM_MAP     BIT(6)
#define MB_INFO_LOADER_NAME BIT(9)

/* A module: [mod_start, mod_end) and its string. */
struct mb_module {
    u32 mod_start, mod_end, string, reserved;
} PACKED;

/* A memory map entry: `size` (of the rest, at least 20) sits before the
 * entry proper, and mmap_addr points at it; the next entry starts
 * size + 4 bytes further. */
struct mb_mmap_entry {
    u32 size;
    u64 base_addr, length;
    u32 type;                       /* 1 available RAM, other values reserved */
} PACKED;
#define MB_MMAP_AVAILABLE 1u
#define MB_MMAP_RESERVED  2u

#endif
