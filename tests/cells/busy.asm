; busy: streams writes and reads through all of its RAM, for ever.
;
; Each pass writes every dword of [0x10000, 0x9F000) and [0x100000, M) with
; its address plus a per-pass pattern, then reads every one back and
; compares; prints "busy: pass N" after each pass (after every arg0-th with an
; arg0 above 1: a quieter console beside a root), "busy: FAIL at 0x..." and
; halts on a mismatch.  Below 0x10000 are its own IDT, variables and stack;
; 0x9F000-0xFFFFF holds the EBDA slot, the hole, the ACPI tables and the image.
; M is the parameter block's RAM size (default 16 MiB).

%define PROG "busy"
%include "celllib.inc"

LOW_START       equ 0x10000
LOW_END         equ 0x9F000
HIGH_START      equ 0x100000

[absolute CELL_VARS_END]
pass:           resd 1
        section .text

main:
        HEAD
        PUTS    "start, RAM 0x"
        HEX     LOW_START, 8
        PUTS    "-0x"
        HEX     LOW_END, 8
        PUTS    " and 0x"
        HEX     HIGH_START, 8
        PUTS    "-0x"
        HEX     [param_mem], 8
        NL
.pass:  inc     dword [pass]
        imul    ebp, [pass], 0x9E3779B9     ; this pass's pattern
        mov     esi, LOW_START
        mov     edi, LOW_END
        call    stream
        mov     esi, HIGH_START
        mov     edi, [param_mem]
        call    stream
        mov     ecx, [param_arg0]           ; say every arg0-th pass (0, 1: each)
        cmp     ecx, 1
        jbe     .say
        mov     eax, [pass]
        xor     edx, edx
        div     ecx
        test    edx, edx
        jnz     .pass
.say:   PUTS    "busy: pass "
        DEC     [pass]
        NL
        jmp     .pass

; stream: [ESI, EDI) written with address + EBP, then read back.
stream:
        mov     ebx, esi
        lea     eax, [esi + ebp]
.write: mov     [ebx], eax
        add     ebx, 4
        add     eax, 4
        cmp     ebx, edi
        jb      .write
        mov     ebx, esi
        lea     eax, [esi + ebp]
.read:  cmp     [ebx], eax
        jne     .bad
        add     ebx, 4
        add     eax, 4
        cmp     ebx, edi
        jb      .read
        ret
.bad:   HEAD
        PUTS    "FAIL at 0x"
        HEX     ebx, 8
        PUTS    ": 0x"
        HEX     [ebx], 8
        PUTS    ", expected 0x"
        HEX     eax, 8
        NL
        jmp     halt_forever

        CELL_END
