; lowmem: conventional memory as the firmware reported it (issue 15, item 7).
; A guest that does not ask INT 12h how much low memory there is may use all
; of it up to the EBDA (a hobby OS puts its stack at 0x9EE9C; it works on the
; bare machine), so pxHV must take none of it: INT 12h, the BDA's memory size
; (0040:0013) and the E820 ranges below 1 MiB are to be those of the bare run
; on the same machine.  The guest prints them, then writes and reads back every
; byte from 0x500 to the EBDA's start (BDA 0040:000E; INT 12h * 1 KiB when it
; is 0), except what it needs itself:
;   - the IVT (0-0x3FF) and the BDA (0x400-0x4FF), below the start;
;   - its stack, STACK_LOW..0x7C00 (SP starts at 0x7C00), and its image and
;     data, 0x7C00..lowmem_end (the end of .bss): the two are one skipped range, so the guest
;     runs where it was loaded and needs no relocation;
; then prints the values again (the BIOS still answers) and "done".  The test
; compares the lines of a bare run and a run under pxHV on the same engine.
%define GUEST_NAME "lowmem"
%include "guestlib.inc"
%include "pc.inc"

SMAP            equ 0x534D4150
STACK_LOW       equ 0x7000          ; SP starts at 0x7C00: 3 KiB are plenty
FILL            equ 0xA5

main:
        call    com1_if_bare16
        PRINT   "start"
        call    report16
        ; EBDA start: segment at BDA 0x40E, else the INT 12h size.
        movzx   eax, word [0x40E]
        shl     eax, 4
        jnz     .ebda
        int     0x12
        movzx   eax, ax
        shl     eax, 10
.ebda:  mov     [ebda], eax
        mov     dword [lo], 0x500
        mov     dword [hi], STACK_LOW
        call    fill16
        mov     dword [lo], lowmem_end
        mov     eax, [ebda]
        mov     [hi], eax
        call    fill16
        LB_BEGIN
        LB_STR  "wrote and read back 0x00000500-0x"
        LB_HEX  STACK_LOW, 8
        LB_STR  " and 0x"
        LB_HEX  lowmem_end, 8
        LB_STR  "-0x"
        LB_HEX  [ebda], 8
        LB_END
        PRINT   "after the writes:"
        call    report16
        DONE

; fill16: write FILL to every byte of [lo, hi), then check it reads back.
; Real mode: ES = address >> 4, DI = its low 4 bits, at most 32 KiB a step.
fill16:
        pushad
        push    es
        mov     edx, [lo]
.chunk: mov     ecx, [hi]
        sub     ecx, edx
        jbe     .done
        cmp     ecx, 0x8000
        jbe     .n
        mov     ecx, 0x8000
.n:     mov     eax, edx
        shr     eax, 4
        mov     es, ax
        mov     di, dx
        and     di, 0x0F
        push    ecx
        push    di
        mov     al, FILL
        rep     stosb
        pop     di
        pop     ecx
        add     edx, ecx
        repe    scasb                   ; AL = FILL still
        je      .chunk
        mov     eax, es
        shl     eax, 4
        movzx   edi, di
        lea     eax, [eax + edi - 1]
        mov     [bad], eax
        pop     es
        LB_BEGIN
        LB_STR  "byte at 0x"
        LB_HEX  [bad], 8
        LB_STR  " does not read back"
        LB_END
        FAIL    "conventional memory not writable"
.done:  pop     es
        popad
        ret

; report16: INT 12h, BDA 0x413, the EBDA segment, every E820 range below 1 MiB.
report16:
        pushad
        int     0x12
        movzx   eax, ax
        LB_BEGIN
        LB_STR  "int 12h: "
        LB_DEC  eax
        LB_STR  " KiB"
        LB_END
        LB_BEGIN
        LB_STR  "bda 0x413: "
        movzx   eax, word [0x413]
        LB_DEC  eax
        LB_STR  " KiB, ebda segment 0x"
        movzx   eax, word [0x40E]
        LB_HEX  eax, 4
        LB_END
        xor     ebx, ebx
.next:  mov     eax, 0xE820
        mov     ecx, 20
        mov     edx, SMAP
        mov     di, e820_buf
        int     0x15
        jc      .end
        cmp     eax, SMAP
        jne     .end
        cmp     dword [e820_buf + 4], 0         ; base >= 4 GiB
        jne     .skip
        cmp     dword [e820_buf], 0x100000      ; base >= 1 MiB
        jae     .skip
        LB_BEGIN
        LB_STR  "e820 below 1 MiB: base=0x"
        LB_HEX  [e820_buf], 8
        LB_STR  " len=0x"
        LB_HEX  [e820_buf + 8], 8
        LB_STR  " type="
        LB_DEC  [e820_buf + 16]
        LB_END
.skip:  test    ebx, ebx
        jnz     .next
.end:   popad
        ret

        align   4
ebda:   dd      0
lo:     dd      0
hi:     dd      0
bad:    dd      0
e820_buf: times 24 db 0

        GUEST_END
        section .bss                    ; after every other .bss item: the end
        alignb  16                      ; of the image and its data
lowmem_end:
        section .text
