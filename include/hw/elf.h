/*
 * The ELF32 file header and program header (Tool Interface Standard (TIS)
 * Executable and Linking Format (ELF) Specification, Version 1.2, Book I:
 * chapter 1 "Object Files", "ELF Header"; chapter 2 "Program Loading and
 * Dynamic Linking", "Program Header"): what a Multiboot loader reads of an
 * ELF kernel.
 */
#ifndef PXHV_HW_ELF_H
#define PXHV_HW_ELF_H
#include "lib/types.h"

#define EI_NIDENT     16
#define ELFCLASS32    1
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define ET_EXEC       2
#define EM_386        3
#define PT_LOAD       1

struct elf32_ehdr {
    u8  e_ident[EI_NIDENT];         /* 0x7F 'E' 'L' 'F', class, data, version */
    u16 e_type, e_machine;
    u32 e_version, e_entry, e_phoff, e_shoff, e_flags;
    u16 e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} PACKED;
STATIC_ASSERT(sizeof(struct elf32_ehdr) == 52, "ELF32 header: 52 bytes");

struct elf32_phdr {
    u32 p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
} PACKED;
STATIC_ASSERT(sizeof(struct elf32_phdr) == 32, "ELF32 program header: 32 bytes");

#endif
