/*
 * Multiboot version 1 kernels in a cell (pure: unit-tested in
 * tests/unit/test_multiboot.c; formats in hw/multiboot.h and hw/elf.h).
 *
 * mb_parse() turns an image read from disk into a load plan, or refuses it
 * with a reason: the image is untrusted, so every offset, size and address
 * is checked before anything is copied.  mb_build_info() writes the
 * information structure, its memory map, command line, loader name and
 * module list into the page the kernel finds them in.
 *
 * Where a cell of M bytes may be loaded: the RAM its memory map calls
 * available, [0, 0x9FC00) and [0x100000, M), less the information page
 * [0x9000, 0xA000) (MB_INFO_ADDR).  [0x9FC00, 0x100000) is reserved (the
 * ACPI tables at 0xE0000 and the flat image area; 0xA0000-0xDFFFF is
 * reported as nothing at all).
 */
#ifndef PXHV_LIB_MULTIBOOT_H
#define PXHV_LIB_MULTIBOOT_H
#include "lib/types.h"

#define MB_INFO_ADDR      0x9000u   /* the information page, guest-physical */
#define MB_INFO_SIZE      0x1000u
#define MB_LOW_END        0x9FC00u  /* end of the low available RAM         */
#define MB_HIGH_START     0x100000u
#define MB_MAX_SEGMENTS   8
#define MB_LOADER_NAME    "pxHV"

struct mb_segment {
    u32 file_off, file_bytes;       /* what to copy from the image           */
    u32 load_addr, mem_bytes;       /* where; mem_bytes - file_bytes zeroed  */
};

struct mb_plan {
    u32 entry;
    u32 header_off;                 /* where the Multiboot header was found  */
    u32 flags;                      /* the header's flags                    */
    bool aout;                      /* loaded by the address fields (bit 16) */
    bool video_not_given;           /* bit 2 asked for a video mode: none    */
    u32 nseg;
    struct mb_segment seg[MB_MAX_SEGMENTS];
    u32 end;                        /* first byte above every segment        */
    char why[112];                  /* the reason, when mb_parse refuses     */
};

/* The load plan of `image` (`size` bytes) for a cell with `mem` bytes of
 * RAM.  Returns false, with plan->why saying why, for an image that is not
 * a Multiboot 1 kernel pxHV can load there. */
bool mb_parse(const void *image, u32 size, u64 mem, struct mb_plan *plan);

/* Where the information says a module lies; the caller copies it there. */
struct mb_module_desc {
    u32 start, end;                 /* guest-physical [start, end)           */
    const char *string;             /* its command line, or NULL             */
};

struct mb_boot {
    u64 mem;                        /* the cell's RAM, M                     */
    const char *cmdline;            /* the kernel's command line, or NULL    */
    const struct mb_module_desc *mods;
    u32 nmods;
};

/* Builds the information structure into `page` (MB_INFO_SIZE bytes, the
 * guest-physical page MB_INFO_ADDR): flags MEMORY, CMDLINE, MODS, MEM_MAP
 * and LOADER_NAME; mem_lower 639, mem_upper (M - 1 MiB) / 1 KiB; the cell's
 * memory map; the strings.  Returns NULL, or why it does not fit. */
const char *mb_build_info(u8 *page, const struct mb_boot *boot);

/* Where the first module may go: the first 4 KiB boundary above the kernel
 * (modules then follow each other on 4 KiB boundaries, which satisfies
 * header flag 0). */
static inline u32 mb_modules_base(const struct mb_plan *plan)
{
    return (plan->end + 0xFFFu) & ~0xFFFu;
}

#endif
