; relaunch: the in-place launch of the UEFI path, run from a BIOS-path guest
; (tests/test_inplace.sh).  The guest takes a snapshot of itself (struct
; cpu_snapshot, include/boot/uefi.h) and asks pxHV, through the test-only
; hypercall PXHV_HC_TEST_RELAUNCH (configuration flag test-relaunch), to leave
; and re-enter VMX/SVM operation and launch it afresh from that snapshot: the
; code stage 3 runs for every CPU under UEFI (core/inplace.c, the backends'
; guest_set_state).  After each relaunch the guest checks that it continues
; at the snapshot's RIP with everything as it was:
;   0. a snapshot whose CS names no descriptor: refused with EINVAL, the guest
;      carries on;
;   1. 32-bit protected mode without paging, TR never loaded;
;   2. 64-bit mode with 4-level paging, TR never loaded (as UEFI firmware runs):
;      the general registers, RSP, RFLAGS, the selectors, CR0/CR3/CR4, EFER,
;      DR7, the FS/GS/KernelGS bases, STAR/LSTAR/SFMASK, SYSENTER_ESP, then an
;      INT3 through the guest's IDT;
;   3. the same with a 64-bit TSS in TR: the INT3 gate names IST1, and the
;      handler must run on that stack (the TSS base came from the GDT).
; Without the configuration flag the hypercall answers ENOSYS and the guest
; says so and ends.
%define GUEST_NAME "relaunch"
%include "guestlib.inc"

SNAP    equ 0x30000                     ; the snapshot (struct cpu_snapshot)
PML4    equ 0x20000                     ; then PDPT, PD (LONG_MODE_PREP32)
TSS     equ 0x6000
IST1    equ 0x5F00                      ; top of the IST1 stack
CODE64  equ 0x18
TSS_SEL equ 0x20

MSR_EFER      equ 0xC0000080
MSR_STAR      equ 0xC0000081
MSR_LSTAR     equ 0xC0000082
MSR_SFMASK    equ 0xC0000084
MSR_FS_BASE   equ 0xC0000100
MSR_GS_BASE   equ 0xC0000101
MSR_KGS_BASE  equ 0xC0000102
MSR_SYSENTER_ESP equ 0x175
MSR_PAT       equ 0x277
MSR_DEBUGCTL  equ 0x1D9

; The values the guest sets before a relaunch and checks after it.
V_FS    equ 0x12345000
V_GS    equ 0x23456000
V_KGS   equ 0x34567000
V_LSTAR equ 0x45678000
V_STAR  equ 0x0023001000000000
V_SFMASK equ 0x4700
V_SYSESP equ 0x56789000
V_DR7   equ 0x00010400                  ; RW0 = write, no breakpoint enabled

; SNAP_STATE reg, base, sp: the fields snap64 and snap32 fill alike, through
; the scratch register reg (RAX or EAX) into the snapshot at base (RDI or SNAP):
; RSP = sp (an address expression; kept in snap_rsp too), RIP = [resume_at],
; CR0, CR2, CR3, CR4, DR7, GDTR, IDTR.
%macro SNAP_STATE 3
        lea     %1, [%3]
        mov     [%2 + SNAP_GPR + 4 * 8], %1
        mov     [snap_rsp], %1
        mov     %1, [resume_at]
        mov     [%2 + SNAP_RIP], %1
        mov     %1, cr0
        mov     [%2 + SNAP_CR0], %1
        mov     %1, cr2
        mov     [%2 + SNAP_CR2], %1
        mov     %1, cr3
        mov     [%2 + SNAP_CR3], %1
        mov     %1, cr4
        mov     [%2 + SNAP_CR4], %1
        mov     %1, dr7
        mov     [%2 + SNAP_DR7], %1
        sgdt    [%2 + SNAP_GDTR]
        sidt    [%2 + SNAP_IDTR]
%endmacro

; SNAP_MSR msr, field: the MSR into [SNAP + field] (clobbers EAX, ECX, EDX).
%macro SNAP_MSR 2
        mov     ecx, %1
        rdmsr
        mov     [SNAP + %2], eax
        mov     [SNAP + %2 + 4], edx
%endmacro

; SNAP_MSRS_SELS long: the body of a routine that puts the MSRs and the
; selectors into [SNAP] (clobbers EAX, ECX, EDX); with long = 1 also the
; KernelGS base, STAR, LSTAR, CSTAR and SFMASK (the 64-bit snapshots).
%macro SNAP_MSRS_SELS 1
        SNAP_MSR MSR_EFER, SNAP_EFER
        SNAP_MSR MSR_PAT, SNAP_PAT
        SNAP_MSR MSR_DEBUGCTL, SNAP_DEBUGCTL
        SNAP_MSR MSR_FS_BASE, SNAP_FS_BASE
        SNAP_MSR MSR_GS_BASE, SNAP_GS_BASE
  %if %1
        SNAP_MSR MSR_KGS_BASE, SNAP_KGS_BASE
        SNAP_MSR MSR_STAR, SNAP_STAR
        SNAP_MSR MSR_LSTAR, SNAP_LSTAR
        SNAP_MSR 0xC0000083, SNAP_CSTAR
        SNAP_MSR MSR_SFMASK, SNAP_SFMASK
  %endif
        SNAP_MSR 0x174, SNAP_SYSENTER_CS
        SNAP_MSR 0x175, SNAP_SYSENTER_ESP
        SNAP_MSR 0x176, SNAP_SYSENTER_EIP
        mov     ax, es
        mov     [SNAP + SNAP_SEL + 0], ax
        mov     ax, cs
        mov     [SNAP + SNAP_SEL + 2], ax
        mov     ax, ss
        mov     [SNAP + SNAP_SEL + 4], ax
        mov     ax, ds
        mov     [SNAP + SNAP_SEL + 6], ax
        mov     ax, fs
        mov     [SNAP + SNAP_SEL + 8], ax
        mov     ax, gs
        mov     [SNAP + SNAP_SEL + 10], ax
        sldt    ax
        mov     [SNAP + SNAP_SEL + 12], ax
        str     ax
        mov     [SNAP + SNAP_SEL + 14], ax
        ret
%endmacro

main:
        PRINT   "start"
        ENTER_PM32
        lgdt    [my_gdt_desc]
        jmp     CODE32_SEL:.cs
.cs:

        ; 0. CS names a selector past the GDT's limit: refused, and back here.
        call    snap32_zero
        mov     dword [SNAP + SNAP_CR0], 0x11    ; PE
        mov     word [SNAP + SNAP_SEL + 2], 0x80
        mov     word [SNAP + SNAP_GDTR], my_gdt_end - my_gdt - 1
        mov     dword [SNAP + SNAP_GDTR + 2], my_gdt
        mov     eax, PXHV_HC_TEST_RELAUNCH
        mov     ebx, SNAP
        HYPERCALL
        cmp     eax, PXHV_HC_ENOSYS
        jne     .flag
        PRINT   "the relaunch hypercall answers ENOSYS: the configuration flag is off"
        DONE
.flag:  cmp     eax, PXHV_HC_EINVAL
        je      .einval
        FAIL    "a snapshot with CS past the GDT was not refused with EINVAL"
.einval:
        PRINT   "a snapshot whose CS is past the GDT's limit: EINVAL"

        ; 1. 32-bit protected mode, no paging, TR never loaded.
        PRINT   "32-bit protected mode, TR 0000: relaunch"
        mov     dword [resume_at], .back32
        mov     ebx, 0x11111111
        mov     ecx, 0x22222222
        mov     edx, 0x33333333
        mov     esi, 0x44444444
        mov     edi, 0x55555555
        mov     ebp, 0x66666666
        call    snap32
        mov     eax, PXHV_HC_TEST_RELAUNCH
        mov     ebx, SNAP
        HYPERCALL
        FAIL    "the relaunch returned"
.back32:
        cmp     ebx, 0x11111111
        jne     .bad32
        cmp     ecx, 0x22222222
        jne     .bad32
        cmp     edx, 0x33333333
        jne     .bad32
        cmp     esi, 0x44444444
        jne     .bad32
        cmp     edi, 0x55555555
        jne     .bad32
        cmp     ebp, 0x66666666
        jne     .bad32
        cmp     esp, [snap_rsp]
        jne     .bad32
        mov     ax, ds
        cmp     ax, DATA32_SEL
        jne     .bad32
        str     ax
        test    ax, ax
        jnz     .bad32
        mov     eax, cr0
        test    eax, 0x80000000
        jnz     .bad32
        PRINT   "continued at the snapshot in 32-bit protected mode: registers, stack, segments as they were"
        jmp     .long

.bad32: FAIL    "32-bit state differs after the relaunch"

.long:  ; Identity map of the first GiB with 2 MiB pages, then IA-32e mode.
        LONG_MODE_PREP32 PML4
        mov     eax, cr0
        or      eax, 1 << 31
        mov     cr0, eax
        lidt    [idt64_desc]
        jmp     CODE64:long64

        bits 64
long64: mov     ax, DATA32_SEL
        mov     ss, ax
        mov     ds, ax
        mov     fs, ax
        mov     gs, ax
        xor     eax, eax
        mov     es, ax                          ; a null selector
        mov     rsp, 0x7000
        mov     ecx, MSR_FS_BASE                ; after the selectors, which load base 0
        mov     eax, V_FS
        xor     edx, edx
        wrmsr
        mov     ecx, MSR_GS_BASE
        mov     eax, V_GS
        wrmsr
        mov     ecx, MSR_KGS_BASE
        mov     eax, V_KGS
        wrmsr
        mov     ecx, MSR_LSTAR
        mov     eax, V_LSTAR
        wrmsr
        mov     ecx, MSR_STAR
        mov     rax, V_STAR
        mov     rdx, rax
        shr     rdx, 32
        wrmsr
        mov     ecx, MSR_SFMASK
        mov     eax, V_SFMASK
        xor     edx, edx
        wrmsr
        mov     ecx, MSR_SYSENTER_ESP
        mov     eax, V_SYSESP
        wrmsr
        mov     rax, V_DR7
        mov     dr7, rax

        ; 2. 64-bit mode, TR never loaded.
        mov     rsi, msg_tr0
        call    print64
        lea     rax, [rel back64]
        mov     [resume_at], rax
        call    relaunch64
back64: call    check64
        mov     rsi, msg_ok64
        call    print64

        ; 3. A 64-bit TSS in TR, and INT3 on its IST1 stack.
        mov     rax, TSS
        mov     word [my_gdt + TSS_SEL + 2], ax
        shr     rax, 16
        mov     byte [my_gdt + TSS_SEL + 4], al
        mov     byte [my_gdt + TSS_SEL + 7], ah
        mov     rdi, TSS
        xor     eax, eax
        mov     ecx, 104
        rep     stosb
        mov     qword [TSS + 36], IST1          ; IST1 (SDM Vol. 3A Figure 7-11)
        mov     word [TSS + 102], 104           ; no I/O bitmap
        mov     ax, TSS_SEL
        ltr     ax
        mov     byte [idt64 + 3 * 16 + 4], 1    ; the INT3 gate uses IST1
        mov     rsi, msg_tss
        call    print64
        lea     rax, [rel back_tss]
        mov     [resume_at], rax
        call    relaunch64
back_tss:
        call    check64
        str     ax
        cmp     ax, TSS_SEL
        jne     fail_tss
        cmp     qword [bp_rsp], IST1 - 5 * 8    ; the gate's frame at the top of IST1
        jne     fail_ist
        mov     rsi, msg_ok_tss
        call    print64
        mov     rsi, msg_done
        call    print64
        xor     ebx, ebx
        mov     eax, PXHV_HC_SHUTDOWN
        HYPERCALL
.halt:  hlt
        jmp     .halt

fail_tss:
        mov     rsi, msg_fail_tss
        jmp     fail64
fail_ist:
        mov     rsi, msg_fail_ist
fail64: call    print64
        mov     ebx, 1
        mov     eax, PXHV_HC_SHUTDOWN
        HYPERCALL
        jmp     fail64

; relaunch64: known values in the general registers, a snapshot, the
; hypercall; the relaunch resumes at [resume_at] with those registers.
relaunch64:
        mov     rbx, 0x1111111111111111
        mov     rcx, 0x2222222222222222
        mov     rdx, 0x3333333333333333
        mov     rsi, 0x4444444444444444
        mov     rdi, 0x5555555555555555
        mov     rbp, 0x6666666666666666
        mov     r8, 0x8888888888888888
        mov     r9, 0x9999999999999999
        mov     r10, 0xAAAAAAAAAAAAAAAA
        mov     r11, 0xBBBBBBBBBBBBBBBB
        mov     r12, 0xCCCCCCCCCCCCCCCC
        mov     r13, 0xDDDDDDDDDDDDDDDD
        mov     r14, 0xEEEEEEEEEEEEEEEE
        mov     r15, 0xFFFFFFFFFFFFFFFF
        call    snap64
        mov     eax, PXHV_HC_TEST_RELAUNCH
        mov     ebx, SNAP
        HYPERCALL
        mov     rsi, msg_returned
        jmp     fail64

; CMP_V reg, ...: (in check64) each register against the next qword of .v,
; in order; to .bad if one differs.
%macro CMP_V 1-*
  %assign v_off 0
  %rep %0
        cmp     %1, [.v + v_off]
        jne     .bad
    %assign v_off v_off + 8
    %rotate 1
  %endrep
%endmacro

; check64: everything as relaunch64 and long64 left it (the return address of
; the `call check64` is on the stack: RSP is the snapshot's minus 8).
check64:
        CMP_V   rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15
        lea     rax, [rsp + 8]
        cmp     rax, [snap_rsp]
        jne     .bad
        mov     ax, ds
        cmp     ax, DATA32_SEL
        jne     .bad
        mov     ax, es
        test    ax, ax
        jnz     .bad
        mov     ax, cs
        cmp     ax, CODE64
        jne     .bad
        mov     rax, cr3
        cmp     rax, PML4
        jne     .bad
        mov     rax, cr4
        test    eax, 1 << 5
        jz      .bad
        mov     rax, dr7
        cmp     rax, V_DR7
        jne     .bad
        mov     ecx, MSR_EFER
        rdmsr
        and     eax, (1 << 8) | (1 << 10)
        cmp     eax, (1 << 8) | (1 << 10)       ; LME, LMA
        jne     .bad
        mov     ecx, MSR_FS_BASE
        rdmsr
        cmp     eax, V_FS
        jne     .bad
        mov     ecx, MSR_GS_BASE
        rdmsr
        cmp     eax, V_GS
        jne     .bad
        mov     ecx, MSR_KGS_BASE
        rdmsr
        cmp     eax, V_KGS
        jne     .bad
        mov     ecx, MSR_LSTAR
        rdmsr
        cmp     eax, V_LSTAR
        jne     .bad
        mov     ecx, MSR_STAR
        rdmsr
        cmp     edx, V_STAR >> 32
        jne     .bad
        mov     ecx, MSR_SFMASK
        rdmsr
        cmp     eax, V_SFMASK
        jne     .bad
        mov     ecx, MSR_SYSENTER_ESP
        rdmsr
        cmp     eax, V_SYSESP
        jne     .bad
        mov     dword [bp_count], 0
        int3
        cmp     dword [bp_count], 1
        jne     .nobp
        ret
.bad:   mov     rsi, msg_bad64
        jmp     fail64
.nobp:  mov     rsi, msg_nobp
        jmp     fail64
        align   8
.v:     dq      0x1111111111111111, 0x2222222222222222, 0x3333333333333333
        dq      0x4444444444444444, 0x5555555555555555, 0x6666666666666666
        dq      0x8888888888888888, 0x9999999999999999, 0xAAAAAAAAAAAAAAAA
        dq      0xBBBBBBBBBBBBBBBB, 0xCCCCCCCCCCCCCCCC, 0xDDDDDDDDDDDDDDDD
        dq      0xEEEEEEEEEEEEEEEE, 0xFFFFFFFFFFFFFFFF

; #BP: count it, note the stack it runs on.
bp_handler:
        inc     dword [bp_count]
        mov     [bp_rsp], rsp
        iretq

; snap64: the snapshot of the caller at its return address' caller: the
; registers as they are, RSP as it is after the return, RIP = [resume_at].
snap64:
        pushfq
        push    rax
        push    rcx
        push    rdx
        push    rdi
        mov     rdi, SNAP
        mov     [rdi + SNAP_GPR + 3 * 8], rbx
        mov     [rdi + SNAP_GPR + 5 * 8], rbp
        mov     [rdi + SNAP_GPR + 6 * 8], rsi
        mov     [rdi + SNAP_GPR + 8 * 8], r8
        mov     [rdi + SNAP_GPR + 9 * 8], r9
        mov     [rdi + SNAP_GPR + 10 * 8], r10
        mov     [rdi + SNAP_GPR + 11 * 8], r11
        mov     [rdi + SNAP_GPR + 12 * 8], r12
        mov     [rdi + SNAP_GPR + 13 * 8], r13
        mov     [rdi + SNAP_GPR + 14 * 8], r14
        mov     [rdi + SNAP_GPR + 15 * 8], r15
        mov     rax, [rsp + 24]
        mov     [rdi + SNAP_GPR + 0 * 8], rax
        mov     rax, [rsp + 16]
        mov     [rdi + SNAP_GPR + 1 * 8], rax
        mov     rax, [rsp + 8]
        mov     [rdi + SNAP_GPR + 2 * 8], rax
        mov     rax, [rsp]
        mov     [rdi + SNAP_GPR + 7 * 8], rax
        mov     rax, [rsp + 32]
        mov     [rdi + SNAP_RFLAGS], rax
        SNAP_STATE rax, rdi, rsp + 48           ; the caller's RSP after our return
        call    snap_msrs_sels
        pop     rdi
        pop     rdx
        pop     rcx
        pop     rax
        popfq
        ret

; The MSRs and selectors, into [SNAP] (clobbers RAX, RCX, RDX).
snap_msrs_sels:
        SNAP_MSRS_SELS 1

; print64: "relaunch: " and the NUL-terminated line at RSI, through PUTS.
print64:
        push    rax
        push    rbx
        push    rcx
        push    rsi
        mov     rbx, rsi
        xor     ecx, ecx
.len:   cmp     byte [rbx + rcx], 0
        je      .out
        inc     ecx
        jmp     .len
.out:   mov     eax, PXHV_HC_PUTS
        HYPERCALL
        pop     rsi
        pop     rcx
        pop     rbx
        pop     rax
        ret

msg_tr0:      db "relaunch: 64-bit mode, TR 0000: relaunch", 10, 0
msg_ok64:     db "relaunch: continued at the snapshot in 64-bit mode: registers, stack, selectors, CR3, CR4, EFER, DR7, FS/GS/KernelGS bases, STAR/LSTAR/SFMASK, SYSENTER_ESP as they were; INT3 through the IDT", 10, 0
msg_tss:      db "relaunch: 64-bit mode, TR 0020 (a 64-bit TSS): relaunch", 10, 0
msg_ok_tss:   db "relaunch: continued again, TR 0020, and INT3 ran on the TSS's IST1 stack", 10, 0
msg_done:     db "relaunch: done", 10, 0
msg_returned: db "relaunch: FAIL the relaunch returned", 10, 0
msg_bad64:    db "relaunch: FAIL 64-bit state differs after the relaunch", 10, 0
msg_nobp:     db "relaunch: FAIL INT3 did not reach the handler once", 10, 0
msg_fail_tss: db "relaunch: FAIL TR is not 0020 after the relaunch", 10, 0
msg_fail_ist: db "relaunch: FAIL INT3 did not run on IST1", 10, 0

        bits 32
; snap32: the same in 32-bit protected mode (upper halves zero).
snap32_zero:
        push    edi
        push    ecx
        push    eax
        mov     edi, SNAP
        xor     eax, eax
        mov     ecx, SNAP_SIZE
        rep     stosb
        pop     eax
        pop     ecx
        pop     edi
        ret

snap32:
        call    snap32_zero
        pushfd
        pushad                                  ; EDI ESI EBP ESP EBX EDX ECX EAX
%assign gpr 0                                  ; GPR n from pushad's slot 7 - n
%rep 8
  %if gpr != 4                                  ; ESP: the caller's, below
        mov     eax, [esp + 28 - 4 * gpr]
        mov     [SNAP + SNAP_GPR + gpr * 8], eax
  %endif
  %assign gpr gpr + 1
%endrep
        mov     eax, [esp + 32]
        mov     [SNAP + SNAP_RFLAGS], eax
        SNAP_STATE eax, SNAP, esp + 40          ; the caller's ESP after our return
        call    snap_msrs_sels32
        popad
        popfd
        ret

snap_msrs_sels32:
        SNAP_MSRS_SELS 0

        align   8
my_gdt: dq      0
        dq      0x00CF9A000000FFFF      ; 0x08: 32-bit code
        dq      0x00CF92000000FFFF      ; 0x10: data
        dq      0x00AF9A000000FFFF      ; 0x18: 64-bit code (L = 1)
        dq      0x0000890000000067      ; 0x20: 64-bit TSS, limit 103, base filled in
        dq      0
my_gdt_end:
my_gdt_desc:
        dw      my_gdt_end - my_gdt - 1
        dq      my_gdt
        align   8
idt64_desc:
        dw      16 * 4 - 1
        dq      idt64
        align   16
idt64:  times 3 dq 0, 0
        dw      bp_handler                      ; vector 3: 64-bit interrupt gate
        dw      CODE64
        dw      0x8E00                          ; IST 0 until case 3 sets 1
        dw      0
        dd      0
        dd      0
        align   8
resume_at: dq   0
snap_rsp:  dq   0
bp_rsp:    dq   0
bp_count:  dd   0

        GUEST_END
