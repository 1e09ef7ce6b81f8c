; bad_unsigned: a first sector without the 0xAA55 signature.  pxHV must
; refuse it with a clear message and not launch it.  Should it run anyway,
; it says so on port 0xE9 and halts.  (Stand-alone: guestlib.inc would add
; the signature.)

        bits 16
        org 0x7C00

        xor     ax, ax
        mov     ds, ax
        mov     si, msg
        cld
.out:   lodsb
        test    al, al
        jz      .halt
        out     0xE9, al
        jmp     .out
.halt:  cli
        hlt
        jmp     .halt

msg:    db      "bad_unsigned: FAIL launched without 0xAA55", 10, 0

        times   512 - ($ - $$) db 0     ; bytes 510..511 stay 0
