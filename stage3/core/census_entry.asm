; The census trampoline (core/census.c): every AP that answers pxHV's
; INIT-SIPI-SIPI broadcast starts here in real mode, at LOW_CENSUS (SIPI
; vector LOW_CENSUS >> 12, so CS:IP = vector:0000 and CS's base is the page),
; writes its APIC ID into the page's table and halts with interrupts off
; until pxHV starts it properly.  Copied there by pxHV; position independent.
; The ID: CPUID.1:EBX[31:24], or the x2APIC ID of leaf 0Bh where that leaf
; exists (SDM Vol. 3A 8.4.5 "Identifying Logical Processors in an MP System").

bits 16
%include "pxhv.inc"
section .rodata
global census_code, census_code_end

census_code:
    cli
    mov ax, cs
    mov ds, ax
    mov eax, 1
    cpuid
    shr ebx, 24
    mov esi, ebx                ; the 8-bit APIC ID
    xor eax, eax
    cpuid
    cmp eax, 0x0B
    jb .record
    mov eax, 0x0B
    xor ecx, ecx
    cpuid
    test bx, bx                 ; no processors at this level: leaf 0Bh not there
    jz .record
    mov esi, edx                ; the x2APIC ID
.record:
    mov eax, 1
    lock xadd [CENSUS_COUNT], eax
    cmp eax, CENSUS_MAX
    jae .halt
    mov [CENSUS_IDS + eax * 4], esi
.halt:
    hlt
    jmp .halt
census_code_end:

section .note.GNU-stack noalloc noexec nowrite progbits
