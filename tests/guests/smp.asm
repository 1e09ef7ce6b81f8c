; smp: the guest's second CPU under pxHV (run with 2 CPUs).  The boot CPU
; drives CPU 1 (APIC ID 1) through its local APIC as an OS does, and checks
; what the SDM says each step does (Vol. 3A 8.4 "MP Initialization", Table
; 9-1 "Processor States Following Power-up, Reset, or INIT"):
;   - INIT, SIPI, SIPI (vector 9): the AP starts once, at 0900:0000, in the
;     INIT state; it executes CPUID, an OUT, VMCALLs, then CLI; HLT (a parked
;     AP, not the end of the guest);
;   - a SIPI to the halted AP is ignored;
;   - INIT to the AP, SIPI (vector 0Ah): it starts again at 0A00:0000;
;   - INIT to all but self, SIPI (vector 9): again at 0900:0000;
;   - INIT to self: the boot CPU restarts at the reset vector, which runs the
;     BIOS and pxHV's boot sector again: pxHV resets the machine.
; smpept (this file with SMP_EPT defined): the AP reads, then writes pxHV's
; memory; pxHV's EPT violation report names CPU 1 and the run ends.

%ifdef SMP_EPT
%define GUEST_NAME "smpept"
%else
%define GUEST_NAME "smp"
%endif
%include "guestlib.inc"

AP_APIC_ID      equ 1
AP_PAGE_9       equ 0x9000          ; SIPI vectors 09h and 0Ah: AP entry pages
AP_PAGE_A       equ 0xA000
AP_STACK        equ 0x6000
ICR_LOW         equ 0x300           ; xAPIC register offsets (SDM Vol. 3A 10.6.1)
ICR_HIGH        equ 0x310
ICR_INIT        equ 0x4500          ; INIT, assert
ICR_SIPI        equ 0x4600          ; start-up, assert
ICR_SELF        equ 1 << 18         ; destination shorthands
ICR_ALL_BUT_SELF equ 3 << 18
TASK_EXITS      equ 1               ; what the AP does after its state check
TASK_PARK       equ 2
TASK_TOUCH      equ 3

main:
        PRINT   "start"
        cmp     byte [hv_present], 1
        je      .hv
        FAIL    "no pxHV"
.hv:    ENTER_PM32
        mov     ecx, 0x1B           ; IA32_APIC_BASE: the xAPIC's registers
        rdmsr
        and     eax, 0xFFFFF000
        mov     [apic], eax
        mov     eax, 1
        cpuid
        mov     [signature], eax
%ifdef SMP_EPT
        jmp     touch
%endif

        ; INIT, SIPI, SIPI with the waits of SDM Vol. 3A 8.4.4.1: the second
        ; SIPI finds the AP running and does nothing.
        mov     byte [ap_task], TASK_EXITS
        mov     eax, ICR_INIT
        call    ipi_ap
        call    delay
        mov     eax, ICR_SIPI | (AP_PAGE_9 >> 12)
        call    ipi_ap
        call    delay
        mov     eax, ICR_SIPI | (AP_PAGE_9 >> 12)
        call    ipi_ap
        mov     eax, 1
        call    wait_starts
        call    wait_parked
        call    report
        cmp     dword [ap_starts], 1
        je      .once
        FAIL    "two SIPIs started the AP twice"
.once:  PRINT   "two SIPIs in a row: one start"

        ; A SIPI to a CPU that is not waiting for one is ignored.
        mov     eax, ICR_SIPI | (AP_PAGE_A >> 12)
        call    ipi_ap
        call    delay
        cmp     dword [ap_starts], 1
        je      .ignored
        FAIL    "a SIPI restarted a halted AP"
.ignored:
        PRINT   "SIPI to a halted AP: ignored"

        ; INIT to the AP, then SIPI 0Ah: it starts at 0A00:0000.
        mov     byte [ap_task], TASK_PARK
        mov     eax, ICR_INIT
        call    ipi_ap
        call    delay
        mov     eax, ICR_SIPI | (AP_PAGE_A >> 12)
        call    ipi_ap
        mov     eax, 2
        call    wait_starts
        call    wait_parked
        call    report

        ; INIT to all but self, then SIPI 09h.
        mov     eax, ICR_INIT | ICR_ALL_BUT_SELF
        call    ipi
        call    delay
        mov     eax, ICR_SIPI | (AP_PAGE_9 >> 12)
        call    ipi_ap
        mov     eax, 3
        call    wait_starts
        call    wait_parked
        call    report

        ; INIT to self: the boot CPU goes to the reset vector.
        PRINT   "INIT to self"
        mov     eax, ICR_INIT | ICR_SELF
        call    ipi
        call    delay
        FAIL    "still running after INIT to self"

touch:  ; The AP touches the hypervisor region; pxHV must stop it.
        mov     byte [ap_task], TASK_TOUCH
        mov     eax, ICR_INIT
        call    ipi_ap
        call    delay
        mov     eax, ICR_SIPI | (AP_PAGE_9 >> 12)
        call    ipi_ap
        mov     eax, 1
        call    wait_starts
        mov     ecx, 400
.wait:  call    delay
        loop    .wait
        FAIL    "the AP's access to pxHV's memory was not stopped"

; ipi_ap: EAX = ICR low dword, to APIC ID 1.  ipi: with a shorthand in EAX.
ipi_ap: mov     edx, AP_APIC_ID << 24
        jmp     ipi.send
ipi:    xor     edx, edx
.send:  mov     ebx, [apic]
        mov     [ebx + ICR_HIGH], edx
        mov     [ebx + ICR_LOW], eax
.busy:  test    dword [ebx + ICR_LOW], 1 << 12     ; delivery status
        jnz     .busy
        ret

; delay: some thousands of instructions, for the other CPU to move on.
delay:  push    ecx
        mov     ecx, 20000
.l:     pause
        loop    .l
        pop     ecx
        ret

; wait_starts: until the AP has started EAX times in all.
wait_starts:
        mov     ecx, 2000
.l:     cmp     [ap_starts], eax
        jae     .ok
        call    delay
        loop    .l
        FAIL    "the AP did not start"
.ok:    ret

; wait_parked: until the AP is back in CLI; HLT.
wait_parked:
        mov     ecx, 2000
.l:     cmp     byte [ap_parked], 1
        je      .ok
        call    delay
        loop    .l
        FAIL    "the AP did not park"
.ok:    mov     byte [ap_parked], 0
        ret

; report: "smp: AP started at CCCC:0000, CR0=... EFLAGS=... EDX=signature|other",
; then FAIL unless the state is the INIT state.
report: LB_BEGIN
        LB_STR  "AP started at "
        movzx   eax, word [ap_cs]
        LB_HEX  eax, 4
        LB_STR  ":0000, CR0="
        LB_HEX  [ap_cr0], 8
        LB_STR  " EFLAGS="
        LB_HEX  [ap_eflags], 8
        LB_STR  " ESP="
        LB_HEX  [ap_esp], 8
        LB_STR  " EDX="
        mov     eax, [ap_edx]
        cmp     eax, [signature]
        jne     .other
        LB_STR  "signature"
        jmp     .end
.other: LB_HEX  eax, 8
.end:   LB_END
        mov     eax, [ap_cr0]
        and     eax, 0xE0000011     ; PG, CD, NW, ET, PE
        cmp     eax, 0x60000010
        jne     .bad
        cmp     dword [ap_eflags], 2
        je      .ok
.bad:   FAIL    "the AP is not in the INIT state"
.ok:    ret

        align   4
apic:       dd  0
signature:  dd  0
ap_starts:  dd  0
ap_cs:      dw  0
ap_task:    db  0
ap_parked:  db  0
ap_cr0:     dd  0
ap_eflags:  dd  0
ap_esp:     dd  0
ap_edx:     dd  0

; ---------------------------------------------------------------------------
; The AP, in real mode at vector:0000.  It records the state it starts in
; before it changes anything, then does its task.

        bits    16
        times   (AP_PAGE_9 - GUEST_LOAD_ADDR) - ($ - $$) db 0
ap_entry_9:
        mov     bx, cs
        jmp     0:ap_common

        times   (AP_PAGE_A - GUEST_LOAD_ADDR) - ($ - $$) db 0
ap_entry_a:
        mov     bx, cs
        jmp     0:ap_common

ap_common:                          ; DS = 0 and SP = 0 in the INIT state
        mov     [ap_esp], esp
        mov     sp, AP_STACK
        pushfd                          ; before anything changes a flag
        pop     dword [ap_eflags]
        mov     [ap_edx], edx
        mov     [ap_cs], bx
        mov     eax, cr0
        mov     [ap_cr0], eax
        xor     ax, ax
        mov     ds, ax
        mov     ss, ax
        lock inc dword [ap_starts]
        cmp     byte [ap_task], TASK_EXITS
        je      .exits
        cmp     byte [ap_task], TASK_TOUCH
        je      .touch
        jmp     .park
.exits: PRINT   "AP: CPUID, OUT, VMCALL on CPU 1"
        mov     eax, 0
        cpuid
        mov     al, '.'
        out     PXHV_DEBUG_PORT, al
        mov     al, 10
        out     PXHV_DEBUG_PORT, al
.park:  mov     byte [ap_parked], 1
        cli
        hlt                         ; woken only by NMI, INIT or SMI
        jmp     .park
.touch: AP_ENTER_PM32 AP_STACK
        mov     eax, PXHV_CPUID_REGION
        cpuid
        mov     edi, eax
        mov     eax, [edi]          ; read, then write
        not     eax
        mov     [edi], eax
        PRINT   "AP: still running after touching pxHV's memory"
.stuck: cli
        hlt
        jmp     .stuck

        GUEST_END
