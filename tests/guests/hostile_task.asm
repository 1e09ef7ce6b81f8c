; hostile_task: a hardware task switch (JMP to a TSS selector).  It exits
; unconditionally (SDM Vol. 3C 25.1.2) and pxHV does not emulate it: a clean
; refusal with the guest's CS:EIP and the end of the guest, never a crash.
%define GUEST_NAME "hostile_task"
%include "guestlib.inc"

TSS_SEL equ 0x18

main:
        PRINT   "start"
        ENTER_PM32
        mov     eax, tss
        mov     [my_gdt + TSS_SEL + 2], ax
        shr     eax, 16
        mov     [my_gdt + TSS_SEL + 4], al
        mov     [my_gdt + TSS_SEL + 7], ah
        lgdt    [my_gdt_desc]
        mov     dword [tss + 32], after     ; EIP of the new task
        mov     dword [tss + 76], 0x08      ; CS
        PRINT   "jmp to a tss"
        jmp     TSS_SEL:0
after:  FAIL    "the task switch happened"

        align   8
my_gdt: dq      0
        dq      0x00CF9A000000FFFF
        dq      0x00CF92000000FFFF
        dq      0x0000890000000067          ; 0x18: available 32-bit TSS
my_gdt_end:
my_gdt_desc:
        dw      my_gdt_end - my_gdt - 1
        dd      my_gdt
        align   16
tss:    times 104 db 0

        GUEST_END
