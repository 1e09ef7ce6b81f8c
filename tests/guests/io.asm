; io: port 0xE9 in every OUT/IN form the hypervisor must emulate.
; Each "ok" line below is itself written through the form it names, so a
; wrong emulation shows as a missing or garbled line.  Word and dword OUTs
; print the bytes of the value low byte first (the order they have in
; memory), so a string sent in 2- or 4-byte pieces reads as written; the
; last (length mod size) bytes go out with `out dx, al`.
; SDM Vol. 2B "OUT", "OUTS"; Vol. 2A "IN", "INS".

%define GUEST_NAME "io"
%include "guestlib.inc"

E9 equ PXHV_DEBUG_PORT

; IO_LINE label, "text": a line of text for the port forms (length in label_len).
%macro IO_LINE 2
%1:     db      GUEST_NAME, ": ", %2, 10
%1_len  equ     $ - %1
%endmacro

main:
        PRINT   "start"

        ; OUT imm8, AL
        mov     si, l_imm_al
        mov     cx, l_imm_al_len
.b1:    mov     al, [si]
        out     E9, al
        inc     si
        loop    .b1

        ; OUT DX, AL
        mov     dx, E9
        mov     si, l_dx_al
        mov     cx, l_dx_al_len
.b2:    mov     al, [si]
        out     dx, al
        inc     si
        loop    .b2

        ; OUT imm8, AX
        mov     si, l_imm_ax
        mov     cx, l_imm_ax_len / 2
.w1:    mov     ax, [si]
        out     E9, ax
        add     si, 2
        loop    .w1
        mov     cx, l_imm_ax_len % 2
        call    tail_bytes

        ; OUT DX, AX
        mov     si, l_dx_ax
        mov     cx, l_dx_ax_len / 2
.w2:    mov     ax, [si]
        out     dx, ax
        add     si, 2
        loop    .w2
        mov     cx, l_dx_ax_len % 2
        call    tail_bytes

        ; OUT imm8, EAX
        mov     si, l_imm_eax
        mov     cx, l_imm_eax_len / 4
.d1:    mov     eax, [si]
        out     E9, eax
        add     si, 4
        loop    .d1
        mov     cx, l_imm_eax_len % 4
        call    tail_bytes

        ; OUT DX, EAX
        mov     si, l_dx_eax
        mov     cx, l_dx_eax_len / 4
.d2:    mov     eax, [si]
        out     dx, eax
        add     si, 4
        loop    .d2
        mov     cx, l_dx_eax_len % 4
        call    tail_bytes

        ; REP OUTSB from DS:SI (real mode: the hypervisor forms DS*16 + SI)
        mov     si, l_outsb
        mov     cx, l_outsb_len
        rep outsb
        test    cx, cx
        jz      .in
        FAIL    "rep outsb left CX != 0"

        ; IN AL, imm8: Bochs' convention, reading port 0xE9 gives 0xE9.
.in:    mov     al, 0
        in      al, E9
        LB_BEGIN
        LB_STR  "in 0xE9 = 0x"
        LB_HEX  eax, 2
        LB_END

        ; IN AL, DX: the same through DX, checked quietly.
        mov     al, 0
        in      al, dx
        cmp     al, 0xE9
        je      .insb
        FAIL    "in al, dx from 0xE9 did not give 0xE9"

        ; REP INSB into ES:DI: 4 bytes, all 0xE9; DI and CX move as on hardware.
.insb:  mov     dword [inbuf], 0
        mov     dword [inbuf + 4], 0x5A5A5A5A   ; guard: must stay
        mov     di, inbuf
        mov     cx, 4
        rep insb
        cmp     di, inbuf + 4
        jne     .bad
        test    cx, cx
        jnz     .bad
        cmp     dword [inbuf], 0xE9E9E9E9
        jne     .bad
        cmp     dword [inbuf + 4], 0x5A5A5A5A
        jne     .bad
        PRINT   "rep insb ok"
        DONE
.bad:   FAIL    "rep insb"

; tail_bytes: OUT DX(=0xE9), AL for the CX bytes at SI.
tail_bytes:
        jcxz    .done
        push    dx
        mov     dx, E9
.b:     mov     al, [si]
        out     dx, al
        inc     si
        loop    .b
        pop     dx
.done:  ret

        IO_LINE l_imm_al,  "out imm8, al ok"
        IO_LINE l_dx_al,   "out dx, al ok"
        IO_LINE l_imm_ax,  "out imm8, ax ok"
        IO_LINE l_dx_ax,   "out dx, ax ok"
        IO_LINE l_imm_eax, "out imm8, eax ok"
        IO_LINE l_dx_eax,  "out dx, eax ok"
        IO_LINE l_outsb,   "rep outsb ok"

        section .bss
inbuf:  resb    8
        section .text

        GUEST_END
