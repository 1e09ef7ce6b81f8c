; SVM guest entry and exit (AMD APM Vol. 2 15.5 "VMRUN Instruction", 15.17
; "Global Interrupt Flag, STGI and CLGI").  The frame at the top of the CPU's
; stack: the guest's registers (struct guest_regs, gprs.inc; RAX is the
; VMCB's), then the VMCB's and pxHV's own state area's physical addresses.
; VMRUN keeps RSP and restores it at #VMEXIT, so each exit finds the frame.
;
; GIF stays clear while pxHV handles an exit (#VMEXIT clears it, VMRUN sets
; it for the guest): an SMI or NMI that arrives meanwhile waits for the next
; VMRUN and is taken in the guest's context (an intercepted NMI exits again,
; and exit.c lets pxHV's own handler take it).  An SMI taken in pxHV's
; context instead would hand the firmware's SMM handler the guest's
; registers as pxHV's: SeaBIOS's handler reads a mode-switch request from
; them (port 0xB2 command 0xB5 with ECX = 0x1234) and resumes at the guest's
; EBX in 32-bit mode outside the guest, which QEMU's TCG makes happen when
; the SMI from the guest's OUT to 0xB2 is delivered after the guest's next,
; intercepted, instruction (docs/svm.md, "SMIs").

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
    PUSH_GPRS                   ; GIF stays clear (above)
    mov rdi, rsp                ; 16 pushes keep the 16-byte alignment
    call core_exit
    jmp svm_loop

section .note.GNU-stack noalloc noexec nowrite progbits
