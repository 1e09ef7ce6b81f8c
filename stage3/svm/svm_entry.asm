; SVM guest entry and exit (AMD APM Vol. 2 15.5 "VMRUN Instruction", 15.17
; "Global Interrupt Flag, STGI and CLGI").  The frame at the top of the CPU's
; stack: the guest's registers (struct guest_regs, gprs.inc; RAX is the
; VMCB's), then the VMCB's and pxHV's own state area's physical addresses.
; VMRUN keeps RSP and restores it at #VMEXIT, so each exit finds the frame.
; GIF is clear from the CLGI to the STGI after VMLOAD: an NMI that arrives
; meanwhile waits, then reaches pxHV's own handler.

bits 64
default rel
%include "gprs.inc"
section .text
global svm_launch
extern core_exit

; svm_launch(frame): the first VMRUN of this CPU; never returns.
svm_launch:
    mov rsp, rdi
svm_loop:
    clgi
    POP_GPRS
    mov rax, [rsp]              ; the VMCB
    vmload                      ; [RAX]: the guest's FS, GS, TR, LDTR, syscall MSRs
    vmrun
    vmsave
    mov rax, [rsp + 8]
    vmload                      ; pxHV's own again (GS base: this_cpu())
    stgi
    PUSH_GPRS
    mov rdi, rsp                ; 16 pushes keep the 16-byte alignment
    call core_exit
    jmp svm_loop

section .note.GNU-stack noalloc noexec nowrite progbits
