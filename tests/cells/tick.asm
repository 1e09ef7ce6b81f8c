; tick: a periodic local APIC timer at 1 kHz and how late its interrupts come.
;
; Calibrates the APIC timer and the TSC against the ACPI PM timer over 50 ms,
; runs the timer periodically (x2APIC when it can, else xAPIC), counts the
; periods, and for each interrupt measures its delay: the TSC at the
; handler's first instructions less the TSC time the interrupt was due.  The
; due time comes from the timer itself (the current count says how far into
; its next period the timer is), so no drift between the two clocks builds
; up; an interrupt later than a whole period (the timer's expiries merged)
; counts the periods it missed and the delay since the first of them.
;
; Lines: "tick: start", the platform and APIC lines (celllib.inc),
; "tick: LAPIC timer N counts/ms, TSC N ticks/ms", then for ever
; "tick N" every 1000 periods and "jitter max X mean Y" (TSC ticks, over the
; last JITTER_EVERY interrupts) every JITTER_EVERY periods.
; Parameter arg0: JITTER_EVERY (0: 10000).

%define PROG "tick"
%include "celllib.inc"

TIMER_VEC       equ 0x40
CAL_PM_TICKS    equ 178977          ; 50 ms of the 3.579545 MHz PM timer

[absolute CELL_VARS_END]
init_count:     resd 1              ; APIC timer counts per period (1 ms)
ratio_q16:      resd 1              ; TSC ticks per APIC count, 16.16
period_tsc:     resd 1
jitter_every:   resd 1
ticks:          resd 1              ; periods elapsed (written by the handler)
last_due:       resq 1              ; TSC time the last counted period was due
win_n:          resd 1
win_sum:        resq 1
win_max:        resq 1
rep_ready:      resd 1              ; a window's figures for main to print
rep_n:          resd 1
rep_sum:        resq 1
rep_max:        resq 1
next_print:     resd 1
        section .text

main:
        LINE    "start"
        call    acpi_init
        call    apic_init
        mov     eax, [param_arg0]
        test    eax, eax
        jnz     .every
        mov     eax, 10000
.every: mov     [jitter_every], eax
        call    calibrate
        mov     eax, timer_isr
        mov     ecx, TIMER_VEC
        call    set_gate
        mov     dword [next_print], 1000

        ; Periodic, divide by 1; last_due = the start, so the first
        ; interrupt is due one period later.
        mov     ecx, APIC_TIMER_DIV
        mov     eax, 0xB
        call    apic_write
        mov     ecx, APIC_LVT_TIMER
        mov     eax, (1 << 17) | TIMER_VEC
        call    apic_write
        mov     ecx, APIC_TIMER_INIT
        mov     eax, [init_count]
        call    apic_write
        rdtsc
        mov     [last_due], eax
        mov     [last_due + 4], edx

.loop:  sti
        hlt
        cli
        mov     ebx, [ticks]
        mov     esi, [rep_ready]
        mov     dword [rep_ready], 0
        sti
        ; "tick N" for every multiple of 1000 reached.
.ticks: cmp     ebx, [next_print]
        jb      .jitter
        PUTS    "tick "
        DEC     [next_print]
        NL
        add     dword [next_print], 1000
        jmp     .ticks
.jitter:
        test    esi, esi
        jz      .loop
        cli
        mov     eax, [rep_sum]
        mov     edx, [rep_sum + 4]
        mov     ecx, [rep_n]
        mov     edi, [rep_max]
        mov     ebp, [rep_max + 4]
        sti
        call    div64
        PUTS    "jitter max "
        xchg    eax, edi
        xchg    edx, ebp
        call    put_dec64
        PUTS    " mean "
        mov     eax, edi
        mov     edx, ebp
        call    put_dec64
        NL
        jmp     .loop

; The APIC timer (one-shot from 0xFFFFFFFF, divide by 1) and the TSC over
; CAL_PM_TICKS of the PM timer, started on a PM timer edge.
calibrate:
        mov     ecx, APIC_TIMER_DIV
        mov     eax, 0xB
        call    apic_write
        mov     ecx, APIC_LVT_TIMER
        mov     eax, (1 << 16) | TIMER_VEC  ; masked
        call    apic_write
        call    pm_now
        mov     ebx, eax
.edge:  call    pm_now
        cmp     eax, ebx
        je      .edge
        mov     ebx, eax
        mov     ecx, APIC_TIMER_INIT
        mov     eax, 0xFFFFFFFF
        call    apic_write
        rdtsc
        mov     [win_sum], eax              ; scratch: the TSC at the start
        mov     [win_sum + 4], edx
.wait:  call    pm_now
        sub     eax, ebx
        and     eax, 0xFFFFFF
        cmp     eax, CAL_PM_TICKS
        jb      .wait
        mov     esi, eax                    ; PM ticks elapsed
        mov     ecx, APIC_TIMER_CUR
        call    apic_read
        mov     edi, eax
        rdtsc
        sub     eax, [win_sum]
        sbb     edx, [win_sum + 4]
        mov     dword [win_sum], 0
        mov     dword [win_sum + 4], 0
        test    edx, edx
        jnz     .fast
        mov     ebp, eax                    ; TSC ticks elapsed
        not     edi                         ; 0xFFFFFFFF - current: APIC counts
        test    edi, edi
        jz      .stopped
        ; counts/ms = counts * PM_TMR_HZ / (pm * 1000)
        imul    ecx, esi, 1000
        mov     eax, edi
        mov     ebx, PM_TMR_HZ
        mul     ebx
        div     ecx
        test    eax, eax
        jz      .stopped
        mov     [init_count], eax
        mov     ebx, eax
        ; TSC ticks/ms likewise
        mov     eax, ebp
        mov     edx, PM_TMR_HZ
        mul     edx
        div     ecx
        mov     esi, eax
        ; ratio = (tsc << 16) / counts; the period in TSC ticks
        mov     eax, ebp
        mov     edx, ebp
        shl     eax, 16
        shr     edx, 16
        div     edi
        mov     [ratio_q16], eax
        mul     dword [init_count]
        shrd    eax, edx, 16
        mov     [period_tsc], eax
        PUTS    "tick: LAPIC timer "
        DEC     ebx
        PUTS    " counts/ms, TSC "
        DEC     esi
        PUTS    " ticks/ms", 10
        ret
.fast:  LINE    "FAIL: more than 2^32 TSC ticks in 50 ms"
        jmp     halt_forever
.stopped:
        LINE    "FAIL: the APIC timer does not count"
        jmp     halt_forever

; The timer interrupt.  The TSC first, then the current count: the delay
; since the period began is (init - current) counts; the TSC time it began
; is due = now - delay.  Periods between the last counted one and this:
; round((due - last_due) / period) (1 unless expiries merged).
timer_isr:
        pushad
        rdtsc
        mov     esi, eax
        mov     edi, edx                    ; EDI:ESI = now
        mov     ecx, APIC_TIMER_CUR
        call    apic_read
        mov     ecx, [init_count]
        sub     ecx, eax                    ; counts into the new period
        mov     eax, ecx
        mul     dword [ratio_q16]
        shrd    eax, edx, 16
        shr     edx, 16                     ; EDX:EAX = delay (TSC ticks)
        push    edx
        push    eax
        neg     eax                         ; due = now - delay
        adc     edx, 0
        neg     edx
        add     eax, esi
        adc     edx, edi
        mov     ebx, eax
        mov     ebp, edx                    ; EBP:EBX = due
        sub     eax, [last_due]
        sbb     edx, [last_due + 4]
        mov     ecx, [period_tsc]
        push    ecx
        shr     ecx, 1
        add     eax, ecx                    ; rounded
        adc     edx, 0
        pop     ecx
        call    div64                       ; EDX:EAX = periods
        test    edx, edx
        jnz     .one                        ; nonsense (a clock jumped): count one
        test    eax, eax
        jnz     .some
.one:   mov     eax, 1                      ; an interrupt is at least a period
.some:  add     [ticks], eax
        mov     [last_due], ebx
        mov     [last_due + 4], ebp
        ; The delay of the first of them: + (periods - 1) whole periods.
        dec     eax
        mul     dword [period_tsc]
        pop     ecx
        pop     ebx                         ; EBX:ECX = delay
        add     eax, ecx
        adc     edx, ebx
        ; Window figures.
        add     [win_sum], eax
        adc     [win_sum + 4], edx
        cmp     edx, [win_max + 4]
        jb      .count
        ja      .max
        cmp     eax, [win_max]
        jbe     .count
.max:   mov     [win_max], eax
        mov     [win_max + 4], edx
.count: inc     dword [win_n]
        mov     eax, [win_n]
        cmp     eax, [jitter_every]
        jb      .eoi
        mov     [rep_n], eax
        mov     eax, [win_sum]
        mov     [rep_sum], eax
        mov     eax, [win_sum + 4]
        mov     [rep_sum + 4], eax
        mov     eax, [win_max]
        mov     [rep_max], eax
        mov     eax, [win_max + 4]
        mov     [rep_max + 4], eax
        mov     dword [rep_ready], 1
        xor     eax, eax
        mov     [win_n], eax
        mov     [win_sum], eax
        mov     [win_sum + 4], eax
        mov     [win_max], eax
        mov     [win_max + 4], eax
.eoi:   mov     ecx, APIC_EOI
        xor     eax, eax
        call    apic_write
        popad
        iret

        CELL_END
