; hostile_long: MOV to CR0 writes that a CPU refuses with #GP(0) (SDM Vol. 2B
; MOV CR, Vol. 3A 9.8.5), each with CR0.NE toggled in the same write so that it
; exits and pxHV, not the CPU, performs it:
;   1. IA-32e mode activation (PG with EFER.LME) while TR holds a 16-bit TSS
;   2. the same with CS.L = 1
;   3. paging off in 64-bit mode
; In between, the activation without those is accepted, and 64-bit code runs.
%define GUEST_NAME "hostile_long"
%include "guestlib.inc"
%include "hostile.inc"

PML4    equ 0x20000                     ; then PDPT, PD (LONG_MODE_PREP32)
CODE64  equ 0x18
CODE32L equ 0x20                        ; 32-bit code with the L bit set
TSS16   equ 0x28
TSS32   equ 0x30
NE      equ 1 << 5

; TRY_PG_ON: MOV to CR0 with PG set and NE toggled (so that the write exits
; and pxHV performs it), under TRY.
%macro TRY_PG_ON 0
        mov     eax, cr0
        or      eax, 1 << 31
        xor     eax, NE
        TRY
        mov     cr0, eax
        ENDTRY
%endmacro

main:
        PRINT   "start"
        ENTER_PM32
        lgdt    [my_gdt_desc]
        call    catch_install32
        LONG_MODE_PREP32 PML4

        ; 1. a 16-bit TSS in TR
        mov     ax, TSS16
        ltr     ax
        TRY_PG_ON
        EXPECT_FAULT "ia-32e activation with a 16-bit tss", 13, 0

        ; 2. CS.L = 1 (loaded in legacy mode, where the bit does nothing)
        mov     ax, TSS32
        ltr     ax
        jmp     CODE32L:.lcs
.lcs:   TRY_PG_ON
        jmp     CODE32_SEL:.back
.back:  EXPECT_FAULT "ia-32e activation with cs.l=1", 13, 0

        ; The activation itself, then 64-bit mode.
        TRY_PG_ON
        EXPECT_NONE "ia-32e activation"
        lidt    [idt64_desc]
        jmp     CODE64:long64

        bits 64
long64: mov     rax, cr0
        and     eax, 0x7FFFFFFF                 ; PG off, in 64-bit mode
        xor     eax, NE
        mov     byte [gp64], 0
paging_off:
        mov     cr0, rax
paging_off_end:
        cmp     byte [gp64], 1
        je      .gp
        mov     dword [fail_msg], 1
        jmp     .report
.gp:    mov     dword [fail_msg], 0
.report:
        ; Back to 32-bit code (compatibility mode) to print.
        push    CODE32_SEL
        lea     rax, [rel compat]
        push    rax
        retfq

; #GP in 64-bit mode: the MOV to CR0 above, skipped.
gp64_handler:
        lea     rax, [rel paging_off]
        cmp     [rsp + 8], rax
        jne     .other
        lea     rax, [rel paging_off_end]
        mov     [rsp + 8], rax
        mov     byte [gp64], 1
        add     rsp, 8                          ; the error code
        iretq
.other: hlt
        jmp     .other

        bits 32
compat: mov     ax, DATA32_SEL
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        cmp     dword [fail_msg], 0
        je      .ok
        FAIL    "paging off in 64-bit mode accepted"
.ok:    PRINT   "paging off in 64-bit mode: #13(0000)"
        DONE

        align   8
my_gdt: dq      0
        dq      0x00CF9A000000FFFF      ; 0x08: 32-bit code
        dq      0x00CF92000000FFFF      ; 0x10: data
        dq      0x00AF9A000000FFFF      ; 0x18: 64-bit code (L = 1)
        dq      0x00EF9A000000FFFF      ; 0x20: 32-bit code with L = 1 (L = D = 1)
        dq      0x0000810000000FFF | (tss_area << 16) & 0xFFFFFF0000 ; 0x28: 16-bit TSS
        dq      0x0000890000000FFF | (tss_area << 16) & 0xFFFFFF0000 ; 0x30: 32-bit TSS
my_gdt_end:
my_gdt_desc:
        dw      my_gdt_end - my_gdt - 1
        dd      my_gdt
        align   8
idt64_desc:
        dw      16 * 14 - 1
        dq      idt64
        align   16
idt64:  times 13 dq 0, 0
        dw      gp64_handler                    ; vector 13: 64-bit interrupt gate
        dw      CODE64
        dw      0x8E00
        dw      0
        dd      0
        dd      0
gp64:   db      0
fail_msg: dd    0
tss_area equ 0x6000

        GUEST_END
