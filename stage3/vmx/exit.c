/*
 * The VMX backend's part of the one exit path (core/exit.c): the exit's slot
 * is its basic exit reason (SDM Vol. 3C Appendix C "VMX Basic Exit
 * Reasons"), each slot's handler in the table decodes the exit information
 * into the core's terms (include/core/core.h); anything without a handler is
 * unexpected: dump and stop.
 */
#include "vmx_impl.h"
#include "core/console.h"
#include "core/core.h"
#include "core/ipi.h"
#include "core/stop.h"
#include "core/hv.h"
#include "lib/lib.h"
#include "core/power.h"
#include "lib/pt.h"
#include "hw/x86.h"

NORETURN void vmx_unexpected(struct cpu *c, const char *what)
{
    u32 reason = (u32)vmcs_get(c, VC_EXIT_REASON) & 0xFFFF;
    kprintf("pxHV: unexpected VM exit: %s: reason %u (%s), qualification 0x%llx\n", what,
            reason, exit_reason_name(reason), vmcs_get(c, VC_QUAL));
    kprintf("pxHV: exit interruption info 0x%llx, IDT-vectoring info 0x%llx, instruction length %llu\n",
            vmx_read(c, VMCS_EXIT_INTR_INFO), vmx_read(c, VMCS_IDT_VECTORING_INFO),
            vmcs_get(c, VC_INSTR_LEN));
    vmx_dump_guest(c);
    stats_print();
    hv_stop("unexpected VM exit");
}

static void exit_hlt(struct cpu *c) { core_hlt(c); }

/* Exception or NMI (we intercept no exception): an NMI (24.9.2). */
static void exit_nmi(struct cpu *c)
{
    u32 info = (u32)vmx_read(c, VMCS_EXIT_INTR_INFO);
    if ((info & (INTR_INFO_VALID | 0x700)) != (INTR_INFO_VALID | INTR_TYPE_NMI))
        vmx_unexpected(c, "exception not intercepted");
    core_nmi(c);
    iret_to_self();                   /* the next NMI may come while in pxHV */
}

/* The guest can take the pending NMI now (24.6.2 "NMI-window exiting"). */
static void exit_nmi_window(struct cpu *c)
{
    vmx_write(c, VMCS_PRIMARY_CONTROLS, vmx_ctl.cpu);
}

/* Bochs saves an INIT exit's interruptibility with SMI blocking set, which
 * VM entry refuses outside SMM (26.3.1.5); pxHV runs no guest in SMM. */
static void exit_init(struct cpu *c)
{
    u64 intr = vmcs_get(c, VC_INTR);
    if (intr & INTR_BLOCK_SMI)
        vmcs_set(c, VC_INTR, intr & ~(u64)INTR_BLOCK_SMI);
    core_init_signal(c);
}
static void exit_sipi(struct cpu *c) { core_sipi(c, (u8)vmcs_get(c, VC_QUAL)); }

/* VMX and SMX are hidden: their instructions behave as on a CPU without
 * them (#UD; GETSEC with CR4.SMXE = 0, which the guest cannot set). */
static void exit_vmx_instruction(struct cpu *c) { inject_ud(c); }

/* A task switch (25.4.2): the selector and its source from the qualification
 * (27.2.1, Table 27-2). */
static void exit_task_switch(struct cpu *c)
{
    static const char src[] = "CALL\0IRET\0JMP\0a task gate in the IDT\0";
    u64 q = vmcs_get(c, VC_QUAL);
    core_task_switch(c, (u16)q, str_nth(src, sizeof src, (u32)(q >> 30) & 3, "?"));
}

/* MWAIT/MONITOR/PAUSE exiting forced on by the CPU: executed as NOP. */
static void exit_nop(struct cpu *c) { virt->skip(c, 0); }

static void exit_io(struct cpu *c)
{
    struct io_qual q = vmx_decode_io(vmcs_get(c, VC_QUAL));
    struct io_access io = { .port = q.port, .size = q.size, .in = q.in, .string = q.string,
                            .rep = q.rep };
    if (q.string) {
        u32 info = (u32)vmcs_get(c, VC_INSTR_INFO);
        io.addr_bytes = (u8)(2 << IO_INFO_ADDR_SIZE(info));
        io.seg = (u8)(IO_INFO_SEG(info) < SEG_LDTR ? IO_INFO_SEG(info) : SEG_DS);
    }
    core_io(c, &io);
}

static COLD NORETURN void exit_entry_failure(struct cpu *c, u32 raw)
{
    u64 qual = vmcs_get(c, VC_QUAL);
    kprintf("pxHV: %s (exit reason %u), qualification 0x%llx\n",
            exit_reason_name(raw), raw & 0xFFFF, qual);
    if ((raw & 0xFFFF) == VMX_EXIT_INVALID_GUEST_STATE) {
        static const char *const q[] = { "none", "reserved", "PDPTE loading failed",
                                         "NMI injection with blocking", "invalid VMCS link pointer" };
        if (qual < ARRAY_SIZE(q))
            kprintf("pxHV: qualification %llu: %s (SDM 27.8)\n", qual, q[qual]);
    } else if ((raw & 0xFFFF) == VMX_EXIT_MSR_LOADING) {
        kprintf("pxHV: failing MSR-load entry %llu (SDM 26.4)\n", qual);
    }
    vmx_diagnose_entry_failure(c);
    stats_print();
    hv_stop("VM-entry failure");
}

void (*const vmx_exit_handlers[VMX_EXIT_MAX])(struct cpu *c) = {
    [VMX_EXIT_EXCEPTION_NMI]   = exit_nmi,
    [VMX_EXIT_TRIPLE_FAULT]    = core_triple_fault,
    [VMX_EXIT_TASK_SWITCH]     = exit_task_switch,
    [VMX_EXIT_GETSEC]          = exit_vmx_instruction,
    [VMX_EXIT_INIT_SIGNAL]     = exit_init,
    [VMX_EXIT_SIPI]            = exit_sipi,
    [VMX_EXIT_NMI_WINDOW]      = exit_nmi_window,
    [VMX_EXIT_CPUID]           = core_cpuid,
    [VMX_EXIT_HLT]             = exit_hlt,
    [VMX_EXIT_INVD]            = core_invd,
    [VMX_EXIT_VMCALL]          = core_hypercall,
    [VMX_EXIT_VMCLEAR]         = exit_vmx_instruction,
    [VMX_EXIT_VMLAUNCH]        = exit_vmx_instruction,
    [VMX_EXIT_VMPTRLD]         = exit_vmx_instruction,
    [VMX_EXIT_VMPTRST]         = exit_vmx_instruction,
    [VMX_EXIT_VMREAD]          = exit_vmx_instruction,
    [VMX_EXIT_VMRESUME]        = exit_vmx_instruction,
    [VMX_EXIT_VMWRITE]         = exit_vmx_instruction,
    [VMX_EXIT_VMXOFF]          = exit_vmx_instruction,
    [VMX_EXIT_VMXON]           = exit_vmx_instruction,
    [VMX_EXIT_INVEPT]          = exit_vmx_instruction,
    [VMX_EXIT_INVVPID]         = exit_vmx_instruction,
    [VMX_EXIT_VMFUNC]          = exit_vmx_instruction,
    [VMX_EXIT_CR_ACCESS]       = vmx_cr_access,
    [VMX_EXIT_IO_INSTRUCTION]  = exit_io,
    [VMX_EXIT_RDMSR]           = core_rdmsr,
    [VMX_EXIT_WRMSR]           = core_wrmsr,
    [VMX_EXIT_MWAIT]           = exit_nop,
    [VMX_EXIT_MONITOR]         = exit_nop,
    [VMX_EXIT_PAUSE]           = exit_nop,
    [VMX_EXIT_EPT_VIOLATION]   = vmx_ept_violation,
    [VMX_EXIT_EPT_MISCONFIG]   = vmx_ept_misconfig,
    [VMX_EXIT_XSETBV]          = core_xsetbv,
};

/* The exit's slot: its basic reason; a failed VM entry stops here with its report. */
u32 vmx_exit_begin(struct cpu *c)
{
    struct vmx_cpu *v = vmx_of(c);
    /* The cache is empty (the entry flushed it): the reason goes in without
     * the cache's test, the exit's first VMCS access. */
    u32 raw = (u32)vmx_read(NULL, VMCS_EXIT_REASON);
    v->ops = 1;
    v->val[VC_EXIT_REASON] = raw;
    v->valid = 1u << VC_EXIT_REASON;
    v->resumed = true;
    if (raw & VMX_EXIT_ENTRY_FAIL)
        exit_entry_failure(c, raw);
    v->slot = raw & 0xFFFF;
    return v->slot;
}

/* Before VMRESUME: the cached guest state written back, the exit's VMCS
 * accesses counted for its kind. */
void vmx_exit_end(struct cpu *c)
{
    vmcs_flush(c);
    if (vmx_of(c)->slot < STAT_REASONS)
        vmx_of(c)->ops_per_slot[vmx_of(c)->slot] += vmx_of(c)->ops;
}

u64 vmx_exit_info(struct cpu *c)
{
    return vmcs_get(c, VC_QUAL);
}
