/*
 * ACPI on a UEFI machine: the RSDP comes from the System Table's
 * configuration tables (UEFI 2.11, 4.6.1.1 "Industry Standard Configuration
 * Tables"), the ACPI 2.0 entry first (it has the XSDT), the ACPI 1.0 one
 * otherwise; there may be no BIOS area to scan (ACPI 6.5, 5.2.5.2 "Finding
 * the RSDP on UEFI Enabled Systems").  The MADT's CPUs are parsed by stage
 * 3's own parser (stage3/core/acpi.c), so both paths count CPUs alike.
 */
#include "efi/efi_app.h"
#include "efi/efi_config_table.h"
#include "hw/acpi.h"
#include "lib/lib.h"

static const struct efi_guid acpi20_guid = EFI_ACPI_20_TABLE_GUID;
static const struct efi_guid acpi10_guid = EFI_ACPI_10_TABLE_GUID;

static const struct acpi_rsdp *rsdp_from(const struct efi_guid *g)
{
    for (u64 i = 0; i < app.st->number_of_table_entries; i++) {
        const struct efi_configuration_table *t = &app.st->configuration_table[i];
        if (efi_guid_eq(&t->vendor_guid, g))
            return t->vendor_table;
    }
    return NULL;
}

static bool rsdp_valid(const struct acpi_rsdp *r)
{
    if (memcmp(r->sig, "RSD PTR ", 8) || !acpi_checksum_ok(r, 20))
        return false;
    return r->revision < 2 || (r->length >= sizeof *r && r->length < 4096 && acpi_checksum_ok(r, r->length));
}

/* A table by physical address (UEFI identity-maps memory), if sane. */
static const struct acpi_header *table_at(u64 pa)
{
    const struct acpi_header *h = (const struct acpi_header *)(usize)pa;
    if (!pa || h->length < sizeof *h || h->length > (1u << 20) || !acpi_checksum_ok(h, h->length))
        return NULL;
    return h;
}

static const struct acpi_header *find_table(const struct acpi_rsdp *r, const char sig[4])
{
    u64 xsdt = r->revision >= 2 ? r->xsdt : 0;
    const struct acpi_header *root = table_at(xsdt ? xsdt : r->rsdt);
    u32 esize = xsdt ? 8 : 4;
    if (!root)
        return NULL;
    const u8 *e = (const u8 *)root + sizeof *root;
    for (u32 i = 0; i < (root->length - sizeof *root) / esize; i++) {
        u64 pa = 0;
        memcpy(&pa, e + i * esize, esize);
        const struct acpi_header *t = table_at(pa);
        if (t && !memcmp(t->sig, sig, 4))
            return t;
    }
    return NULL;
}

u32 efi_acpi_probe(u64 *rsdp)
{
    *rsdp = 0;
    const char *from = "ACPI 2.0";
    const struct acpi_rsdp *r = rsdp_from(&acpi20_guid);
    if (!r || !rsdp_valid(r)) {
        from = "ACPI 1.0";
        r = rsdp_from(&acpi10_guid);
    }
    if (!r || !rsdp_valid(r)) {
        eprintf("ACPI: no valid RSDP in the EFI configuration table\n");
        return 0;
    }
    *rsdp = (u64)(usize)r;
    char oem[7];
    memcpy(oem, r->oem, 6);
    oem[6] = 0;
    eprintf("ACPI: RSDP at 0x%016llx (EFI configuration table, %s GUID), revision %u, OEM '%s', %s at 0x%llx\n",
            (u64)(usize)r, from, r->revision, oem, r->revision >= 2 && r->xsdt ? "XSDT" : "RSDT",
            r->revision >= 2 && r->xsdt ? r->xsdt : (u64)r->rsdt);

    const struct acpi_madt *madt = (const struct acpi_madt *)find_table(r, "APIC");
    if (!madt) {
        eprintf("ACPI: no MADT\n");
        return 0;
    }
    static struct acpi_cpus cpus;       /* PXHV_MAX_CPUS entries: not on the stack */
    memset(&cpus, 0, sizeof cpus);
    acpi_parse_madt(madt, &cpus);
    char list[256];
    usize k = 0;
    list[0] = 0;
    for (u32 i = 0; i < cpus.count && k < sizeof list; i++)
        k += (usize)snprintf(list + k, sizeof list - k, "%sAPIC %u", i ? ", " : "", cpus.apic_id[i]);
    eprintf("pxHV: %u CPU%s (ACPI MADT): %s\n", cpus.count, cpus.count == 1 ? "" : "s", list);
    return cpus.count;
}
