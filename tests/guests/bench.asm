; bench: cost figures for `make bench` (scripts/bench.sh, docs/performance.md).
; The same image runs under pxHV (built-in guest) and natively as the MBR of a
; Bochs disk; scripts/bench.sh sets the two runs side by side.
;
; Bochs' TSC counts emulated ticks: one per instruction, more while the CPU
; is halted (time skips to the next timer event).  So RDTSC deltas measure
; emulated work, and the same in every run.  pxHV does not use TSC offsetting
; or RDTSC exiting, so the guest reads the same counter the host does.
;
; Lines (all TSC values 16 hex digits, N decimal):
;   bench: hv=H                    1 under pxHV, 0 natively
;   bench: boot tsc=0x...          the TSC at the guest's second instruction
;   bench: tsc15 ... / tsc16 ...   CPUID leaves 0x15 and 0x16 (TSC/crystal, base MHz)
;   bench: KIND n=N ticks=0x...    a loop of N iterations, KIND one of
;       calib    DEC ECX / JNZ                      2 instructions per iteration
;       empty    XOR EAX,EAX / DEC ESI / JNZ       3, the frame of the loops below
;       cpuid    XOR EAX,EAX / CPUID / DEC / JNZ    CPUID leaf 0 exits under pxHV
;       in       IN AL,0xE9 / DEC / JNZ (+ 1 NOP)   an I/O exit under pxHV
;       out      OUT 0xE9,AL / DEC / JNZ (+ 1 NOP)  I/O exit + one byte on COM1
;       pci      OUT DX,EAX to 0xCF8 (+ 1 NOP)      PCI CONFIG_ADDRESS: its bytes
;                0xCF8-0xCFB include 0xCF9 (reset control), which pxHV leaves alone
;       kbc      IN AL,0x64 / DEC / JNZ (+ 1 NOP)   the keyboard controller's status,
;                polled N_POLL times as a PS/2 driver does (not intercepted)
;       vmcall   MOV EAX,0 / VMCALL / DEC / JNZ     PXHV_HC_VERSION (under pxHV only)
;       uart     one UART_LEN-byte line out (n = bytes): a PUTS hypercall under
;                pxHV, byte by byte to COM1 natively; both wait for the UART
;   bench: wall KIND n=N start      then `bench: wall KIND n=N ticks=0x...` after a
;                                  long loop that the host times by when the two
;                                  lines arrive: KIND spin (DEC ECX / JNZ, no exits)
;                                  or cpuid (the cpuid loop above), or pages
;                                  (32-bit protected mode, no paging: one load
;                                  per 4 KiB page over 64 MiB, 4 instructions
;                                  per load; each load needs a new TLB entry,
;                                  which under pxHV means an EPT walk)
; Interrupts are off (CLI) during the loops so no timer interrupt lands in them.
;
; Natively the lines go to COM1 (like under pxHV, where pxHV's PUTS hypercall
; writes them there), so the bench script reads one log in both cases.

%define GUEST_NAME "bench"

N_CALIB equ 1000000
N_LOOP  equ 10000               ; the tick counts are exact multiples of N: small is enough
N_OUT   equ 1000
N_POLL  equ 1000000             ; a mouse probe's worth of status polls
N_WALL  equ 100000              ; CPUID exits, about 40 us of wall clock each under Bochs
N_SPIN  equ 100000000           ; DEC/JNZ iterations: about 2 s of Bochs at ~115 M/s
UART_LEN equ 256                ; bytes of the console line timed by the uart figure
PAGES_BASE equ 0x1000000        ; 16 MiB .. 80 MiB: plain RAM on a 256 MB machine
PAGES_END  equ 0x5000000        ; (16384 pages, far more than Bochs' TLB holds)
PAGES_PASSES equ 300
N_PAGES equ (PAGES_END - PAGES_BASE) / 4096 * PAGES_PASSES

; Before guestlib's loader, which this falls into: the first instruction
; saves DL (the boot drive; RDTSC overwrites EDX), the second is RDTSC.
; CS is 0 at 0000:7C00 both under pxHV and after the Bochs BIOS; the
; result goes to .bss, past the sectors the native loader reads.
        bits 16
        mov     bp, dx
        rdtsc
        mov     [cs:tsc_boot], eax
        mov     [cs:tsc_boot + 4], edx
        mov     dx, bp

%include "guestlib.inc"

; TSC_MARK dst: dst (8 bytes) = TSC.
%macro TSC_MARK 1
        rdtsc
        mov     [%1], eax
        mov     [%1 + 4], edx
%endmacro

; LOOP_END "kind", n: print "bench: kind n=<n> ticks=0x<TSC - t0>".
%macro LOOP_END 2
        rdtsc
        sub     eax, [t0]
        sbb     edx, [t0 + 4]
        LB_BEGIN
        LB_STR  %1, " n="
        LB_DEC  %2
        LB_STR  " ticks=0x"
        LB_HEX  edx, 8
        LB_HEX  eax, 8
        LB_END
%endmacro

; WALL_START "kind", n: print "bench: wall kind n=<n> start", then t0 = TSC.
%macro WALL_START 2
        LB_BEGIN
        LB_STR  "wall ", %1, " n="
        LB_DEC  %2
        LB_STR  " start"
        LB_END
        TSC_MARK t0
%endmacro

main:
        cli
        cmp     byte [hv_present], 1
        je      .lines
        ; Natively: COM1, 8N1 (Bochs starts the UART with 5 data bits).
        mov     dx, COM1 + 3
        mov     al, 3
        out     dx, al
        mov     byte [out_mode], OUT_COM1
.lines:
        LB_BEGIN
        LB_STR  "hv="
        movzx   eax, byte [hv_present]
        LB_DEC  eax
        LB_END

        LB_BEGIN
        LB_STR  "boot tsc=0x"
        LB_HEX  [tsc_boot + 4], 8
        LB_HEX  [tsc_boot], 8
        LB_END

        ; CPUID 0x15 (TSC / crystal ratio) and 0x16 (base MHz): what a guest
        ; OS may take as the TSC frequency (SDM Vol. 2A CPUID).
        mov     eax, 0x15
        xor     ecx, ecx
        cpuid
        LB_BEGIN
        LB_STR  "tsc15 eax="
        LB_DEC  eax
        LB_STR  " ebx="
        LB_DEC  ebx
        LB_STR  " ecx="
        LB_DEC  ecx
        LB_END
        mov     eax, 0x16
        xor     ecx, ecx
        cpuid
        LB_BEGIN
        LB_STR  "tsc16 base_mhz="
        LB_DEC  eax
        LB_END

        ; Two instructions per iteration: TSC ticks per instruction.
        TSC_MARK t0
        mov     ecx, N_CALIB
.calib: dec     ecx
        jnz     .calib
        LOOP_END "calib", N_CALIB

        TSC_MARK t0
        mov     esi, N_LOOP
.empty: xor     eax, eax
        dec     esi
        jnz     .empty
        LOOP_END "empty", N_LOOP

        TSC_MARK t0
        mov     esi, N_LOOP
.cpuid: xor     eax, eax
        cpuid
        dec     esi
        jnz     .cpuid
        LOOP_END "cpuid", N_LOOP

        ; IN from the debug port: pxHV answers 0xE9 itself, as Bochs does.
        ; The NOP keeps the loop at 4 instructions like the CPUID loop.
        TSC_MARK t0
        mov     esi, N_LOOP
.in:    in      al, PXHV_DEBUG_PORT
        nop
        dec     esi
        jnz     .in
        LOOP_END "in", N_LOOP

        ; OUT of a CR to the debug port: under pxHV one byte goes to COM1
        ; (harmless in the log); natively Bochs prints it on its stdout.
        TSC_MARK t0
        mov     esi, N_OUT
        mov     al, 13
.out:   out     PXHV_DEBUG_PORT, al
        nop
        dec     esi
        jnz     .out
        LOOP_END "out", N_OUT

        ; A dword OUT to the PCI CONFIG_ADDRESS register would exit if any of
        ; the four ports it covers were set in the I/O bitmap (SDM Vol. 3C
        ; 24.6.4 and 25.1.3): 0xCF9, the reset control, is not.
        ; 0x80000000 selects bus 0, device 0, register 0: harmless.
        TSC_MARK t0
        mov     esi, N_LOOP
        mov     dx, 0xCF8
        mov     eax, 0x80000000
.pci:   out     dx, eax
        nop
        dec     esi
        jnz     .pci
        LOOP_END "pci", N_LOOP

        TSC_MARK t0
        mov     esi, N_POLL
.kbc:   in      al, 0x64
        nop
        dec     esi
        jnz     .kbc
        LOOP_END "kbc", N_POLL

        ; A console line: the pace of COM1 output.
        TSC_MARK t0
        mov     esi, uart_line
        mov     ecx, UART_LEN
        call    puts16
        LOOP_END "uart", UART_LEN

        cmp     byte [hv_present], 1
        jne     .wall
        TSC_MARK t0
        mov     esi, N_LOOP
.vmcall:
        mov     eax, PXHV_HC_VERSION
        HYPERCALL
        dec     esi
        jnz     .vmcall
        LOOP_END "vmcall", N_LOOP

        ; Long loops between two lines each: the host timestamps the lines.
.wall:  WALL_START "spin", N_SPIN
        mov     ecx, N_SPIN
.spin:  dec     ecx
        jnz     .spin
        LOOP_END "wall spin", N_SPIN

        WALL_START "cpuid", N_WALL
        mov     esi, N_WALL
.wloop: xor     eax, eax
        cpuid
        dec     esi
        jnz     .wloop
        LOOP_END "wall cpuid", N_WALL

        call    a20_enable16            ; else bit 20 of every address is dropped
        jnc     .a20
        FAIL    "A20 stays off"
.a20:   ENTER_PM32
        WALL_START "pages", N_PAGES
        mov     ecx, PAGES_PASSES
.pass:  mov     ebx, PAGES_BASE
.page:  mov     eax, [ebx]
        add     ebx, 4096
        cmp     ebx, PAGES_END
        jb      .page
        dec     ecx
        jnz     .pass
        LOOP_END "wall pages", N_PAGES

        DONE

uart_line:
        db      GUEST_NAME, ": uart "
        times   UART_LEN - 1 - ($ - uart_line) db '.'
        db      10

        section .bss
        alignb  8
tsc_boot:       resq    1
t0:             resq    1
        section .text

        GUEST_END
