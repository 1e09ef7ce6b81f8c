/*
 * The UEFI door into stage 3 (docs/uefi.md).  pxhv.efi copies stage3.bin to
 * the base of the region it took from the firmware, clears its bss and calls
 * the header's uefi_entry_offset (stage3_header.h) in 64-bit mode, System V
 * convention, with pxHV's own page tables in CR3 and interrupts off:
 *
 *   u64 entry(struct uefi_handoff *h, u32 op, struct cpu_snapshot *s)
 *
 * PREPARE (boot CPU, once): everything that can fail, checked and built with
 *   no CPU virtualized: the CPUs, the backend's capabilities and controls,
 *   the host and second-level page tables.  Returns 0, or UEFI_REFUSED with
 *   the reason in h->why: nothing of the firmware's state is left changed,
 *   and pxhv.efi can give the region back.
 * CHECK (each AP, through the MP services): this CPU can be virtualized.
 * ENTER (each AP, then the boot CPU): the CPU continues as pxHV's guest from
 *   the snapshot `s` its caller took of itself: VM entry resumes it at
 *   s->rip with s's registers; the call never returns to its caller.
 * STOP: a failure after the first CPU entered: pxHV stops the machine.
 *
 * struct cpu_snapshot is also the argument of the test hypercall
 * PXHV_HC_TEST_RELAUNCH (hypercall.h), so the NASM test guests and the GNU
 * assembler of pxhv.efi read its offsets here.
 */
#ifndef PXHV_UEFI_H
#define PXHV_UEFI_H

#define UEFI_ABI 1                 /* this header's layouts (stage3_header.uefi_abi) */

#define UEFI_OP_PREPARE 1
#define UEFI_OP_CHECK   2
#define UEFI_OP_ENTER   3
#define UEFI_OP_STOP    4
#define UEFI_REFUSED 1             /* PREPARE or CHECK: h->why says why */

/* struct cpu_snapshot, for assembly. */
#define SNAP_GPR          0x000    /* RAX..R15, register-number order; [4] = RSP */
#define SNAP_RIP          0x080
#define SNAP_RFLAGS       0x088
#define SNAP_CR0          0x090
#define SNAP_CR2          0x098
#define SNAP_CR3          0x0A0
#define SNAP_CR4          0x0A8
#define SNAP_DR7          0x0B0
#define SNAP_EFER         0x0B8
#define SNAP_PAT          0x0C0
#define SNAP_DEBUGCTL     0x0C8
#define SNAP_FS_BASE      0x0D0
#define SNAP_GS_BASE      0x0D8
#define SNAP_KGS_BASE     0x0E0
#define SNAP_STAR         0x0E8
#define SNAP_LSTAR        0x0F0
#define SNAP_CSTAR        0x0F8
#define SNAP_SFMASK       0x100
#define SNAP_SYSENTER_CS  0x108
#define SNAP_SYSENTER_ESP 0x110
#define SNAP_SYSENTER_EIP 0x118
#define SNAP_GDTR         0x120    /* as SGDT stores it: limit, then base */
#define SNAP_IDTR         0x130    /* as SIDT stores it */
#define SNAP_SEL          0x140    /* ES CS SS DS FS GS LDTR TR (enum seg_reg order) */
#define SNAP_SIZE         0x150

#ifndef __ASSEMBLER__
#include "lib/types.h"
#include "boot/layout.h"

/*
 * A CPU's state at one instruction, as software there can read it: the
 * general registers, RIP and RFLAGS, the control and debug registers, the
 * MSRs a VM entry loads, GDTR, IDTR and the selectors.  The descriptor
 * caches ("hidden parts") cannot be read; stage 3 takes them from the GDT as
 * loading each selector did (core/inplace.c).
 */
struct snap_dtr { u16 limit; u64 base; } PACKED;   /* SGDT/SIDT's 10 bytes */
struct cpu_snapshot {
    u64 gpr[16];
    u64 rip, rflags;
    u64 cr0, cr2, cr3, cr4, dr7;
    u64 efer, pat, debugctl;
    u64 fs_base, gs_base, kernel_gs_base;
    u64 star, lstar, cstar, sfmask;
    u64 sysenter_cs, sysenter_esp, sysenter_eip;
    struct snap_dtr gdtr; u8 pad0[6];
    struct snap_dtr idtr; u8 pad1[6];
    u16 sel[8];
};
STATIC_ASSERT(offsetof(struct cpu_snapshot, rip) == SNAP_RIP, "snapshot layout");
STATIC_ASSERT(offsetof(struct cpu_snapshot, cr0) == SNAP_CR0, "snapshot layout");
STATIC_ASSERT(offsetof(struct cpu_snapshot, efer) == SNAP_EFER, "snapshot layout");
STATIC_ASSERT(offsetof(struct cpu_snapshot, fs_base) == SNAP_FS_BASE, "snapshot layout");
STATIC_ASSERT(offsetof(struct cpu_snapshot, star) == SNAP_STAR, "snapshot layout");
STATIC_ASSERT(offsetof(struct cpu_snapshot, sysenter_cs) == SNAP_SYSENTER_CS, "snapshot layout");
STATIC_ASSERT(offsetof(struct cpu_snapshot, gdtr) == SNAP_GDTR, "snapshot layout");
STATIC_ASSERT(offsetof(struct cpu_snapshot, idtr) == SNAP_IDTR, "snapshot layout");
STATIC_ASSERT(offsetof(struct cpu_snapshot, sel) == SNAP_SEL, "snapshot layout");
STATIC_ASSERT(sizeof(struct cpu_snapshot) == SNAP_SIZE, "snapshot layout");

/* What pxhv.efi and stage 3 tell each other; lives in pxhv.efi's memory. */
struct uefi_handoff {
    /* From pxhv.efi. */
    u64 boot_info;                 /* struct boot_info (BI_FLAG_UEFI)                */
    u32 mp_cpus;                   /* the CPUs the MP services run, enabled ones     */
    u32 mp_apic_id[PXHV_MAX_CPUS]; /* their APIC IDs; [0] = the boot CPU              */
    /* From stage 3. */
    u64 host_cr3;                  /* CR3 for CHECK and ENTER: pxHV's own tables     */
    u32 a20_alias;                 /* 1: the region's A20 alias is kept from the guest
                                      (its pages must stay allocated)               */
    u32 entered;                   /* CPUs that ENTER has virtualized                */
    char why[128];                 /* UEFI_REFUSED: the reason, for pxhv.efi's lines */
};
#endif

#endif
