; cellattack: a root guest that reaches for a cell (tests/test_cells_attack.sh).
; The test's cell `rt` has 16 MiB at CELL_BASE (the test checks pxHV's line that
; places it there) and its one CPU has APIC ID 1.  In 32-bit protected mode the
; guest reads and writes the cell's memory, then sends INIT, SIPI, SIPI to APIC 1
; through the xAPIC ICR and, where the CPU has an x2APIC, again through the
; x2APIC ICR MSR.  pxHV refuses each and steps over the access: the read leaves
; its register as it was ("read gave 0x5a5a5a5a"), the cell's bytes are
; not written, and the cell's
; ticks go on.  The guest then waits again (108 wraps of PIT channel 0,
; 18.2 or 36.4 per second by its mode, polled with interrupts off) while the cell keeps ticking,
; and ends with the shutdown hypercall.
%define GUEST_NAME "cellattack"
%include "guestlib.inc"

CELL_BASE       equ 0x0EE00000
CELL_PEEK       equ CELL_BASE + 0xFF000 ; the cell's image (its top 4 KiB below 1 MiB)
APIC_BASE       equ 0xFEE00000
ICR_LOW         equ 0x300
ICR_HIGH        equ 0x310
IA32_APIC_BASE  equ 0x1B
X2APIC_ICR      equ 0x830
CELL_APIC       equ 1
SIPI_VECTOR     equ 0x08                ; 0x8000: any page; it must never run

main:
        call    a20_enable16
        ENTER_PM32
        PRINT   "waiting for the cell to run"
        call    pause_3s
        PRINT   "reading the cell's memory"
        mov     eax, 0x5A5A5A5A
        mov     eax, [CELL_PEEK]
        LB_BEGIN
        LB_STR  "read gave 0x"
        LB_HEX  eax, 8
        LB_END
        PRINT   "writing the cell's memory"
        mov     dword [CELL_PEEK], 0xDEADBEEF
        PRINT   "xAPIC INIT, SIPI, SIPI to APIC 1"
        mov     dword [APIC_BASE + ICR_HIGH], CELL_APIC << 24
        mov     dword [APIC_BASE + ICR_LOW], 0x4500
        call    settle
        mov     dword [APIC_BASE + ICR_HIGH], CELL_APIC << 24
        mov     dword [APIC_BASE + ICR_LOW], 0x4600 | SIPI_VECTOR
        call    settle
        mov     dword [APIC_BASE + ICR_LOW], 0x4600 | SIPI_VECTOR
        mov     eax, 1
        cpuid
        test    ecx, 1 << 21            ; CPUID.01H:ECX.x2APIC
        jz      .wait
        PRINT   "x2APIC INIT, SIPI, SIPI to APIC 1"
        mov     ecx, IA32_APIC_BASE
        rdmsr
        or      eax, 1 << 10            ; EXTD: x2APIC mode (from xAPIC mode)
        wrmsr
        mov     eax, 0x4500
        call    x2apic_icr
        call    settle
        mov     eax, 0x4600 | SIPI_VECTOR
        call    x2apic_icr
        call    settle
        mov     eax, 0x4600 | SIPI_VECTOR
        call    x2apic_icr
.wait:  PRINT   "attacks done, waiting"
        call    pause_3s
        DONE

; pause_3s: 108 wraps of the PIT: 3 s (mode 3 wraps twice a period) to 6 s.
pause_3s:
        mov     ecx, 6 * 18
.wrap:  call    pit_wrap
        loop    .wrap
        ret

; x2apic_icr: EAX to the x2APIC ICR's low half, APIC CELL_APIC in its high half.
x2apic_icr:
        mov     ecx, X2APIC_ICR
        mov     edx, CELL_APIC
        wrmsr
        ret

; settle: one PIT wrap, about 55 ms (the pause an INIT-SIPI-SIPI sender keeps).
settle:
        push    ecx
        call    pit_wrap
        pop     ecx
        ret

; pit_wrap: wait until PIT channel 0's count (the BIOS's 18.2 Hz timer) wraps.
pit_wrap:
        call    pit_count
        mov     edx, eax
.poll:  call    pit_count
        cmp     eax, edx
        mov     edx, eax
        jbe     .poll                   ; counting down; a larger count: wrapped
        ret

pit_count:
        xor     eax, eax
        out     0x43, al                ; latch channel 0
        in      al, 0x40
        mov     ah, al
        in      al, 0x40
        xchg    al, ah                  ; low byte first, then high
        ret

        GUEST_END
