/* Every CPU that answers, listed or not (include/core/census.h). */
#include "core/census.h"
#include "core/apic.h"
#include "boot/layout.h"
#include "lib/lib.h"
#include "hw/x86.h"

static volatile u32 *census_count(void)
{
    return (volatile u32 *)(usize)(LOW_CENSUS + CENSUS_COUNT);
}

static volatile u32 *census_ids(void)
{
    return (volatile u32 *)(usize)(LOW_CENSUS + CENSUS_IDS);
}

/* SDM Vol. 3A 8.4.4.1 "Typical BSP Initialization Sequence": INIT, 10 ms,
 * SIPI, 200 us, SIPI; then until no new answer for 20 ms (at most 200 ms). */
u32 census_take(void)
{
    memcpy((void *)(usize)LOW_CENSUS, census_code, (usize)(census_code_end - census_code));
    *census_count() = 0;
    apic_ipi_others(ICR_INIT | ICR_ASSERT);
    udelay(10000);
    for (int i = 0; i < 2; i++) {
        apic_ipi_others(ICR_STARTUP | ICR_ASSERT | (LOW_CENSUS >> 12));
        udelay(200);
    }
    u32 seen = 0;
    for (u32 ms = 0, quiet = 0; ms < 200 && quiet < 20; ms++, quiet++) {
        udelay(1000);
        u32 n = *census_count();
        if (n != seen) {
            seen = n;
            quiet = 0;
        }
    }
    return seen;
}

static bool listed(const struct acpi_cpus *cpus, u32 id)
{
    for (u32 i = 0; i < cpus->count; i++)
        if (cpus->apic_id[i] == id)
            return true;
    return false;
}

static void add(struct acpi_cpus *cpus, u32 id)
{
    cpus->listed++;
    if (cpus->count < PXHV_MAX_CPUS)
        cpus->apic_id[cpus->count++] = id;
}

u32 census_merge(struct acpi_cpus *cpus, u32 self)
{
    u32 n = *census_count(), added = 0;
    if (n > CENSUS_MAX) {
        cpus->listed += n - CENSUS_MAX;      /* their IDs were not kept: too many anyway */
        n = CENSUS_MAX;
    }
    if (!listed(cpus, self))
        add(cpus, self);
    if (cpus->listed > cpus->count)
        return 0;           /* more than this build holds: refused anyway (core/smp.c) */
    for (u32 i = 0; i < n; i++)
        if (!listed(cpus, census_ids()[i])) {
            add(cpus, census_ids()[i]);
            added++;
        }
    return added;
}
