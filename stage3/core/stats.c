/*
 * Exit statistics, summed over the CPUs: per backend exit slot (the
 * backend's names), per core event, then the backend's own lines.
 */
#include "core/core.h"
#include "core/console.h"
#include "lib/lib.h"

static const char *const event_names[EV_COUNT] = {
    [EV_CPUID] = "CPUID", [EV_IO] = "I/O", [EV_MSR_READ] = "RDMSR", [EV_MSR_WRITE] = "WRMSR",
    [EV_HYPERCALL] = "hypercall", [EV_HLT] = "HLT", [EV_CR] = "CR write",
    [EV_XSETBV] = "XSETBV",
};

void stats_print(void)
{
    struct exit_stats sum;
    bool launched = false;

    memset(&sum, 0, sizeof sum);
    for (u32 i = 0; i < cpu_count(); i++) {
        const struct cpu *c = cpu_get(i);
        launched |= c->launched;
        sum.total += c->stats.total;
        for (u32 k = 0; k < STAT_REASONS; k++)
            sum.reason[k] += c->stats.reason[k];
        for (u32 k = 0; k < EV_COUNT; k++)
            sum.event[k] += c->stats.event[k];
    }
    if (!sum.total && !launched)
        return;
    kprintf("pxHV: exit statistics: %llu exits\n", sum.total);
    for (u32 k = 0; k < STAT_REASONS; k++)
        if (sum.reason[k])
            kprintf("pxHV:   %-28s %10llu\n", virt->exit_name(k), sum.reason[k]);

    if (virt->print_stats)
        virt->print_stats();
    char line[400];
    usize n = 0;
    for (u32 k = 0; k < EV_COUNT && n < sizeof line; k++)
        if (sum.event[k])
            n += snprintf(line + n, sizeof line - n, "%s%s %llu", n ? ", " : "", event_names[k],
                          sum.event[k]);
    if (n)
        kprintf("pxHV: core events: %s\n", line);
    if (cpu_count() < 2)
        return;
    for (u32 i = 0; i < cpu_count(); i++) {
        const struct cpu *c = cpu_get(i);
        n = 0;
        for (u32 k = 0; k < STAT_REASONS && n < sizeof line; k++)
            if (c->stats.reason[k])
                n += snprintf(line + n, sizeof line - n, "%s%s %llu", n ? ", " : ": ",
                              virt->exit_name(k), c->stats.reason[k]);
        line[n < sizeof line ? n : sizeof line - 1] = 0;
        kprintf("pxHV: CPU %u (APIC %u): %llu exits%s\n", c->index, c->apic_id, c->stats.total,
                n ? line : "");
    }
}
