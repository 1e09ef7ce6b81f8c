; hostile_smram: open SMRAM through the host bridge's SMRAM control register
; (i440FX 72h: D_OPEN, bit 6) to plant an SMI handler.  pxHV locked it (D_LCK,
; bit 4) before the guest ran: the bit does not stick, and SMRAM at 0xA0000
; stays the VGA window.
%define GUEST_NAME "hostile_smram"
%include "guestlib.inc"

main:
        mov     eax, 0x80000070             ; bus 0, device 0, function 0, dword 70h
        mov     dx, 0xCF8
        out     dx, eax
        mov     dx, 0xCFE                   ; byte 72h
        in      al, dx
        mov     [before], al
        or      al, 0x40                    ; D_OPEN
        and     al, ~0x20                   ; D_CLS
        out     dx, al
        in      al, dx
        mov     [after], al
        LB_BEGIN
        LB_STR  "smram control 0x"
        movzx   eax, byte [before]
        LB_HEX  eax, 2
        LB_STR  ", after setting D_OPEN 0x"
        movzx   eax, byte [after]
        LB_HEX  eax, 2
        LB_END
        test    byte [after], 0x40
        jz      .closed
        FAIL    "SMRAM opened"
.closed:
        PRINT   "smram stays closed"
        DONE

before: db      0
after:  db      0

        GUEST_END
