/*
 * The backend interface between pxHV's vendor-neutral core and a
 * hardware-virtualization backend (VMX or SVM), in the manner of Linux KVM's
 * kvm_x86_ops.  The core decides what a CPUID leaf, an I/O port, an MSR, a
 * hypercall, a reset or a memory violation means (include/core/core.h); a backend
 * turns its exit information into those events and applies the result
 * through these operations.  `virt` is set once at start-up.
 */
#ifndef PXHV_VIRT_H
#define PXHV_VIRT_H
#include "lib/types.h"
#include "lib/pt.h"
#include "core/cpu.h"
#include "hw/x86.h"

enum guest_reg { GR_RIP, GR_RSP, GR_RFLAGS, GR_CR0, GR_CR2, GR_CR3, GR_CR4, GR_EFER, GR_COUNT };
enum seg_reg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_COUNT };

/* A segment register as the core sees it (SDM Vol. 3A 3.4.5 descriptor fields). */
struct segment {
    u16 sel;
    u64 base;
    u32 limit;
    u8  type, dpl;
    bool s, present, l, db, g, unusable;
};

/* How a vCPU (re)starts (SDM Vol. 3A 9.1 "Initialization Overview", Table
 * 9-1): the boot CPU as a BIOS leaves a boot sector; an AP as the firmware
 * leaves it and as INIT leaves any AP (INIT state, waiting for a SIPI); the
 * boot CPU after INIT (INIT state at the reset vector F000:FFF0); an AP woken
 * by a SIPI (real mode at vector * 4 KiB); a cell's first CPU entering a
 * Multiboot kernel: the INIT state, then 32-bit protected mode with flat 4
 * GiB segments (CS 08h, the others 10h) and paging off (Multiboot 0.6.96
 * 3.2 "Machine state"; RIP, EAX and EBX are the caller's). */
enum vcpu_start { START_BOOT_SECTOR, START_WAIT_FOR_SIPI, START_RESET_VECTOR, START_SIPI,
                  START_FLAT32 };

/* A CPU's whole state at one instruction, for the in-place launch
 * (core/inplace.c): the vCPU continues exactly there, in any mode.  The
 * segments carry their hidden parts; FS and GS bases are the MSRs'. */
struct vcpu_state {
    u64 rip, rsp, rflags;
    u64 cr0, cr2, cr3, cr4, dr7, efer, pat, debugctl;
    u64 kernel_gs_base, star, lstar, cstar, sfmask;
    u64 sysenter_cs, sysenter_esp, sysenter_eip;
    u64 gdt_base, idt_base;
    u32 gdt_limit, idt_limit;
    struct segment seg[SEG_COUNT];
};

#define MSR_READ  BIT(0)
#define MSR_WRITE BIT(1)
struct msr_range { u32 first, last; u8 access; };   /* MSR_READ | MSR_WRITE */

/* A CPUID bit (or a whole leaf) the guest does not see, because the backend
 * keeps it: `reg` 0-3 = EAX, EBX, ECX, EDX, CPUID_LEAF = every register.  A
 * backend's list ends at the first entry whose mask is 0 (it would hide nothing). */
#define CPUID_LEAF 4
struct cpuid_bits { u32 leaf; u8 reg; u32 mask; };

/* What the backend did with an MSR it owns (virt_ops.own_msr). */
enum msr_result { MSR_DONE, MSR_FAULT };

struct virt_ops {
    const char *name;                             /* "VMX" or "SVM"                    */
    const char *second_level;                     /* "EPT" or "NPT", for reports       */
    u32 cpu_pages;                                /* the backend's pages in each CPU's
                                                     block (cpu_backend_pages)          */
    /* What the backend owns of the CPU the guest sees: CPUID bits it hides
     * (ends with leaf 0), MSRs it answers itself (ends with {0, 0}; always
     * intercepted; core/msr.c asks own_msr about them first). */
    const struct cpuid_bits *cpuid_hidden;
    const struct msr_range *own_msrs;
    enum msr_result (*own_msr)(struct cpu *c, u32 msr, bool write, u64 *value);

    void (*setup)(void);                          /* once: capabilities, controls, EPT */
    const char *(*cpu_enable)(struct cpu *c);     /* enter VMX root: NULL, or why not   */
    void (*cpu_init)(struct cpu *c);              /* this CPU's control block           */
    void (*guest_start)(struct cpu *c, enum vcpu_start how, u8 sipi_vector);
    /* The in-place launch: the guest's state from `s`, active, nothing
     * pending, so that the next VM entry continues it where `s` was taken
     * (the general registers are c->regs). */
    void (*guest_set_state)(struct cpu *c, const struct vcpu_state *s);
    NORETURN void (*run)(struct cpu *c);
    void (*cpu_disable)(struct cpu *c);           /* leave VMX operation (reset)        */

    /* The backend's parts of the one exit path (core/exit.c): its stub calls
     * core_exit, which asks exit_begin for the exit's slot (the backend's
     * numbering of exit reasons, below STAT_REASONS), runs the slot's
     * handler from the table (which decodes the exit and calls the core),
     * then the core's own work, then exit_end before the next entry. */
    u32  (*exit_begin)(struct cpu *c);
    void (*const *exit_handlers)(struct cpu *c);
    u32  exit_slots;
    NORETURN void (*exit_unexpected)(struct cpu *c, const char *what);
    void (*exit_end)(struct cpu *c);
    u64  (*exit_info)(struct cpu *c);             /* the exit's qualification, traced  */
    const char *(*exit_name)(u32 slot);
    void (*deliver_nmi)(struct cpu *c);           /* c->nmi_pending: now, or at a window */
    void (*print_stats)(void);                    /* the backend's own statistics lines */

    u64  (*get)(struct cpu *c, enum guest_reg r);
    void (*set)(struct cpu *c, enum guest_reg r, u64 v);
    void (*get_seg)(struct cpu *c, enum seg_reg s, struct segment *out);
    void (*set_seg)(struct cpu *c, enum seg_reg s, const struct segment *in);
    void (*get_pdptes)(struct cpu *c, u64 pdpte[4]);  /* PAE paging outside IA-32e mode */
    u32  (*cpl)(struct cpu *c);                   /* the guest's current privilege level */
    void (*skip)(struct cpu *c, u32 len);         /* past the instruction that exited:
                                                     its length, or 0: as the exit says */
    void (*inject)(struct cpu *c, u8 vector, bool has_code, u32 code); /* a CPU exception */
    void (*halt)(struct cpu *c, bool guest_if);   /* resume in the HLT activity state */
    void (*dump)(struct cpu *c);                  /* guest state, for reports          */
    bool (*can_wait_for_sipi)(void);              /* the activity state exists         */
    /* Intercepts of one CPU, in its own bitmaps: only that CPU changes them
     * once it runs the guest (it is in VMX root/host mode then, so no CPU
     * uses a bitmap while it changes, SDM Vol. 3C 24.11.4 "Software Access to
     * Related Structures"). */
    void (*msr_intercept)(struct cpu *c, u32 first, u32 last, u8 access, bool on);
    void (*io_intercept)(struct cpu *c, u16 port, bool on);
    void (*io_intercept_all)(struct cpu *c);        /* every port (a cell's CPU)     */
    /* The second-level leaf of one page with a 4 KiB leaf of its own (a
     * kept range) again from guest_classify, while pxHV starts: no CPU runs
     * the guest yet (the changed CPU flushes its TLB at its next launch). */
    void (*page_update)(u64 gpa);
    /* A cell's own second-level tables from the core's classifier, built
     * while pxHV starts: the value its CPUs load (an EPTP or an nCR3), 0 when
     * the page pool ran out.  Each CPU of a cell uses c->cell->slat. */
    u64 (*slat_build)(struct pt_attr (*classify)(void *ctx, u64 base, u64 len), void *ctx, u64 top);
};

extern const struct virt_ops *virt;
/* The backend for what stage 2 found (VIRT_* bits), NULL for neither. */
const struct virt_ops *virt_pick(u32 found);

static inline void inject_ud(struct cpu *c) { virt->inject(c, VEC_UD, false, 0); }
static inline void inject_gp0(struct cpu *c) { virt->inject(c, VEC_GP, true, 0); }

#endif
