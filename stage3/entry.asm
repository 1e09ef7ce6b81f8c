; Stage 3's entry and the host exception stubs: the code C cannot express.
; Stage 3 is linked position-independent at 0.  Stage 2 jumps to _start in the
; low bounce buffer with RDI = boot_info; the relocations are applied for that
; address, then stage3_early (core/early.c) places the hypervisor.

bits 64
default rel
%include "pxhv.inc"
%include "gprs.inc"

section .text.entry
global _start
extern stage3_early, reloc_apply, __image_start, host_exception

_start:
    cli
    cld
    mov rbx, rdi
    lea rdi, [__image_start]
    mov rsi, rdi
    call reloc_apply            ; for the address we run at
    mov rdi, rbx
    call stage3_early           ; does not return

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
