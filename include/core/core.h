/*
 * The vendor-neutral core: what each guest action means.  A backend's exit
 * handler decodes its exit information into one of these calls; the core
 * decides, updates the guest's registers (struct guest_regs and struct
 * virt_ops) and lets the backend resume.
 */
#ifndef PXHV_CORE_H
#define PXHV_CORE_H
#include "lib/types.h"
#include "core/cpu.h"
#include "core/virt.h"
#include "lib/pt.h"
#include "lib/e820.h"

/* An I/O instruction (IN, OUT, INS, OUTS, with or without REP). */
struct io_access {
    u16 port;
    u8  size;         /* 1, 2 or 4 bytes                       */
    bool in, string, rep;
    u8  addr_bytes;   /* string forms: address size, 2, 4 or 8  */
    u8  seg;          /* string forms: enum seg_reg of the source (OUTS) */
};

/* A guest access that the second-level tables refused. */
struct mem_violation {
    u64 gpa, gla;
    bool gla_valid;
    u8 access;        /* PT_R, PT_W or PT_X (pt.h)       */
    u8 allowed;       /* what the entry allowed          */
    bool qual_valid;  /* the backend's raw report, for the record */
    u64 qual;
};

/* MSRs and I/O ports whose accesses the core must see, ranges ending in {0, 0}
 * (struct msr_range: include/core/virt.h). */
extern const struct msr_range msr_intercepted[];
u32 io_intercepted(u16 *ports, u32 max);   /* fills ports, returns how many */

void core_cpuid(struct cpu *c);
void core_io(struct cpu *c, const struct io_access *io);
void core_rdmsr(struct cpu *c);
void msr_cpu_init(struct cpu *c);    /* this CPU's MSR intercepts as its APIC's mode needs */
/* A CPU's control block exists: the core's per-CPU state for the guest. */
void core_cpu_init(struct cpu *c);
void core_wrmsr(struct cpu *c);
void core_hypercall(struct cpu *c);
void core_xsetbv(struct cpu *c);
void core_hlt(struct cpu *c);
void core_invd(struct cpu *c);
NORETURN void core_triple_fault(struct cpu *c);
void core_init_signal(struct cpu *c);
void core_sipi(struct cpu *c, u8 vector);
/* The one exit path: every VM exit of either backend, from its stub, with
 * the guest's registers as the stub pushed them (core/exit.c). */
void core_exit(struct guest_regs *regs);
/* A hardware task switch (how: "CALL", "JMP"..., or NULL): refused, the guest ends. */
NORETURN void core_task_switch(struct cpu *c, u16 tss, const char *how);
void core_mem_violation(struct cpu *c, const struct mem_violation *v);

/* The guest is done: report why with its CS:RIP, print the statistics, then
 * reset the machine (reset) or stop it. */
NORETURN void guest_end(struct cpu *c, const char *why, bool reset);
/* Something pxHV does not let the guest do: "pxHV: refused: <why> at CS:RIP";
 * the guest carries on. */
void guest_refuse(struct cpu *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the guest's memory (core/guestmem.c) ---- */
bool guest_read(u64 gpa, void *dst, u64 len);   /* false where pxHV's memory is touched */
bool guest_write(u64 gpa, const void *src, u64 len);
bool guest_linear_to_phys(struct cpu *c, u64 gla, u64 *gpa); /* the guest's own paging */
struct insn;
/* Where a decoded store (lib/insn.h) begins, as a guest-physical address:
 * its operand, segment and the guest's paging (core/xapic.c). */
bool guest_store_gpa(struct cpu *c, const struct insn *in, u32 mode, u64 *gpa);
/* A data access of the guest's at seg:off, checked and faulted as the CPU
 * would (segment limit, paging rights, A/D flags); false: a fault was
 * injected.  An access to pxHV's memory ends the guest. */
bool guest_linear_access(struct cpu *c, enum seg_reg seg, u64 off, void *buf, u32 size,
                         bool write);
/* Up to `max` bytes of the instruction at the guest's CS:RIP (to decode it);
 * *mode gets the code size: 16, 32 or 64. */
u32 guest_fetch(struct cpu *c, u8 *bytes, u32 max, u32 *mode);
/* The same from a linear address the caller worked out (CS base + RIP; in
 * 64-bit code, lm, RIP alone and no 4 GiB wrap): a backend that has the code
 * segment at hand saves the calls for it on its exit path. */
u32 guest_fetch_at(struct cpu *c, u64 gla, bool lm, u8 *bytes, u32 max);

/* ---- the guest's memory and INT 15h hook (core/memmap.c, core/kept.c, core/int15.c) ---- */
void guest_plan_memory(void);       /* before the EPT is built */
void guest_report_memory(void);     /* then, once the cells took theirs: the guest's map */
const struct mtrr_state *host_mtrrs(void);   /* as the firmware set them */
void mtrr_report(void);             /* are the real ones still so? */
u64  guest_map_top(void);           /* the end of the EPT/NPT identity map */
const struct e820_map *guest_memory_map(void);
const struct e820_legacy *guest_legacy_sizes(void);
void guest_install_hook(void);      /* into the guest's IVT, before launch */
#define HOOK_ENTRY 0x10             /* the IVT points at hook:0010 */
u8  *guest_hook_page(void);         /* pxHV's page shown at the hook (NULL: none, UEFI) */
u64  guest_hook_gpa(void);          /* where the guest sees it */
bool guest_a20_alias(void);         /* the region's A20 alias is kept from the guest */
/* A range the guest may only access as `perms` allow (pt.h PT_*), named
 * `what` in reports; in_map: the guest's memory map reports it reserved too. */
void guest_keep(u64 base, u64 len, u8 perms, bool in_map, const char *what);
const char *guest_kept_name(u64 gpa);    /* NULL: not a range pxHV keeps */
void guest_keep_perms(u64 base, u8 perms);   /* while pxHV starts: new rights */
/* A kept range whose every page shows the region page `page` instead. */
void guest_keep_shown(u64 base, u64 len, u8 perms, u64 page, const char *what);
/* The address pxHV uses for the guest's [gpa, gpa + len) within one page,
 * as the guest would reach it; false where the guest may not (`write`: a
 * store). */
bool guest_hpa(u64 gpa, u64 len, bool write, u64 *hpa);
/* What the second-level tables give [base, base + len) (a pt_classify_fn). */
struct pt_attr guest_classify(void *ctx, u64 base, u64 len);

/* ---- the first instruction (core/boot.c) ---- */
void guest_boot_regs(struct guest_regs *r);   /* as a BIOS leaves a boot sector */

/* ---- the machine before the guest gets it (core/chipset.c) ---- */
void chipset_lock_smram(void);

/* ---- statistics (core/stats.c) ---- */
void stats_print(void);

#endif
