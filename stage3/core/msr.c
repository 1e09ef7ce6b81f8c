/*
 * RDMSR/WRMSR that exit (the backend's MSR bitmap, built from
 * msr_intercepted and the backend's own MSRs, and every MSR outside the
 * bitmap's ranges).  The backend answers the MSRs it owns (virt_ops.own_msrs:
 * the guest sees a CPU without hardware virtualization).  The MTRRs are the
 * guest's own copy (include/lib/mtrr.h), the local APIC stays where it is
 * (IA32_APIC_BASE), the x2APIC's registers exist only in x2APIC mode.
 * Everything else is executed for the guest, with the #GP the CPU raises
 * where it refuses.
 */
#include "core/cell.h"
#include "core/core.h"
#include "core/apic.h"
#include "core/ipi.h"
#include "hw/x86.h"

/* The MTRRs: writes always exit; reads only once the guest has written one
 * on that CPU (until then its copies equal the real registers). */
#define MTRR_RANGES(access) \
    { MSR_IA32_MTRR_PHYSBASE0, MSR_IA32_MTRR_PHYSBASE0 + 2 * MTRR_VAR_MAX - 1, access }, \
    { MSR_IA32_MTRR_FIX64K_00000, MSR_IA32_MTRR_FIX64K_00000, access }, \
    { MSR_IA32_MTRR_FIX16K_80000, MSR_IA32_MTRR_FIX16K_A0000, access }, \
    { MSR_IA32_MTRR_FIX4K_C0000, MSR_IA32_MTRR_FIX4K_C0000 + 7, access }, \
    { MSR_IA32_MTRR_DEF_TYPE, MSR_IA32_MTRR_DEF_TYPE, access }

const struct msr_range msr_intercepted[] = {
    { MSR_IA32_APIC_BASE, MSR_IA32_APIC_BASE, MSR_WRITE },
    MTRR_RANGES(MSR_WRITE),
    /* The x2APIC's registers: outside x2APIC mode they do not exist (#GP,
     * which some engines fail to raise); in x2APIC mode only the ICR exits
     * (INIT and SIPI, include/core/ipi.h): x2apic_msrs() below. */
    { MSR_X2APIC_BASE, MSR_X2APIC_LAST, MSR_READ | MSR_WRITE },
    { 0, 0, 0 },
};

/* This CPU's bitmap, changed by this CPU while it is in pxHV. */
static void mtrr_reads_intercepted(struct cpu *c)
{
    static const struct msr_range all[] = { MTRR_RANGES(MSR_READ | MSR_WRITE) };
    if (c->mtrr_reads)
        return;
    c->mtrr_reads = true;
    for (u32 i = 0; i < ARRAY_SIZE(all); i++)
        virt->msr_intercept(c, all[i].first, all[i].last, all[i].access, true);
}

static bool x2apic_mode(void)
{
    return rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_X2APIC;
}

static bool msr_is_x2apic(u32 msr)
{
    return msr >= MSR_X2APIC_BASE && msr <= MSR_X2APIC_LAST;
}

/* This CPU's x2APIC registers after its APIC changed mode: in x2APIC mode
 * they pass through but for the ICR. */
static void x2apic_msrs(struct cpu *c)
{
    virt->msr_intercept(c, MSR_X2APIC_BASE, MSR_X2APIC_LAST, MSR_READ | MSR_WRITE, !x2apic_mode());
    virt->msr_intercept(c, MSR_X2APIC_ICR, MSR_X2APIC_ICR, MSR_READ | MSR_WRITE, true);
}

static bool backend_owns(u32 msr)
{
    for (const struct msr_range *o = virt->own_msrs; o->first || o->last; o++)
        if (msr >= o->first && msr <= o->last)
            return true;
    return false;
}

/* This CPU's MTRRs as the guest set them, from the firmware's at first use. */
static u64 *guest_mtrr(struct cpu *c, u32 msr)
{
    if (!c->mtrrs_ready) {
        c->mtrrs = *host_mtrrs();
        c->mtrrs_ready = true;
    }
    return mtrr_msr(&c->mtrrs, msr);
}

static bool is_mtrr(u32 msr)
{
    static const struct msr_range mtrrs[] = { MTRR_RANGES(0) };
    for (u32 i = 0; i < ARRAY_SIZE(mtrrs); i++)
        if (msr >= mtrrs[i].first && msr <= mtrrs[i].last)
            return true;
    return false;
}

/* What a cell's CPU may write: the state of that CPU alone (segment bases,
 * system-call entry points, the PAT, its own APIC's timer deadline,
 * speculation controls).  Every other write could reach the root's CPUs or
 * the machine (package-scope power, microcode, the memory controller's
 * ranges) and ends the cell.  The MTRRs (the cell's own copy), IA32_APIC_BASE
 * and the x2APIC's registers keep their own rules above. */
static const u32 cell_writable[] = {
    0x10,        /* TSC: this thread's counter                     */
    0x48, 0x49,  /* SPEC_CTRL, PRED_CMD                            */
    0x174, 0x175, 0x176,           /* SYSENTER_CS/ESP/EIP        */
    0x1D9,       /* DEBUGCTL                                        */
    0x277,       /* PAT                                             */
    0x6E0,       /* TSC_DEADLINE                                    */
    0xC0000080,  /* EFER (where the backend does not own it)        */
    0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084,   /* STAR LSTAR CSTAR SFMASK */
    0xC0000100, 0xC0000101, 0xC0000102, 0xC0000103,   /* FS/GS/KERNEL_GS base, TSC_AUX */
};

static bool cell_may_write(u32 msr)
{
    if (is_mtrr(msr) || msr_is_x2apic(msr) || msr == MSR_IA32_APIC_BASE)
        return true;
    for (u32 i = 0; i < ARRAY_SIZE(cell_writable); i++)
        if (cell_writable[i] == msr)
            return true;
    return false;
}

void core_rdmsr(struct cpu *c)
{
    struct guest_regs *r = c->regs;
    u32 msr = (u32)r->r[R_RCX];
    u64 v, *m;

    c->stats.event[EV_MSR_READ]++;
    if (backend_owns(msr)) {
        if (virt->own_msr(c, msr, false, &v) == MSR_FAULT) {
            inject_gp0(c);
            return;
        }
    } else if (is_mtrr(msr)) {
        if (!(m = guest_mtrr(c, msr))) {
            inject_gp0(c);
            return;
        }
        v = *m;
    } else if ((msr_is_x2apic(msr) && !x2apic_mode()) || !rdmsr_safe(msr, &v)) {
        inject_gp0(c);
        return;
    }
    r->r[R_RAX] = (u32)v;
    r->r[R_RDX] = v >> 32;
    virt->skip(c, 0);
}

void core_wrmsr(struct cpu *c)
{
    struct guest_regs *r = c->regs;
    u32 msr = (u32)r->r[R_RCX];
    u64 v = (r->r[R_RDX] << 32) | (u32)r->r[R_RAX], *m;

    c->stats.event[EV_MSR_WRITE]++;
    if (c->cell && !backend_owns(msr) && !cell_may_write(msr))
        cell_end(c, "WRMSR 0x%x, which reaches beyond the cell's own CPUs", msr);
    if (backend_owns(msr)) {
        if (virt->own_msr(c, msr, true, &v) == MSR_FAULT)
            inject_gp0(c);
        else
            virt->skip(c, 0);
        return;
    }
    /* Outside x2APIC mode the x2APIC MSRs do not exist, and a reserved bit
     * set in the ICR is refused (SDM Vol. 3A 10.12.1.2 "x2APIC Register
     * Address Space", 10.12.1.3 "Reserved Bit Checking"): #GP either way. */
    if ((msr_is_x2apic(msr) && !x2apic_mode()) ||
        (msr == MSR_X2APIC_ICR && (v & X2APIC_ICR_RESERVED))) {
        inject_gp0(c);
        return;
    }
    if (msr == MSR_X2APIC_ICR) {
        if (g_ipi_intercept) {
            if (!ipi_icr_write(c, (u32)(v >> 32), (u32)v, true))
                cell_end(c, "an IPI to APIC %u, a CPU outside the cell (x2APIC)", (u32)(v >> 32));
            virt->skip(c, 0);
            return;
        }
    }
    if (is_mtrr(msr)) {
        if (!(m = guest_mtrr(c, msr)) || !mtrr_msr_value_ok(&c->mtrrs, msr, v)) {
            inject_gp0(c);
            return;
        }
        *m = v;
        mtrr_reads_intercepted(c);
        virt->skip(c, 0);
        return;
    }
    if (msr == MSR_IA32_APIC_BASE) {
        /* Moving the APIC page could put it over pxHV's memory (or its
         * bitmaps) and ends pxHV's view of the guest's IPIs: refused; the
         * other bits (enable, x2APIC mode) are the guest's, and so are the
         * reserved bits at and above MAXPHYADDR, whose #GP the CPU raises
         * (SDM Vol. 3A 10.4.4 "Local APIC Status and Location"). */
        u64 cur = rdmsr(MSR_IA32_APIC_BASE), base = (BIT(phys_addr_bits()) - 1) & ~0xFFFULL;
        if ((v ^ cur) & base) {
            guest_refuse(c, "moving the local APIC from 0x%llx to 0x%llx (IA32_APIC_BASE); "
                         "it stays where it is", cur & base, v & base);
            v = (v & ~base) | (cur & base);
        }
    }
    if (!wrmsr_safe(msr, v)) {
        inject_gp0(c);
        return;
    }
    if (msr == MSR_IA32_APIC_BASE)
        x2apic_msrs(c);                 /* the APIC may have changed mode */
    virt->skip(c, 0);
}

void msr_cpu_init(struct cpu *c)
{
    x2apic_msrs(c);
    if (!c->cell)
        return;
    /* A cell's CPU: every write exits but those above. */
    virt->msr_intercept(c, 0, 0x1FFF, MSR_WRITE, true);
    virt->msr_intercept(c, 0xC0000000, 0xC0001FFF, MSR_WRITE, true);
    for (u32 i = 0; i < ARRAY_SIZE(cell_writable); i++)
        if (!backend_owns(cell_writable[i]))
            virt->msr_intercept(c, cell_writable[i], cell_writable[i], MSR_WRITE, false);
}
