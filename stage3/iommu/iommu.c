/*
 * DMA protection: the IOMMU keeps every device the guest programs out of pxHV's
 * memory (docs/security.md, route 7).  The vendor-neutral part's set-up:
 * discovery from the firmware's DMAR or IVRS table (lib/iommu_acpi.c), the
 * size of the tables (part of the region, sized by the early start), one
 * identity map of everything the guest may reach, built by the page-table
 * builder from the guest's own classifier (so DMA sees exactly what EPT/NPT
 * lets the guest's CPUs see), and the table hidden from the guest.  vtd.c and
 * amdvi.c program the units; faults.c reports their faults and checks pxHV's
 * image at the guest's end.
 *
 * The guest cannot undo it: the table is gone from its RSDT/XSDT, the units'
 * register pages show it a page of all ones that it may read and whose
 * writes are dropped (regs.c), and where a unit lives in PCI space its
 * configuration is kept from the guest's writes (pci.c, ecam.c).
 *
 * Hook points in the rest of stage 3 (kept small so that they move easily):
 *   core/early.c    the region grows by iommu_early_pages() pages
 *   core/main.c     iommu_setup() once the guest's memory is planned, before
 *                   the backend builds EPT/NPT
 *   core/events.c   iommu_end() when the guest ends, before the statistics;
 *                   iommu_write() for a write the second-level tables stopped
 *   core/hypercall.c iommu_poll() at each hypercall
 *   core/io.c       iommu_io_ports() in the intercepted ports, iommu_io() for
 *                   an access to one of them
 */
#include "iommu_impl.h"
#include "core/console.h"
#include "core/core.h"
#include "core/early.h"
#include "core/hv.h"
#include "lib/lib.h"
#include "core/power.h"
#include "hw/x86.h"

struct iommu_state iommu;
static const struct acpi_header *fw_table;
bool iommu_active;

/* ---- PCI configuration mechanism #1, for the bridges a DMAR path crosses ---- */

static u32 pci_read32(u8 bus, u8 dev, u8 fn, u8 off)
{
    outl(0xCF8, 0x80000000u | (u32)bus << 16 | (u32)dev << 11 | (u32)fn << 8 | (off & 0xFC));
    return inl(0xCFC);
}

/* A type 1 header (PCI-to-PCI bridge): its secondary and subordinate buses
 * (PCI-to-PCI Bridge Architecture 1.2, 3.2.5.3 and 3.2.5.4). */
static bool bridge_buses(void *ctx, u8 bus, u8 dev, u8 fn, u8 *sec, u8 *sub)
{
    (void)ctx;
    if ((pci_read32(bus, dev, fn, 0) & 0xFFFF) == 0xFFFF)
        return false;
    if (((pci_read32(bus, dev, fn, 0x0C) >> 16) & 0x7F) != 1)
        return false;
    u32 b = pci_read32(bus, dev, fn, 0x18);
    *sec = (u8)(b >> 8);
    *sub = (u8)(b >> 16);
    return true;
}

/*
 * The firmware's table and what it says, with the buses that get context
 * tables or device-table entries: those the table names, and for a unit that
 * takes "all the other devices" bus 0 and the buses behind bus 0's bridges.
 * No global state: the early start runs this before its data exists.
 */
static const struct acpi_header *describe(struct iommu_desc *d, u8 buses[32])
{
    const struct acpi_header *t = acpi_find("DMAR", 0);
    bool ok = false;
    if (t)
        ok = dmar_parse(t, d, bridge_buses, NULL);
    else if ((t = acpi_find("IVRS", 0)))
        ok = ivrs_parse(t, d);
    if (!t)
        return NULL;
    if (!ok)
        return t;
    iommu_buses(d, buses);
    bool all = false;
    for (u32 u = 0; u < d->nunits; u++)
        all |= d->unit[u].all;
    if (all)
        for (u8 dev = 0; dev < 32; dev++) {
            u8 sec, sub;
            if (bridge_buses(NULL, 0, dev, 0, &sec, &sub) && sec && sub >= sec)
                for (u32 b = sec; b <= sub; b++)
                    buses[b / 8] |= (u8)(1u << (b % 8));
        }
    return t;
}

/* Large pages in the shared table: AMD-Vi always has them (a level-2 or
 * level-3 entry with next level 0), VT-d where every unit's CAP.SLLPS says
 * so (10.4.2 "Capability Register", at offset 8). */
static bool vtd_pages(const struct iommu_desc *d, u64 bit)
{
    if (d->kind == IOMMU_AMDVI)
        return true;
    for (u32 u = 0; u < d->nunits; u++)
        if (!(mmio_read64(d->unit[u].base + 0x08) & bit))
            return false;
    return true;
}
static bool pages_1g(const struct iommu_desc *d) { return vtd_pages(d, VTD_CAP_SLLPS_1G); }

/* The end of the identity map: as guest_map_top() computes it from the same
 * firmware map (the early start has no global map yet). */
static u64 map_top(const struct e820_map *m)
{
    u64 top = 1ULL << 32;
    for (u32 i = 0; i < m->count; i++)
        if (m->e[i].type != E820_RESERVED && m->e[i].base + m->e[i].length > top)
            top = m->e[i].base + m->e[i].length;
    return (top + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);
}

u32 iommu_early_pages(const struct e820_map *map)
{
    struct iommu_desc d;
    u8 buses[32];
    const struct acpi_header *t = describe(&d, buses);
    if (!t || !d.nunits)
        return 0;
    return iommu_pages_needed(&d, buses, map_top(map), pages_1g(&d));
}

/* ---- the IOMMU's pages: the last ones of the region ---- */

u64 *iommu_page(void *unused)
{
    (void)unused;
    if (iommu.next >= iommu.area_end)
        return NULL;
    u64 *p = (u64 *)(usize)iommu.next;
    iommu.next += 4096;
    memset(p, 0, 4096);
    return p;
}

/* ---- hiding the table: out of the RSDT and the XSDT ---- */

static void checksum_fix(struct acpi_header *h)
{
    u8 sum = 0;
    h->checksum = 0;
    for (u32 i = 0; i < h->length; i++)
        sum += ((const u8 *)h)[i];
    h->checksum = (u8)-sum;
}

/* Drop the entries pointing at `t` from one root table (entries of esize
 * bytes); the ones after it move up, the length and checksum follow. */
static u32 unlist(struct acpi_header *root, u32 esize, u64 t)
{
    u8 *e = (u8 *)(root + 1);
    u32 n = (root->length - sizeof *root) / esize, removed = 0;
    for (u32 i = 0; i < n;) {
        u64 pa = esize == 8 ? *(u64 *)(e + i * esize) : *(u32 *)(e + i * esize);
        if (pa != t) {
            i++;
            continue;
        }
        memcpy(e + i * esize, e + (i + 1) * esize, (n - i - 1) * esize);
        n--;
        removed++;
        root->length -= esize;
    }
    if (removed)
        checksum_fix(root);
    return removed;
}

/*
 * The guest must not find the table: an OS that finds it takes the unit over
 * (Linux's intel_iommu/amd_iommu drivers reprogram the root pointer).  The
 * table stays where it is, only the root tables stop listing it; its
 * registers are kept from the guest besides.
 */
static u32 hide_table(const struct acpi_header *t)
{
    const struct acpi_rsdp *rsdp = acpi_rsdp();
    u32 removed = 0;
    if (!rsdp)
        return 0;
    if (rsdp->rsdt)
        removed += unlist((struct acpi_header *)(usize)rsdp->rsdt, 4, (u64)(usize)t);
    if (rsdp->revision >= 2 && rsdp->xsdt)
        removed += unlist((struct acpi_header *)(usize)rsdp->xsdt, 8, (u64)(usize)t);
    return removed;
}

/* ---- set-up ---- */

static void describe_lines(const struct iommu_desc *d)
{
    static const char kinds[] = "?\0device\0buses\0I/O APIC\0HPET\0ACPI device";
    kprintf("pxHV: IOMMU: %s (%s), %u unit%s, address width %u\n",
            d->kind == IOMMU_VTD ? "Intel VT-d" : "AMD-Vi", d->kind == IOMMU_VTD ? "DMAR" : "IVRS",
            d->nunits, d->nunits == 1 ? "" : "s", d->addr_width);
    for (u32 u = 0; u < d->nunits; u++) {
        const struct iommu_unit *x = &d->unit[u];
        char line[300];
        usize n = 0;
        for (u32 i = 0; i < d->ndevs && n < sizeof line; i++) {
            const struct iommu_dev *v = &d->dev[i];
            if (v->unit != u)
                continue;
            n += snprintf(line + n, sizeof line - n, " %02x:%02x.%x", IOMMU_BUS(v->first),
                          IOMMU_DEV(v->first), IOMMU_FN(v->first));
            if (v->last != v->first)
                n += snprintf(line + n, sizeof line - n, "-%02x:%02x.%x", IOMMU_BUS(v->last),
                              IOMMU_DEV(v->last), IOMMU_FN(v->last));
            if (v->kind != DEV_ENDPOINT && n < sizeof line)
                n += snprintf(line + n, sizeof line - n, " (%s)",
                              str_nth(kinds, sizeof kinds, v->kind, "?"));
        }
        line[n < sizeof line ? n : sizeof line - 1] = 0;
        kprintf("pxHV: IOMMU unit %u at 0x%llx, segment %u%s:%s\n", u, x->base, x->segment,
                x->all ? ", every other device" : "", n ? line : " no device named");
    }
    for (u32 i = 0; i < d->nresv; i++)
        kprintf("pxHV: IOMMU: firmware range %llx-%llx stays reachable by DMA\n", d->resv[i].base,
                d->resv[i].end);
    if (d->dropped || d->unresolved)
        kprintf("pxHV: IOMMU: %u structures beyond pxHV's limits, %u device paths not followed\n",
                d->dropped, d->unresolved);
}

/* Without a unit in use: say so; with CFG_FLAG_REQUIRE_IOMMU the guest is not
 * started at all. */
static void no_iommu(const char *why)
{
    kprintf("pxHV: no IOMMU (%s): devices can reach pxHV's memory by DMA\n", why);
    if (g_boot.config.flags & CFG_FLAG_REQUIRE_IOMMU) {
        kprintf("pxHV: no guest launched: the configuration requires an IOMMU\n");
        hv_stop("no IOMMU");
    }
}

void iommu_setup(void)
{
    iommu_image_len = (u64)((const u8 *)__relr_end - (const u8 *)__image_start);
    iommu_image_hash = iommu_image_now();
    fw_table = describe(&iommu.desc, iommu.buses);
    if (!fw_table) {
        no_iommu("no DMAR/IVRS table");
        return;
    }
    if (!iommu.desc.nunits) {
        kprintf("pxHV: IOMMU: %.4s table refused: %s\n", fw_table->sig,
                iommu.desc.error ? iommu.desc.error : "?");
        no_iommu("unusable table");
        return;
    }
    describe_lines(&iommu.desc);

    /* The pages the early start added at the end of the region. */
    iommu.top = guest_map_top();
    bool g1 = pages_1g(&iommu.desc);
    u32 pages = iommu_pages_needed(&iommu.desc, iommu.buses, iommu.top, g1);
    iommu.area_end = g_hv_base + g_hv_size;
    iommu.area = iommu.next = iommu.area_end - (u64)pages * 4096;

    /* What the guest may not write: the units' registers and, where a unit
     * is a PCI function, its configuration.  Kept before the map is built,
     * so that a device cannot write them either (a DMA to the registers
     * would otherwise turn the unit off). */
    iommu_regs_keep();
    pci_protect_setup();

    /* One identity map: what the guest's CPUs may reach, its devices may
     * reach (guest_classify: pxHV's region not present, the pages kept above
     * read-only, the INT 15h hook's page shown as the guest sees it). */
    struct pt_builder b = {
        .fmt = iommu.desc.kind == IOMMU_VTD ? &pt_vtd : &pt_amdvi, .classify = guest_classify,
        .alloc = iommu_page, .allow_1g = g1, .allow_2m = vtd_pages(&iommu.desc, VTD_CAP_SLLPS_2M),
    };
    iommu.pml4 = pt_build(&b, iommu.top);
    if (!iommu.pml4) {
        no_iommu("no room for its tables");
        return;
    }
    iommu.tables = b.tables;
    kprintf("pxHV: IOMMU: %s tables: %u, %llu 1G + %llu 2M + %llu 4K leaves, map up to 0x%llx\n",
            b.fmt->name, b.tables, b.leaves[2], b.leaves[1], b.leaves[0], iommu.top);

    bool on = iommu.desc.kind == IOMMU_VTD ? vtd_enable() : amdvi_enable();
    if (!on) {
        no_iommu("the unit could not be enabled");
        return;
    }
    iommu_active = true;
    u32 hidden = hide_table(fw_table);
    kprintf("pxHV: IOMMU on: DMA cannot reach %016llx-%016llx; %llu KiB of tables in the region; "
            "%.4s %s\n", g_hv_base, g_hv_base + g_hv_size, (iommu.next - iommu.area) / 1024,
            fw_table->sig, hidden ? "hidden from the guest" : "still listed (not found in RSDT/XSDT)");
}
