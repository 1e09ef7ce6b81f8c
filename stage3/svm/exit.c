/*
 * #VMEXIT handling (APM Vol. 2 15.6 "#VMEXIT", Appendix C "SVM Intercept Exit
 * Codes"): each exit code decoded into the core's terms (include/core/core.h), and
 * the few things only SVM needs: RAX lives in the VMCB, EFER.SVME and the SVM
 * MSRs are hidden, the SVM instructions are #UD, NMIs are delivered through
 * EVENTINJ with the guest's NMI masking tracked by the IRET intercept.
 */
#include "svm_impl.h"
#include "core/console.h"
#include "core/core.h"
#include "core/hv.h"
#include "core/ipi.h"
#include "lib/lib.h"
#include "core/power.h"
#include "lib/pt.h"
#include "hw/x86.h"

NORETURN void svm_unexpected(struct cpu *c, const char *what)
{
    kprintf("pxHV: unexpected #VMEXIT: %s: exit code 0x%llx\n", what, svm_of(c)->exit_code);
    svm_dump(c);
    stats_print();
    hv_stop("unexpected VM exit");
}

static void exit_msr(struct cpu *c)
{
    (vmcb_of(c)->ctl.exit_info1 & 1 ? core_wrmsr : core_rdmsr)(c);
}

/* The MSRs SVM owns (svm.c svm_own_msrs): EFER without SVME, as on a CPU
 * without SVM (writes keep SVME set for VMRUN, 15.5.1, and get the CPU's #GP
 * for reserved bits or LME with paging on); VM_CR and VM_HSAVE_PA as on a
 * CPU whose firmware disabled and locked SVM (15.30.1). */
enum msr_result svm_own_msr(struct cpu *c, u32 msr, bool write, u64 *v)
{
    struct vmcb_save *s = &vmcb_of(c)->save;
    if (msr == MSR_EFER) {
        if (!write) {
            *v = s->efer & ~(u64)EFER_SVME;
            return MSR_DONE;
        }
        u64 allowed = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | BIT(14) /* FFXSR */;
        if ((*v & ~allowed) || (((*v ^ s->efer) & EFER_LME) && (s->cr0 & CR0_PG)))
            return MSR_FAULT;
        s->efer = (*v & ~EFER_LMA) | (s->efer & EFER_LMA) | EFER_SVME;
        return MSR_DONE;
    }
    if (write)
        return MSR_FAULT;
    *v = msr == MSR_VM_CR ? VM_CR_LOCK | VM_CR_SVMDIS : 0;
    return MSR_DONE;
}

static void exit_ioio(struct cpu *c)
{
    bool seg_known;
    struct io_access io = svm_decode_ioio(vmcb_of(c)->ctl.exit_info1,
                                          svm_setup_info.features & SVM_FEAT_DECODE_ASSISTS,
                                          &seg_known);
    if (!io.size)
        svm_unexpected(c, "IOIO exit information names no operand size");
    /* Without decode assists the segment of an OUTS comes from its prefixes;
     * the address size too where the exit leaves it out (QEMU's SVM does in
     * real mode). */
    if (io.string && ((!io.in && !seg_known) || !io.addr_bytes)) {
        struct insn_prefixes pfx;
        svm_insn_len(c, &pfx);
        if (!io.in && !seg_known)
            io.seg = pfx.seg >= 0 ? (u8)pfx.seg : SEG_DS;
        if (!io.addr_bytes)
            io.addr_bytes = pfx.addr_bytes;
    }
    core_io(c, &io);
}

static void exit_npf(struct cpu *c)
{
    struct mem_violation v = svm_decode_npf(vmcb_of(c)->ctl.exit_info1,
                                            vmcb_of(c)->ctl.exit_info2);
    core_mem_violation(c, &v);
}

static void exit_hlt(struct cpu *c) { core_hlt(c); }
static void exit_ud(struct cpu *c) { svm_inject(c, VEC_UD, false, 0); }

/* An NMI exits and stays pending (15.13.2): pxHV's own handler
 * (core_nmi) takes it while GIF is set here for a moment; the guest's
 * registers are in the exit frame by now (svm_entry.asm). */
static void exit_nmi(struct cpu *c)
{
    (void)c;
    __asm__ volatile("stgi\n\tclgi" ::: "memory");
}

/* The guest's IRET: its NMI handler is done, the next NMI may come. */
static void exit_iret(struct cpu *c)
{
    svm_of(c)->nmi_masked = false;
    svm_intercept(vmcb_of(c), SVM_INTR_IRET, false);
}

static void exit_task_switch(struct cpu *c)
{
    const char *how;
    u16 tss = svm_decode_task_switch(vmcb_of(c)->ctl.exit_info1, vmcb_of(c)->ctl.exit_info2, &how);
    core_task_switch(c, tss, how);
}

static void exit_init(struct cpu *c) { core_init_signal(c); }
static void exit_shutdown(struct cpu *c) { core_triple_fault(c); }

/* By slot (svm_exit_slot): exit codes 0x40-0x8F less 0x40, the NPF in slot 0. */
#define SLOT(code) ((code) - 0x40)
void (*const svm_exit_handlers[STAT_REASONS])(struct cpu *c) = {
    [0]                           = exit_npf,
    [SLOT(SVM_EXIT_CPUID)]        = core_cpuid,
    [SLOT(SVM_EXIT_IOIO)]         = exit_ioio,
    [SLOT(SVM_EXIT_MSR)]          = exit_msr,
    [SLOT(SVM_EXIT_HLT)]          = exit_hlt,
    [SLOT(SVM_EXIT_VMMCALL)]      = core_hypercall,
    [SLOT(SVM_EXIT_NMI)]          = exit_nmi,
    [SLOT(SVM_EXIT_IRET)]         = exit_iret,
    [SLOT(SVM_EXIT_INVD)]         = core_invd,
    [SLOT(SVM_EXIT_INIT)]         = exit_init,
    [SLOT(SVM_EXIT_SHUTDOWN)]     = exit_shutdown,
    [SLOT(SVM_EXIT_TASK_SWITCH)]  = exit_task_switch,
    /* EFER.SVME reads 0: the CPU's #UD (15.4) */
    [SLOT(SVM_EXIT_VMRUN)]        = exit_ud,
    [SLOT(SVM_EXIT_VMLOAD)]       = exit_ud,
    [SLOT(SVM_EXIT_VMSAVE)]       = exit_ud,
    [SLOT(SVM_EXIT_STGI)]         = exit_ud,
    [SLOT(SVM_EXIT_CLGI)]         = exit_ud,
    [SLOT(SVM_EXIT_SKINIT)]       = exit_ud,
};

/* An NMI for the guest goes in through EVENTINJ when nothing else is being
 * injected and its last NMI handler has returned. */
void svm_deliver_nmi(struct cpu *c)
{
    struct vmcb *v = vmcb_of(c);
    if (svm_of(c)->nmi_masked || (v->ctl.event_inj & SVM_EVT_VALID))
        return;
    v->ctl.event_inj = SVM_EVT_VALID | SVM_EVT_TYPE_NMI | VEC_NMI;
    c->nmi_pending = false;
    svm_of(c)->nmi_masked = true;
    svm_intercept(v, SVM_INTR_IRET, true);
}

/* The exit's slot; RAX from the VMCB; a failed VMRUN stops here. */
u32 svm_exit_begin(struct cpu *c)
{
    struct vmcb *v = vmcb_of(c);
    u64 code = v->ctl.exit_code;
    c->regs->r[R_RAX] = v->save.rax;
    svm_of(c)->exit_code = code;
    if ((u32)code == (u32)SVM_EXIT_INVALID) {   /* -1, stored as 32 or 64 bits */
        kprintf("pxHV: VMRUN failed: the guest state is invalid (VMEXIT_INVALID, 15.5.1)\n");
        svm_dump(c);
        hv_stop("VMRUN failed");
    }
    if (svm_of(c)->hlt_native) {
        svm_of(c)->hlt_native = false;
        svm_intercept(v, SVM_INTR_HLT, true);
    }
    /* An event the exit interrupted is delivered again (15.7.2). */
    if ((v->ctl.exit_int_info & SVM_EVT_VALID) && !(v->ctl.event_inj & SVM_EVT_VALID))
        v->ctl.event_inj = v->ctl.exit_int_info;
    return svm_exit_slot(code);
}

void svm_exit_end(struct cpu *c)
{
    struct vmcb *v = vmcb_of(c);
    v->save.rax = c->regs->r[R_RAX];
    /* VMRUN needs SVME in the guest's EFER (15.5.1), and an SMM handler's
     * RSM in the guest can load one without it: SeaBIOS's 16/32-bit switch
     * resumes a state it saved before pxHV ran (docs/svm.md "SMIs"). */
    v->save.efer |= EFER_SVME;
}

u64 svm_exit_info(struct cpu *c)
{
    return vmcb_of(c)->ctl.exit_info1;
}
