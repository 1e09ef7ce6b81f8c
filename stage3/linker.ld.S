/*
 * Stage 3 is linked position-independent at 0 and relocated at run time
 * (core/early.c applies the packed relative relocations), because it places itself at the
 * top of RAM, which depends on the machine.  The header's values are
 * link-time constants (offsets from the image start).  The C preprocessor
 * runs over this file first, so the magic comes from include/boot/layout.h.
 */
#include "boot/layout.h"
#include "boot/uefi.h"
ENTRY(_start)

SECTIONS
{
    . = 0;
    __image_start = .;
    .header : {
        LONG(STAGE3_MAGIC)                /* struct stage3_header */
        LONG(_start)                      /* entry_offset         */
        LONG(__image_end)                 /* image_size           */
        LONG(__mem_end)                   /* mem_size             */
        LONG(_uefi_start)                 /* uefi_entry_offset    */
        LONG(UEFI_ABI)                    /* uefi_abi             */
        KEEP(*(.header.cpu_bytes_vmx))    /* cpu_bytes_vmx (vmx/vmx.c) */
        KEEP(*(.header.cpu_bytes_svm))    /* cpu_bytes_svm (svm/svm.c) */
    }
    .text : { *(.text.entry) *(.text .text.*) }
    .rodata : { *(.rodata .rodata.*) }
    .data.rel.ro : {
        *(.data.rel.ro .data.rel.ro.*)
        . = ALIGN(8);
        __extable_start = .;
        *(.extable)
        __extable_end = .;
    }
    .dynamic : { *(.dynamic) }
    .got : { *(.got) *(.got.plt) }
    .rela.dyn : { *(.rela.dyn) *(.rela.*) }    /* must stay empty: checked by the build */
    .relr.dyn : ALIGN(8) {
        __relr_start = .;
        *(.relr.dyn)
        __relr_end = .;
    }
    /* The padding is inside .data so that the flat binary ends exactly
     * at __image_end (objcopy stops at the last section's end). */
    .data : { *(.data .data.*) LONG(0) . = ALIGN(16); }
    __image_end = .;
    .bss (NOLOAD) : ALIGN(4096) { *(.bss .bss.*) *(COMMON) }
    . = ALIGN(4096);
    __mem_end = .;
    /DISCARD/ : { *(.comment) *(.note .note.*) *(.eh_frame*) *(.interp) *(.dynsym) *(.dynstr) *(.hash) *(.gnu.hash) }
}
