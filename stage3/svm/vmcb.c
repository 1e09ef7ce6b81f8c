/*
 * Each CPU's VMCB (APM Vol. 2 Appendix B "Layout of VMCB"): its intercepts and
 * the guest's starting states, the first VMRUN, and the guest state the core
 * reads and writes after an exit.  The VMCB is plain memory: no cache needed.
 */
#include "svm_impl.h"
#include "core/console.h"
#include "core/core.h"
#include "core/host.h"
#include "core/hv.h"
#include "lib/insn.h"
#include "lib/lib.h"
#include "hw/x86.h"

void svm_cpu_init(struct cpu *c)
{
    struct vmcb *v = vmcb_of(c);
    memset(v, 0, sizeof *v);
    static const enum svm_intercept on[] = {
        SVM_INTR_NMI, SVM_INTR_INIT, SVM_INTR_CPUID, SVM_INTR_HLT, SVM_INTR_INVD,
        SVM_INTR_TASK_SWITCH, SVM_INTR_SHUTDOWN, SVM_INTR_IOIO, SVM_INTR_MSR,
        SVM_INTR_VMRUN, SVM_INTR_VMMCALL, SVM_INTR_VMLOAD, SVM_INTR_VMSAVE,
        SVM_INTR_STGI, SVM_INTR_CLGI, SVM_INTR_SKINIT,
    };
    for (u32 i = 0; i < ARRAY_SIZE(on); i++)
        svm_intercept(v, on[i], true);
    svm_setup_maps(c);
    v->ctl.iopm_base_pa = (u64)(usize)svm_page(c, SVM_PAGE_IOPM);
    v->ctl.msrpm_base_pa = (u64)(usize)svm_page(c, SVM_PAGE_MSRPM);
    v->ctl.asid = c->index + 1;                 /* 0 is the host's (15.16) */
    v->ctl.np_enable = 1;
    v->ctl.n_cr3 = c->slat ? c->slat : svm_setup_info.ncr3;   /* the root cell's, or its cell's */
    v->save.g_pat = PAT_POWER_ON;
    /* pxHV's own FS, GS, TR, LDTR and syscall MSRs, which VMRUN leaves to
     * VMLOAD/VMSAVE (15.5.2): saved once, loaded after every exit. */
    svm_of(c)->host_save_pa = (u64)(usize)svm_page(c, SVM_PAGE_HOST_SAVE);
    __asm__ volatile("vmsave" :: "a"(svm_of(c)->host_save_pa) : "memory");
}

static void set_seg(struct vmcb_seg *s, u16 sel, u64 base, u16 attrib)
{
    s->sel = sel;
    s->base = base;
    s->limit = 0xFFFF;
    s->attrib = attrib;
}

/*
 * The same starting states as on VMX (vmx/vmcs.c, SDM Vol. 3A Table 9-1):
 * real mode as a BIOS leaves a boot sector, the INIT state at the reset
 * vector, a SIPI's start.  Nested paging lets CR0.PE/PG be 0 (15.25.3).
 * EFER.SVME must be set in the guest's EFER for VMRUN (15.5.1); the guest
 * never sees it (exit.c).
 */
void svm_guest_start(struct cpu *c, enum vcpu_start how, u8 vector)
{
    struct vmcb_save *s = &vmcb_of(c)->save;
    u16 cs = how == START_SIPI ? (u16)(vector << 8) : how == START_BOOT_SECTOR ? 0 : 0xF000;
    u64 cs_base = how == START_SIPI ? (u64)vector << 12 : how == START_BOOT_SECTOR ? 0 : 0xFFFF0000;

    set_seg(&s->cs, cs, cs_base, 0x9B);
    s->rip = how == START_BOOT_SECTOR ? LOW_BOOT_SECTOR : how == START_SIPI ? 0 : 0xFFF0;
    vmcb_of(c)->ctl.int_shadow = 0;
    vmcb_of(c)->ctl.event_inj = 0;
    if (how == START_SIPI)
        return;
    if (how == START_WAIT_FOR_SIPI)
        __asm__ volatile("stgi" ::: "memory");   /* it waits in pxHV: NMIs must wake it */
    u64 cr0 = how == START_BOOT_SECTOR ? CR0_ET : CR0_CD | CR0_NW | CR0_ET;
    if (how != START_BOOT_SECTOR && c->launched)
        cr0 = (s->cr0 & (CR0_CD | CR0_NW)) | CR0_ET;
    s->cr0 = cr0;
    s->cr2 = s->cr3 = s->cr4 = 0;
    s->efer = EFER_SVME;
    s->dr7 = 0x400;
    s->dr6 = 0xFFFF0FF0;
    s->rflags = RFLAGS_FIXED | (how == START_BOOT_SECTOR ? RFLAGS_IF : 0);
    s->rsp = how == START_BOOT_SECTOR ? LOW_BOOT_SECTOR : 0;
    set_seg(&s->es, 0, 0, 0x93);
    s->ss = s->ds = s->fs = s->gs = s->es;
    set_seg(&s->ldtr, 0, 0, 0x82);
    set_seg(&s->tr, 0, 0, 0x8B);
    set_seg(&s->gdtr, 0, 0, 0);
    set_seg(&s->idtr, 0, 0, 0);
    s->idtr.limit = how == START_BOOT_SECTOR ? 0x3FF : 0xFFFF;
    s->cpl = 0;
    s->dbgctl = 0;
    s->sysenter_cs = s->sysenter_esp = s->sysenter_eip = 0;
    s->star = s->lstar = s->cstar = s->sfmask = s->kernel_gs_base = 0;
    c->nmi_pending = false;
    svm_of(c)->nmi_masked = false;
    struct guest_regs *r = c->regs;
    memset(r, 0, sizeof *r);
    if (how != START_BOOT_SECTOR) {
        u32 a, b, ecx, d;
        cpuid(1, 0, &a, &b, &ecx, &d);
        r->r[R_RDX] = a;                        /* the processor signature */
    }
    if (how == START_FLAT32) {
        s->cr0 = CR0_PE | CR0_ET;
        set_seg(&s->cs, 0x08, 0, 0xC9B);       /* G and D in attribute bits 11 and 10 */
        s->cs.limit = 0xFFFFFFFF;
        set_seg(&s->es, 0x10, 0, 0xC93);
        s->es.limit = 0xFFFFFFFF;
        s->ss = s->ds = s->fs = s->gs = s->es;
        s->rsp = s->rip = 0;
    }
}

/*
 * The in-place launch (include/core/virt.h): the VMCB's state-save area
 * (APM Vol. 2 Appendix B, Table B-2) from a CPU's own state.  VMRUN loads
 * CS, SS, DS, ES, GDTR, IDTR, the control registers, EFER, DR6/7, RFLAGS,
 * RIP, RSP, RAX and G_PAT (15.5.1); the loop's VMLOAD the rest: FS, GS, TR,
 * LDTR with their hidden parts, KernelGsBase, STAR/LSTAR/CSTAR/SFMASK and
 * the SYSENTER MSRs (15.5.2).  EFER.SVME stays set under the guest's EFER,
 * which the guest never sees (exit.c).
 */
void svm_guest_set_state(struct cpu *c, const struct vcpu_state *st)
{
    struct vmcb_save *s = &vmcb_of(c)->save;
    for (enum seg_reg sr = SEG_ES; sr < SEG_COUNT; sr++) {
        struct segment g = st->seg[sr];
        g.present = g.present && !g.unusable;      /* the VMCB has no unusable bit */
        svm_set_seg(c, sr, &g);
    }
    s->gdtr.base = st->gdt_base;
    s->gdtr.limit = st->gdt_limit;
    s->idtr.base = st->idt_base;
    s->idtr.limit = st->idt_limit;
    s->cpl = st->seg[SEG_SS].dpl;                  /* 15.5.1: CPL from SS.DPL */
    s->efer = st->efer | EFER_SVME;
    s->cr0 = st->cr0;
    s->cr2 = st->cr2;
    s->cr3 = st->cr3;
    s->cr4 = st->cr4;
    s->dr7 = st->dr7;
    s->dr6 = 0xFFFF0FF0;
    s->rflags = st->rflags | RFLAGS_FIXED;
    s->rip = st->rip;
    s->rsp = st->rsp;
    s->g_pat = st->pat;
    s->dbgctl = st->debugctl;
    s->kernel_gs_base = st->kernel_gs_base;
    s->star = st->star;
    s->lstar = st->lstar;
    s->cstar = st->cstar;
    s->sfmask = st->sfmask;
    s->sysenter_cs = st->sysenter_cs;
    s->sysenter_esp = st->sysenter_esp;
    s->sysenter_eip = st->sysenter_eip;
    vmcb_of(c)->ctl.int_shadow = 0;
    vmcb_of(c)->ctl.event_inj = 0;
    c->nmi_pending = false;
    svm_of(c)->nmi_masked = false;
}

NORETURN void svm_run(struct cpu *c)
{
    /* The frame every exit pushes: the guest's registers, then the two
     * physical addresses svm_entry.asm hands to VMRUN and VMLOAD. */
    u64 *top = (u64 *)(usize)cpu_stack_top(c);
    struct guest_regs *frame = (struct guest_regs *)(top - 2) - 1;
    *frame = *c->regs;
    top[-2] = c->vm_ctl_pa;
    top[-1] = svm_of(c)->host_save_pa;
    vmcb_of(c)->save.rax = c->regs->r[R_RAX];
    c->launched = true;
    svm_launch(frame);
}

u64 svm_get(struct cpu *c, enum guest_reg r)
{
    const struct vmcb_save *s = &vmcb_of(c)->save;
    switch (r) {
    case GR_RIP:    return s->rip;
    case GR_RSP:    return s->rsp;
    case GR_RFLAGS: return s->rflags;
    case GR_CR0:    return s->cr0;
    case GR_CR2:    return s->cr2;
    case GR_CR3:    return s->cr3;
    case GR_CR4:    return s->cr4;
    case GR_EFER:   return s->efer;
    default:        return 0;
    }
}

void svm_set(struct cpu *c, enum guest_reg r, u64 v)
{
    struct vmcb_save *s = &vmcb_of(c)->save;
    switch (r) {
    case GR_RIP:    s->rip = v; break;
    case GR_RSP:    s->rsp = v; break;
    case GR_RFLAGS: s->rflags = v; break;
    case GR_CR2:    s->cr2 = v; break;
    case GR_CR3:    s->cr3 = v; break;
    default:        panic("svm_set: register %u is set through its own path", r);
    }
}

/* The attribute word: descriptor bits 47:40 in 7:0, 55:52 in 11:8 (Table B-2). */
static struct vmcb_seg *seg_of(struct cpu *c, enum seg_reg sr)
{
    static const u16 at[SEG_COUNT] = {
        [SEG_ES] = offsetof(struct vmcb_save, es), [SEG_CS] = offsetof(struct vmcb_save, cs),
        [SEG_SS] = offsetof(struct vmcb_save, ss), [SEG_DS] = offsetof(struct vmcb_save, ds),
        [SEG_FS] = offsetof(struct vmcb_save, fs), [SEG_GS] = offsetof(struct vmcb_save, gs),
        [SEG_LDTR] = offsetof(struct vmcb_save, ldtr), [SEG_TR] = offsetof(struct vmcb_save, tr),
    };
    return (struct vmcb_seg *)((u8 *)&vmcb_of(c)->save + at[sr]);
}

void svm_set_seg(struct cpu *c, enum seg_reg sr, const struct segment *in)
{
    struct vmcb_seg *g = seg_of(c, sr);
    g->sel = in->sel;
    g->base = in->base;
    g->limit = in->limit;
    g->attrib = (u16)(in->type | in->s << 4 | in->dpl << 5 | in->present << 7 | in->l << 9 |
                      in->db << 10 | in->g << 11);
}

void svm_get_seg(struct cpu *c, enum seg_reg sr, struct segment *out)
{
    const struct vmcb_seg *g = seg_of(c, sr);
    u16 a = g->attrib;
    out->sel = g->sel;
    out->base = g->base;
    out->limit = g->limit;
    out->type = a & 0xF;
    out->s = a >> 4 & 1;
    out->dpl = a >> 5 & 3;
    out->present = a >> 7 & 1;
    out->l = a >> 9 & 1;
    out->db = a >> 10 & 1;
    out->g = a >> 11 & 1;
    out->unusable = !out->present;
}

/* With nested paging the CPU reads the PAE PDPTEs from guest memory itself. */
void svm_get_pdptes(struct cpu *c, u64 pdpte[4])
{
    memset(pdpte, 0, 4 * sizeof *pdpte);
    guest_read(vmcb_of(c)->save.cr3 & 0xFFFFFFE0ULL, pdpte, 4 * sizeof *pdpte);
}

u32 svm_cpl(struct cpu *c)
{
    return vmcb_of(c)->save.cpl;
}

/* The instruction at the guest's CS:RIP, for its length (no NRIP save) and
 * its segment prefix (no decode assists). */
u32 svm_insn_len(struct cpu *c, struct insn_prefixes *pfx)
{
    /* guest_fetch's work from the VMCB directly (the CS attribute word as
     * in svm_get_seg: L is bit 9, D/B bit 10): this runs on every CPUID and
     * VMMCALL exit where the CPU has no NRIP save. */
    const struct vmcb_save *s = &vmcb_of(c)->save;
    u8 bytes[INSN_MAX_LEN];
    bool lm = (s->efer & EFER_LMA) && (s->cs.attrib & BIT(9));
    u32 mode = !(s->cr0 & CR0_PE) ? 16 : lm ? 64 : s->cs.attrib & BIT(10) ? 32 : 16;
    u32 n = guest_fetch_at(c, (lm ? 0 : s->cs.base) + s->rip, lm, bytes, INSN_MAX_LEN);
    return insn_length(bytes, n, mode, pfx);
}

void svm_inject(struct cpu *c, u8 vector, bool has_code, u32 code)
{
    struct vmcb *v = vmcb_of(c);
    u64 e = SVM_EVT_VALID | SVM_EVT_TYPE_EXC | vector;
    if (has_code && (v->save.cr0 & CR0_PE))     /* no error code in real mode */
        e |= SVM_EVT_ERR_VALID | (u64)code << 32;
    v->ctl.event_inj = e;
    if (FAULT_VECTORS & BIT(vector))
        v->save.rflags |= RFLAGS_RF;
}

/*
 * Past the instruction that exited: its length from the exit (IOIO's next
 * RIP, NRIP save) or pxHV's decoder; the instruction pointer wraps at the
 * code segment's size; an interrupt shadow ends; with TF set the CPU would
 * single-step it: #DB with DR6.BS.
 */
void svm_skip(struct cpu *c, u32 len)
{
    struct vmcb *v = vmcb_of(c);
    struct vmcb_save *s = &v->save;
    u64 next;
    struct insn_prefixes pfx;
    if (len)
        next = s->rip + len;
    else if (svm_of(c)->exit_code == SVM_EXIT_IOIO)
        next = v->ctl.exit_info2;
    else if (svm_setup_info.features & SVM_FEAT_NRIPS)
        next = v->ctl.next_rip;
    else
        next = s->rip + svm_insn_len(c, &pfx);
    if (!((s->efer & EFER_LMA) && (s->cs.attrib & BIT(9))))
        next &= s->cs.attrib & BIT(10) ? 0xFFFFFFFFULL : 0xFFFF;
    s->rip = next;
    v->ctl.int_shadow = 0;
    if (s->rflags & RFLAGS_TF) {
        s->dr6 |= DR6_BS;
        v->ctl.event_inj = SVM_EVT_VALID | SVM_EVT_TYPE_EXC | VEC_DB;
    }
}

/* No activity states: the guest executes its HLT itself, with the HLT
 * intercept off until the next exit (exit.c), so an interrupt, an NMI or an
 * INIT wakes it as on hardware. */
void svm_halt(struct cpu *c, bool guest_if)
{
    (void)guest_if;
    svm_of(c)->hlt_native = true;
    svm_intercept(vmcb_of(c), SVM_INTR_HLT, false);
}

void svm_dump(struct cpu *c)
{
    const struct vmcb_save *s = &vmcb_of(c)->save;
    const struct vmcb_control *t = &vmcb_of(c)->ctl;
    kprintf("pxHV: guest CS %04x base %llx attrib %03x, RIP %llx, RSP %llx, RFLAGS %llx, CPL %u\n",
            s->cs.sel, s->cs.base, s->cs.attrib, s->rip, s->rsp, s->rflags, s->cpl);
    kprintf("pxHV: guest CR0 %llx CR3 %llx CR4 %llx EFER %llx; exit 0x%llx info %llx %llx, "
            "interrupt info %llx\n", s->cr0, s->cr3, s->cr4, s->efer, t->exit_code, t->exit_info1,
            t->exit_info2, t->exit_int_info);
}
