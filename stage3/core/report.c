/*
 * What pxHV tells about the guest: a refusal (the guest carries on) and the
 * end of the guest (statistics, then reset or stop).  Below every event
 * handler and above the console, the statistics and stopping.
 */
#include "core/core.h"
#include "core/console.h"
#include "core/hv.h"
#include "core/iommu.h"
#include "lib/lib.h"
#include "core/power.h"
#include "core/stop.h"
#include "hw/x86.h"

NORETURN void guest_end(struct cpu *c, const char *why, bool reset)
{
    struct segment cs;
    cpus_stop_others();
    virt->get_seg(c, SEG_CS, &cs);
    kprintf("pxHV: guest ended: %s at %04x:%llx\n", why, cs.sel, virt->get(c, GR_RIP));
    if (cpu_count() > 1)
        kprintf("pxHV: on CPU %u (APIC %u) of %u\n", c->index, c->apic_id, cpu_count());
    iommu_end();            /* the last blocked DMAs, the image check */
    mtrr_report();
    stats_print();
    if (reset && !(g_boot.config.flags & CFG_FLAG_NO_POWEROFF)) {
        kprintf("pxHV: resetting the machine\n");
        machine_reset();
    }
    hv_stop(reset ? "guest reset" : "guest finished");
}

/*
 * A guest can repeat a refused action as fast as it likes (10,000 CMOS writes
 * a second): each kind of refusal (its format) is printed a hundred times,
 * then at every tenfold count, with the count, so that the console stays
 * pxHV's and the refusals stay visible.  Counted under refuse_lock.
 */
#define REFUSE_KINDS 16
static struct { const char *fmt; u64 n; } refusals[REFUSE_KINDS];
static volatile u32 refuse_lock;

static u64 refusal_count(const char *fmt)
{
    while (__atomic_exchange_n(&refuse_lock, 1, __ATOMIC_ACQUIRE))
        pause();
    u64 n = 0;
    for (u32 i = 0; i < REFUSE_KINDS; i++)
        if (refusals[i].fmt == fmt || !refusals[i].fmt) {
            refusals[i].fmt = fmt;
            n = ++refusals[i].n;
            break;
        }
    __atomic_store_n(&refuse_lock, 0, __ATOMIC_RELEASE);
    return n;
}

NORETURN void core_task_switch(struct cpu *c, u16 tss, const char *how)
{
    /* Hardware task switching (CALL/JMP to a TSS or task gate, IRET with NT,
     * an exception through a task gate) exits unconditionally on both
     * backends, and pxHV does not carry it out: a clean refusal, then the end. */
    if (how)
        guest_refuse(c, "hardware task switch to TSS selector 0x%04x through %s (not emulated)",
                     tss, how);
    else
        guest_refuse(c, "hardware task switch to TSS selector 0x%04x (not emulated)", tss);
    guest_end(c, "task switch", false);
}

void guest_refuse(struct cpu *c, const char *fmt, ...)
{
    u64 n = refusal_count(fmt);
    bool tenfold = n >= 1000;
    for (u64 k = n; tenfold && k > 1; k /= 10)
        tenfold = k % 10 == 0;
    if (n > 100 && !tenfold)
        return;
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    struct segment cs;
    virt->get_seg(c, SEG_CS, &cs);
    kprintf("pxHV: refused: %s at %04x:%llx", why, cs.sel, virt->get(c, GR_RIP));
    if (n == 100)
        kprintf(" (100 times; from now on only at every tenfold count)");
    else if (n > 100)
        kprintf(" (%llu times)", n);
    kprintf("\n");
}
