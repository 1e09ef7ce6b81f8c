/*
 * Cells planned while pxHV starts (include/core/cell.h, docs/cells.md): the
 * configuration checked, each cell's CPUs chosen, its image copied into the
 * region and its memory placed below it, that memory and those CPUs taken
 * from the root's view, and each cell's second-level tables.  Starting the
 * cells and ending them: core/cell.c.
 */
#include "core/cell.h"
#include "core/console.h"
#include "core/hv.h"
#include "core/power.h"
#include "hw/acpi.h"
#include "lib/lib.h"
#include "lib/mtrr.h"
#include "lib/region.h"

struct cell g_cells[CELLS_MAX];

#define MiB (1ULL << 20)

/* ---- the configuration ---- */

static NORETURN void refuse(const struct pxhv_cell *k, u32 i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static NORETURN void refuse(const struct pxhv_cell *k, u32 i, const char *fmt, ...)
{
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    char name[CELL_NAME_LEN + 1];
    memcpy(name, k->name, CELL_NAME_LEN);
    name[CELL_NAME_LEN] = 0;
    kprintf("pxHV: cell %u (%s): %s\n", i + 1, name[0] ? name : "no name", why);
    hv_stop("cell configuration refused");
}

static bool name_ok(const char *n)
{
    if (!n[0])
        return false;
    for (u32 i = 0; i < CELL_NAME_LEN && n[i]; i++)
        if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') || n[i] == '_' ||
              n[i] == '-'))
            return false;
    return true;
}

/* Ports a cell may not be given: what the root's machine depends on, what
 * pxHV itself uses, and what it emulates in every cell. */
static const struct { u16 first, last; const char *what; } kept_ports[] = {
    { 0x0020, 0x0021, "the interrupt controller (PIC)" },
    { 0x0040, 0x0043, "the timer (PIT)" },
    { 0x0060, 0x0060, "the keyboard controller" },
    { 0x0064, 0x0064, "the keyboard controller (a reset path)" },
    { 0x0070, 0x0077, "the CMOS/RTC (pxHV keeps its shutdown byte)" },
    { 0x0092, 0x0092, "the A20 gate and fast reset" },
    { 0x00A0, 0x00A1, "the interrupt controller (PIC)" },
    { 0x00E9, 0x00E9, "pxHV's debug console" },
    { CELL_UART_PORT, CELL_UART_PORT + 7, "pxHV's console, COM1, and each cell's own UART" },
    { CELL_PM_PORT, CELL_PM_PORT + CELL_PM_PORTS - 1, "each cell's ACPI PM block" },
    { 0x0CF8, 0x0CFF, "PCI configuration and its reset register" },
    { 0x8900, 0x8900, "the emulators' shutdown port" },
};

static void check_ports(const struct pxhv_cell *k, u32 i)
{
    for (u32 r = 0; r < CELL_PORT_RANGES; r++) {
        u32 first = k->ports[r].first, n = k->ports[r].count;
        if (!n)
            continue;
        if (first + n > 0x10000)
            refuse(k, i, "ports 0x%x+%u run past port 0xffff", first, n);
        u32 last = first + n - 1;
        for (u32 j = 0; j < ARRAY_SIZE(kept_ports); j++)
            if (first <= kept_ports[j].last && kept_ports[j].first <= last)
                refuse(k, i, "ports 0x%x-0x%x include %s", first, last, kept_ports[j].what);
        u16 pm[2] = { g_acpi.pm1a_cnt, g_acpi.pm1b_cnt };
        for (u32 j = 0; j < 2; j++)
            if (pm[j] && first <= pm[j] + 1u && pm[j] <= last)
                refuse(k, i, "ports 0x%x-0x%x include the machine's ACPI PM1 control", first, last);
        for (u32 o = 0; o < i; o++)
            for (u32 q = 0; q < CELL_PORT_RANGES; q++) {
                const struct pxhv_cell_ports *p = &g_boot.cells.cell[o].ports[q];
                if (p->count && first < p->first + (u32)p->count && p->first <= last)
                    refuse(k, i, "ports 0x%x-0x%x are cell %u's too", first, last, o + 1);
            }
    }
}

/* The APIC IDs of the machine's CPUs, highest first, the boot CPU's left out. */
static u32 free_cpus(u32 *ids, u32 bsp)
{
    const struct acpi_cpus *l = &g_acpi.cpus;
    u32 n = 0;
    for (u32 i = 0; i < l->count; i++)
        if (l->apic_id[i] != bsp)
            ids[n++] = l->apic_id[i];
    for (u32 i = 1; i < n; i++)                    /* insertion sort, descending */
        for (u32 j = i; j > 0 && ids[j] > ids[j - 1]; j--) {
            u32 t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    return n;
}

static bool taken(u32 id)
{
    for (u32 i = 0; i < g_ncells; i++)
        for (u32 k = 0; k < g_cells[i].ncpus; k++)
            if (g_cells[i].apic_id[k] == id)
                return true;
    return false;
}

static void choose_cpus(const struct pxhv_cell *k, u32 i, struct cell *cl)
{
    static u32 ids[PXHV_MAX_CPUS];
    u32 bsp = cpu_get(0)->apic_id, n = free_cpus(ids, bsp);
    if (k->cpu_ids[0] != 0xFF) {
        for (u32 j = 0; j < CELL_CPUS_MAX && k->cpu_ids[j] != 0xFF; j++) {
            u32 id = k->cpu_ids[j];
            bool there = false;
            for (u32 m = 0; m < n; m++)
                there |= ids[m] == id;
            if (id == bsp)
                refuse(k, i, "APIC %u is the boot CPU, which stays the root's", id);
            if (!there)
                refuse(k, i, "no CPU with APIC ID %u", id);
            if (taken(id))
                refuse(k, i, "APIC %u is another cell's", id);
            cl->apic_id[cl->ncpus++] = id;
        }
        return;
    }
    if (!k->cpus || k->cpus > CELL_CPUS_MAX)
        refuse(k, i, "%u CPUs: a cell has 1 to %u", k->cpus, CELL_CPUS_MAX);
    for (u32 m = 0; m < n && cl->ncpus < k->cpus; m++)
        if (!taken(ids[m]))
            cl->apic_id[cl->ncpus++] = ids[m];
    if (cl->ncpus < k->cpus)
        refuse(k, i, "%u CPUs wanted, %u left beside the boot CPU and the other cells", k->cpus,
               cl->ncpus);
    /* The lowest of them starts the cell, as a firmware's boot CPU would. */
    for (u32 a = 1; a < cl->ncpus; a++)
        for (u32 b = a; b > 0 && cl->apic_id[b] < cl->apic_id[b - 1]; b--) {
            u32 t = cl->apic_id[b];
            cl->apic_id[b] = cl->apic_id[b - 1];
            cl->apic_id[b - 1] = t;
        }
}

/* Where the region keeps the cells' images (its last piece, core/cpu.c). */
static u64 images_piece(void)
{
    struct region_parts p;
    region_parts_of(g_boot.virt, g_boot.cpus, &g_boot.cells, &p);
    struct region_cursor cur = { g_hv_base };
    region_take(&cur, p.image);
    for (u32 i = 0; i < p.cpus; i++)
        region_take(&cur, p.cpu_bytes);
    region_take(&cur, p.pool + (u64)g_boot.pool_extra * 4096);   /* as core/host.c */
    return region_take(&cur, p.cells);
}

void cells_plan(void)
{
    const struct pxhv_cells *t = &g_boot.cells;
    if (!t->count)
        return;
    if (t->count > CELLS_MAX) {
        kprintf("pxHV: %u cells configured, at most %u\n", t->count, CELLS_MAX);
        hv_stop("cell configuration refused");
    }
    u64 len[CELLS_MAX], base[CELLS_MAX], image = images_piece();
    for (u32 i = 0; i < t->count; i++) {
        const struct pxhv_cell *k = &t->cell[i];
        struct cell *cl = &g_cells[i];
        memset(cl, 0, sizeof *cl);
        cl->index = i + 1;
        cl->cfg = k;
        memcpy(cl->name, k->name, CELL_NAME_LEN);
        if (!name_ok(cl->name))
            refuse(k, i, "a name is 1 to %u of a-z, 0-9, '_' and '-'", CELL_NAME_LEN);
        for (u32 o = 0; o < i; o++)
            if (!memcmp(g_cells[o].name, cl->name, sizeof cl->name))
                refuse(k, i, "the name is cell %u's too", o + 1);
        if (k->format != CELL_FMT_FLAT && k->format != CELL_FMT_MULTIBOOT)
            refuse(k, i, "image format %u: flat (1) or Multiboot (2)", k->format);
        if (k->format == CELL_FMT_FLAT && k->image_bytes > CELL_FLAT_MAX)
            refuse(k, i, "a flat image of %u bytes: at most %llu, ending at 0x100000", k->image_bytes,
                   CELL_FLAT_MAX);
        if (k->policy != CELL_POLICY_STOP && k->policy != CELL_POLICY_RESTART)
            refuse(k, i, "failure policy %u: stop (0) or restart (1)", k->policy);
        if (k->mem_mib < CELL_MEM_MIN_MIB || (k->mem_mib & 1) || k->mem_mib > 3072)
            refuse(k, i, "%u MiB of memory: an even number from %u to 3072", k->mem_mib,
                   CELL_MEM_MIN_MIB);
        check_ports(k, i);
        choose_cpus(k, i, cl);
        g_ncells = i + 1;                      /* its CPUs count as taken from here on */
        len[i] = (u64)k->mem_mib * MiB;
        cl->mem_size = len[i];
        /* pxHV's copy, from where stage 2 left it (boot_info.cells). */
        cl->image = image;
        memcpy((void *)(usize)image, (const void *)(usize)k->staged, k->image_bytes);
        image += ((u64)k->image_bytes + 4095) & ~4095ULL;
        if (k->format == CELL_FMT_MULTIBOOT &&
            !mb_parse((const void *)(usize)cl->image, k->image_bytes, cl->mem_size, &cl->mb))
            refuse(k, i, "Multiboot image refused: %s", cl->mb.why);
    }
    u32 placed = region_cells_place(&g_host_map, g_hv_base, t->count, len, base);
    if (placed < t->count)
        refuse(&t->cell[placed], placed, "no room for %llu MiB of RAM below pxHV's region (from 16 "
               "MiB up, 2 MiB-aligned, below the cells before it)", len[placed] / MiB);
    for (u32 i = 0; i < g_ncells; i++) {
        struct cell *cl = &g_cells[i];
        const struct pxhv_cell *k = cl->cfg;
        cl->mem_base = base[i];
        snprintf(cl->what, sizeof cl->what, "cell %s's memory", cl->name);
        kprintf("pxHV: cell %s: %u CPU%s (APIC", cl->name, cl->ncpus, cl->ncpus > 1 ? "s" : "");
        for (u32 j = 0; j < cl->ncpus; j++)
            kprintf(" %u", cl->apic_id[j]);
        kprintf("), %u MiB at %016llx, %s image %u bytes, policy %s\n", k->mem_mib, cl->mem_base,
                k->format == CELL_FMT_FLAT ? "flat" : "Multiboot", k->image_bytes,
                k->policy == CELL_POLICY_RESTART ? "restart" : "stop");
        for (u32 r = 0; r < CELL_PORT_RANGES; r++)
            if (k->ports[r].count)
                kprintf("pxHV: cell %s: ports %04x-%04x passed through\n", cl->name,
                        k->ports[r].first, k->ports[r].first + k->ports[r].count - 1);
    }
}

void cells_keep(void)
{
    for (u32 i = 0; i < g_ncells; i++)
        guest_keep(g_cells[i].mem_base, g_cells[i].mem_size, 0, true, g_cells[i].what);
}

void cells_hide_cpus(void)
{
    u32 ids[CELLS_MAX * CELL_CPUS_MAX], n = 0;
    for (u32 i = 0; i < g_ncells; i++)
        for (u32 k = 0; k < g_cells[i].ncpus; k++)
            ids[n++] = g_cells[i].apic_id[k];
    if (!n)
        return;
    u32 done = acpi_disable_cpus(ids, n);
    kprintf("pxHV: the cells' CPUs are gone from the root's %s\n",
            done == 3 ? "ACPI MADT and MP table" : done == 1 ? "ACPI MADT" :
            done == 2 ? "MP table" : "view (no table listed them)");
}

/* ---- the second-level tables: the cell's RAM from 0, its local APIC ---- */

static struct pt_attr cell_classify(void *ctx, u64 base, u64 len)
{
    const struct cell *cl = ctx;
    struct pt_attr a = { .mixed = false, .perms = 0, .memtype = MT_UC };
    u64 apic = CELL_APIC_GPA;
    if (base + len <= cl->mem_size) {
        a.perms = PT_RWX;
        a.remap = cl->mem_base + base;
        a.memtype = mtrr_range_type(host_mtrrs(), a.remap, len);
        a.mixed = a.memtype == MT_MIXED;
        return a;
    }
    if (base < cl->mem_size) {
        a.mixed = true;
        return a;
    }
    if (base <= apic && apic < base + len) {
        /* Its own CPU's APIC, read-only: stores exit and are emulated
         * (core/xapic.c), so that its ICR stays pxHV's. */
        if (len > 4096)
            a.mixed = true;
        else
            a.perms = PT_R;
        return a;
    }
    return a;
}

void cells_tables(void)
{
    for (u32 i = 0; i < g_ncells; i++) {
        g_cells[i].slat = virt->slat_build(cell_classify, &g_cells[i], 1ULL << 32);
        if (!g_cells[i].slat)
            panic("out of pages for cell %s's %s", g_cells[i].name, virt->second_level);
    }
}

const struct cell *cell_owning_gpa(u64 gpa)
{
    for (u32 i = 0; i < g_ncells; i++)
        if (gpa - g_cells[i].mem_base < g_cells[i].mem_size)
            return &g_cells[i];
    return NULL;
}

struct cell *cell_of_apic(u32 apic_id)
{
    for (u32 i = 0; i < g_ncells; i++)
        for (u32 k = 0; k < g_cells[i].ncpus; k++)
            if (g_cells[i].apic_id[k] == apic_id)
                return &g_cells[i];
    return NULL;
}
