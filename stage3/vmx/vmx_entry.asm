; VMX entry and exit.  The VMCS host RIP points at vmx_exit_stub and host RSP
; at the top of the CPU's stack (SDM Vol. 3C 27.5 "Loading Host State"): the
; guest's registers are pushed there as a struct guest_regs (gprs.inc), and
; the first entry pops them from the same place.

bits 64
default rel
%include "gprs.inc"
section .text
global vmx_exit_stub, vmx_launch, vmx_resume
extern core_exit, vmx_entry_failed

vmx_exit_stub:
    PUSH_GPRS
    mov rdi, rsp                ; 16 pushes keep the 16-byte alignment
    call core_exit              ; returns when the guest is to be resumed
resume:
    POP_GPRS
    vmresume
    jmp failed

; vmx_resume(struct guest_regs *regs): the same for a VMCS launched before.
vmx_resume:
    mov rsp, rdi
    jmp resume

; vmx_launch(struct guest_regs *regs): regs lies at the top of this CPU's stack,
; where the exits will push theirs.
vmx_launch:
    mov rsp, rdi
    POP_GPRS
    vmlaunch
failed:                         ; VMfailInvalid / VMfailValid (30.3)
    pushfq
    pop rsi
    mov rdi, rsp
    and rsp, -16
    call vmx_entry_failed       ; (regs, rflags): reports, does not return

section .note.GNU-stack noalloc noexec nowrite progbits
