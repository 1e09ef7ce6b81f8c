/* stage3.bin inside pxhv.efi: the hypervisor it will load into its region,
 * read-only here (the header at its start sizes that region). */
    .section .rodata, "a"
    .balign 4096
    .globl efi_stage3_image, efi_stage3_image_end
efi_stage3_image:
    .incbin STAGE3_BIN
efi_stage3_image_end:
    .section .note.GNU-stack, "", @progbits
