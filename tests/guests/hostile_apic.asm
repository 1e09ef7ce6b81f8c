; hostile_apic: the local APIC page pxHV emulates writes to (issue 15,
; item 3).  Where pxHV intercepts the guest's ICR (Bochs, AMD-V) it write-
; protects the xAPIC page and emulates each store to it: a store it cannot
; decode exactly must be refused (`pxHV: refused: ... at CS:RIP`, the guest
; continues after it), never written to the real APIC with the guest's value
; (a real INIT or SIPI behind pxHV's back loses a CPU).  The xAPIC's registers
; are 32 bits wide at 16-byte-aligned offsets; other accesses are not
; architectural (SDM Vol. 3A 10.4.1 "The Local APIC Block Diagram").  Run with
; 2 CPUs in xAPIC mode; CPU 1 counts its starts and, while running, a
; heartbeat, so every step says whether CPU 1 restarted, stopped or runs on:
;   - byte stores at ICR+1, +2, +3 (the bytes of an INIT to all but self,
;     i.e. CPU 1: 000C4500h) and at ICR_HIGH+1, +2, +3 (01h); a word store
;     at ICR+2; a dword store at ICR+4 (not 16-byte aligned); a dword store
;     across the end of the page (offset FFEh): CPU 1 must run on;
;   - XCHG of each 32-bit register with the TPR (offset 80h): the register
;     gets the old TPR, the TPR the new value, no other register changes
;     (ESP, EBP, ESI, EDI included); XCHG of AH, CH, DH, BH with the TPR
;     (byte accesses: refused, every register and the TPR unchanged);
;   - destinations as the APIC resolves them (10.6.2 "Determining IPI
;     Destination"): INIT in logical flat mode to CPU 1's LDR (02000000h),
;     then a SIPI; INIT to a flat logical ID no CPU has (80h); the cluster
;     model (DFR 0FFFFFFFh on both CPUs, CPU 1 in cluster 1 as member 1:
;     LDR 12000000h): INIT to cluster 1 member 1 then a SIPI, INIT to
;     cluster 1 member 0 and to cluster 2 (no such CPU); physical INIT to
;     APIC ID 7 (none): absent destinations get nothing, the boot CPU is never
;     the one reset;
;   - x2APIC MSRs 802h and 830h in xAPIC mode: #GP(0) (10.12.1.2 "x2APIC
;     Register Address Space"), and a WRMSR 830h with an INIT to CPU 1 does
;     not reach it;
;   - with x2APIC (CPUID.1:ECX[21]): both CPUs in x2APIC mode, their logical
;     IDs (10.12.10.2: cluster = ID[19:4], member bit = ID[3:0]), and an INIT
;     through WRMSR 830h to cluster 1 (no such CPU) that reaches nobody.
%define GUEST_NAME "hostile_apic"
%include "guestlib.inc"
%include "hostile.inc"
%include "pc.inc"

APIC_DEFAULT    equ 0xFEE00000      ; the XCHG forms address the TPR absolutely
TPR_ABS         equ APIC_DEFAULT + XAPIC_TPR
AP_STACK        equ 0x6000
CMD_LOGICAL     equ 1               ; CPU 1: DFR = ap_dfr, LDR = ap_ldr
CMD_X2APIC      equ 2               ; CPU 1: enable x2APIC mode, read its LDR
ESP_SENTINEL    equ STACK_TOP - 0x100

; ---------------------------------------------------------------------------
; CHECK "what", RUNNING|STOPPED: after a step, "<what>: cpu 1 starts N, running"
; (its heartbeat goes on) or "..., stopped"; FAIL if not the expected one.
RUNNING equ 1
STOPPED equ 0
%macro CHECK 2
        jmp     %%go
%%str:  db      %1, 0
%%go:   push    esi
        mov     esi, %%str
        mov     al, %2
        call    check32
        pop     esi
%endmacro

; XCHG32 reg, new: "xchg <reg> with the tpr: <reg>=0x... (the old tpr),
; tpr=0x.., other registers kept".  Every register holds a sentinel, <reg>
; the new TPR value; all eight are stored right after the XCHG (no stack:
; ESP may be the operand), then compared.
%macro XCHG32 2
        mov     dword [xchg_new], %2
        mov     dword [xchg_reg], R_%1
        mov     [saved_esp], esp
        call    load_sentinels32
        mov     %1, %2
        xchg    [dword TPR_ABS], %1
        STORE_REGS
        mov     esp, [saved_esp]
        jmp     %%go
%%name: db      %str(%1), 0
%%go:   mov     esi, %%name
        call    xchg32_report
%endmacro

; XCHG8 reg, index (1 AH, 2 CH, 3 DH, 4 BH): a byte XCHG, to be refused.
%macro XCHG8 2
        mov     dword [xchg_reg], -%2
        mov     [saved_esp], esp
        call    load_sentinels32
        xchg    [dword TPR_ABS], %1
        STORE_REGS
        mov     esp, [saved_esp]
        jmp     %%go
%%name: db      %str(%1), 0
%%go:   mov     esi, %%name
        call    xchg8_report
%endmacro

R_eax equ 0
R_ebx equ 1
R_ecx equ 2
R_edx equ 3
R_esp equ 4
R_ebp equ 5
R_esi equ 6
R_edi equ 7

; MSR_GP "what", msr, write: RDMSR (0) or WRMSR (1, EDX:EAX = an INIT to
; APIC ID 1 in x2APIC form) must give #GP(0): "<what>: #13(0000) rf=1" as
; hostile.inc prints it; anything else is counted and the guest goes on.
%macro MSR_GP 3
        jmp     %%go
%%str:  db      %1, 0
%%go:   mov     ecx, %2
        mov     eax, ICR_INIT
        mov     edx, 1
        TRY
  %if %3
        wrmsr
  %else
        rdmsr
  %endif
        ENDTRY
        mov     esi, %%str
        call    msr_report32
%endmacro

; STORE_REGS: the eight registers into regs_after in the order of R_*,
; without touching the stack (ESP may be the XCHG's operand).
%macro STORE_REGS 0
        mov     [regs_after + 0], eax
        mov     [regs_after + 4], ebx
        mov     [regs_after + 8], ecx
        mov     [regs_after + 12], edx
        mov     [regs_after + 16], esp
        mov     [regs_after + 20], ebp
        mov     [regs_after + 24], esi
        mov     [regs_after + 28], edi
%endmacro

main:
        call    com1_if_bare16
        PRINT   "start"
        mov     bx, ap_entry
        call    ap_trampoline16
        ENTER_PM32
        call    catch_install32
        call    apic_init32
        cmp     dword [apic], APIC_DEFAULT
        je      .base
        FAIL    "the xAPIC is not at 0xFEE00000"
.base:  START_AP32 1
        mov     eax, 1
        call    wait_start32
        LB_BEGIN
        LB_STR  "cpu 1 started: starts "
        LB_DEC  [ap_starts]
        LB_END

        ; ---- stores pxHV cannot emulate exactly: refused, CPU 1 runs on
        mov     ebx, [apic]
        mov     byte [ebx + XAPIC_ICR_LOW + 1], 0x45
        CHECK   "byte store 0x45 at icr+1", RUNNING
        mov     byte [ebx + XAPIC_ICR_LOW + 2], 0x0C
        CHECK   "byte store 0x0c at icr+2", RUNNING
        mov     byte [ebx + XAPIC_ICR_LOW + 3], 0x00
        CHECK   "byte store 0x00 at icr+3", RUNNING
        mov     byte [ebx + XAPIC_ICR_HIGH + 1], 0x01
        CHECK   "byte store 0x01 at icr_high+1", RUNNING
        mov     byte [ebx + XAPIC_ICR_HIGH + 2], 0x01
        CHECK   "byte store 0x01 at icr_high+2", RUNNING
        mov     byte [ebx + XAPIC_ICR_HIGH + 3], 0x01
        CHECK   "byte store 0x01 at icr_high+3", RUNNING
        mov     word [ebx + XAPIC_ICR_LOW + 2], 0x000C
        CHECK   "word store 0x000c at icr+2", RUNNING
        mov     dword [ebx + XAPIC_ICR_LOW + 4], 0x000C4500
        CHECK   "dword store 0x000c4500 at icr+4", RUNNING
        mov     dword [ebx + 0xFFE], 0x000C4500
        CHECK   "dword store 0x000c4500 across the page end (offset 0xffe)", RUNNING

        ; ---- XCHG with the TPR, each 32-bit register
        mov     dword [ebx + XAPIC_TPR], 0x10
        mov     dword [tpr_old], 0x10
        XCHG32  eax, 0x20
        XCHG32  ebx, 0x30
        XCHG32  ecx, 0x40
        XCHG32  edx, 0x50
        XCHG32  esp, 0x60
        XCHG32  ebp, 0x70
        XCHG32  esi, 0x80
        XCHG32  edi, 0x90
        ; byte XCHG with the high-byte registers: refused, nothing changes
        XCHG8   ah, 1
        XCHG8   ch, 2
        XCHG8   dh, 3
        XCHG8   bh, 4
        mov     ebx, [apic]
        mov     dword [ebx + XAPIC_TPR], 0

        ; ---- logical flat model (DFR all ones, as after reset)
        mov     dword [ebx + XAPIC_DFR], 0xFFFFFFFF
        mov     dword [ebx + XAPIC_LDR], 0x01000000
        mov     dword [ap_dfr], 0xFFFFFFFF
        mov     dword [ap_ldr], 0x02000000
        call    ap_logical32
        mov     edx, 0x02000000
        mov     eax, ICR_INIT | ICR_LOGICAL
        call    ipi32
        CHECK   "logical flat init to 0x02 (cpu 1's ldr)", STOPPED
        call    sipi32
        call    report_ldr32
        mov     edx, 0x80000000
        mov     eax, ICR_INIT | ICR_LOGICAL
        call    ipi32
        CHECK   "logical flat init to 0x80 (no such cpu)", RUNNING

        ; ---- cluster model: cluster 1 member 1 is CPU 1, the boot CPU is
        ; cluster 0 member 0
        mov     ebx, [apic]
        mov     dword [ebx + XAPIC_DFR], 0x0FFFFFFF
        mov     dword [ap_dfr], 0x0FFFFFFF
        mov     dword [ap_ldr], 0x12000000
        call    ap_logical32
        mov     edx, 0x12000000
        mov     eax, ICR_INIT | ICR_LOGICAL
        call    ipi32
        CHECK   "cluster init to 0x12 (cluster 1 member 1: cpu 1)", STOPPED
        call    sipi32                          ; CPU 1 sets DFR and LDR again
        call    report_ldr32
        mov     edx, 0x11000000
        mov     eax, ICR_INIT | ICR_LOGICAL
        call    ipi32
        CHECK   "cluster init to 0x11 (cluster 1 member 0: no such cpu)", RUNNING
        mov     edx, 0x21000000
        mov     eax, ICR_INIT | ICR_LOGICAL
        call    ipi32
        CHECK   "cluster init to 0x21 (cluster 2: no such cpu)", RUNNING
        mov     edx, 7 << 24
        mov     eax, ICR_INIT
        call    ipi32
        CHECK   "physical init to apic id 7 (no such cpu)", RUNNING
        mov     ebx, [apic]
        mov     dword [ebx + XAPIC_DFR], 0xFFFFFFFF

        ; ---- x2APIC MSRs while in xAPIC mode: #GP(0)
        MSR_GP  "rdmsr 0x802 in xapic mode", 0x802, 0
        MSR_GP  "rdmsr 0x830 in xapic mode", 0x830, 0
        MSR_GP  "wrmsr 0x802 in xapic mode", 0x802, 1
        MSR_GP  "wrmsr 0x830 (an init to cpu 1) in xapic mode", 0x830, 1
        CHECK   "after the x2apic msrs", RUNNING

        ; ---- x2APIC mode, where the CPU has it
        mov     eax, 1
        cpuid
        bt      ecx, 21
        jc      .x2
        PRINT   "x2apic: not available"
        jmp     finish
.x2:    mov     ecx, 0x1B                       ; IA32_APIC_BASE: EXTD (bit 10)
        rdmsr
        or      eax, 1 << 10
        wrmsr
        mov     byte [ap_cmd], CMD_X2APIC
        call    ap_wait_cmd32
        mov     ecx, 0x80D                      ; x2APIC LDR
        rdmsr
        mov     [bsp_x2ldr], eax
        LB_BEGIN
        LB_STR  "x2apic: ldr cpu 0 0x"
        LB_HEX  [bsp_x2ldr], 8
        LB_STR  ", cpu 1 0x"
        LB_HEX  [ap_x2ldr], 8
        LB_END
        mov     ecx, 0x830
        mov     eax, ICR_INIT | ICR_LOGICAL
        mov     edx, 0x00010001                 ; cluster 1, member bit 0
        wrmsr
        CHECK   "x2apic init to cluster 1 member 0 (no such cpu)", RUNNING
        jmp     finish

finish: cmp     dword [mismatches], 0
        je      .ok
        FAIL    "some steps did not end as expected"
.ok:    DONE

; load_sentinels32: every register but ESP its sentinel; ESP the sentinel
; stack (a valid stack, should a fault come).  Returns with ESP = sentinel:
; the caller's return address is copied there first.
load_sentinels32:
        pop     dword [ret_addr]
        mov     eax, 0xA0A0A0A0
        mov     ebx, 0xB0B0B0B0
        mov     ecx, 0xC0C0C0C0
        mov     edx, 0xD0D0D0D0
        mov     ebp, 0xB1B1B1B1
        mov     esi, 0x51515151
        mov     edi, 0xD1D1D1D1
        mov     esp, ESP_SENTINEL
        jmp     [ret_addr]

sentinels:
        dd      0xA0A0A0A0, 0xB0B0B0B0, 0xC0C0C0C0, 0xD0D0D0D0
        dd      ESP_SENTINEL, 0xB1B1B1B1, 0x51515151, 0xD1D1D1D1

; xchg32_report: ESI = register name.
xchg32_report:
        mov     ebx, [apic]
        mov     eax, [ebx + XAPIC_TPR]
        and     eax, 0xFF
        mov     [tpr_now], eax
        mov     ecx, [xchg_reg]
        LB_BEGIN
        LB_STR  "xchg "
        call    lb_str32
        LB_STR  " with the tpr: "
        call    lb_str32
        LB_STR  "=0x"
        LB_HEX  [regs_after + ecx * 4], 8
        mov     eax, [regs_after + ecx * 4]
        cmp     eax, [tpr_old]
        jne     .notold
        LB_STR  " (the old tpr)"
.notold:
        LB_STR  ", tpr=0x"
        LB_HEX  [tpr_now], 2
        call    others_kept32                   ; EDX = 1 if all kept
        test    edx, edx
        jz      .bad
        LB_STR  ", other registers kept"
        LB_END
        mov     eax, [regs_after + ecx * 4]
        cmp     eax, [tpr_old]
        jne     .fail
        mov     eax, [xchg_new]
        cmp     [tpr_now], eax
        jne     .fail
        mov     [tpr_old], eax
        ret
.bad:   LB_STR  ", other registers changed"
        LB_END
.fail:  inc     dword [mismatches]
        mov     eax, [tpr_now]                  ; the chain goes on from here
        mov     [tpr_old], eax
        ret

; xchg8_report: ESI = register name; [xchg_reg] = -(1..4).
xchg8_report:
        mov     ebx, [apic]
        mov     eax, [ebx + XAPIC_TPR]
        and     eax, 0xFF
        mov     [tpr_now], eax
        mov     ecx, -1                         ; compare all eight
        call    others_kept32
        mov     eax, [tpr_now]
        LB_BEGIN
        LB_STR  "xchg "
        call    lb_str32
        LB_STR  " with the tpr (a byte): "
        test    edx, edx
        jz      .changed
        cmp     eax, [tpr_old]
        jne     .tpr
        call    lb_str32
        LB_STR  ", the other registers and the tpr (0x"
        LB_HEX  eax, 2
        LB_STR  ") kept"
        LB_END
        ret
.tpr:   LB_STR  "registers kept, tpr 0x"
        LB_HEX  [tpr_old], 2
        LB_STR  " -> 0x"
        LB_HEX  eax, 2
        LB_END
        mov     [tpr_old], eax
        inc     dword [mismatches]
        ret
.changed:
        LB_STR  "registers changed:"
        xor     ecx, ecx
.r:     mov     eax, [regs_after + ecx * 4]
        cmp     eax, [sentinels + ecx * 4]
        je      .same
        LB_STR  " "
        push    esi
        lea     esi, [reg_names + ecx * 4]
        call    lb_str32
        pop     esi
        LB_STR  "=0x"
        LB_HEX  eax, 8
.same:  inc     ecx
        cmp     ecx, 8
        jb      .r
        LB_END
        mov     eax, [tpr_now]
        mov     [tpr_old], eax
        inc     dword [mismatches]
        ret

reg_names:
        db      "eax", 0, "ebx", 0, "ecx", 0, "edx", 0
        db      "esp", 0, "ebp", 0, "esi", 0, "edi", 0

; others_kept32: ECX = the register to skip (-1: none) -> EDX = 1 if every
; other register holds its sentinel.
others_kept32:
        push    eax
        push    ebx
        xor     ebx, ebx
        mov     edx, 1
.r:     cmp     ebx, ecx
        je      .next
        mov     eax, [regs_after + ebx * 4]
        cmp     eax, [sentinels + ebx * 4]
        je      .next
        xor     edx, edx
.next:  inc     ebx
        cmp     ebx, 8
        jb      .r
        pop     ebx
        pop     eax
        ret

; check32: ESI = what, AL = RUNNING or STOPPED.  A state other than the one
; expected is counted (the guest fails at the end, after every step has had
; its line); a CPU 1 found stopped is started again, so the steps go on.
check32:
        pushad
        mov     [want], al
        call    ap_beating32                    ; CF = 0: beating
        setnc   bl
        LB_BEGIN
        call    lb_str32
        LB_STR  ": cpu 1 starts "
        LB_DEC  [ap_starts]
        test    bl, bl
        jz      .stopped
        LB_STR  ", running"
        jmp     .end
.stopped:
        LB_STR  ", stopped"
.end:   cmp     bl, [want]
        je      .ok
        LB_STR  " (not as expected)"
        inc     dword [mismatches]
.ok:    LB_END
        cmp     bl, [want]
        je      .done
        test    bl, bl
        jnz     .done
        PRINT   "starting cpu 1 again to go on"
        call    sipi_raw32
.done:  popad
        ret

; ap_beating32: CF = 0 if CPU 1's heartbeat moves within a while, after a
; moment for an IPI sent just before to take effect.
ap_beating32:
        push    ecx
        push    eax
        mov     ecx, 10
.settle:
        call    delay32
        loop    .settle
        mov     eax, [ap_beats]
        mov     ecx, 40
.l:     call    delay32
        cmp     eax, [ap_beats]
        jne     .yes
        loop    .l
        pop     eax
        pop     ecx
        stc
        ret
.yes:   pop     eax
        pop     ecx
        clc
        ret

; wait_start32: until CPU 1 has started EAX times and is beating.
wait_start32:
        mov     ecx, 2000
.l:     cmp     [ap_starts], eax
        jae     .ok
        call    delay32
        loop    .l
        FAIL    "cpu 1 did not start"
.ok:    call    ap_beating32
        jnc     .run
        FAIL    "cpu 1 started but does not run"
.run:   ret

; sipi32: a SIPI to APIC ID 1 (physical) after an INIT that stopped CPU 1:
; it must start once more.  (If the INIT did not stop it, there is nothing
; to start: the step's line said so already.)
sipi32:
        call    ap_beating32
        jnc     .running
        call    sipi_raw32
        CHECK   "sipi", RUNNING
.running:
        ret

sipi_raw32:
        pushad
        mov     eax, [ap_starts]
        inc     eax
        push    eax
        mov     edx, 1 << 24
        mov     eax, ICR_SIPI | AP_VECTOR
        call    ipi32
        pop     eax
        call    wait_start32
        popad
        ret

; report_ldr32: what CPU 1's APIC held when it started (an INIT resets DFR
; to all ones and LDR to 0, Vol. 3A 10.4.7.3).
report_ldr32:
        LB_BEGIN
        LB_STR  "cpu 1 after the init: ldr 0x"
        LB_HEX  [ap_ldr_start], 8
        LB_STR  ", dfr 0x"
        LB_HEX  [ap_dfr_start], 8
        LB_END
        ret

; msr_report32: ESI = what; the outcome of the TRY before.
msr_report32:
        cmp     dword [caught_vec], 13
        jne     .other
        cmp     dword [caught_err], 0
        jne     .other
        mov     eax, 13
        xor     ebx, ebx
        jmp     expect_fault32                  ; prints the line, returns
.other: LB_BEGIN
        call    lb_str32
        cmp     dword [caught_vec], NO_ERR
        jne     .fault
        LB_STR  ": no fault (not as expected)"
        jmp     .end
.fault: LB_STR  ": #"
        LB_DEC  [caught_vec]
        LB_STR  "("
        LB_HEX  [caught_err], 4
        LB_STR  ") (not as expected)"
.end:   LB_END
        inc     dword [mismatches]
        ret

; ap_logical32: CPU 1 sets DFR/LDR from ap_dfr/ap_ldr.
ap_logical32:
        mov     byte [ap_cmd], CMD_LOGICAL
ap_wait_cmd32:
        mov     ecx, 2000
.l:     cmp     byte [ap_cmd], 0
        je      .ok
        call    delay32
        loop    .l
        FAIL    "cpu 1 did not answer"
.ok:    ret

; ---- CPU 1: real mode from the trampoline, then 32-bit protected mode
        bits 16
ap_entry:
        cli
        xor     ax, ax
        mov     ds, ax
        AP_ENTER_PM32 AP_STACK
        mov     ebx, APIC_DEFAULT
        mov     eax, [ebx + XAPIC_LDR]          ; as the INIT left them
        mov     [ap_ldr_start], eax
        mov     eax, [ebx + XAPIC_DFR]
        mov     [ap_dfr_start], eax
        cmp     dword [ap_ldr], 0               ; the logical ID it is to have
        je      .counted
        call    .logical
.counted:
        lock inc dword [ap_starts]
.loop:  lock inc dword [ap_beats]
        pause
        mov     al, [ap_cmd]
        cmp     al, CMD_LOGICAL
        je      .cmd_logical
        cmp     al, CMD_X2APIC
        je      .cmd_x2apic
        jmp     .loop
.cmd_logical:
        call    .logical
        mov     byte [ap_cmd], 0
        jmp     .loop
.cmd_x2apic:
        mov     ecx, 0x1B
        rdmsr
        or      eax, 1 << 10
        wrmsr
        mov     ecx, 0x80D
        rdmsr
        mov     [ap_x2ldr], eax
        mov     byte [ap_cmd], 0
        jmp     .loop
.logical:
        mov     eax, [ap_dfr]
        mov     [ebx + XAPIC_DFR], eax
        mov     eax, [ap_ldr]
        mov     [ebx + XAPIC_LDR], eax
        ret

        align   4
ap_starts:      dd 0
ap_beats:       dd 0
ap_dfr:         dd 0
ap_ldr:         dd 0
ap_ldr_start:   dd 0
ap_dfr_start:   dd 0
ap_x2ldr:       dd 0
bsp_x2ldr:      dd 0
mismatches:     dd 0
ap_cmd:         db 0
want:           db 0
        align   4
saved_esp:      dd 0
ret_addr:       dd 0
xchg_new:       dd 0
xchg_reg:       dd 0
tpr_old:        dd 0
tpr_now:        dd 0
regs_after:     times 8 dd 0

        bits 16
        GUEST_END
