; hlt: HLT with interrupts enabled must be resumed by the next interrupt;
; HLT with interrupts disabled ends the run (the hypervisor reports it).
; SDM Vol. 2A "HLT": execution resumes on an NMI, SMI or an enabled interrupt.

%define GUEST_NAME "hlt"
%include "guestlib.inc"

BDA_TICKS equ 0x046C            ; BIOS tick count (0040:006C), IRQ 0 at 18.2 Hz

main:
        PRINT   "start"
        mov     eax, [BDA_TICKS]
        mov     [ticks0], eax
        sti
        hlt                     ; the next interrupt (normally the timer) wakes it
        PRINT   "woke up"

        ; The timer interrupt must also reach the BIOS handler: wait (HLT by
        ; HLT, about 55 ms each) until the tick count moves.
        mov     cx, 40
.wait:  mov     eax, [BDA_TICKS]
        cmp     eax, [ticks0]
        jne     .ticked
        hlt
        loop    .wait
        FAIL    "BIOS tick count unchanged after 40 HLTs"
.ticked:
        PRINT   "timer tick seen"

        PRINT   "halting with IF=0"
        cli
        hlt
        FAIL    "HLT with IF=0 returned"

        section .bss
ticks0: resd    1
        section .text

        GUEST_END
