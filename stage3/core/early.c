/*
 * Stage 3's early start.  Stage 2 read stage 3 into a low bounce buffer and
 * jumps here (entry.asm) in long mode with the first 2 MiB identity-mapped.
 * This code applies the relocations for the bounce address, maps the low
 * 4 GiB, reports and checks what stage 2 loaded (core/handoff.c) and places
 * the hypervisor: it sizes the region (the image, a block per CPU the ACPI
 * MADT lists, the page-table pool), takes the highest place the memory map
 * allows, copies and relocates itself there and continues in stage3_main on
 * the region's boot stack.
 *
 * Until then the bss does not exist: nothing here (nor what it calls: the
 * console, printf, the ACPI, E820 and page-table code) may write static data.
 */
#include "core/early.h"
#include "hw/acpi.h"
#include "core/census.h"
#include "core/console.h"
#include "core/cpu.h"
#include "lib/e820.h"
#include "core/hv.h"
#include "core/iommu.h"
#include "lib/lib.h"
#include "lib/pt.h"
#include "boot/stage3_header.h"
#include "core/virt.h"
#include "hw/x86.h"

/* Stage 2 reads the largest stage 3 into the bounce buffer. */
STATIC_ASSERT(LOW_STAGE3_BOUNCE + DISK_STAGE3_MAX_SECTORS * SECTOR_SIZE <= LOW_STAGE3_BOUNCE_END,
              "stage 3 fits the bounce buffer");

/* Move the pointers of the image copy at `image` by `delta`: from the link
 * address 0 to the bounce buffer (below), then from there to the region.
 * Runs before any relocation: only RIP-relative addressing. */
void reloc_apply(u8 *image, u64 delta)
{
    u64 *where = NULL;
    for (const u64 *r = __relr_start; r < __relr_end; r++) {
        if (!(*r & 1)) {
            where = (u64 *)(image + *r);
            *where++ += delta;
            continue;
        }
        for (u64 bits = *r >> 1, i = 0; bits; bits >>= 1, i++)
            if (bits & 1)
                where[i] += delta;
        where += 63;
    }
}

/* Pages of the early identity map, after stage 2's three. */
struct low_pool { u64 next, end; };

static u64 *low_alloc(void *ctx)
{
    struct low_pool *p = ctx;
    if (p->next >= p->end)
        return NULL;
    u64 *page = (u64 *)(usize)p->next;
    p->next += 4096;
    memset(page, 0, 4096);
    return page;
}

/* As stage 2 stops (stop16): the message, then the emulators' shutdown port
 * unless the configuration says to halt. */
static NORETURN void early_stop(const struct boot_info *bi, const char *why)
{
    kprintf("%s\n", why);
    serial_flush();
    /* Emulators end the run on their shutdown port; hardware ignores it. */
    if (!(bi->config.flags & CFG_FLAG_NO_POWEROFF))
        for (const char *s = "Shutdown"; *s; s++)
            outb(0x8900, (u8)*s);
    for (;;) {
        cli();
        hlt();
    }
}

NORETURN void stage3_early(struct boot_info *bi)
{
    /* First the relocations for the address we run at (linked at 0: the delta
     * is that address).  Until then only RIP-relative addressing. */
    reloc_apply((u8 *)__image_start, (u64)(usize)__image_start);
    struct low_pool pool = { LOW_PAGE_TABLES + 3 * 4096, LOW_PAGE_TABLES_END };
    struct pt_builder b = {
        .fmt = &pt_host, .classify = pt_all_rw, .alloc = low_alloc, .ctx = &pool,
        .allow_1g = has_1g_pages(), .allow_2m = true,
    };
    u64 *root = pt_build(&b, HV_REGION_MAX_END);
    if (!root)
        early_stop(bi, "Stage 3: no room for the early page tables");
    write_cr3((u64)(usize)root);
    serial_init();
    char why[160];
    if (!handoff_check(bi, why, sizeof why))
        early_stop(bi, why);
    kprintf("Long mode enabled\n");

    struct acpi_info acpi;
    acpi_scan(&acpi, false, 0);
    census_take();
    census_merge(&acpi.cpus, cpu_apic_id());
    u32 cpus = acpi.cpus.count;

    const struct stage3_header *h = (const struct stage3_header *)__image_start;
    if (h->image_size > bi->config.stage3_sectors * SECTOR_SIZE || h->mem_size < h->image_size)
        early_stop(bi, "Stage 3 image invalid");
    struct e820_map map;
    e820_from_boot(&map, bi);
    struct region_parts parts;
    region_parts_of(bi->virt, cpus, &bi->cells, &parts);
    if (parts.cells > REGION_WINDOW)
        early_stop(bi, "The cells' images together are larger than 1 MiB");
    parts.iommu = (u64)iommu_early_pages(&map) * 4096;   /* stage3/iommu: the last piece */
    u64 size = region_span(&parts);
    u64 base = region_place(&map, size);
    if (!base)
        early_stop(bi, "Not enough memory for the hypervisor region");
    kprintf("Hypervisor region at 0x%016llX\n", base);

    u8 *image = (u8 *)(usize)base;
    memcpy(image, __image_start, h->image_size);
    memset(image + h->image_size, 0, h->mem_size - h->image_size);   /* the bss */
    u64 delta = base - (u64)(usize)__image_start;
    reloc_apply(image, delta);
    bi->hv_base = base;
    bi->hv_size = size;
    bi->cpus = cpus;

    u64 stack = (u64)(usize)boot_stack + delta + BOOT_STACK_SIZE;
    u64 entry = (u64)(usize)stage3_main + delta;
    __asm__ volatile("mov %0, %%rsp\n\tcall *%1" :: "r"(stack), "r"(entry), "D"(bi) : "memory");
    __builtin_unreachable();
}
