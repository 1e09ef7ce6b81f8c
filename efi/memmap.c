/*
 * The firmware's memory map (UEFI 2.11, 7.2.3 "EFI_BOOT_SERVICES.GetMemoryMap()")
 * as pxHV needs it: the free memory the region can be placed in, the E820
 * form stage 3 reads (boot_info), and how far the physical address space
 * reaches, devices included (the DXE services' GCD memory space map, UEFI
 * PI 1.8 Vol. 2, 7.2 "Global Coherency Domain Services"), for the
 * second-level tables.
 */
#include "efi/efi_app.h"
#include "efi/efi_config_table.h"
#include "efi/efi_dxe_services.h"
#include "efi/efi_memory.h"
#include "lib/e820.h"
#include "lib/lib.h"

static const struct efi_guid dxe_guid = EFI_DXE_SERVICES_TABLE_GUID;

efi_status efi_memory_map(struct efi_memmap *m)
{
    u64 key;
    u32 version;
    memset(m, 0, sizeof *m);
    efi_status s = app.bs->get_memory_map(&m->size, NULL, &key, &m->desc_size, &version);
    for (int tries = 0; s == EFI_BUFFER_TOO_SMALL && tries < 4; tries++) {
        m->size += 4 * m->desc_size;     /* the pool allocation itself may add descriptors */
        s = app.bs->allocate_pool(EFI_LOADER_DATA, m->size, &m->buf);
        if (EFI_ERROR(s))
            break;
        s = app.bs->get_memory_map(&m->size, m->buf, &key, &m->desc_size, &version);
        if (EFI_ERROR(s)) {
            app.bs->free_pool(m->buf);
            m->buf = NULL;
        }
    }
    if (!EFI_ERROR(s) && (!m->buf || m->desc_size < sizeof(struct efi_memory_descriptor)))
        s = EFI_DEVICE_ERROR;
    if (EFI_ERROR(s)) {
        if (m->buf)
            app.bs->free_pool(m->buf);
        m->buf = NULL;
        return s;
    }
    m->entries = m->size / m->desc_size;
    return EFI_SUCCESS;
}

void efi_memory_map_free(struct efi_memmap *m)
{
    if (m->buf)
        app.bs->free_pool(m->buf);
    m->buf = NULL;
}

const struct efi_memory_descriptor *efi_map_desc(const struct efi_memmap *m, u64 i)
{
    return (const struct efi_memory_descriptor *)((const u8 *)m->buf + i * m->desc_size);
}

/* ACPI 6.5, 15.3 "UEFI GetMemoryMap() Boot Services Function", Table 15.6:
 * the E820 type an OS loader gives each UEFI type. */
static u32 e820_type(u32 t)
{
    switch (t) {
    case EFI_LOADER_CODE: case EFI_LOADER_DATA: case EFI_BOOT_SERVICES_CODE:
    case EFI_BOOT_SERVICES_DATA: case EFI_CONVENTIONAL_MEMORY:
        return E820_RAM;
    case EFI_ACPI_RECLAIM_MEMORY:
        return E820_ACPI;
    case EFI_ACPI_MEMORY_NVS:
        return E820_NVS;
    case EFI_UNUSABLE_MEMORY:
        return E820_UNUSABLE;
    case EFI_PERSISTENT_MEMORY:
        return 7;                        /* AddressRangePersistentMemory */
    default:                             /* reserved, runtime, MMIO, PAL, unaccepted */
        return E820_RESERVED;
    }
}

bool efi_map_e820(const struct efi_memmap *m, struct e820_map *out, bool free_only)
{
    out->count = 0;
    for (u64 i = 0; i < m->entries; i++) {
        const struct efi_memory_descriptor *d = efi_map_desc(m, i);
        if (!d->number_of_pages)
            continue;
        if (free_only && d->type != EFI_CONVENTIONAL_MEMORY)
            continue;
        u32 type = free_only ? E820_RAM : e820_type(d->type);
        if (!e820_set_range(out, d->physical_start, d->number_of_pages * EFI_PAGE_SIZE, type))
            return false;
    }
    return true;
}

/* The memory map as E820 (efi_map_e820) and, above 4 GiB, the device ranges
 * of the GCD memory space map (the 64-bit PCI apertures, which the UEFI
 * memory map does not list), as reserved: together, everything above 4 GiB
 * the guest can reach.  False when it does not fit. */
bool efi_address_map(struct e820_map *out, u32 *devices)
{
    struct efi_memmap m;
    *devices = 0;
    if (EFI_ERROR(efi_memory_map(&m)))
        return false;
    bool ok = efi_map_e820(&m, out, false);
    efi_memory_map_free(&m);
    if (!ok)
        return false;
    struct efi_dxe_services *dxe = NULL;
    for (u64 i = 0; i < app.st->number_of_table_entries; i++)
        if (efi_guid_eq(&app.st->configuration_table[i].vendor_guid, &dxe_guid))
            dxe = app.st->configuration_table[i].vendor_table;
    if (!dxe || dxe->hdr.signature != EFI_DXE_SERVICES_SIGNATURE)
        return true;
    u64 n = 0;
    struct efi_gcd_memory_space_descriptor *gcd = NULL;
    if (EFI_ERROR(dxe->get_memory_space_map(&n, &gcd)) || !gcd)
        return true;
    for (u64 i = 0; i < n && ok; i++) {
        u64 b = gcd[i].base_address, e = b + gcd[i].length;
        if (gcd[i].gcd_memory_type != EFI_GCD_MEMORY_MAPPED_IO || e <= (1ULL << 32))
            continue;
        if (b < (1ULL << 32))
            b = 1ULL << 32;
        if (e820_ram_bytes_in(out, b, e))
            continue;                    /* never over memory the map lists */
        ok = e820_set_range(out, b, e - b, E820_RESERVED);
        (*devices)++;
    }
    app.bs->free_pool(gcd);
    return ok;
}

/* The end of what the map reaches, in whole GiB, at least 4 GiB. */
u64 efi_phys_top(const struct e820_map *map)
{
    u64 top = 1ULL << 32;
    for (u32 i = 0; i < map->count; i++)
        if (map->e[i].base + map->e[i].length > top)
            top = map->e[i].base + map->e[i].length;
    return (top + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);
}
