/*
 * Shared by the VMX backend's files only: the capabilities (read once by
 * the boot CPU, read-only afterwards), the controls pxHV chose from them,
 * and the per-exit VMCS cache (stage3/vmx/vmx.h, struct vmx_cpu).
 */
#ifndef PXHV_VMX_IMPL_H
#define PXHV_VMX_IMPL_H
#include "core/cpu.h"
#include "vmx.h"
#include "core/virt.h"

/* The VMX backend's per-CPU state in struct cpu's opaque area. */
STATIC_ASSERT(sizeof(struct vmx_cpu) <= CPU_BACKEND_BYTES, "struct vmx_cpu fits struct cpu");
STATIC_ASSERT(sizeof(((struct vmx_cpu *)0)->ops_per_slot) / 8 == STAT_REASONS, "a count per slot");
static inline struct vmx_cpu *vmx_of(struct cpu *c)
{
    return (struct vmx_cpu *)(void *)c->backend;
}

struct vmx_caps {
    u64 basic, misc, ept_vpid;
    u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};
/* The controls chosen on the boot CPU; each CPU's VMCS starts from them. */
struct vmx_controls {
    u32 pin, cpu, cpu2, exit, entry;
    u64 cr0_mask, cr4_mask;         /* guest/host masks: bits pxHV owns */
    u64 eptp;
};
/* The backend's pages in each CPU's block (cpu_backend_pages). */
enum { VMX_PAGE_IO_A, VMX_PAGE_IO_B, VMX_PAGE_MSR_BITMAP, VMX_CPU_PAGES };
extern struct vmx_caps vmx_caps;
extern struct vmx_controls vmx_ctl;

/* A failed VMREAD/VMWRITE: report the field and the error, stop (vmcs.c). */
NORETURN void vmx_field_failed(enum vmcs_field f, bool write, u64 v);

/* VMREAD/VMWRITE that stop the machine with the field's name on failure
 * (VMfailInvalid sets CF, VMfailValid ZF: one JBE catches both); counted into
 * the current exit's cost when c is given. */
static inline u64 vmx_read(struct cpu *c, enum vmcs_field f)
{
    u64 v;
    if (c)
        vmx_of(c)->ops++;
    __asm__ goto("vmread %1, %0\n\tjbe %l[fail]" : "=r"(v) : "r"((u64)f) : "cc" : fail);
    return v;
fail:
    vmx_field_failed(f, false, 0);
}

static inline void vmx_write(struct cpu *c, enum vmcs_field f, u64 v)
{
    if (c)
        vmx_of(c)->ops++;
    __asm__ goto("vmwrite %1, %0\n\tjbe %l[fail]" :: "r"((u64)f), "rm"(v) : "cc" : fail);
    return;
fail:
    vmx_field_failed(f, true, v);
}

extern const u16 vmx_cached_field[VC_COUNT];

static inline u64 vmcs_get(struct cpu *c, enum vmx_cached i)
{
    if (!(vmx_of(c)->valid & (1u << i))) {
        vmx_of(c)->val[i] = vmx_read(c, (enum vmcs_field)vmx_cached_field[i]);
        vmx_of(c)->valid |= 1u << i;
    }
    return vmx_of(c)->val[i];
}

static inline void vmcs_set(struct cpu *c, enum vmx_cached i, u64 v)
{
    vmx_of(c)->val[i] = v;
    vmx_of(c)->valid |= 1u << i;
    vmx_of(c)->dirty |= 1u << i;
}

/* Write back, forget the cache: before every VM entry, so that each exit
 * starts with an empty cache (vmx_exit_begin relies on it).  Inline: it runs
 * at the end of every exit. */
static inline void vmcs_flush(struct cpu *c)
{
    for (u32 d = vmx_of(c)->dirty; d; d &= d - 1) {
        u32 i = (u32)__builtin_ctz(d);
        vmx_write(c, (enum vmcs_field)vmx_cached_field[i], vmx_of(c)->val[i]);
    }
    vmx_of(c)->valid = vmx_of(c)->dirty = 0;
}

/* vmx_entry.asm */
void vmx_exit_stub(void);
NORETURN void vmx_launch(struct guest_regs *regs);
NORETURN void vmx_resume(struct guest_regs *regs);
NORETURN void vmx_entry_failed(struct guest_regs *regs, u64 rflags);

/* vmx.c */
void vmx_setup_bitmaps(struct cpu *c);
u64  vmx_bitmap_pa(struct cpu *c, u32 page);

/* vmcs.c */
void vmx_cpu_init(struct cpu *c);
void vmx_guest_start(struct cpu *c, enum vcpu_start how, u8 vector);
void vmx_guest_set_state(struct cpu *c, const struct vcpu_state *s);
void vmx_halt(struct cpu *c, bool guest_if);
void vmx_deliver_nmi(struct cpu *c);
NORETURN void vmx_run(struct cpu *c);
u64  vmx_get(struct cpu *c, enum guest_reg r);
void vmx_set(struct cpu *c, enum guest_reg r, u64 v);
void vmx_get_seg(struct cpu *c, enum seg_reg s, struct segment *out);
void vmx_set_seg(struct cpu *c, enum seg_reg s, const struct segment *in);
void vmx_get_pdptes(struct cpu *c, u64 pdpte[4]);
u32  vmx_cpl(struct cpu *c);
void vmx_skip(struct cpu *c, u32 len);
void vmx_inject(struct cpu *c, u8 vector, bool has_code, u32 code);

/* ept.c */
u64  ept_setup(void);                      /* builds the EPT, returns the EPTP */
u64  ept_build_cell(struct pt_attr (*classify)(void *ctx, u64 base, u64 len), void *ctx, u64 top);
void ept_page_update(u64 gpa);
void vmx_ept_violation(struct cpu *c);
void vmx_ept_misconfig(struct cpu *c);

/* cr.c */
void vmx_cr_access(struct cpu *c);

/* exit.c */
NORETURN void vmx_unexpected(struct cpu *c, const char *what);
extern void (*const vmx_exit_handlers[VMX_EXIT_MAX])(struct cpu *c);
u32  vmx_exit_begin(struct cpu *c);
void vmx_exit_end(struct cpu *c);
u64  vmx_exit_info(struct cpu *c);

/* diag.c */
void vmx_dump_guest(struct cpu *c);
void vmx_diagnose_entry_failure(struct cpu *c);
void vmx_dump_controls(void);               /* after VM-instruction error 7 */
void vmx_dump_host(void);                   /* after VM-instruction error 8 */

#endif
