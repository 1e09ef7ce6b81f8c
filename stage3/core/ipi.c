/* The guest's INIT and SIPI, delivered by pxHV when ICR writes are intercepted (include/ipi.h). */
#include "ipi.h"
#include "apic.h"
#include "cmos.h"
#include "console.h"
#include "core.h"
#include "hv.h"
#include "insn.h"
#include "lib.h"
#include "smp.h"
#include "x86.h"

bool g_ipi_intercept;
static u64 apic_page;               /* the xAPIC registers the guest writes */

#define ICR_SHORTHAND(low)  (((low) >> 18) & 3)
enum { SH_NONE, SH_SELF, SH_ALL, SH_ALL_BUT_SELF };

void ipi_setup(void)
{
    bool native = virt->can_wait_for_sipi() && !(g_boot.config.flags & CFG_FLAG_INTERCEPT_IPI);
    g_ipi_intercept = !native && g_boot.cpus > 1;
    if (g_boot.cpus < 2)
        return;
    kprintf("pxHV: the guest's INIT and SIPI: %s\n",
            native ? "INIT and SIPI exits, APs waiting in the wait-for-SIPI activity state"
            : virt->can_wait_for_sipi() ? "intercepted ICR writes (the configuration asks for it)"
                                        : "intercepted ICR writes (no wait-for-SIPI activity state)");
    if (!g_ipi_intercept)
        return;
    apic_page = rdmsr(MSR_IA32_APIC_BASE) & ~0xFFFULL;
    guest_keep(apic_page, 4096, PT_R, false, "the local APIC");  /* reads pass, writes stop */
}

/* Post INIT or SIPI to t and make it exit (an NMI); wait until it took it
 * (bounded: a CPU busy in pxHV takes it at its next exit). */
static void post(struct cpu *from, struct cpu *t, u32 what)
{
    __atomic_or_fetch(&t->vipi, what, __ATOMIC_ACQ_REL);
    if (t == from)
        return;                                     /* taken at the end of this exit */
    for (u32 i = 0; i < 100 && (t->vipi & what); i++) {
        smp_kick(t);
        for (u32 k = 0; k < 20 && (t->vipi & what); k++)
            udelay(5);
    }
}

static bool targeted(const struct cpu *from, const struct cpu *t, u32 dest, u32 low, bool x2)
{
    switch (ICR_SHORTHAND(low)) {
    case SH_SELF: return t == from;
    case SH_ALL: return true;
    case SH_ALL_BUT_SELF: return t != from;
    }
    u32 broadcast = x2 ? 0xFFFFFFFF : 0xFF;
    if (dest == broadcast)
        return true;
    if (low & ICR_LOGICAL)                          /* the flat model: a bit per APIC ID */
        return t->apic_id < (x2 ? 32 : 8) && (dest & BIT(t->apic_id));
    return t->apic_id == dest;
}

void ipi_icr_write(struct cpu *c, u32 dest, u32 low, bool x2)
{
    u32 mode = low & ICR_MODE;
    if (mode != ICR_INIT && mode != ICR_STARTUP) {
        apic_icr_write(dest, low);                  /* the hardware's to deliver */
        return;
    }
    /* INIT level de-assert (SDM Vol. 3A 10.6.1) does nothing on these CPUs. */
    if (mode == ICR_INIT && !(low & ICR_ASSERT) && (low & ICR_LEVEL))
        return;
    for (u32 i = 0; i < cpu_count(); i++) {
        struct cpu *t = cpu_get(i);
        if (!targeted(c, t, dest, low, x2))
            continue;
        if (mode == ICR_INIT) {
            post(c, t, VIPI_INIT);
        } else if (t->parked || (t->vipi & VIPI_INIT)) {
            /* A SIPI counts only for a CPU that waits for one. */
            __atomic_and_fetch(&t->vipi, ~0xFF00u, __ATOMIC_ACQ_REL);
            post(c, t, VIPI_SIPI | (low & 0xFF) << 8);
        }
    }
}

/*
 * A write to the xAPIC page: the instruction is decoded from the guest's
 * memory (EPT violations report no length), ICR writes are emulated, any
 * other register gets the value, and the guest continues after it.
 */
bool ipi_apic_write(struct cpu *c, u64 gpa)
{
    if (!g_ipi_intercept || gpa - apic_page >= 4096)
        return false;
    u8 bytes[INSN_MAX_LEN];
    u32 mode, n = guest_fetch(c, bytes, INSN_MAX_LEN, &mode);
    struct insn in;
    if (!insn_decode_store(bytes, n, mode, &in)) {
        kprintf("pxHV: write to the local APIC at GPA 0x%llx by an instruction pxHV does not "
                "emulate\n", gpa);
        guest_end(c, "unsupported local APIC access", false);
    }
    u64 v = in.kind == INSN_STORE_IMM ? in.imm
          : in.reg == R_RSP ? virt->get(c, GR_RSP) : c->regs->r[in.reg];
    if (in.high_byte)
        v = c->regs->r[in.reg - 4] >> 8;
    v &= in.size == 8 ? ~0ULL : (1ULL << (8 * in.size)) - 1;
    u32 off = (u32)(gpa - apic_page);
    volatile u32 *reg = (volatile u32 *)(usize)(apic_page + (off & ~3u));
    u32 old = in.kind == INSN_XCHG ? *reg : 0;
    if (off == XAPIC_ICR_HIGH)
        c->icr_high = (u32)v;                       /* sent with the low half */
    else if (off == XAPIC_ICR_LOW)
        ipi_icr_write(c, c->icr_high >> 24, (u32)v, false);
    else
        *reg = (u32)v;
    if (in.kind == INSN_XCHG && in.reg != R_RSP)
        c->regs->r[in.reg] = off == XAPIC_ICR_HIGH ? c->icr_high : old;
    virt->skip(c, in.len);
    return true;
}

void ipi_park(struct cpu *c)
{
    c->parked = true;
    for (;;) {
        u32 v = c->vipi;
        if (v & VIPI_INIT) {
            __atomic_and_fetch(&c->vipi, ~VIPI_INIT, __ATOMIC_ACQ_REL);
            virt->guest_start(c, START_WAIT_FOR_SIPI, 0);
            continue;
        }
        if (v & VIPI_SIPI) {
            c->parked = false;
            __atomic_and_fetch(&c->vipi, ~(VIPI_SIPI | 0xFF00u), __ATOMIC_ACQ_REL);
            virt->guest_start(c, START_SIPI, (u8)(v >> 8));
            return;
        }
        if (smp_stopping())
            smp_park();
        cmos_serve(c);
        /* An NMI ends HLT: the sender repeats its NMI until we saw the post. */
        hlt();
    }
}

void ipi_take(struct cpu *c)
{
    u32 v = c->vipi;
    if (v & VIPI_INIT) {
        __atomic_and_fetch(&c->vipi, ~VIPI_INIT, __ATOMIC_ACQ_REL);
        if (c->index == 0) {
            virt->guest_start(c, START_RESET_VECTOR, 0);
            return;
        }
        virt->guest_start(c, START_WAIT_FOR_SIPI, 0);
        ipi_park(c);
    } else if (v & VIPI_SIPI) {
        /* The CPU is running: the SIPI does nothing. */
        __atomic_and_fetch(&c->vipi, ~(VIPI_SIPI | 0xFF00u), __ATOMIC_ACQ_REL);
    }
}
