; hostile_race: two CPUs against pxHV's CMOS filter (issue 15, item 1).
; The CMOS index (port 70h) is one register of the chipset that both CPUs
; share; pxHV refuses shutdown codes other than 00h/04h written to register
; 0Fh (docs/security.md, route 1).  Here CPU 1 keeps selecting another
; register (3Fh, which no BIOS here uses) and reading it, and reading 0Fh
; (counting each time it finds 0Ah there), while the boot CPU
; does ROUNDS rounds of "select 0Fh, write 0Ah" (resume at the 0040:0067
; vector without POST) with that vector pointing at code that prints a FAIL
; line natively.  Each 0Ah pxHV sees for register 0Fh must be refused; one
; that reaches the chip armed, followed by a reset, resumes guest code natively,
; outside VMX.  Then the boot CPU stops CPU 1, prints CMOS 0Fh (00h: every
; 0Ah was replaced or landed in register 3Fh when CPU 1 moved the index in
; between), and resets through the keyboard controller (FEh).  A CMOS byte
; counts the boots: boot 2 prints "hypervisor present: 1" and ends.
;   (Register 3Fh rather than e.g. 34h: a boot CPU write that CPU 1 redirects
;   lands in CPU 1's register, and 34h/35h hold the RAM size the BIOS reads.)
; Run with 2 CPUs; CPU 1 is started with INIT-SIPI-SIPI (Vol. 3A 8.4.4.1).
%define GUEST_NAME "hostile_race"
%include "guestlib.inc"
%include "pc.inc"

%ifndef ROUNDS
  %define ROUNDS 10000                  ; nasm -DROUNDS=n for a shorter run by hand
%endif
AP_INDEX        equ 0x3F
AP_STACK        equ 0x6000
CMOS_SHUTDOWN   equ 0x0F

main:
        call    com1_if_bare16
        mov     al, 2
        call    boot_count16
        mov     [boot_no], al
        BOOT_LINE
        cmp     byte [boot_no], 2
        jne     .race
        call    boot_count_clear16
        DONE

.race:  mov     bx, ap_entry
        call    ap_trampoline16
        cli
        mov     word [0x467], native            ; the resume vector 0040:0067
        mov     word [0x469], 0
        ENTER_PM32
        call    apic_init32
        START_AP32 1
        mov     ecx, 2000                       ; wait until CPU 1 loops
.wait:  cmp     dword [ap_rounds], 100
        jae     .going
        call    delay32
        loop    .wait
        FAIL    "cpu 1 did not start"
.going: PRINT   "cpu 1 is writing the cmos index"

        mov     ebx, [ap_rounds]
        mov     ecx, ROUNDS
.round: mov     al, CMOS_SHUTDOWN
        out     0x70, al
        mov     al, 0x0A                        ; resume at 0040:0067 without POST
        out     0x71, al
        inc     dword [rounds]
        loop    .round
        mov     edx, [ap_rounds]
        sub     edx, ebx
        mov     [ap_during], edx

        mov     byte [ap_stop], 1               ; CPU 1 parks itself
        mov     ecx, 2000
.stop:  cmp     byte [ap_stopped], 1
        je      .stopped
        call    delay32
        loop    .stop
        FAIL    "cpu 1 did not stop"
.stopped:
        LB_BEGIN
        LB_STR  "rounds: "
        LB_DEC  [rounds]
        LB_END
        LB_BEGIN
        LB_STR  "cpu 1 selected register 0x3f during the rounds: "
        cmp     dword [ap_during], 0
        je      .no
        LB_STR  "yes"
        jmp     .said
.no:    LB_STR  "no"
.said:  LB_END
        LB_BEGIN
        LB_STR  "cpu 1 found the shutdown byte armed: "
        cmp     dword [ap_armed], 0
        je      .never
        LB_STR  "yes"
        jmp     .told
.never: LB_STR  "no"
.told:  LB_END
        mov     al, CMOS_SHUTDOWN
        out     0x70, al
        in      al, 0x71
        movzx   eax, al
        LB_BEGIN
        LB_STR  "cmos shutdown byte after the rounds: 0x"
        LB_HEX  eax, 2
        LB_END
        PRINT   "reset through the keyboard controller"
        call    kbc_wait32
        mov     al, 0xFE                        ; pulse the reset line
        out     0x64, al
        mov     ecx, 0x1000000
.spin:  loop    .spin
        FAIL    "still running after a reset"

kbc_wait32:
        in      al, 0x64
        test    al, 2
        jnz     kbc_wait32
        ret

; ---- CPU 1, in real mode from the trampoline: select register 3Fh and read
; it, then select 0Fh and read it (an armed shutdown byte is counted), until
; told to stop, then CLI; HLT.
        bits 16
ap_entry:
        AP_ENTRY16 AP_STACK
.loop:  mov     al, AP_INDEX
        out     0x70, al
        in      al, 0x71
        mov     al, CMOS_SHUTDOWN
        out     0x70, al
        in      al, 0x71
        cmp     al, 0x0A
        jne     .next
        inc     dword [ap_armed]
.next:  inc     dword [ap_rounds]
        cmp     byte [ap_stop], 0
        je      .loop
        mov     byte [ap_stopped], 1
.park:  cli
        hlt
        jmp     .park

; ---- Reached only if the BIOS resumed here through 0040:0067 after the
; reset, natively: pxHV is not running any more.  Straight to COM1 (8N1: the
; reset left the UART at 5 data bits) and port 0xE9.
native:
        xor     ax, ax
        mov     ds, ax
        mov     dx, COM1 + 3
        mov     al, 0x03
        out     dx, al
        mov     si, .msg
.c:     lodsb
        test    al, al
        jz      .h
        out     PXHV_DEBUG_PORT, al
        mov     ah, al
        mov     dx, COM1 + 5
.thre:  in      al, dx
        test    al, LSR_THRE
        jz      .thre
        mov     dx, COM1
        mov     al, ah
        out     dx, al
        jmp     .c
.h:     cli
        hlt
        jmp     .h
.msg:   db      GUEST_NAME, ": FAIL resumed natively, outside pxHV", 10, 0

        align   4
rounds:         dd 0
ap_rounds:      dd 0
ap_during:      dd 0
ap_armed:       dd 0
boot_no:        db 0
ap_stop:        db 0
ap_stopped:     db 0

        GUEST_END
