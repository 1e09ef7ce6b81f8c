/* Stage 3's entry points while it starts (core/early.c, core/main.c). */
#ifndef PXHV_EARLY_H
#define PXHV_EARLY_H
#include "lib/types.h"
#include "boot/bootinfo.h"
#include "boot/layout.h"
#include "lib/region.h"

#define BOOT_STACK_SIZE 16384

/* The image's relative relocations in the packed SHT_RELR format (linker.ld.S,
 * ld -z pack-relative-relocs): an even entry is the offset of a u64 to adjust,
 * an odd one a bitmap of the 63 u64s that follow the last offset. */
extern const u64 __relr_start[], __relr_end[];
extern u8 boot_stack[];                        /* the boot CPU's until its first VM entry */

void reloc_apply(u8 *image, u64 delta);        /* for the entries, then the copy in the region */
NORETURN void stage3_early(struct boot_info *bi);
/* What stage 2 did (core/handoff.c): its lines, the cells' table, the guest's
 * boot sector, boot_info.virt and e801_*.  False with the refusal in `why`. */
bool handoff_check(struct boot_info *bi, char *why, usize n);

NORETURN void stage3_main(struct boot_info *bi);

/* The UEFI door (include/boot/uefi.h, core/uefi.c), through entry.asm's
 * _uefi_start; uefi_return ends the current call early with `status`. */
struct uefi_handoff;
struct cpu_snapshot;
u64 stage3_uefi(struct uefi_handoff *h, u32 op, struct cpu_snapshot *s);
NORETURN void uefi_return(u64 status);

#endif
