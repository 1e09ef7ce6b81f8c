/* IPIs and delays while pxHV starts its CPUs and when it stops them (include/core/apic.h). */
#include "core/apic.h"
#include "hw/x86.h"

static bool x2apic(void)
{
    return rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_X2APIC;
}

bool apic_x2apic_mode(void)
{
    return x2apic();
}

static volatile u32 *xapic(u32 reg)
{
    return (volatile u32 *)(usize)((rdmsr(MSR_IA32_APIC_BASE) & ~0xFFFULL) + reg);
}

/* A register by its xAPIC offset, through the MMIO page or its x2APIC MSR
 * (SDM Vol. 3A 10.12.1.2 "x2APIC Register Address Space"). */
u32 apic_read(u32 reg)
{
    return x2apic() ? (u32)rdmsr(MSR_X2APIC_BASE + reg / 16) : *xapic(reg);
}

void apic_write(u32 reg, u32 v)
{
    if (x2apic())
        wrmsr(MSR_X2APIC_BASE + reg / 16, v);
    else
        *xapic(reg) = v;
}

void apic_init_state(void)
{
    apic_write(XAPIC_SVR, 0xFF);                 /* software disabled, vector FFh */
    apic_write(XAPIC_TPR, 0);
    /* Every LVT masked; an x2APIC without the thermal or performance LVT
     * refuses their MSRs (#GP), an xAPIC ignores the write. */
    for (u32 lvt = XAPIC_LVT_TIMER; lvt <= XAPIC_LVT_ERROR; lvt += 0x10) {
        if (x2apic())
            wrmsr_safe(MSR_X2APIC_BASE + lvt / 16, LVT_MASKED);
        else
            *xapic(lvt) = LVT_MASKED;
    }
    apic_write(XAPIC_TIMER_INIT, 0);
    if (!x2apic()) {                             /* read-only in x2APIC mode */
        apic_write(XAPIC_LDR, 0);
        apic_write(XAPIC_DFR, 0xFFFFFFFF);
    }
}

/* In xAPIC mode the high half goes first: writing the low half sends. */
void apic_icr_write(u32 dest, u32 icr)
{
    if (x2apic()) {
        wrmsr(MSR_X2APIC_ICR, (u64)dest << 32 | icr);
        return;
    }
    *xapic(XAPIC_ICR_HIGH) = dest << 24;
    *xapic(XAPIC_ICR_LOW) = icr;
}

void apic_ipi(u32 dest, u32 icr)
{
    apic_icr_write(dest, icr);
    if (x2apic())
        return;                      /* no delivery status in x2APIC mode */
    for (u32 i = 0; i < 1000000 && (*xapic(XAPIC_ICR_LOW) & ICR_BUSY); i++)
        pause();
}

void apic_ipi_others(u32 icr)
{
    apic_ipi(0, icr | ICR_ALL_BUT_SELF);
}

/* The PIT's channel 2 counts 1193182 Hz ticks down in mode 0; its output
 * (port 0x61 bit 5) goes high at zero.  The PIT and port 0x61 are the
 * guest's once it runs (Linux calibrates its TSC with channel 2), so pxHV
 * uses them only while it starts: to measure the TSC, by which it waits
 * afterwards. */
static __attribute__((section(".data"))) u64 tsc_per_ms;   /* read in the early start */

static void pit_wait(u32 us)
{
    while (us) {
        u32 chunk = us > 50000 ? 50000 : us;
        u32 count = (u32)((u64)chunk * 1193182 / 1000000) + 1;
        outb(0x61, (inb(0x61) & ~0x02) | 0x01);   /* gate on, speaker off */
        outb(0x43, 0xB0);                         /* channel 2, lo/hi byte, mode 0 */
        outb(0x42, (u8)count);
        outb(0x42, (u8)(count >> 8));
        for (u32 i = 0; i < 100000000 && !(inb(0x61) & 0x20); i++)
            pause();
        us -= chunk;
    }
}

void delay_calibrate(void)
{
    u64 t0 = rdtsc();
    pit_wait(10000);
    tsc_per_ms = (rdtsc() - t0) / 10;
}

u64 tsc_per_millisecond(void)
{
    return tsc_per_ms;
}

void udelay(u32 us)
{
    if (!tsc_per_ms) {
        pit_wait(us);
        return;
    }
    u64 end = rdtsc() + tsc_per_ms * us / 1000 + 1;
    while ((s64)(rdtsc() - end) < 0)
        pause();
}
