; Stage 3's entries and the host exception stubs: the code C cannot express.
; Stage 3 is linked position-independent at 0.  Stage 2 jumps to _start in the
; low bounce buffer with RDI = boot_info; stage3_early (core/early.c) applies
; the relocations for that address and places the hypervisor.  pxhv.efi
; calls _uefi_start in the region it placed stage 3 in (include/boot/uefi.h).

bits 64
default rel
%include "pxhv.inc"
%include "gprs.inc"

section .text.entry
global _start, _uefi_start, uefi_return
extern stage3_early, host_exception, stage3_uefi

_start:
    cli
    cld
    call stage3_early           ; does not return

; u64 _uefi_start(struct uefi_handoff *h, u32 op, struct cpu_snapshot *s), from
; pxhv.efi (System V), for stage3_uefi (whose first call applies the
; relocations).  Each call records its stack so that uefi_return can end it
; early: a refusal while pxHV prepares returns to pxhv.efi instead of
; stopping the machine (core/uefi.c).  The calls come one at a time (one
; CPU, then the next).
_uefi_start:
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    sub rsp, 8                  ; 16-byte alignment for the call below
    mov [rel uefi_call_rsp], rsp
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
