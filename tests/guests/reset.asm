; reset: one guest that resets the machine in every way a guest can, one way
; per boot.  A CMOS byte counts the boots (it survives a reset; the memory
; does not), so pxHV must catch each method, print its statistics, really
; reset the machine, boot again and relaunch this guest:
;   boot 1: reset control register, port 0xCF9 (RST_CPU)
;   boot 2: keyboard controller command 0xFE (pulse reset line)
;   boot 3: system control port A, port 0x92 bit 0 (fast reset)
;   boot 4: triple fault (empty IDT, then an interrupt)
;   boot 5: done: power off through the shutdown hypercall
; CMOS byte 0x7F is in the second bank on Bochs and unused by its BIOS.

%define GUEST_NAME "reset"
%include "guestlib.inc"

CMOS_INDEX equ 0x70
CMOS_DATA  equ 0x71
CMOS_COUNT equ 0x3F             ; an unused byte of the standard 64-byte CMOS

main:
        mov     al, CMOS_COUNT
        out     CMOS_INDEX, al
        in      al, CMOS_DATA
        cmp     al, 4
        jbe     .ok
        xor     al, al          ; anything else: a fresh machine
.ok:    inc     al
        mov     [boot_no], al
        mov     ah, al
        mov     al, CMOS_COUNT
        out     CMOS_INDEX, al
        mov     al, ah
        out     CMOS_DATA, al

        LB_BEGIN
        LB_STR  "boot "
        movzx   eax, byte [boot_no]
        LB_DEC  eax
        LB_END

        mov     al, [boot_no]
        cmp     al, 1
        je      .cf9
        cmp     al, 2
        je      .kbc
        cmp     al, 3
        je      .fast
        cmp     al, 4
        je      .triple
        ; boot 5: clear the counter for the next run and finish.
        mov     al, CMOS_COUNT
        out     CMOS_INDEX, al
        xor     al, al
        out     CMOS_DATA, al
        DONE

.cf9:   PRINT   "reset through port 0xCF9"
        mov     dx, 0xCF9
        mov     al, 0x02
        out     dx, al
        mov     al, 0x06
        out     dx, al
        jmp     .stuck
.kbc:   PRINT   "reset through the keyboard controller"
        mov     al, 0xFE
        out     0x64, al
        jmp     .stuck
.fast:  PRINT   "reset through port 0x92"
        in      al, 0x92
        or      al, 1
        out     0x92, al
        jmp     .stuck
.triple:
        PRINT   "triple fault"
        lidt    [null_idt]
        int     0x03
.stuck: FAIL    "still running after a reset request"

null_idt:
        dw      0
        dd      0
boot_no:
        db      0

        GUEST_END
