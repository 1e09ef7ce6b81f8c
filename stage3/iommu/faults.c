/*
 * What the IOMMU units report while the guest runs, polled (one line per
 * device, kind of access and page; the rest counted), and the guest's end:
 * the last faults, the counts, and whether pxHV's image is what it was when
 * the guest started.
 */
#include "iommu_impl.h"
#include "core/console.h"
#include "core/core.h"
#include "core/hv.h"

u64 iommu_image_hash, iommu_image_len;
static u64 blocked_total;
static u64 deferred[IOMMU_MAX_UNITS];       /* polls put off: registers not sane */
#define SEEN_MAX 32
static struct { u16 rid; bool write; u64 page; } seen[SEEN_MAX];
static u32 nseen;

/* ---- the image check ---- */

/* FNV-1a, 64 bits: a change of any byte changes it; not a defence against a
 * forger who can also rewrite the code that checks, which is the IOMMU's job. */
static u64 fnv1a(const u8 *p, u64 n)
{
    u64 h = 0xCBF29CE484222325ULL;
    for (u64 i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001B3ULL;
    return h;
}

/* The image as relocated: header, code, read-only data, the relocated
 * pointers; not .data and .bss, which pxHV changes itself. */
u64 iommu_image_now(void)
{
    return fnv1a((const u8 *)__image_start, iommu_image_len);
}

/* ---- faults ---- */

void iommu_blocked(u16 rid, bool write, u64 addr, const char *why)
{
    blocked_total++;
    u64 page = addr & ~0xFFFULL;
    for (u32 i = 0; i < nseen; i++)
        if (seen[i].rid == rid && seen[i].write == write && seen[i].page == page)
            return;
    if (nseen == SEEN_MAX) {
        if (blocked_total == SEEN_MAX + 1)
            kprintf("pxHV: DMA blocked: more than %u kinds; the rest only counted\n", SEEN_MAX);
        return;
    }
    seen[nseen].rid = rid, seen[nseen].write = write, seen[nseen].page = page;
    nseen++;
    /* A kept range by its name ("hypervisor memory" for the region), else
     * what the unit said. */
    const char *what = guest_kept_name(addr);
    if (!what)
        what = why;
    kprintf("pxHV: DMA blocked: device %02x:%02x.%x %s at 0x%016llx (%s)\n", IOMMU_BUS(rid),
            IOMMU_DEV(rid), IOMMU_FN(rid), write ? "write" : "read", addr, what);
}

/* Any CPU may poll; one at a time reads the units, the others go on (what
 * they would have seen is reported by the one polling).  A unit whose known
 * register does not read back (the guest's A20 gate, iommu_impl.h) is left
 * for a later poll. */
void iommu_poll_units(void)
{
    static u8 busy;
    if (!iommu_active || __atomic_test_and_set(&busy, __ATOMIC_ACQUIRE))
        return;
    bool vtd = iommu.desc.kind == IOMMU_VTD;
    for (u32 u = 0; u < iommu.desc.nunits; u++) {
        if (!(vtd ? vtd_sane(u) : amdvi_sane(u))) {
            if (!deferred[u]++)
                kprintf("pxHV: IOMMU: unit %u's registers do not read as they must (the guest's "
                        "A20 gate off?): its faults are read at a later poll\n", u);
            continue;
        }
        if (vtd)
            vtd_poll(u);
        else
            amdvi_poll(u);
    }
    __atomic_clear(&busy, __ATOMIC_RELEASE);
}

/* At the guest's end: the last faults, and whether pxHV's image is what it
 * was when the guest started (on every machine: without an IOMMU this is
 * where a device's write into pxHV shows). */
void iommu_end(void)
{
    if (!iommu_image_len)
        return;
    if (iommu_active) {
        iommu_poll();
        kprintf("pxHV: DMA blocked by the IOMMU: %llu report%s\n", blocked_total,
                blocked_total == 1 ? "" : "s");
        for (u32 u = 0; u < iommu.desc.nunits; u++) {
            if (iommu_reg_writes[u])
                kprintf("pxHV: IOMMU: %llu guest write%s to unit %u's registers dropped\n",
                        iommu_reg_writes[u], iommu_reg_writes[u] == 1 ? "" : "s", u);
            if (deferred[u])
                kprintf("pxHV: IOMMU: %llu poll%s of unit %u put off while its registers did not "
                        "answer\n", deferred[u], deferred[u] == 1 ? "" : "s", u);
        }
        pci_report();
    }
    u64 now = iommu_image_now();
    if (now == iommu_image_hash)
        kprintf("pxHV: hypervisor image unchanged since the guest started (%llu KiB checked)\n",
                iommu_image_len / 1024);
    else
        kprintf("pxHV: hypervisor image CHANGED since the guest started (%llu KiB checked)\n",
                iommu_image_len / 1024);
}
