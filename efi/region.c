/*
 * The hypervisor region under UEFI: stage 3's image and data, a block per
 * CPU and the page-table pool, laid out as stage 3 lays them out
 * (lib/region.c: no piece at an address with bit 20 set) and placed as the
 * BIOS path places it, at the highest place below 4 GiB where the region and
 * its A20 alias are free memory (region_place, over the firmware's
 * EfiConventionalMemory), then taken from the firmware with AllocatePages at
 * that address (UEFI 2.11, 7.2.1 "EFI_BOOT_SERVICES.AllocatePages()").
 *
 * The memory type is EfiReservedMemoryType.  Of the two types the OS never
 * uses, it is the one that means "not for the OS": the firmware's memory
 * map, and so Linux's E820 table built from it, shows the region as
 * reserved, exactly as the BIOS path's E820 hook does.  EfiUnusableMemory
 * would also keep the OS away, but it means memory with detected errors:
 * Linux reports it as "unusable" and a memory tester or an OS's RAS code
 * would count it as failed RAM.
 *
 * The A20 alias (the region's addresses with bit 20 set, include/lib/region.h)
 * is taken too, until stage 3 has probed whether the A20 gate reaches VMX/SVM
 * operation on this CPU: where it does, a guest with A20 off would reach the
 * region through it, and the second-level tables keep it from the guest as
 * they keep the region; where it does not, it goes back to the firmware.
 */
#include "efi/efi_app.h"
#include "efi/efi_memory.h"
#include "boot/layout.h"
#include "boot/bootinfo.h"
#include "boot/stage3_header.h"
#include "boot/uefi.h"
#include "lib/e820.h"
#include "lib/lib.h"
#include "lib/region.h"

extern const u8 efi_stage3_image[], efi_stage3_image_end[];

const struct stage3_header *efi_stage3(void)
{
    const struct stage3_header *h = (const struct stage3_header *)efi_stage3_image;
    usize size = (usize)(efi_stage3_image_end - efi_stage3_image);
    if (size < sizeof *h || h->magic != STAGE3_MAGIC || h->image_size != size ||
        h->mem_size < h->image_size || h->uefi_abi != UEFI_ABI || !h->uefi_entry_offset ||
        h->uefi_entry_offset >= h->image_size)
        return NULL;
    return h;
}

/* The page tables for what lies above 4 GiB, beyond the pool's
 * HV_PT_POOL_PAGES, as lib/pt.c builds them (the largest page a uniform
 * range allows; nothing for a range that is not present): without 1 GiB
 * pages a page directory per GiB that holds memory or devices, for the
 * second-level tables, and per GiB of memory for the host's map; a
 * page-directory-pointer table per 512 GiB past the first, in each.  An
 * upper bound: a GiB two ranges share is counted twice. */
u32 efi_pool_extra(const struct e820_map *map, bool has_1g)
{
    const u64 G = 1ULL << 30, T = 1ULL << 39;
    u64 pages = 0, last_t = 0;
    for (u32 i = 0; i < map->count; i++) {
        u64 b = map->e[i].base, e = b + map->e[i].length;
        if (e <= (1ULL << 32))
            continue;
        if (b < (1ULL << 32))
            b = 1ULL << 32;
        u64 gib = (e + G - 1) / G - b / G;
        if (!has_1g)
            pages += map->e[i].type == E820_RAM ? 2 * gib : gib;
        for (u64 t = b / T; t <= (e - 1) / T; t++)
            if (t && t != last_t) {
                pages += 2;
                last_t = t;
            }
    }
    return (u32)pages;
}

bool efi_region_parts(const struct stage3_header *h, u32 virt, u32 cpus, u32 pool_extra,
                      struct region_parts *p)
{
    memset(p, 0, sizeof *p);            /* no cells' images, no IOMMU tables under UEFI */
    p->image = ((u64)h->mem_size + 4095) & ~4095ULL;
    p->cpus = cpus;
    p->cpu_bytes = virt & VIRT_VMX ? h->cpu_bytes_vmx : h->cpu_bytes_svm;
    p->pool = (HV_PT_POOL_PAGES + (u64)pool_extra) * 4096;
    /* region_take hands out pieces of at most one MiB. */
    return p->image <= REGION_WINDOW && p->cpu_bytes <= REGION_WINDOW && p->pool <= REGION_WINDOW;
}

static efi_status take(u64 base, u64 size)
{
    efi_phys_addr a = base;
    return app.bs->allocate_pages(EFI_ALLOCATE_ADDRESS, EFI_RESERVED_MEMORY_TYPE,
                                  size / EFI_PAGE_SIZE, &a);
}

efi_status efi_region_place(u64 span, struct efi_region *r)
{
    static struct e820_map free_map;     /* too large for the stack */
    efi_status s = EFI_OUT_OF_RESOURCES;
    memset(r, 0, sizeof *r);
    /* An event of the firmware's may take memory between the map and the
     * allocation: then place again. */
    for (int tries = 0; tries < 4; tries++) {
        struct efi_memmap m;
        s = efi_memory_map(&m);
        if (EFI_ERROR(s))
            return s;
        bool ok = efi_map_e820(&m, &free_map, true);
        efi_memory_map_free(&m);
        if (!ok)
            return EFI_OUT_OF_RESOURCES;
        u64 base = region_place(&free_map, span);
        if (!base)
            return EFI_OUT_OF_RESOURCES;
        u64 start[2], len[2];
        u32 n = region_hidden(base, span, true, start, len);
        s = take(start[0], len[0]);
        if (EFI_ERROR(s))
            continue;
        if (n > 1) {
            s = take(start[1], len[1]);
            if (EFI_ERROR(s)) {
                app.bs->free_pages(start[0], len[0] / EFI_PAGE_SIZE);
                continue;
            }
            r->alias_base = start[1];
            r->alias_size = len[1];
        }
        r->base = base;
        r->size = span;
        r->alloc_size = len[0];
        return EFI_SUCCESS;
    }
    return s;
}

static void give_back(u64 base, u64 size, const char *what)
{
    efi_status s = app.bs->free_pages(base, size / EFI_PAGE_SIZE);
    if (EFI_ERROR(s))
        eprintf("pxHV: FreePages of %s %llx-%llx failed (%s)\n", what, base, base + size - 1,
                efi_status_name(s));
    else
        eprintf("pxHV: %s %llx-%llx given back to the firmware\n", what, base, base + size - 1);
}

void efi_region_free_alias(struct efi_region *r)
{
    if (r->alias_size)
        give_back(r->alias_base, r->alias_size, "the region's A20 alias");
    r->alias_size = 0;
}

void efi_region_free(struct efi_region *r)
{
    efi_region_free_alias(r);
    if (r->alloc_size)
        give_back(r->base, r->alloc_size, "region");
    r->alloc_size = 0;
}

/* The firmware must now refuse the region to anyone else: AllocatePages at
 * its address (AllocateAddress) fails with EFI_NOT_FOUND for pages in use.
 * This tells pxHV's allocation apart from a range that is reserved anyway:
 * OVMF, like other EDK II firmware, keeps a pre-reserved bin per memory type
 * (the Memory Type Information that keeps the map stable from boot to
 * boot), and an EfiReservedMemoryType allocation that fits lands inside
 * that bin, whose range the map shows as reserved with or without pxHV. */
bool efi_region_taken(u64 base, u64 size)
{
    efi_phys_addr probe[2] = { base, base + size - EFI_PAGE_SIZE };
    bool taken = true;
    for (int i = 0; i < 2; i++) {
        efi_phys_addr a = probe[i];
        efi_status s = app.bs->allocate_pages(EFI_ALLOCATE_ADDRESS, EFI_LOADER_DATA, 1, &a);
        if (!EFI_ERROR(s)) {
            app.bs->free_pages(a, 1);
            eprintf("pxHV: the firmware gave out page %llx of the region a second time\n", probe[i]);
            taken = false;
        } else if (s != EFI_NOT_FOUND) {
            eprintf("pxHV: AllocatePages at %llx: %s\n", probe[i], efi_status_name(s));
            taken = false;
        }
    }
    if (taken)
        eprintf("pxHV: AllocatePages at the region's first and last page: EFI_NOT_FOUND, it is pxHV's\n");
    return taken;
}

/* What the firmware's memory map now says about the region: the map the OS
 * will get (GetMemoryMap, 7.2.3). */
void efi_region_check_map(u64 base, u64 size)
{
    struct efi_memmap m;
    efi_status s = efi_memory_map(&m);
    if (EFI_ERROR(s)) {
        eprintf("pxHV: GetMemoryMap failed (%s)\n", efi_status_name(s));
        return;
    }
    u64 covered = 0;
    for (u64 i = 0; i < m.entries; i++) {
        const struct efi_memory_descriptor *d = efi_map_desc(&m, i);
        u64 s0 = d->physical_start, e0 = s0 + d->number_of_pages * EFI_PAGE_SIZE;
        if (e0 <= base || s0 >= base + size)
            continue;
        eprintf("pxHV: firmware memory map: %016llx-%016llx %s, attributes %llx\n", s0, e0 - 1,
                efi_memory_type_name(d->type), d->attribute);
        if (d->type == EFI_RESERVED_MEMORY_TYPE)
            covered += (e0 < base + size ? e0 : base + size) - (s0 > base ? s0 : base);
    }
    eprintf("pxHV: %llu of %llu KiB of the region are EfiReservedMemoryType in the map (%llu descriptors)\n",
            covered / 1024, size / 1024, m.entries);
    efi_memory_map_free(&m);
}
