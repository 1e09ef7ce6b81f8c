/*
 * The in-place launch (include/core/inplace.h).  A snapshot holds what
 * software can read of a CPU; what it cannot read, the hidden parts of the
 * segment registers (SDM Vol. 3A 3.4.3 "Segment Registers"), is what loading
 * each selector put there from its descriptor, so it is read again from the
 * GDT (or LDT) the snapshot names (lib/desc.c).  Where nothing was ever
 * loaded, the state is what reset left:
 *   - TR with selector 0 (UEFI firmware never loads a task register): the
 *     reset state of SDM Vol. 3A Table 9-1, base 0, limit FFFFh, present,
 *     as a busy TSS, the type VM entry requires (Vol. 3C 26.3.1.2);
 *   - LDTR with selector 0: unusable, as a null selector leaves it;
 *   - a null data-segment selector: unusable (3.4.4); FS and GS keep the
 *     bases of their MSRs (3.4.4.1 "Segment Loading Instructions in IA-32e
 *     Mode").
 */
#include "core/inplace.h"
#include "core/console.h"
#include "core/core.h"
#include "core/hv.h"
#include "boot/hypercall.h"
#include "lib/desc.h"
#include "lib/lib.h"
#include "hw/x86.h"

static const char seg_name[SEG_COUNT][5] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR" };

static void from_desc(struct segment *s, u16 sel, const struct desc *d)
{
    *s = (struct segment){
        .sel = sel, .base = d->base, .limit = d->limit, .type = d->type, .dpl = d->dpl,
        .s = d->s, .present = d->present, .l = d->l, .db = d->db, .g = d->g, .unusable = false,
    };
}

/* The descriptor selector `sel` names: in the GDT, or in the LDT (TI set). */
static bool read_desc(const struct cpu_snapshot *sn, const struct segment *ldtr, u16 sel, bool wide,
                      inplace_read_fn read, void *ctx, struct desc *d)
{
    u64 base = sn->gdtr.base, raw[2] = { 0, 0 };
    u32 limit = sn->gdtr.limit, off;
    if (sel & 4) {
        if (!ldtr || ldtr->unusable)
            return false;
        base = ldtr->base;
        limit = ldtr->limit;
    }
    if (!desc_offset(sel, limit, wide ? 16 : 8, &off) || !read(ctx, base + off, raw, wide ? 16 : 8))
        return false;
    desc_decode(raw, sn->efer & EFER_LMA, d);
    return true;
}

bool inplace_state(const struct cpu_snapshot *sn, inplace_read_fn read, void *ctx,
                   struct vcpu_state *st, char *why, usize why_len)
{
    bool lma = sn->efer & EFER_LMA;
    memset(st, 0, sizeof *st);
    st->rip = sn->rip;
    st->rsp = sn->gpr[R_RSP];
    st->rflags = sn->rflags;
    st->cr0 = sn->cr0;
    st->cr2 = sn->cr2;
    st->cr3 = sn->cr3;
    st->cr4 = sn->cr4;
    st->dr7 = sn->dr7;
    st->efer = sn->efer;
    st->pat = sn->pat;
    st->debugctl = sn->debugctl;
    st->kernel_gs_base = sn->kernel_gs_base;
    st->star = sn->star;
    st->lstar = sn->lstar;
    st->cstar = sn->cstar;
    st->sfmask = sn->sfmask;
    st->sysenter_cs = sn->sysenter_cs;
    st->sysenter_esp = sn->sysenter_esp;
    st->sysenter_eip = sn->sysenter_eip;
    st->gdt_base = sn->gdtr.base;
    st->gdt_limit = sn->gdtr.limit;
    st->idt_base = sn->idtr.base;
    st->idt_limit = sn->idtr.limit;

    if (!(sn->cr0 & CR0_PE)) {
        snprintf(why, why_len, "the snapshot is of real mode, which has no descriptors to read");
        return false;
    }
    /* LDTR first: a selector with TI set is looked up in the LDT. */
    struct desc d;
    struct segment *ldtr = &st->seg[SEG_LDTR];
    u16 sel = sn->sel[SEG_LDTR];
    if ((sel & ~3u) == 0) {
        *ldtr = (struct segment){ .sel = sel, .unusable = true };
    } else if (!read_desc(sn, NULL, sel, lma, read, ctx, &d) || d.s || d.type != 2 || !d.present) {
        snprintf(why, why_len, "LDTR %04x does not name a present LDT descriptor", sel);
        return false;
    } else {
        from_desc(ldtr, sel, &d);
    }

    for (enum seg_reg r = SEG_ES; r <= SEG_GS; r++) {
        struct segment *s = &st->seg[r];
        sel = sn->sel[r];
        if ((sel & ~3u) == 0) {
            if (r == SEG_CS) {
                snprintf(why, why_len, "CS is a null selector");
                return false;
            }
            /* SS keeps the privilege level: the CPL is SS.DPL (VMX and SVM alike). */
            *s = (struct segment){ .sel = sel, .unusable = true,
                                   .dpl = r == SEG_SS ? (u8)(sn->sel[SEG_CS] & 3) : 0 };
        } else if (!read_desc(sn, ldtr, sel, false, read, ctx, &d) || !d.s || !d.present) {
            snprintf(why, why_len, "%s %04x does not name a present code or data descriptor",
                     seg_name[r], sel);
            return false;
        } else {
            from_desc(s, sel, &d);
        }
    }
    st->seg[SEG_FS].base = sn->fs_base;
    st->seg[SEG_GS].base = sn->gs_base;

    struct segment *tr = &st->seg[SEG_TR];
    sel = sn->sel[SEG_TR];
    if ((sel & ~3u) == 0) {
        *tr = (struct segment){ .sel = sel, .base = 0, .limit = 0xFFFF, .type = 11, .present = true };
    } else if (!read_desc(sn, NULL, sel, lma, read, ctx, &d) || d.s || (d.type & 5) != 1 || !d.present) {
        snprintf(why, why_len, "TR %04x does not name a present TSS descriptor", sel);
        return false;
    } else {
        from_desc(tr, sel, &d);
        tr->type |= 2;                   /* LTR marked it busy (7.2.4 "Task Register") */
    }
    return true;
}

static const char *mode_name(const struct vcpu_state *st)
{
    if (st->rflags & RFLAGS_VM)
        return "virtual-8086 mode";
    if (st->efer & EFER_LMA)
        return st->seg[SEG_CS].l ? "64-bit mode" : "compatibility mode";
    return st->cr0 & CR0_PG ? "protected mode with paging" : "protected mode";
}

void inplace_report(const struct cpu *c, const struct cpu_snapshot *sn, const struct vcpu_state *st)
{
    const struct segment *tr = &st->seg[SEG_TR];
    kprintf("pxHV: CPU %u (APIC %u) continues as the guest at %04x:%llx in %s, CR3 %llx, RFLAGS %llx, "
            "TR %04x%s\n", c->index, c->apic_id, st->seg[SEG_CS].sel, st->rip, mode_name(st), st->cr3,
            st->rflags, tr->sel, sn->sel[SEG_TR] & ~3u ? "" : " (none loaded: the reset state, a busy TSS "
                                                              "at 0, limit ffff)");
}

NORETURN void inplace_launch(struct cpu *c, const struct vcpu_state *st, const u64 gpr[16])
{
    virt->guest_set_state(c, st);
    for (u32 i = 0; i < 16; i++)
        c->regs->r[i] = i == R_RSP ? 0 : gpr[i];
    __atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
    virt->run(c);
}

/* ---- the test hypercall ---- */

/* The guest's linear addresses through its own paging, page by page. */
static bool guest_linear_read(void *ctx, u64 la, void *buf, u32 len)
{
    struct cpu *c = ctx;
    u8 *out = buf;
    while (len) {
        u32 n = 4096 - (u32)(la & 0xFFF);
        n = n < len ? n : len;
        u64 gpa;
        if (!guest_linear_to_phys(c, la, &gpa) || !guest_read(gpa, out, n))
            return false;
        la += n;
        out += n;
        len -= n;
    }
    return true;
}

void core_relaunch(struct cpu *c)
{
    struct cpu_snapshot sn;
    struct vcpu_state st;
    char why[96];

    if (!(g_boot.config.flags & CFG_FLAG_TEST_RELAUNCH)) {
        c->regs->r[R_RAX] = PXHV_HC_ENOSYS;
        return;
    }
    if (!guest_read(c->regs->r[R_RBX], &sn, sizeof sn)) {
        c->regs->r[R_RAX] = PXHV_HC_EINVAL;
        return;
    }
    if (!inplace_state(&sn, guest_linear_read, c, &st, why, sizeof why)) {
        guest_refuse(c, "a relaunch from a snapshot in which %s", why);
        c->regs->r[R_RAX] = PXHV_HC_EINVAL;
        return;
    }
    kprintf("pxHV: CPU %u: relaunch from the guest's own snapshot (test): virtualization off and on "
            "again, a fresh %s control block\n", c->index, virt->name);
    virt->cpu_disable(c);
    const char *fail = virt->cpu_enable(c);
    if (fail)
        panic("CPU %u: cannot enter %s operation again: %s", c->index, virt->name, fail);
    virt->cpu_init(c);
    core_cpu_init(c);
    inplace_report(c, &sn, &st);
    inplace_launch(c, &st, sn.gpr);
}
