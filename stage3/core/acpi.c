/*
 * Reading the firmware's ACPI tables (include/acpi.h).  Everything is read
 * in place through the identity map; nothing here writes global state, so
 * stage 3's early start can use it before its data exists.
 */
#include "acpi.h"
#include "lib.h"

#define BDA_EBDA_SEG ((const volatile u16 *)0x40E)

bool acpi_checksum_ok(const void *p, u32 len)
{
    const u8 *b = p;
    u8 sum = 0;
    for (u32 i = 0; i < len; i++)
        sum += b[i];
    return sum == 0;
}

/* A table is usable if its length is sane and its checksum holds. */
static const struct acpi_header *table_at(u64 pa)
{
    const struct acpi_header *h = (const struct acpi_header *)(usize)pa;
    if (!pa || pa >= (1ULL << 32) || h->length < sizeof *h || h->length > (1u << 20))
        return NULL;
    return acpi_checksum_ok(h, h->length) ? h : NULL;
}

/* 5.2.5.1 "Finding the RSDP on IA-PC Systems": the first KiB of the EBDA,
 * then 0xE0000-0xFFFFF, on 16-byte boundaries. */
static const struct acpi_rsdp *find_rsdp(void)
{
    u64 ebda = (u64)*BDA_EBDA_SEG << 4;
    const u64 ranges[2][2] = { { ebda, ebda + 1024 }, { 0xE0000, 0x100000 } };

    for (int r = 0; r < 2; r++) {
        if (!ranges[r][0])
            continue;
        for (u64 a = ranges[r][0]; a + 20 <= ranges[r][1]; a += 16) {
            const struct acpi_rsdp *p = (const struct acpi_rsdp *)(usize)a;
            if (!memcmp(p->sig, "RSD PTR ", 8) && acpi_checksum_ok(p, 20))
                return p;
        }
    }
    return NULL;
}

/* A table named in the XSDT (ACPI 2.0+) or the RSDT. */
static const struct acpi_header *find_table(const struct acpi_rsdp *rsdp, const char sig[4])
{
    u64 xsdt = rsdp->revision >= 2 ? rsdp->xsdt : 0;
    const struct acpi_header *root = table_at(xsdt ? xsdt : rsdp->rsdt);
    u32 esize = xsdt ? 8 : 4;

    if (!root)
        return NULL;
    const u8 *entries = (const u8 *)(root + 1);
    for (u32 off = 0; sizeof *root + off + esize <= root->length; off += esize) {
        u64 pa = esize == 8 ? *(const u64 *)(entries + off) : *(const u32 *)(entries + off);
        const struct acpi_header *t = table_at(pa);
        if (t && !memcmp(t->sig, sig, 4))
            return t;
    }
    return NULL;
}

/* \_S5: NameOp (0x08, optionally with the root prefix '\') "_S5_",
 * PackageOp (0x12), PkgLength, NumElements, then SLP_TYPa and SLP_TYPb as
 * ZeroOp, OneOp or BytePrefix + byte (ACPI 6.5 20.2.5 "Term Objects Encoding",
 * 7.4.2 "\_Sx (System States)"). */
bool acpi_parse_s5(const struct acpi_header *dsdt, u8 *typa, u8 *typb)
{
    const u8 *aml = (const u8 *)dsdt;
    u32 len = dsdt->length;

    for (u32 i = sizeof *dsdt + 2; i + 12 < len; i++) {
        if (memcmp(aml + i, "_S5_", 4) || (aml[i - 1] != 0x08 && aml[i - 2] != 0x08))
            continue;
        const u8 *p = aml + i + 4;
        if (*p++ != 0x12)             /* PackageOp */
            continue;
        p += ((*p >> 6) & 3) + 1;     /* PkgLength: lead byte + follow bytes */
        p++;                          /* NumElements */
        u8 v[2];
        for (int k = 0; k < 2; k++) {
            if (*p == 0x0A)           /* BytePrefix */
                p++;
            v[k] = *p == 0x01 ? 1 : *p == 0x00 ? 0 : *p;
            p++;
        }
        *typa = v[0];
        *typb = v[1];
        return true;
    }
    return false;
}

static void add_cpu(struct acpi_cpus *out, u32 apic_id, u32 flags, bool x2)
{
    if (!(flags & (MADT_ENABLED | MADT_ONLINE_CAPABLE)))
        return;
    for (u32 i = 0; i < out->count; i++)
        if (out->apic_id[i] == apic_id)
            return;             /* named by both an xAPIC and an x2APIC entry */
    out->listed++;
    if (out->count < PXHV_MAX_CPUS) {
        out->apic_id[out->count] = apic_id;
        out->x2apic[out->count] = x2;
        out->count++;
    }
}

void acpi_parse_madt(const struct acpi_madt *madt, struct acpi_cpus *out)
{
    const u8 *p = (const u8 *)(madt + 1), *end = (const u8 *)madt + madt->h.length;

    memset(out, 0, sizeof *out);
    while (p + sizeof(struct madt_entry) <= end) {
        const struct madt_entry *e = (const struct madt_entry *)p;
        if (e->length < sizeof *e || p + e->length > end)
            break;
        if (e->type == MADT_LAPIC && e->length >= sizeof(struct madt_lapic)) {
            const struct madt_lapic *l = (const struct madt_lapic *)p;
            add_cpu(out, l->apic_id, l->flags, false);
        } else if (e->type == MADT_X2APIC && e->length >= sizeof(struct madt_x2apic)) {
            const struct madt_x2apic *x = (const struct madt_x2apic *)p;
            add_cpu(out, x->x2apic_id, x->flags, true);
        }
        p += e->length;
    }
}

void acpi_scan(struct acpi_info *out)
{
    memset(out, 0, sizeof *out);
    const struct acpi_rsdp *rsdp = find_rsdp();
    if (!rsdp)
        return;
    out->found = true;

    const struct acpi_fadt *fadt = (const struct acpi_fadt *)find_table(rsdp, "FACP");
    if (fadt) {
        out->pm1a_cnt = (u16)fadt->pm1a_cnt_blk;
        out->pm1b_cnt = (u16)fadt->pm1b_cnt_blk;
        u64 dsdt = fadt->dsdt;
        if (fadt->h.length >= offsetof(struct acpi_fadt, x_dsdt) + 8 && fadt->x_dsdt)
            dsdt = fadt->x_dsdt;
        const struct acpi_header *d = table_at(dsdt);
        if (d && !memcmp(d->sig, "DSDT", 4))
            out->s5 = acpi_parse_s5(d, &out->slp_typa, &out->slp_typb);
    }
    const struct acpi_madt *madt = (const struct acpi_madt *)find_table(rsdp, "APIC");
    if (madt && madt->h.length >= sizeof *madt) {
        out->lapic_addr = madt->lapic_addr;
        acpi_parse_madt(madt, &out->cpus);
    }
}
