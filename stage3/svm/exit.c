/*
 * #VMEXIT handling (APM Vol. 2 15.6 "#VMEXIT", Appendix C "SVM Intercept Exit
 * Codes"): each exit code decoded into the core's terms (include/core.h), and
 * the few things only SVM needs: RAX lives in the VMCB, EFER.SVME and the SVM
 * MSRs are hidden, the SVM instructions are #UD, NMIs are delivered through
 * EVENTINJ with the guest's NMI masking tracked by the IRET intercept.
 */
#include "svm_impl.h"
#include "console.h"
#include "core.h"
#include "hv.h"
#include "ipi.h"
#include "lib.h"
#include "power.h"
#include "pt.h"
#include "x86.h"

/* Statistics slots (STAT_REASONS): exit codes 0x40-0x8F as they are, NPF at
 * 0x40 - 0x40 = the first slot is free for it. */
static u32 stat_index(u64 code)
{
    if (code == SVM_EXIT_NPF)
        return 0;
    return code >= 0x40 && code < 0x40 + STAT_REASONS ? (u32)(code - 0x40) : STAT_REASONS;
}

const char *svm_exit_name(u32 i)
{
#define SVM_EXIT_CASE(name, code, text) case code: return text;
    switch (i ? i + 0x40 : SVM_EXIT_NPF) {
    SVM_EXITS(SVM_EXIT_CASE)
    default: return "other";
    }
}

NORETURN static void svm_unexpected(struct cpu *c, const char *what)
{
    kprintf("pxHV: unexpected #VMEXIT: %s: exit code 0x%llx\n", what, c->svm.exit_code);
    svm_dump(c);
    stats_print();
    hv_stop("unexpected VM exit");
}

/* EFER without SVME, as on a CPU without SVM; writes keep SVME set for VMRUN
 * (15.5.1) and get the CPU's #GP for reserved bits or LME with paging on. */
static void efer_access(struct cpu *c, bool write)
{
    struct guest_regs *r = c->regs;
    struct vmcb_save *s = &vmcb_of(c)->save;
    if (!write) {
        u64 v = s->efer & ~(u64)EFER_SVME;
        r->r[R_RAX] = (u32)v;
        r->r[R_RDX] = v >> 32;
        svm_skip(c, 0);
        return;
    }
    u64 v = (r->r[R_RDX] << 32) | (u32)r->r[R_RAX];
    u64 allowed = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | BIT(14) /* FFXSR */;
    if ((v & ~allowed) || (((v ^ s->efer) & EFER_LME) && (s->cr0 & CR0_PG))) {
        svm_inject(c, VEC_GP, true, 0);
        return;
    }
    s->efer = (v & ~EFER_LMA) | (s->efer & EFER_LMA) | EFER_SVME;
    svm_skip(c, 0);
}

static void exit_msr(struct cpu *c)
{
    u32 msr = (u32)c->regs->r[R_RCX];
    bool write = vmcb_of(c)->ctl.exit_info1 & 1;
    if (msr == MSR_EFER) {
        efer_access(c, write);
    } else if (msr == MSR_VM_CR || msr == MSR_VM_HSAVE_PA) {
        /* SVM looks disabled and locked by the firmware (15.30.1). */
        if (write) {
            svm_inject(c, VEC_GP, true, 0);
            return;
        }
        c->regs->r[R_RAX] = msr == MSR_VM_CR ? VM_CR_LOCK | VM_CR_SVMDIS : 0;
        c->regs->r[R_RDX] = 0;
        svm_skip(c, 0);
    } else {
        (write ? core_wrmsr : core_rdmsr)(c);
    }
}

static void exit_ioio(struct cpu *c)
{
    u64 q = vmcb_of(c)->ctl.exit_info1;
    struct io_access io = {
        .port = (u16)(q >> 16), .in = q & SVM_IOIO_IN, .string = q & SVM_IOIO_STR,
        .rep = q & SVM_IOIO_REP,
        .size = (q >> SVM_IOIO_SZ_SHIFT) & 1 ? 1 : (q >> SVM_IOIO_SZ_SHIFT) & 2 ? 2 : 4,
        .addr_bytes = (q >> SVM_IOIO_A_SHIFT) & 1 ? 2 : (q >> SVM_IOIO_A_SHIFT) & 2 ? 4 : 8,
        .seg = SEG_DS,
    };
    if (io.string && !io.in) {
        int seg = -1;
        if (svm_setup_info.features & SVM_FEAT_DECODE_ASSISTS)
            seg = (int)((q >> SVM_IOIO_SEG_SHIFT) & 7);
        else
            svm_insn_len(c, &seg);
        io.seg = seg >= 0 ? (u8)seg : SEG_DS;
    }
    core_io(c, &io);
}

static void exit_npf(struct cpu *c)
{
    u64 e = vmcb_of(c)->ctl.exit_info1;
    struct mem_violation v = {
        .gpa = vmcb_of(c)->ctl.exit_info2,
        .access = e & SVM_NPF_W ? PT_W : e & SVM_NPF_ID ? PT_X : PT_R,
        .allowed = e & SVM_NPF_P ? PT_R | PT_X : 0,
        .qual_valid = true,
        .qual = e,
    };
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
    c->svm.nmi_masked = false;
    svm_intercept(vmcb_of(c), SVM_INTR_IRET, false);
}

static void exit_task_switch(struct cpu *c)
{
    guest_refuse(c, "hardware task switch to TSS selector 0x%04llx (not emulated)",
                 vmcb_of(c)->ctl.exit_info1 & 0xFFFF);
    guest_end(c, "task switch", false);
}

static void exit_init(struct cpu *c) { core_init_signal(c); }

static void dispatch(struct cpu *c, u64 code)
{
    if ((u32)code == (u32)SVM_EXIT_INVALID)   /* -1, stored as 32 or 64 bits */
        code = SVM_EXIT_INVALID;
    switch (code) {
    case SVM_EXIT_CPUID:       core_cpuid(c); break;
    case SVM_EXIT_IOIO:        exit_ioio(c); break;
    case SVM_EXIT_MSR:         exit_msr(c); break;
    case SVM_EXIT_HLT:         exit_hlt(c); break;
    case SVM_EXIT_VMMCALL:     core_hypercall(c); break;
    case SVM_EXIT_NPF:         exit_npf(c); break;
    case SVM_EXIT_NMI:         exit_nmi(c); break;
    case SVM_EXIT_IRET:        exit_iret(c); break;
    case SVM_EXIT_INVD:        core_invd(c); break;
    case SVM_EXIT_INIT:        exit_init(c); break;
    case SVM_EXIT_SHUTDOWN:    core_triple_fault(c);
    case SVM_EXIT_TASK_SWITCH: exit_task_switch(c); break;
    case SVM_EXIT_VMRUN: case SVM_EXIT_VMLOAD: case SVM_EXIT_VMSAVE: case SVM_EXIT_STGI:
    case SVM_EXIT_CLGI: case SVM_EXIT_SKINIT:
        exit_ud(c);            /* EFER.SVME reads 0: the CPU's #UD (15.4) */
        break;
    case SVM_EXIT_INVALID:
        kprintf("pxHV: VMRUN failed: the guest state is invalid (VMEXIT_INVALID, 15.5.1)\n");
        svm_dump(c);
        hv_stop("VMRUN failed");
        break;
    default:
        svm_unexpected(c, "no handler");
    }
}

/* An NMI for the guest goes in through EVENTINJ when nothing else is being
 * injected and its last NMI handler has returned. */
static void deliver_nmi(struct cpu *c)
{
    struct vmcb *v = vmcb_of(c);
    if (c->svm.nmi_masked || (v->ctl.event_inj & SVM_EVT_VALID))
        return;
    v->ctl.event_inj = SVM_EVT_VALID | SVM_EVT_TYPE_NMI | VEC_NMI;
    c->nmi_pending = false;
    c->svm.nmi_masked = true;
    svm_intercept(v, SVM_INTR_IRET, true);
}

/* Called by svm_entry.asm after each #VMEXIT, with the guest's registers
 * (RAX is in the VMCB); returns to VMRUN. */
void svm_exit(struct guest_regs *regs)
{
    struct cpu *c = this_cpu();
    struct vmcb *v = vmcb_of(c);
    u64 code = v->ctl.exit_code;

    c->regs = regs;
    regs->r[R_RAX] = v->save.rax;
    c->svm.exit_code = code;
    c->stats.total++;
    u32 slot = stat_index(code);
    if (slot < STAT_REASONS)
        c->stats.reason[slot]++;
    if (c->svm.hlt_native) {
        c->svm.hlt_native = false;
        svm_intercept(v, SVM_INTR_HLT, true);
    }
    /* An event the exit interrupted is delivered again (15.7.2). */
    if ((v->ctl.exit_int_info & SVM_EVT_VALID) && !(v->ctl.event_inj & SVM_EVT_VALID))
        v->ctl.event_inj = v->ctl.exit_int_info;
    if (g_boot.config.flags & CFG_FLAG_TRACE_EXITS)
        kprintf("exit: 0x%llx at %04x:%llx info %llx %llx on CPU %u\n", code, v->save.cs.sel,
                v->save.rip, v->ctl.exit_info1, v->ctl.exit_info2, c->index);
    dispatch(c, code);
    core_exit_end(c);
    if (c->nmi_pending)
        deliver_nmi(c);
    v->save.rax = regs->r[R_RAX];
    /* VMRUN needs SVME in the guest's EFER (15.5.1), and an SMM handler's
     * RSM in the guest can load one without it: SeaBIOS's 16/32-bit switch
     * resumes a state it saved before pxHV ran (docs/svm.md "SMIs"). */
    v->save.efer |= EFER_SVME;
}
