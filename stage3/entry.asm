; Stage 3's entries and the host exception stubs: the code C cannot express.
; Stage 3 is linked position-independent at 0.  Stage 2 jumps to _start in the
; low bounce buffer with RDI = boot_info; the relocations are applied for that
; address, then stage3_early (core/early.c) places the hypervisor.  pxhv.efi
; calls _uefi_start in the region it placed stage 3 in (include/boot/uefi.h).

bits 64
default rel
%include "pxhv.inc"
%include "gprs.inc"

section .text.entry
global _start, _uefi_start, uefi_return
extern stage3_early, reloc_apply, __image_start, host_exception, stage3_uefi

_start:
    cli
    cld
    mov rbx, rdi
    lea rdi, [__image_start]
    mov rsi, rdi
    call reloc_apply            ; for the address we run at
    mov rdi, rbx
    call stage3_early           ; does not return

; u64 _uefi_start(struct uefi_handoff *h, u32 op, struct cpu_snapshot *s), from
; pxhv.efi (System V).  The first call applies the relocations for the address
; pxhv.efi copied the image to (linked at 0: the delta is that address).  Each
; call records its stack so that uefi_return can end it early: a refusal while
; pxHV prepares returns to pxhv.efi instead of stopping the machine
; (core/uefi.c).  The calls come one at a time (one CPU, then the next).
_uefi_start:
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    sub rsp, 8                  ; 16-byte alignment for the calls below
    mov [rel uefi_call_rsp], rsp
    mov r12, rdi
    mov r13, rsi
    mov r14, rdx
    cmp byte [rel uefi_relocated], 0
    jne .go
    lea rdi, [rel __image_start]
    mov rsi, rdi
    call reloc_apply
    mov byte [rel uefi_relocated], 1
.go:
    mov rdi, r12
    mov rsi, r13
    mov rdx, r14
    call stage3_uefi
uefi_done:
    add rsp, 8
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    ret

; uefi_return(u64 status): the current _uefi_start call returns `status` now.
uefi_return:
    mov rax, rdi
    mov rsp, [rel uefi_call_rsp]
    jmp uefi_done

section .data
uefi_call_rsp:  dq 0
uefi_relocated: db 0

; ---- host exceptions: push a uniform frame, call host_exception(frame) ----
section .text
%assign v 0
%rep 32
exc_ %+ v:
  %if ((EXC_ERROR_CODE_VECTORS >> v) & 1) == 0
    push 0                      ; no error code: keep the frame uniform
  %endif
    push v
    jmp exc_common
  %assign v v+1
%endrep

exc_common:
    PUSH_GPRS
    mov rdi, rsp
    mov rbp, rsp
    and rsp, -16
    call host_exception         ; returns only after a fix-up changed the RIP
    mov rsp, rbp
    POP_GPRS
    add rsp, 16                 ; vector, error code
    iretq

section .data.rel.ro align=8
global exc_stubs
exc_stubs:
%assign v 0
%rep 32
    dq exc_ %+ v
  %assign v v+1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
