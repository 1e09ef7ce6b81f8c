/*
 * The guest's INIT and SIPI (include/core/ipi.h): which way pxHV takes them, and
 * the virtual INIT and SIPI of the intercept path, addressed as the local
 * APICs address them (lib/apicdest.c) from the LDR and DFR each CPU's guest
 * set, so that an INIT to an absent CPU, cluster or logical ID reaches
 * nothing, as on the machine.
 */
#include "core/ipi.h"
#include "core/apic.h"
#include "lib/apicdest.h"
#include "core/cell.h"
#include "core/cmos.h"
#include "core/console.h"
#include "core/core.h"
#include "core/hv.h"
#include "lib/lib.h"
#include "core/smp.h"
#include "core/stop.h"
#include "hw/x86.h"

bool g_ipi_intercept;
u64 g_xapic_page;                   /* the xAPIC's registers while the ICR is intercepted */
static u64 apic_page;               /* the xAPIC's registers, kept from the guest's stores */

#define ICR_DEFINED (ICR_VECTOR_MASK | ICR_MODE | ICR_LOGICAL | ICR_ASSERT | ICR_LEVEL | \
                     3u << ICR_SH_SHIFT)   /* the fields of SDM Vol. 3A Figure 10-12 */
#define ICR_SMI     (2u << 8)

/*
 * SVM has no wait-for-SIPI activity state, and an emulated INIT may reset
 * the CPU even in guest mode (QEMU), so on SVM the ICR is always
 * intercepted, whatever the CPU count.  On VMX, INIT and SIPI exits are used
 * where the CPU can wait for a SIPI, unless the configuration asks for the
 * intercept, or the first AP's probe (core/smp.c) shows that the engine
 * keeps an INIT pending after its exit (ipi_intercept_now).
 */
void ipi_setup(void)
{
    bool native = virt->can_wait_for_sipi() && !(g_boot.config.flags & CFG_FLAG_INTERCEPT_IPI) &&
                  !g_boot.cells.count;
    apic_page = rdmsr(MSR_IA32_APIC_BASE) & ~0xFFFULL;
    /* Its own page in the second-level tables, so that its rights can change. */
    guest_keep(apic_page, 4096, native ? PT_RWX : PT_R, false, "the local APIC");
    if (!native) {
        g_ipi_intercept = true;
        g_xapic_page = apic_page;
    }
    kprintf("pxHV: the guest's INIT and SIPI: %s\n",
            native ? ((cpu_count() > 1 || g_boot.cpus > 1) && !(g_boot.flags & BI_FLAG_UEFI)
                          ? "INIT and SIPI exits, unless the first AP's probe shows the engine "
                            "keeps INIT pending"
                          : "INIT and SIPI exits")
            : g_boot.cells.count ? "intercepted ICR writes (IPIs stay inside each cell)"
            : virt->can_wait_for_sipi() ? "intercepted ICR writes (the configuration asks for it)"
                                        : "intercepted ICR writes (no wait-for-SIPI activity state)");
}

/* Before any CPU runs the guest: from now on the ICR is intercepted. */
void ipi_intercept_now(void)
{
    g_ipi_intercept = true;
    guest_keep_perms(apic_page, PT_R);
    g_xapic_page = apic_page;
}

/* The guest's view of this CPU's logical destination, as the firmware left it. */
void ipi_cpu_init(struct cpu *c)
{
    if (apic_x2apic_mode()) {
        c->guest_ldr = x2apic_ldr(c->apic_id);
        c->guest_dfr = 0xFFFFFFFF;
    } else {
        c->guest_ldr = apic_read(XAPIC_LDR) & 0xFF000000;
        c->guest_dfr = apic_read(XAPIC_DFR) | 0x0FFFFFFF;
    }
}

/* Post INIT or SIPI to t and make it exit (an NMI that is pxHV's); wait until
 * it took it (bounded: a CPU busy in pxHV takes it at its next exit). */
static void post(struct cpu *from, struct cpu *t, u32 what)
{
    __atomic_or_fetch(&t->vipi, what, __ATOMIC_ACQ_REL);
    if (t == from)
        return;                                     /* taken at the end of this exit */
    for (u32 i = 0; i < 100 && (t->vipi & what); i++) {
        cpu_kick(t);
        for (u32 k = 0; k < 20 && (t->vipi & what); k++)
            udelay(5);
    }
}

static struct apic_view view(const struct cpu *c)
{
    return (struct apic_view){ .id = c->apic_id, .ldr = c->guest_ldr, .dfr = c->guest_dfr };
}

/*
 * Fixed, lowest-priority, SMI and NMI IPIs go to the hardware, but addressed
 * by pxHV: one physical IPI to each of pxHV's CPUs the destination reaches,
 * so that no IPI reaches an APIC pxHV does not hold (a CPU an engine left
 * out of reach of INIT, halted, would run guest code natively on an NMI).
 * Lowest priority goes to the first CPU that matches (the arbitration is
 * model-specific, SDM Vol. 3A 10.6.2.4).  A self IPI stays one.
 */
static void send_hw(struct cpu *c, u32 dest, u32 icr, bool x2)
{
    if (((icr >> ICR_SH_SHIFT) & 3) == ICR_SH_SELF) {
        apic_icr_write(0, icr);
        return;
    }
    struct apic_view from = view(c);
    u32 one = icr & ~(ICR_LOGICAL | 3u << ICR_SH_SHIFT);
    for (u32 i = 0; i < cpu_count(); i++) {
        struct cpu *t = cpu_get(i);
        struct apic_view to = view(t);
        if (t->cell != c->cell || !apic_ipi_reaches(&from, &to, icr, dest, x2))
            continue;
        apic_icr_write(x2 ? t->apic_id : t->apic_id & 0xFF, one);
        if (!x2)
            for (u32 k = 0; k < 100000 && (apic_read(XAPIC_ICR_LOW) & ICR_BUSY); k++)
                pause();                            /* the xAPIC sends one at a time */
        if ((icr & ICR_MODE) == (1u << 8))
            return;                                 /* lowest priority: one CPU */
    }
}

/*
 * An IPI aimed at one CPU by its APIC ID (physical destination mode, no
 * shorthand, not the broadcast ID) that is another cell's: the sender's
 * cell may reach only its own CPUs.  Broadcasts, shorthands and logical
 * destinations simply reach only the sender's cell's CPUs (send_hw and
 * ipi_icr_write leave the others out), as if the others were not there.
 * Returns the CPU it was aimed at, or NULL.
 */
static struct cpu *aimed_outside(struct cpu *c, u32 dest, u32 icr, bool x2)
{
    if (((icr >> ICR_SH_SHIFT) & 3) || (icr & ICR_LOGICAL) || dest == (x2 ? 0xFFFFFFFFu : 0xFFu))
        return NULL;
    for (u32 i = 0; i < cpu_count(); i++) {
        struct cpu *t = cpu_get(i);
        if ((x2 ? t->apic_id : t->apic_id & 0xFF) == dest && t->cell != c->cell)
            return t;
    }
    return NULL;
}

/* The root's IPIs at a cell's CPU: refused, one line per cell. */
static u32 root_reported;

bool ipi_icr_write(struct cpu *c, u32 dest, u32 low, bool x2)
{
    u32 mode = low & ICR_MODE, icr = low & ICR_DEFINED;
    if (mode == (3u << 8) || mode == (7u << 8)) {
        guest_refuse(c, "an IPI with the reserved delivery mode %u; not sent", mode >> 8);
        return true;
    }
    struct cpu *out = aimed_outside(c, dest, icr, x2);
    if (out && c->cell)
        return false;
    if (out) {
        u32 bit = BIT(out->cell->index);
        if (!(__atomic_fetch_or(&root_reported, bit, __ATOMIC_ACQ_REL) & bit))
            guest_refuse(c, "IPIs to APIC %u, a CPU of cell %s; not sent (reported once)",
                         out->apic_id, out->cell->name);
        return true;
    }
    if (mode != ICR_INIT && mode != ICR_STARTUP) {
        send_hw(c, dest, icr, x2);
        return true;
    }
    /* INIT level de-assert (SDM Vol. 3A 10.6.1) does nothing on these CPUs. */
    if (mode == ICR_INIT && !(low & ICR_ASSERT) && (low & ICR_LEVEL))
        return true;
    struct apic_view from = view(c);
    for (u32 i = 0; i < cpu_count(); i++) {
        struct cpu *t = cpu_get(i);
        struct apic_view to = view(t);
        if (t->cell != c->cell || !apic_ipi_reaches(&from, &to, icr, dest, x2))
            continue;
        if (mode == ICR_INIT) {
            post(c, t, VIPI_INIT);
        } else if (t->parked || (t->vipi & VIPI_INIT)) {
            /* A SIPI counts only for a CPU that waits for one. */
            __atomic_and_fetch(&t->vipi, ~0xFF00u, __ATOMIC_ACQ_REL);
            post(c, t, VIPI_SIPI | (low & 0xFF) << 8);
        }
    }
    return true;
}

/* An INIT pxHV delivers: the APIC as INIT leaves it, and the vCPU restarted. */
static void take_init(struct cpu *c, enum vcpu_start how)
{
    __atomic_and_fetch(&c->vipi, ~VIPI_INIT, __ATOMIC_ACQ_REL);
    cmos_release(c);
    apic_init_state();
    ipi_cpu_init(c);
    c->icr_high = 0;
    virt->guest_start(c, how, 0);
}

bool ipi_park(struct cpu *c)
{
    c->parked = true;
    for (;;) {
        u32 v = c->vipi;
        if (v & VIPI_CELL) {
            c->parked = false;
            return false;
        }
        if (v & VIPI_INIT) {
            take_init(c, START_WAIT_FOR_SIPI);
            continue;
        }
        if (v & VIPI_SIPI) {
            c->parked = false;
            __atomic_and_fetch(&c->vipi, ~(VIPI_SIPI | 0xFF00u), __ATOMIC_ACQ_REL);
            virt->guest_start(c, START_SIPI, (u8)(v >> 8));
            return true;
        }
        if (cpus_stopping())
            cpu_park();
        cmos_serve(c);
        /* An NMI ends HLT: the sender repeats its NMI until we saw the post. */
        hlt();
    }
}

void ipi_take(struct cpu *c)
{
    u32 v = c->vipi;
    if (v & VIPI_INIT) {
        if (c->index == 0) {
            take_init(c, START_RESET_VECTOR);
            return;
        }
        take_init(c, START_WAIT_FOR_SIPI);
        ipi_park(c);
    } else if (v & VIPI_SIPI) {
        /* The CPU is running: the SIPI does nothing. */
        __atomic_and_fetch(&c->vipi, ~(VIPI_SIPI | 0xFF00u), __ATOMIC_ACQ_REL);
    }
}
