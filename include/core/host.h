/* The hypervisor's own environment: IDT, page tables, exceptions (core/host.c). */
#ifndef PXHV_HOST_H
#define PXHV_HOST_H
#include "lib/types.h"
#include "hw/x86.h"

void host_init(void);                 /* IDT and page tables, on the boot CPU */
struct cpu;
void cpu_load(struct cpu *c);         /* GDT, TSS, IDT and GS base of the running CPU */
extern struct dtr host_idtr;
extern u64 host_cr3;
extern u64 host_map_end;               /* the host maps [0, host_map_end) */

/* Exception frame built by the stubs in entry.asm: the registers as the
 * VM-exit frame has them (gprs.inc; the RSP slot is unused), then what the
 * stub and the CPU pushed. */
struct host_frame {
    u64 rax, rcx, rdx, rbx, rsp_slot, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15;
    u64 vector, error, rip, cs, rflags, rsp, ss;
};
void host_exception(struct host_frame *f);
extern const u64 exc_stubs[32];       /* entry.asm: one stub per exception vector */

#endif
