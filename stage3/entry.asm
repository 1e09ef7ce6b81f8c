; Stage 3 entry and the code C cannot express: self-relocation, the host
; exception stubs, fault-tolerant RDMSR/WRMSR, and the VM-exit entry stub.
; Stage 3 is linked position-independent at 0; stage 2 copies it to the
; hypervisor region and calls _start with RDI = boot_info (identity mapped).

bits 64
default rel

section .text.entry
global _start
extern stage3_main, host_exception, vmexit_dispatch, vmresume_failed
extern __image_start, __rela_start, __rela_end, boot_stack

R_X86_64_RELATIVE equ 8
BOOT_STACK_SIZE   equ 16384     ; matches boot_stack in host.c

_start:
    cli
    cld
    lea rsp, [boot_stack + BOOT_STACK_SIZE]
    ; Apply R_X86_64_RELATIVE relocations: *(base + offset) = base + addend.
    lea rbx, [__image_start]
    lea rsi, [__rela_start]
    lea rcx, [__rela_end]
.reloc:
    cmp rsi, rcx
    jae .reloc_done
    cmp dword [rsi + 8], R_X86_64_RELATIVE
    jne .bad_reloc
    mov rax, [rsi]
    mov rdx, [rsi + 16]
    add rdx, rbx
    mov [rbx + rax], rdx
    add rsi, 24
    jmp .reloc
.reloc_done:
    call stage3_main            ; RDI still holds the boot_info pointer
.bad_reloc:
    cli
    hlt
    jmp .bad_reloc

; ---- host exceptions: push a uniform frame, call host_exception(frame) ----
%macro EXC_NOERR 1
exc_%1:
    push 0
    push %1
    jmp exc_common
%endmacro
%macro EXC_ERR 1
exc_%1:
    push %1
    jmp exc_common
%endmacro

section .text
%assign v 0
%rep 32
  %if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
    EXC_ERR v
  %else
    EXC_NOERR v
  %endif
  %assign v v+1
%endrep

exc_common:
    push r15
    push r14
    push r13
    push r12
    push r11
    push r10
    push r9
    push r8
    push rdi
    push rsi
    push rbp
    push rbx
    push rdx
    push rcx
    push rax
    mov rdi, rsp
    mov rbp, rsp
    and rsp, -16
    call host_exception         ; returns only after a fixup changed the RIP
    mov rsp, rbp
    pop rax
    pop rcx
    pop rdx
    pop rbx
    pop rbp
    pop rsi
    pop rdi
    pop r8
    pop r9
    pop r10
    pop r11
    pop r12
    pop r13
    pop r14
    pop r15
    add rsp, 16                 ; vector, error code
    iretq

section .data.rel.ro
global exc_stubs
exc_stubs:
%assign v 0
%rep 32
    dq exc_ %+ v
  %assign v v+1
%endrep

; ---- bool rdmsr_safe(u32 msr, u64 *val) / bool wrmsr_safe(u32 msr, u64 val) ----
section .text
global rdmsr_safe, wrmsr_safe
rdmsr_safe:
    mov ecx, edi
.insn:
    rdmsr
    shl rdx, 32
    or rax, rdx
    mov [rsi], rax
    mov eax, 1
    ret
.fault:
    xor eax, eax
    ret

wrmsr_safe:
    mov ecx, edi
    mov eax, esi
    mov rdx, rsi
    shr rdx, 32
.insn:
    wrmsr
    mov eax, 1
    ret
.fault:
    xor eax, eax
    ret

section .data.rel.ro
global msr_fixups, msr_fixups_count
msr_fixups:
    dq rdmsr_safe.insn, rdmsr_safe.fault
    dq wrmsr_safe.insn, wrmsr_safe.fault
msr_fixups_count:
    dq 2

; ---- VM exits ----
; The VMCS host RIP points here and host RSP at the top of the exit stack
; (16-byte aligned).  The guest's general registers are pushed in the
; x86 register-number order (RAX=0 ... R15=15) so that struct guest_regs
; indexes them by the GPR numbers of exit qualifications; slot 4 (RSP) is
; a placeholder, the guest RSP lives in the VMCS.
section .text
global vmx_exit_stub, vmx_launch
vmx_exit_stub:
    push r15
    push r14
    push r13
    push r12
    push r11
    push r10
    push r9
    push r8
    push rdi
    push rsi
    push rbp
    push 0                      ; RSP slot
    push rbx
    push rdx
    push rcx
    push rax
    mov rdi, rsp                ; 16 pushes keep the 16-byte alignment
    call vmexit_dispatch        ; returns when the guest is to be resumed
    pop rax
    pop rcx
    pop rdx
    pop rbx
    add rsp, 8
    pop rbp
    pop rsi
    pop rdi
    pop r8
    pop r9
    pop r10
    pop r11
    pop r12
    pop r13
    pop r14
    pop r15
    vmresume
    ; Only reached when VMRESUME fails (SDM 31.3: VMfailInvalid / VMfailValid).
    pushfq
    pop rsi
    mov rdi, rsp
    and rsp, -16
    call vmresume_failed        ; does not return

; int vmx_launch(struct guest_regs *regs): loads the guest GPRs and
; executes VMLAUNCH.  Returns only on failure: 1 = VMfailInvalid (CF),
; 2 = VMfailValid (ZF).
vmx_launch:
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    push rdi
    mov rax, [rdi + 0*8]
    mov rcx, [rdi + 1*8]
    mov rdx, [rdi + 2*8]
    mov rbx, [rdi + 3*8]
    mov rbp, [rdi + 5*8]
    mov rsi, [rdi + 6*8]
    mov r8,  [rdi + 8*8]
    mov r9,  [rdi + 9*8]
    mov r10, [rdi + 10*8]
    mov r11, [rdi + 11*8]
    mov r12, [rdi + 12*8]
    mov r13, [rdi + 13*8]
    mov r14, [rdi + 14*8]
    mov r15, [rdi + 15*8]
    mov rdi, [rdi + 7*8]
    vmlaunch
    mov eax, 1
    jc .out
    mov eax, 2
.out:
    pop rdi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
