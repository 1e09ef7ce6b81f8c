/*
 * u64 efi_stage3_call(struct cpu_snapshot *s, u64 cr3, u64 entry,
 *                     struct uefi_handoff *h, u32 op)        (System V)
 *
 * Calls stage 3's UEFI entry (include/boot/uefi.h) on this CPU, with pxHV's
 * page tables in CR3 (the firmware may map the region, EfiReservedMemoryType,
 * without execute rights) and interrupts off, after taking a snapshot of the
 * CPU as it will be at `resume` below: the general registers, RIP, RFLAGS as
 * the caller had them, the control and debug registers, the MSRs a VM entry
 * loads, GDTR, IDTR and the selectors.
 *
 * PREPARE and CHECK return here, and so does a refusal: CR3 and RFLAGS are
 * put back and the status is returned.  ENTER does not return: stage 3
 * launches this CPU as its guest from the snapshot, so the VM entry lands on
 * `resume`, with RSP pointing at the registers saved below and CR3 the
 * firmware's again, and the call returns 0 to its caller, now in VMX
 * non-root operation (or as an SVM guest), with nothing else changed that
 * the caller can see.  The code stays where it is, outside the region, so
 * the guest can run it.
 */
#include "boot/uefi.h"

    .intel_syntax noprefix
    .text
    .globl efi_stage3_call

/* One MSR into the snapshot: ECX = msr, clobbers RAX, RCX, RDX. */
.macro SNAP_MSR msr, off
    mov ecx, \msr
    rdmsr
    shl rdx, 32
    or rax, rdx
    mov [r12 + \off], rax
.endm

efi_stage3_call:
    pushfq
    cli
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15                        /* 7 pushes: RSP 16-byte aligned again */
    mov r12, rdi                    /* the snapshot */
    mov r13, rsi                    /* pxHV's CR3 */
    mov r14, rdx                    /* stage 3's entry */
    mov r15, rcx                    /* the handoff */
    mov ebx, r8d                    /* the operation */

    /* The general registers at `resume` do not matter but RSP: the code
     * there takes the caller's back from the stack.  RAX = 0, the result. */
    mov rdi, r12
    xor eax, eax
    mov ecx, 16
    rep stosq
    mov [r12 + SNAP_GPR + 4 * 8], rsp
    lea rax, [rip + resume]
    mov [r12 + SNAP_RIP], rax
    mov rax, [rsp + 6 * 8]          /* the caller's RFLAGS, before the CLI */
    mov [r12 + SNAP_RFLAGS], rax
    mov rax, cr0
    mov [r12 + SNAP_CR0], rax
    mov rax, cr2
    mov [r12 + SNAP_CR2], rax
    mov rax, cr3
    mov [r12 + SNAP_CR3], rax
    mov rax, cr4
    mov [r12 + SNAP_CR4], rax
    mov rax, dr7
    mov [r12 + SNAP_DR7], rax
    SNAP_MSR 0xC0000080, SNAP_EFER
    SNAP_MSR 0x277, SNAP_PAT
    SNAP_MSR 0x1D9, SNAP_DEBUGCTL
    SNAP_MSR 0xC0000100, SNAP_FS_BASE
    SNAP_MSR 0xC0000101, SNAP_GS_BASE
    SNAP_MSR 0xC0000102, SNAP_KGS_BASE
    SNAP_MSR 0xC0000081, SNAP_STAR
    SNAP_MSR 0xC0000082, SNAP_LSTAR
    SNAP_MSR 0xC0000083, SNAP_CSTAR
    SNAP_MSR 0xC0000084, SNAP_SFMASK
    SNAP_MSR 0x174, SNAP_SYSENTER_CS
    SNAP_MSR 0x175, SNAP_SYSENTER_ESP
    SNAP_MSR 0x176, SNAP_SYSENTER_EIP
    sgdt [r12 + SNAP_GDTR]
    sidt [r12 + SNAP_IDTR]
    mov ax, es
    mov [r12 + SNAP_SEL + 0], ax
    mov ax, cs
    mov [r12 + SNAP_SEL + 2], ax
    mov ax, ss
    mov [r12 + SNAP_SEL + 4], ax
    mov ax, ds
    mov [r12 + SNAP_SEL + 6], ax
    mov ax, fs
    mov [r12 + SNAP_SEL + 8], ax
    mov ax, gs
    mov [r12 + SNAP_SEL + 10], ax
    sldt ax
    mov [r12 + SNAP_SEL + 12], ax
    str ax
    mov [r12 + SNAP_SEL + 14], ax

    mov rbp, cr3                    /* the firmware's */
    mov cr3, r13
    mov rdi, r15
    mov esi, ebx
    mov rdx, r12
    call r14
    mov cr3, rbp                    /* stage 3 returned: the firmware's tables again */
    jmp 1f

resume:                             /* ENTER: here as the guest */
    xor eax, eax
1:  pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    popfq
    ret

    .section .note.GNU-stack, "", @progbits
