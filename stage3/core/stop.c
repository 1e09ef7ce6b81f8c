/*
 * Stopping CPUs, and telling pxHV's NMIs from the guest's (include/core/stop.h).
 * The lowest layer of the core above the console and the per-CPU blocks:
 * panics, power-off and the guest's end all stop the other CPUs through it.
 */
#include "core/stop.h"
#include "core/apic.h"
#include "core/hv.h"
#include "core/virt.h"
#include "hw/x86.h"

static volatile u32 stopping;           /* CPU index + 1 of the CPU ending the machine */
NORETURN void (*g_stop_return)(const char *why);

bool cpus_stopping(void)
{
    return stopping;
}

void cpu_kick(struct cpu *t)
{
    __atomic_store_n(&t->kick, 1, __ATOMIC_RELEASE);
    apic_ipi(t->apic_id, ICR_NMI | ICR_ASSERT);
}

/* Halted for good, out of VMX operation: a CPU in VMX root operation does not
 * take the machine's reset the way the firmware expects (Bochs's BIOS then
 * fails its keyboard test), and it blocks INIT (SDM Vol. 3C 23.8). */
NORETURN void cpu_park(void)
{
    if (virt && cpu_count())
        virt->cpu_disable(this_cpu());
    for (;;) {
        cli();
        hlt();
    }
}

void cpus_stop_others(void)
{
    if (cpu_count() < 2 || g_stop_return)
        return;
    u32 me = this_cpu()->index + 1, none = 0;
    if (!__atomic_compare_exchange_n(&stopping, &none, me, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        /* Another CPU is ending the machine: its report is the one. */
        if (stopping != me)
            cpu_park();
        return;
    }
    apic_ipi_others(ICR_NMI | ICR_ASSERT);
    udelay(1000);
}

/* An NMI: another CPU stopping the machine, one kicking this CPU to take what
 * it posted (cpu_kick), or one for the guest. */
void core_nmi(struct cpu *c)
{
    if (cpus_stopping())
        cpu_park();
    if (__atomic_exchange_n(&c->kick, 0, __ATOMIC_ACQ_REL))
        return;
    c->nmi_pending = true;
}
