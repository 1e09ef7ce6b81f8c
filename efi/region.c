/*
 * The hypervisor region under UEFI: stage 3's image and data, a block per
 * CPU and the page-table pool, sized as stage 3's early start sizes it on
 * the BIOS path (stage3/core/early.c), and taken from the firmware with
 * AllocatePages (UEFI 2.11, 7.2.1 "EFI_BOOT_SERVICES.AllocatePages()").
 *
 * The memory type is EfiReservedMemoryType.  Of the two types the OS never
 * uses, it is the one that means "not for the OS": the firmware's memory
 * map, and so Linux's E820 table built from it, shows the region as
 * reserved, exactly as the BIOS path's E820 hook does.  EfiUnusableMemory
 * would also keep the OS away, but it means memory with detected errors:
 * Linux reports it as "unusable" and a memory tester or an OS's RAS code
 * would count it as failed RAM.
 *
 * The region lies below 4 GiB (HV_REGION_MAX_END: the APs enter stage 3
 * with a 32-bit CR3) and at or above 16 MiB (HV_REGION_MIN_BASE), with
 * AllocateMaxAddress taking the highest place the firmware has, as the
 * BIOS path takes the top of RAM.
 */
#include "efi/efi_app.h"
#include "efi/efi_memory.h"
#include "core/cpu.h"
#include "core/early.h"
#include "boot/layout.h"
#include "lib/lib.h"
#include "boot/stage3_header.h"

extern const u8 efi_stage3_image[], efi_stage3_image_end[];

const struct stage3_header *efi_stage3(void)
{
    const struct stage3_header *h = (const struct stage3_header *)efi_stage3_image;
    usize size = (usize)(efi_stage3_image_end - efi_stage3_image);
    if (size < sizeof *h || h->magic != STAGE3_MAGIC || h->image_size != size || h->mem_size < h->image_size)
        return NULL;
    return h;
}

u64 efi_region_size(const struct stage3_header *h, u32 cpus, u32 virt)
{
    u64 size = h->mem_size + (u64)cpus * CPU_BLOCK_SIZE + hv_pool_pages(virt, cpus) * 4096;
    return (size + EFI_PAGE_SIZE - 1) & ~(u64)(EFI_PAGE_SIZE - 1);
}

efi_status efi_region_alloc(u64 size, u64 *base)
{
    efi_phys_addr a = HV_REGION_MAX_END - 1;
    u64 pages = size / EFI_PAGE_SIZE;
    efi_status s = app.bs->allocate_pages(EFI_ALLOCATE_MAX_ADDRESS, EFI_RESERVED_MEMORY_TYPE, pages, &a);
    if (EFI_ERROR(s))
        return s;
    if (a < HV_REGION_MIN_BASE) {
        app.bs->free_pages(a, pages);
        return EFI_OUT_OF_RESOURCES;
    }
    *base = a;
    return EFI_SUCCESS;
}

void efi_region_free(u64 base, u64 size)
{
    efi_status s = app.bs->free_pages(base, size / EFI_PAGE_SIZE);
    if (EFI_ERROR(s))
        eprintf("pxHV: FreePages of the region failed (%s)\n", efi_status_name(s));
    else
        eprintf("pxHV: region %llx-%llx given back to the firmware\n", base, base + size - 1);
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
    u64 map_size = 0, key, desc_size = 0;
    u32 desc_version;
    struct efi_memory_descriptor *map = NULL;
    efi_status s = app.bs->get_memory_map(&map_size, NULL, &key, &desc_size, &desc_version);
    for (int tries = 0; s == EFI_BUFFER_TOO_SMALL && tries < 4; tries++) {
        map_size += 4 * desc_size;       /* the pool allocation itself may add descriptors */
        s = app.bs->allocate_pool(EFI_LOADER_DATA, map_size, (void **)&map);
        if (EFI_ERROR(s))
            break;
        s = app.bs->get_memory_map(&map_size, map, &key, &desc_size, &desc_version);
        if (EFI_ERROR(s)) {
            app.bs->free_pool(map);
            map = NULL;
        }
    }
    if (EFI_ERROR(s) || !map || desc_size < sizeof *map) {
        eprintf("pxHV: GetMemoryMap failed (%s)\n", efi_status_name(s));
        return;
    }
    u64 entries = map_size / desc_size, covered = 0;
    for (u64 i = 0; i < entries; i++) {
        const struct efi_memory_descriptor *d = (const void *)((const u8 *)map + i * desc_size);
        u64 s0 = d->physical_start, e0 = s0 + d->number_of_pages * EFI_PAGE_SIZE;
        if (e0 <= base || s0 >= base + size)
            continue;
        eprintf("pxHV: firmware memory map: %016llx-%016llx %s, attributes %llx\n", s0, e0 - 1,
                efi_memory_type_name(d->type), d->attribute);
        if (d->type == EFI_RESERVED_MEMORY_TYPE)
            covered += (e0 < base + size ? e0 : base + size) - (s0 > base ? s0 : base);
    }
    eprintf("pxHV: %llu of %llu KiB of the region are EfiReservedMemoryType in the map (%llu descriptors)\n",
            covered / 1024, size / 1024, entries);
    app.bs->free_pool(map);
}
