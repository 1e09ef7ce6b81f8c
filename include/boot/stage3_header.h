#ifndef PXHV_STAGE3_HEADER_H
#define PXHV_STAGE3_HEADER_H
#include "lib/types.h"

/*
 * The first 16 bytes of stage3.bin.  Stage 2 checks, before it jumps into
 * the image, that the magic is there and that the sectors it read hold the
 * whole image (image_size, entry_offset inside it, mem_size not below it);
 * then it calls the entry in the low bounce buffer in 64-bit mode with RDI =
 * physical address of struct boot_info, and stage 3 moves itself into the
 * hypervisor region (core/early.c).
 */
struct stage3_header {
    u32 magic;          /* STAGE3_MAGIC */
    u32 entry_offset;
    u32 image_size;     /* bytes to copy */
    u32 mem_size;       /* bytes used from the region base, bss included */
} PACKED;
#define S3H_SIZE 16
STATIC_ASSERT(sizeof(struct stage3_header) == S3H_SIZE, "stage 3 header layout");

#endif
