/* Stage 3's entry points while it starts (core/early.c, core/main.c). */
#ifndef PXHV_EARLY_H
#define PXHV_EARLY_H
#include "types.h"
#include "bootinfo.h"
#include "layout.h"
#include "region.h"

#define BOOT_STACK_SIZE 16384

/* The image's relative relocations in the packed SHT_RELR format (linker.ld.S,
 * ld -z pack-relative-relocs): an even entry is the offset of a u64 to adjust,
 * an odd one a bitmap of the 63 u64s that follow the last offset. */
extern const u64 __relr_start[], __relr_end[];
extern u8 boot_stack[];                        /* the boot CPU's until its first VM entry */

void reloc_apply(u8 *image, u64 delta);        /* entry.asm, then the copy in the region */
NORETURN void stage3_early(struct boot_info *bi);

/* The region's pieces (include/region.h) for `cpus` CPUs under the backend
 * stage 2 found: the image with its bss, a block per CPU with the backend's
 * own pages, and the page pool for the host's and the guest's page tables.
 * core/early.c sizes and places the region with it; the blocks and the pool
 * are found again by walking the same pieces (core/cpu.c, core/host.c). */
void region_parts_of(u32 virt, u32 cpus, struct region_parts *p);
NORETURN void stage3_main(struct boot_info *bi);
bool has_1g_pages(void);

#endif
