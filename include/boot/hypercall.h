/*
 * The pxHV hypercall ABI (VMCALL from the guest, any mode).
 *
 *   EAX/RAX = function number; arguments in EBX, ECX, EDX; result in EAX
 *   (PXHV_HC_ENOSYS for an unknown function).  Registers not named as
 *   results are preserved.  Addresses are guest-physical (in real mode:
 *   segment * 16 + offset).  VMCALL at CPL > 0 in protected mode gets #UD,
 *   as on hardware without a hypervisor.
 *
 * docs/hypercalls.md describes each call.  The NASM test guests get these
 * values generated (hypercall.inc, include/boot/asm_exports.h).
 */
#ifndef PXHV_HYPERCALL_H
#define PXHV_HYPERCALL_H

#define PXHV_HC_VERSION     0x00 /* -> EAX = 0x0001 (v0.1: major<<8|minor), EBX = 'pxHV' (0x56487870) */
#define PXHV_HC_PUTS        0x01 /* EBX = GPA of string, ECX = length (<= 4096) -> EAX = 0    */
#define PXHV_PUTS_MAX       4096
#define PXHV_HC_PUTC        0x02 /* BL = character -> EAX = 0                                  */
#define PXHV_HC_EXIT_STATS  0x03 /* print the exit statistics so far -> EAX = 0               */
#define PXHV_HC_SHUTDOWN    0x04 /* EBX = status; print statistics, power the machine off     */
#define PXHV_HC_PUTHEX      0x05 /* EBX = value (32-bit) printed as 0x%08x and a newline        */
#define PXHV_HC_RESET       0x06 /* reset the machine (stage 2 when a guest reboot re-ran it) */
/* Test only, with CFG_FLAG_TEST_RELAUNCH (else ENOSYS): RBX = GPA of a struct
 * cpu_snapshot (boot/uefi.h) of the caller at CPL 0 with CR0.PE set: pxHV
 * leaves and re-enters VMX/SVM operation and launches the caller afresh from
 * that snapshot, the in-place launch of the UEFI path.  The call does not
 * return: the guest continues at the snapshot's RIP with its registers.
 * EINVAL when the snapshot cannot be read or names unusable descriptors. */
#define PXHV_HC_TEST_RELAUNCH 0x07

#define PXHV_HC_ENOSYS      0xFFFFFFFFu
#define PXHV_HC_EINVAL      0xFFFFFFFEu

/* CPUID leaf 0x40000000: EAX = max hypervisor leaf, EBX:ECX:EDX = "pxHVpxHVpxHV".
 * Leaf 0x40000001: EAX/EBX = hypervisor region base (low/high 32 bits), ECX = its
 * size, EDX = 0 (the test guests aim at it to prove EPT protection). */
#define PXHV_CPUID_BASE     0x40000000u
#define PXHV_CPUID_MAX      0x40000001u
#define PXHV_CPUID_REGION   0x40000001u
#define PXHV_CPUID_SIG      0x56487870u /* "pxHV" */

/* Port owned by the hypervisor: guest debug console (Bochs' 0xE9 convention). */
#define PXHV_DEBUG_PORT     0xE9

#endif
