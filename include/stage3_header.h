#ifndef PXHV_STAGE3_HEADER_H
#define PXHV_STAGE3_HEADER_H
#include "types.h"

/*
 * The first 16 bytes of stage3.bin.  Stage 2 checks the magic, copies
 * image_size bytes to the hypervisor region base, checks that mem_size
 * (image + bss) ends below the VMXON page, and calls base + entry_offset in
 * 64-bit mode with RDI = physical address of struct boot_info.
 */
struct stage3_header {
    u32 magic;          /* STAGE3_MAGIC */
    u32 entry_offset;
    u32 image_size;     /* bytes to copy */
    u32 mem_size;       /* bytes used from the region base, bss included */
} PACKED;

#endif
