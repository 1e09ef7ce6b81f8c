; The guest's INT 15h hook: real-mode code copied into a page the guest's
; memory map marks reserved (taken from the top of conventional memory).
; The memory-size functions go to the hypervisor through VMCALL so that
; every answer comes from the one guest memory map; every other function
; chains to the BIOS handler that was installed before (int15_old).
; Position independent: only CS-relative offsets from the stub start.

bits 16
%include "pxhv.inc"
section .rodata
global int15_stub, int15_stub_end, int15_old, int15_hypercall

int15_stub:
    cmp eax, 0xE820
    je .hv
    cmp ax, 0xE801
    je .hv
    cmp ah, 0x88
    je .hv
    jmp far [cs:int15_old - int15_stub]
.hv:
    push bp
    mov bp, sp
    push esi
    mov esi, eax                ; the function, for the hypervisor
    mov eax, PXHV_HC_INT15
int15_hypercall:                ; VMMCALL on AMD (the backend's hypercall_insn)
    vmcall                      ; results in EAX/EBX/ECX/EDX, ESI = carry
    test si, si
    pop esi
    jz .ok
    or byte [bp + 6], 1         ; CF in the caller's FLAGS (BP, IP, CS, FLAGS)
    pop bp
    iret
.ok:
    and byte [bp + 6], 0xFE
    pop bp
    iret
    align 4
int15_old:                      ; the BIOS's vector, filled in when installed
    dd 0
int15_stub_end:

section .note.GNU-stack noalloc noexec nowrite progbits
