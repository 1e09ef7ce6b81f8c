/*
 * VM-exit dispatch: one handler per basic exit reason, in a table indexed by
 * the reason (SDM Vol. 3C Appendix C "VMX Basic Exit Reasons").  Each handler
 * decodes the exit information into the core's terms (include/core.h);
 * anything without a handler is unexpected: dump and stop.
 */
#include "vmx_impl.h"
#include "console.h"
#include "core.h"
#include "hv.h"
#include "power.h"
#include "pt.h"
#include "x86.h"

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

static void exit_unexpected(struct cpu *c) { vmx_unexpected(c, "no handler"); }

static void exit_hlt(struct cpu *c)
{
    core_hlt(c);
    /* Resume in the HLT activity state so the next interrupt wakes the
     * guest (24.4.2, when IA32_VMX_MISC bit 6 allows it). */
    if (vmx_caps.misc & VMX_MISC_ACT_HLT)
        vmcs_set(c, VC_ACTIVITY, ACT_HLT);
}

/* VMX is hidden: the VMX instructions behave as on a CPU without it (#UD). */
static void exit_vmx_instruction(struct cpu *c) { inject_ud(c); }

/* MWAIT/MONITOR/PAUSE exiting forced on by the CPU: executed as NOP. */
static void exit_nop(struct cpu *c) { virt->skip(c); }

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

static void exit_entry_failure(struct cpu *c, u32 raw)
{
    u64 qual = vmcs_get(c, VC_QUAL);
    kprintf("pxHV: %s (exit reason %u), qualification 0x%llx\n",
            exit_reason_name(raw), raw & 0xFFFF, qual);
    if ((raw & 0xFFFF) == EXIT_INVALID_GUEST_STATE) {
        static const char *const q[] = { "none", "reserved", "PDPTE loading failed",
                                         "NMI injection with blocking", "invalid VMCS link pointer" };
        if (qual < ARRAY_SIZE(q))
            kprintf("pxHV: qualification %llu: %s (SDM 27.8)\n", qual, q[qual]);
    } else if ((raw & 0xFFFF) == EXIT_MSR_LOADING) {
        kprintf("pxHV: failing MSR-load entry %llu (SDM 26.4)\n", qual);
    }
    vmx_diagnose_entry_failure(c);
    stats_print();
    hv_stop("VM-entry failure");
}

static void (*const handlers[EXIT_REASON_MAX])(struct cpu *c) = {
    [EXIT_TRIPLE_FAULT]    = core_triple_fault,
    [EXIT_INIT_SIGNAL]     = core_init_signal,
    [EXIT_CPUID]           = core_cpuid,
    [EXIT_HLT]             = exit_hlt,
    [EXIT_INVD]            = core_invd,
    [EXIT_VMCALL]          = core_hypercall,
    [EXIT_VMCLEAR]         = exit_vmx_instruction,
    [EXIT_VMLAUNCH]        = exit_vmx_instruction,
    [EXIT_VMPTRLD]         = exit_vmx_instruction,
    [EXIT_VMPTRST]         = exit_vmx_instruction,
    [EXIT_VMREAD]          = exit_vmx_instruction,
    [EXIT_VMRESUME]        = exit_vmx_instruction,
    [EXIT_VMWRITE]         = exit_vmx_instruction,
    [EXIT_VMXOFF]          = exit_vmx_instruction,
    [EXIT_VMXON]           = exit_vmx_instruction,
    [EXIT_INVEPT]          = exit_vmx_instruction,
    [EXIT_INVVPID]         = exit_vmx_instruction,
    [EXIT_VMFUNC]          = exit_vmx_instruction,
    [EXIT_CR_ACCESS]       = vmx_cr_access,
    [EXIT_IO_INSTRUCTION]  = exit_io,
    [EXIT_RDMSR]           = core_rdmsr,
    [EXIT_WRMSR]           = core_wrmsr,
    [EXIT_MWAIT]           = exit_nop,
    [EXIT_MONITOR]         = exit_nop,
    [EXIT_PAUSE]           = exit_nop,
    [EXIT_EPT_VIOLATION]   = vmx_ept_violation,
    [EXIT_EPT_MISCONFIG]   = vmx_ept_misconfig,
    [EXIT_XSETBV]          = core_xsetbv,
};

/* Called by vmx_exit_stub with the guest's registers; returns to VMRESUME. */
void vmx_exit(struct guest_regs *regs)
{
    struct cpu *c = this_cpu();
    c->regs = regs;
    c->vmx.ops = 0;
    c->vmx.resumed = true;
    u32 raw = (u32)vmcs_get(c, VC_EXIT_REASON);
    u32 reason = raw & 0xFFFF;

    c->stats.total++;
    if (reason < STAT_REASONS)
        c->stats.reason[reason]++;
    if (raw & EXIT_REASON_ENTRY_FAIL)
        exit_entry_failure(c, raw);
    if (g_boot.config.flags & CFG_FLAG_TRACE_EXITS) {
        struct segment cs;
        vmx_get_seg(c, SEG_CS, &cs);
        kprintf("exit: %s at %04x:%llx qual 0x%llx\n", exit_reason_name(reason), cs.sel,
                vmcs_get(c, VC_RIP), vmcs_get(c, VC_QUAL));
    }

    void (*h)(struct cpu *) = reason < EXIT_REASON_MAX ? handlers[reason] : NULL;
    (h ? h : exit_unexpected)(c);
    vmcs_flush(c);
    if (reason < STAT_REASONS)
        c->stats.vmcs_ops[reason] += c->vmx.ops;
}
