/*
 * Per-CPU state: one struct cpu per logical processor pxHV runs on, in a
 * page-aligned block of its own taken from the hypervisor region at start-up
 * (only for the CPUs that exist).  A CPU reaches its own block through its
 * GS base (struct cpu's first field points to itself), which every VM exit
 * restores from the host state the backend gave the processor.
 */
#ifndef PXHV_CPU_H
#define PXHV_CPU_H
#include "lib/types.h"
#include "boot/layout.h"
#include "lib/mtrr.h"
#include "lib/region.h"
#include "boot/pxhv_config.h"

/* Guest GPRs as the exit stub pushes them, indexed by register number
 * (SDM Vol. 2A Table 3-1 order: RAX RCX RDX RBX RSP RBP RSI RDI R8..R15).
 * The RSP slot is not used: the processor keeps the guest's RSP in the
 * backend's control block. */
enum { R_RAX, R_RCX, R_RDX, R_RBX, R_RSP, R_RBP, R_RSI, R_RDI,
       R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15 };
struct guest_regs { u64 r[16]; };

/* Exit statistics: per backend exit reason and per core event. */
#define STAT_REASONS 80
enum core_event {
    EV_CPUID, EV_IO, EV_MSR_READ, EV_MSR_WRITE, EV_HYPERCALL, EV_HLT, EV_CR, EV_XSETBV,
    EV_COUNT
};
struct exit_stats {
    u64 total;
    u64 reason[STAT_REASONS];     /* by the backend's slot (virt_ops.exit_name)    */
    u64 event[EV_COUNT];
};

/* 64-bit TSS (SDM Vol. 3A 7.7 "Task Management in 64-bit Mode"). */
struct tss64 {
    u32 reserved0;
    u64 rsp[3];
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base;
} PACKED;

/* The host GDT: null, 64-bit code, data, a 16-byte TSS descriptor. */
#define HOST_CS 0x08
#define HOST_DS 0x10
#define HOST_TR 0x18
#define HOST_GDT_ENTRIES 5

#define CPU_STACK_SIZE 16384
#define CPU_BACKEND_BYTES 1024
#define CPU_IST_SIZE   4096
enum { IST_DF = 1, IST_NMI = 2 };    /* TSS IST slots (1-based, as the IDT names them) */

struct cell;

/*
 * One CPU's state, in three parts (the Jailhouse split): what is fixed once
 * the block is set up, what other CPUs reach (each field says who writes it
 * and what orders it), and what only this CPU touches, in pxHV, after an
 * exit.  Nothing here has a lock of its own: the locks that cover shared
 * fields are named beside them.
 */
struct cpu {
    /* ---- Fixed at cpu_alloc and while this CPU starts; any CPU reads. ---- */
    struct cpu *self;             /* %gs:0                                        */
    u32 index;                    /* 0 = the boot CPU                              */
    u32 apic_id;
    u64 vm_host_pa, vm_ctl_pa;    /* the backend's host area and control block    */
    struct cell *cell;            /* the cell it runs (core/cell.c); the root's: 0 */
    u64 slat;                     /* its cell's second-level root, 0: the root cell's */

    /* ---- Reached by other CPUs. ---- */
    /* An AP, set once by itself (release) when its control block is ready;
     * the boot CPU's bring-up waits for it (core/smp.c). */
    volatile bool online;
    /* Virtual INIT and SIPI (core/ipi.c): posted by the sending CPU with
     * atomic ORs, taken by this CPU with atomic ANDs at its next exit or
     * while it is parked; `parked` is written by this CPU only. */
    volatile u32 vipi;            /* VIPI_INIT | VIPI_SIPI | vector << 8            */
    volatile bool parked;         /* an AP in pxHV, waiting for a SIPI              */
    /* A cell's CPU halted in pxHV while its cell ends or stays stopped: set
     * by itself, cleared as it rejoins (core/cell.c). */
    volatile bool cell_parked;
    /* Set by cpu_kick before its NMI, exchanged to 0 by this CPU's NMI
     * handler (core/stop.c). */
    volatile u32 kick;            /* the next NMI is pxHV's own                     */
    /* CMOS banks (core/cmos.c): cmos_revoke set by a CPU holding cmos_lock,
     * cmos_held set under cmos_lock; this CPU clears both (cmos_serve). */
    volatile u32 cmos_revoke;     /* banks to give up                              */
    volatile u32 cmos_held;       /* banks whose data port passes through here      */
    /* The logical destination this CPU's guest set (core/xapic.c, written
     * by this CPU only); other CPUs read them to address their IPIs
     * (core/ipi.c).  A guest that changes them while another of its CPUs
     * sends an IPI races itself, as on the hardware. */
    volatile u32 guest_ldr, guest_dfr;
    /* Counted by this CPU; read by the one CPU that prints the statistics,
     * after cpus_stop_others has stopped every other CPU (core/stats.c). */
    struct exit_stats stats;

    /* ---- Only this CPU, in pxHV. ---- */
    struct guest_regs *regs;      /* the frame of the exit being handled           */
    bool launched;
    bool nmi_pending;             /* an NMI for the guest, not yet delivered       */
    bool probing, probe_init;     /* running the INIT probe (core/smp.c)            */
    bool init_seen;               /* init_exit is valid                             */
    u64 init_exit;                /* stats.total at the last INIT exit              */
    u64 sipi_exit;                /* stats.total at the last SIPI                  */
    u32 icr_high;                 /* the guest's ICR high half (xAPIC)              */
    u32 shutdown_len;             /* bytes of "Shutdown" seen on port 0x8900       */
    struct guest_regs boot_regs;  /* the guest's registers until the first VM entry */
    bool mtrrs_ready;
    bool mtrr_reads;              /* its MTRR reads exit (core/msr.c)              */
    struct mtrr_state mtrrs;      /* the guest's MTRRs (core/msr.c)                 */
    u64 gdt[HOST_GDT_ENTRIES] ALIGNED(16);
    struct tss64 tss ALIGNED(16);
    /* The backend's own per-CPU state, opaque to the core: each backend's
     * private header maps its structure over it, with a size check.  Its
     * owner's only, but for counters the backend's print_stats reads as
     * `stats` is read. */
    u64 backend[CPU_BACKEND_BYTES / 8] ALIGNED(16);
};

/* The page-aligned block of one CPU: the part every backend has, then the
 * backend's own pages (virt_ops.cpu_pages: its intercept bitmaps, which are
 * per CPU so that only the CPU that uses them ever changes them). */
struct cpu_block {
    union { struct cpu cpu; u8 page[4096]; } u;
    u8 vm_host[4096];             /* VMXON region, or the VM_HSAVE area (SVM)      */
    u8 vm_ctl[4096];              /* its control block (the backend's format)     */
    u8 ist_df[CPU_IST_SIZE];      /* double fault                                  */
    u8 ist_nmi[CPU_IST_SIZE];     /* NMI                                           */
    u8 stack[CPU_STACK_SIZE];     /* exits and host code                           */
    u8 backend[];                 /* virt_ops.cpu_pages pages                      */
};
STATIC_ASSERT(sizeof(struct cpu) <= 4096, "struct cpu fits its page");
STATIC_ASSERT(sizeof(struct cpu_block) % 4096 == 0, "the backend's pages are page-aligned");

static inline struct cpu *this_cpu(void)
{
    struct cpu *c;
    __asm__("mov %%gs:0, %0" : "=r"(c));
    return c;
}

/* cpu.c */
/* The region's pieces (include/lib/region.h) for `cpus` CPUs under the backend
 * stage 2 found: the image with its bss, a block per CPU with the backend's
 * own pages, and the page pool for the host's and the guest's page tables.
 * core/early.c sizes and places the region with it; the blocks and the pool
 * are found again by walking the same pieces (core/cpu.c, core/host.c). */
void region_parts_of(u32 virt, u32 cpus, const struct pxhv_cells *cells, struct region_parts *p);
/* A zeroed block from the region; NULL: the region has none for that index. */
struct cpu *cpu_alloc(u32 index, u32 apic_id);
u64  cpu_stack_top(const struct cpu *c);
u8  *cpu_backend_pages(const struct cpu *c);    /* virt_ops.cpu_pages pages */
u32  cpu_count(void);
struct cpu *cpu_get(u32 index);
u32  cpu_apic_id(void);                         /* of the CPU running this */

#endif
