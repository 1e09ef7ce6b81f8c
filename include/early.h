/* Stage 3's entry points while it starts (core/early.c, core/main.c). */
#ifndef PXHV_EARLY_H
#define PXHV_EARLY_H
#include "types.h"
#include "bootinfo.h"

#define BOOT_STACK_SIZE 16384

/* ELF relocations of the image (linker.ld.S); only R_X86_64_RELATIVE occurs. */
struct elf_rela { u64 offset, info; s64 addend; };
#define R_X86_64_RELATIVE 8
extern const struct elf_rela __rela_start[], __rela_end[];
extern u8 boot_stack[];                        /* the boot CPU's until its first VM entry */

void reloc_apply(u8 *image, u64 base);         /* entry.asm, then the copy in the region */
NORETURN void stage3_early(struct boot_info *bi);
NORETURN void stage3_main(const struct boot_info *bi);
bool has_1g_pages(void);

#endif
