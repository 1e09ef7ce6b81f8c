; hostile_cmos: the way out through a reset.  The guest arms the CMOS shutdown
; byte (index 0Fh = 0Ah, "resume at the 0040:0067 vector without POST") and the
; vector, then resets the machine in a way pxHV does not intercept: keyboard
; controller command FEh (boot 1), then the controller's output port, D1h and
; a byte with bit 0 clear (boot 2).  pxHV refuses the shutdown code, so the BIOS
; starts over and boots pxHV again: the resume code never runs natively
; (it would print a FAIL line with pxHV absent).  A CMOS byte counts the boots.
%define GUEST_NAME "hostile_cmos"
%include "guestlib.inc"

CMOS_COUNT      equ 0x3E                ; unused by the BIOSes here

main:
        mov     al, CMOS_COUNT
        out     0x70, al
        in      al, 0x71
        cmp     al, 2
        jbe     .ok
        xor     al, al
.ok:    inc     al
        mov     [boot_no], al
        mov     ah, al
        mov     al, CMOS_COUNT
        out     0x70, al
        mov     al, ah
        out     0x71, al
        BOOT_LINE
        cmp     byte [boot_no], 3
        je      .done
        cli
        mov     word [0x467], native        ; the resume vector 0040:0067
        mov     word [0x469], 0
        mov     al, 0x0F
        out     0x70, al
        mov     al, 0x0A
        out     0x71, al
        cmp     byte [boot_no], 2
        je      .outport
        PRINT   "reset through the keyboard controller, shutdown code 0x0a"
        call    kbc_wait
        mov     al, 0xFE
        out     0x64, al
        jmp     .stuck
.outport:
        PRINT   "reset through the keyboard controller's output port, shutdown code 0x0a"
        call    kbc_wait
        mov     al, 0xD1
        out     0x64, al
        call    kbc_wait
        mov     al, 0xFE                    ; bit 0 clear: reset
        out     0x60, al
.stuck: mov     ecx, 0x1000000
.spin:  loop    .spin
        FAIL    "still running after a reset"
.done:  mov     al, CMOS_COUNT
        out     0x70, al
        xor     al, al
        out     0x71, al
        DONE

kbc_wait:
        in      al, 0x64
        test    al, 2
        jnz     kbc_wait
        ret

; Reached only if the BIOS resumed here without starting pxHV again.
native:
        mov     si, .msg
.c:     lodsb
        test    al, al
        jz      .h
        out     PXHV_DEBUG_PORT, al
        mov     dx, COM1
        out     dx, al
        jmp     .c
.h:     cli
        hlt
        jmp     .h
.msg:   db      GUEST_NAME, ": FAIL resumed natively, outside pxHV", 10, 0

boot_no: db     0

        GUEST_END
