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
 *
 * The second door, pxhv.efi (include/boot/uefi.h), sizes the region from the
 * header before stage 3 runs: the image, a block per CPU of the backend it
 * will use (the block's size differs by backend), the page-table pool.
 */
struct stage3_header {
    u32 magic;          /* STAGE3_MAGIC */
    u32 entry_offset;
    u32 image_size;     /* bytes to copy */
    u32 mem_size;       /* bytes used from the region base, bss included */
    u32 uefi_entry_offset;  /* the UEFI entry (boot/uefi.h), called in the region */
    u32 uefi_abi;           /* UEFI_ABI */
    u32 cpu_bytes_vmx;      /* one CPU's block in the region with VMX */
    u32 cpu_bytes_svm;      /* and with SVM */
} PACKED;
#define S3H_SIZE 32
STATIC_ASSERT(sizeof(struct stage3_header) == S3H_SIZE, "stage 3 header layout");

#endif
