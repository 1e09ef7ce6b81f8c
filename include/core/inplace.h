/*
 * The in-place launch (core/inplace.c): a CPU, or a guest, continues as
 * pxHV's guest exactly where a snapshot of it was taken (include/boot/uefi.h
 * struct cpu_snapshot).  The UEFI path virtualizes every CPU this way
 * (core/uefi.c); the test hypercall PXHV_HC_TEST_RELAUNCH runs the same code
 * from a BIOS-path guest, so both backends' in-place launches run under the
 * emulators that have no UEFI.
 */
#ifndef PXHV_INPLACE_H
#define PXHV_INPLACE_H
#include "lib/types.h"
#include "boot/uefi.h"
#include "core/cpu.h"
#include "core/virt.h"

/* Reads `len` bytes at linear address `la` of the snapshot's own address
 * space (the descriptor tables); false where they cannot be read. */
typedef bool (*inplace_read_fn)(void *ctx, u64 la, void *buf, u32 len);

/* The whole state of the snapshot, with each segment's hidden part taken
 * from its descriptor.  False, with the reason in why, when a selector does
 * not name a usable descriptor. */
bool inplace_state(const struct cpu_snapshot *sn, inplace_read_fn read, void *ctx,
                   struct vcpu_state *st, char *why, usize why_len);

/* One line: where and in which mode CPU c continues, and how TR was found. */
void inplace_report(const struct cpu *c, const struct cpu_snapshot *sn, const struct vcpu_state *st);

/* The launch itself, on a CPU whose control block is ready (cpu_init): the
 * guest state from st, the general registers from the snapshot. */
NORETURN void inplace_launch(struct cpu *c, const struct vcpu_state *st, const u64 gpr[16]);

/* PXHV_HC_TEST_RELAUNCH (CFG_FLAG_TEST_RELAUNCH): the guest's snapshot at
 * GPA RBX; on success the guest continues at its RIP in a fresh control
 * block and this does not return; otherwise RAX gets the hypercall error. */
void core_relaunch(struct cpu *c);

#endif
