; hostile_init: INIT to itself (issue 15, item 4), on 1 or 2 CPUs.  The boot
; CPU that takes an INIT goes to the reset vector F000:FFF0 in the INIT state
; (SDM Vol. 3A 9.1.1 "Processor State After Reset", Table 9-1; 10.4.7.3 "Local
; APIC State After an INIT Reset"), which runs the BIOS again: the BIOS boots
; the disk, i.e. pxHV's sector under pxHV (which then resets the machine and
; boots again) or this guest natively.  An AP that takes an INIT waits for a
; SIPI.  A CMOS byte counts the boots:
;   boot 1  starts CPU 1 if there is one (INIT-SIPI-SIPI, Vol. 3A 8.4.4.1) and
;           prints the CPU count; INIT to its own APIC ID (physical, no
;           shorthand: valid for INIT in Vol. 3A Table 10-3)
;   boot 2  the same with the all-including-self shorthand (which Table 10-3
;           lists as invalid for INIT on the xAPIC, and which an OS may still
;           send: pxHV must give it the result of an INIT to every CPU, never
;           a livelock)
;   boot 3  starts CPU 1 again with INIT-SIPI-SIPI, prints that it started,
;           and ends (DONE)
; A livelock in pxHV shows as a run that stops printing: the test bounds it.
%ifndef GUEST_NAME
%define GUEST_NAME "hostile_init"
%endif
%include "guestlib.inc"
%include "pc.inc"

AP_STACK        equ 0x6000

main:
        call    com1_if_bare16
        mov     al, 3
        call    boot_count16
        mov     [boot_no], al
        BOOT_LINE
        mov     bx, ap_entry
        call    ap_trampoline16
        ENTER_PM32
        call    apic_init32
        call    start_ap32
%ifdef INIT_ALL_FIRST                           ; hostile_initall: boot 1 does boot 2's INIT
        cmp     byte [boot_no], 1
        je      .all
        jmp     .last
%else
        cmp     byte [boot_no], 2
        je      .all
        ja      .last
%endif
        mov     ebx, [apic]
        mov     edx, [ebx + XAPIC_ID]           ; bits 31:24 = own APIC ID
        and     edx, 0xFF000000
        LB_BEGIN
        LB_STR  "INIT to self, physical destination APIC ID "
        mov     eax, edx
        shr     eax, 24
        LB_DEC  eax
        LB_END
        mov     eax, ICR_INIT
        call    ipi32
        jmp     .after
.all:   PRINT   "INIT to all including self"
        xor     edx, edx
        mov     eax, ICR_INIT | ICR_ALL
        call    ipi32
.after: mov     ecx, 400                        ; the INIT is taken at once:
.spin:  call    delay32                         ; give it time, then fail
        loop    .spin
        FAIL    "still running after INIT to itself"

.last:  cmp     dword [ap_starts], 0
        je      .one
        PRINT   "cpu 1 started again after the INITs"
.one:   call    boot_count_clear16_32
        DONE

; start_ap32: INIT, SIPI, SIPI to APIC ID 1; "cpus: 2" if it starts (it
; counts its starts, then spins), else "cpus: 1".
start_ap32:
        START_AP32 1
        mov     ecx, 300
.wait:  cmp     dword [ap_starts], 0
        jne     .two
        call    delay32
        loop    .wait
        PRINT   "cpus: 1"
        ret
.two:   PRINT   "cpus: 2"
        ret

boot_count_clear16_32:                          ; the CMOS counter, from 32-bit code
        mov     al, CMOS_COUNT
        out     0x70, al
        xor     al, al
        out     0x71, al
        ret

; ---- CPU 1, real mode from the trampoline: count the start, then spin.
        bits 16
ap_entry:
        AP_ENTRY16 AP_STACK
        lock inc dword [ap_starts]
.spin:  pause
        jmp     .spin

        align   4
ap_starts:      dd 0
boot_no:        db 0

        GUEST_END
