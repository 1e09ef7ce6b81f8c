/*
 * Shared by the SVM backend's files only: what the boot CPU found and set
 * up once (read-only afterwards), and the helpers the exit path uses.
 */
#ifndef PXHV_SVM_IMPL_H
#define PXHV_SVM_IMPL_H
#include "core/cpu.h"
#include "svm.h"
#include "core/virt.h"
#include "lib/insn.h"

/* The SVM backend's per-CPU state in struct cpu's opaque area. */
STATIC_ASSERT(sizeof(struct svm_cpu) <= CPU_BACKEND_BYTES, "struct svm_cpu fits struct cpu");
static inline struct svm_cpu *svm_of(struct cpu *c)
{
    return (struct svm_cpu *)(void *)c->backend;
}

struct svm_setup {
    u32 features;                 /* CPUID 0x8000000A EDX                    */
    u32 asids;                    /* CPUID 0x8000000A EBX                    */
    u64 ncr3;                     /* the NPT root                            */
};
/* The backend's pages in each CPU's block (cpu_backend_pages): the I/O
 * permission map (3 pages), the MSR permission map (2), pxHV's own VMSAVE
 * area. */
enum { SVM_PAGE_IOPM = 0, SVM_PAGE_MSRPM = 3, SVM_PAGE_HOST_SAVE = 5, SVM_CPU_PAGES = 6 };
extern struct svm_setup svm_setup_info;

static inline struct vmcb *vmcb_of(struct cpu *c) { return svm_of(c)->vmcb; }

/* Intercept bits of the control area's two main vectors. */
static inline void svm_intercept(struct vmcb *v, enum svm_intercept i, bool on)
{
    u32 bit = 1u << (i % 32), w = v->ctl.intercept[i / 32];
    v->ctl.intercept[i / 32] = on ? w | bit : w & ~bit;
}

/* svm.c */
u8  *svm_page(struct cpu *c, u32 page);
void svm_setup_maps(struct cpu *c);

/* vmcb.c */
void svm_cpu_init(struct cpu *c);
void svm_guest_start(struct cpu *c, enum vcpu_start how, u8 vector);
void svm_guest_set_state(struct cpu *c, const struct vcpu_state *st);
NORETURN void svm_run(struct cpu *c);
u64  svm_get(struct cpu *c, enum guest_reg r);
void svm_set(struct cpu *c, enum guest_reg r, u64 v);
void svm_get_seg(struct cpu *c, enum seg_reg s, struct segment *out);
void svm_set_seg(struct cpu *c, enum seg_reg s, const struct segment *in);
void svm_get_pdptes(struct cpu *c, u64 pdpte[4]);
u32  svm_cpl(struct cpu *c);
void svm_skip(struct cpu *c, u32 len);
void svm_inject(struct cpu *c, u8 vector, bool has_code, u32 code);
void svm_halt(struct cpu *c, bool guest_if);
void svm_dump(struct cpu *c);
u32  svm_insn_len(struct cpu *c, struct insn_prefixes *pfx);   /* decoded at the guest's RIP */

/* exit.c */
extern void (*const svm_exit_handlers[STAT_REASONS])(struct cpu *c);
u32  svm_exit_begin(struct cpu *c);
void svm_exit_end(struct cpu *c);
u64  svm_exit_info(struct cpu *c);
void svm_deliver_nmi(struct cpu *c);
NORETURN void svm_unexpected(struct cpu *c, const char *what);
enum msr_result svm_own_msr(struct cpu *c, u32 msr, bool write, u64 *v);

/* svm_entry.asm */
NORETURN void svm_launch(void *frame);

#endif
