/*
 * Reading the firmware's ACPI tables (include/hw/acpi.h).  Everything is read
 * in place through the identity map; nothing here writes global state, so
 * stage 3's early start can use it before its data exists.
 */
#include "hw/acpi.h"
#include "lib/lib.h"

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

/* A structure with a signature on a 16-byte boundary in the BIOS areas:
 * the first KiB of the EBDA (or of the last KiB below 640 KiB), then
 * `rom`-0xFFFFF.  ACPI 6.5 5.2.5.1 "Finding the RSDP on IA-PC Systems", MP
 * 1.4 4 "MP Configuration Data Structures".  The signature compares as one
 * little-endian word; the checksum covers `len` bytes. */
static const void *find_signed(u64 sig, u32 sig_len, u32 len, u64 rom)
{
    u64 ebda = (u64)*BDA_EBDA_SEG << 4;
    const u64 ranges[2][2] = { { ebda ? ebda : 0x9FC00, (ebda ? ebda : 0x9FC00) + 1024 },
                               { rom, 0x100000 } };
    u64 mask = sig_len == 8 ? ~0ULL : (1ULL << (8 * sig_len)) - 1;

    for (int r = 0; r < 2; r++)
        for (u64 a = ranges[r][0]; a + len <= ranges[r][1]; a += 16)
            if ((*(const u64 *)(usize)a & mask) == sig && acpi_checksum_ok((const void *)(usize)a, len))
                return (const void *)(usize)a;
    return NULL;
}

/* The RSDP UEFI's configuration table named (acpi_scan's `rsdp_pa`), kept for
 * the later lookups (the IOMMU's tables, the sleep states, the cells' CPUs);
 * 0: the BIOS areas are searched. */
static u64 rsdp_given;

static const struct acpi_rsdp *find_rsdp(void)
{
    if (rsdp_given)
        return (const struct acpi_rsdp *)(usize)rsdp_given;
    return find_signed(0x2052545020445352ULL /* "RSD PTR " */, 8, 20, 0xE0000);
}

/* The nth table with signature `sig` named in the XSDT (ACPI 2.0+) or the RSDT. */
static const struct acpi_header *find_table(const struct acpi_rsdp *rsdp, const char sig[4], u32 nth)
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
        if (t && !memcmp(t->sig, sig, 4) && !nth--)
            return t;
    }
    return NULL;
}

/* The nth table with signature `sig` the firmware lists, or NULL (for the
 * IOMMU code, stage3/iommu/, which also edits the root tables). */
const struct acpi_header *acpi_find(const char sig[4], u32 nth)
{
    const struct acpi_rsdp *rsdp = find_rsdp();
    return rsdp ? find_table(rsdp, sig, nth) : NULL;
}

const struct acpi_rsdp *acpi_rsdp(void)
{
    return find_rsdp();
}

/* \_S5: NameOp (0x08, optionally with the root prefix '\') "_S5_",
 * PackageOp (0x12), PkgLength, NumElements, then SLP_TYPa and SLP_TYPb as
 * ZeroOp, OneOp or BytePrefix + byte (ACPI 6.5 20.2.5 "Term Objects Encoding",
 * 7.4.2 "\_Sx (System States)"). */
bool acpi_parse_s5(const struct acpi_header *dsdt, u8 *typa, u8 *typb)
{
    const u8 *aml = (const u8 *)dsdt, *end = aml + dsdt->length;

    /* At least the name, PackageOp, PkgLength, NumElements, two elements. */
    for (u32 i = sizeof *dsdt + 2; i + 9 <= dsdt->length; i++) {
        if (aml[i] != '_' || memcmp(aml + i, "_S5_", 4) || (aml[i - 1] != 0x08 && aml[i - 2] != 0x08))
            continue;
        const u8 *p = aml + i + 4;
        if (*p++ != 0x12)             /* PackageOp */
            continue;
        p += ((*p >> 6) & 3) + 1;     /* PkgLength: lead byte + follow bytes */
        p++;                          /* NumElements */
        u8 v[2];
        for (int k = 0; k < 2; k++) {
            if (p < end && *p == 0x0A) /* BytePrefix */
                p++;
            if (p >= end)
                return false;
            v[k] = *p == 0x01 ? 1 : *p == 0x00 ? 0 : *p;
            p++;
        }
        *typa = v[0];
        *typb = v[1];
        return true;
    }
    return false;
}

/* \_S1 to \_S4 in one definition block (DSDT or SSDT) become XS1_..XS4_,
 * names nothing looks for: an OS then sees a machine without those sleep
 * states (ACPI 6.5 16.1 "Sleeping States"; Linux: "supports S0 S5").  The
 * checksum is made good again.  Returns the states hidden, bit n = Sn. */
u32 acpi_hide_sleep_states(struct acpi_header *t)
{
    u8 *aml = (u8 *)t;
    u32 hidden = 0;
    for (u32 i = sizeof *t + 2; i + 4 < t->length; i++) {
        if (aml[i] != '_' || aml[i + 1] != 'S' || aml[i + 2] < '1' || aml[i + 2] > '4' ||
            aml[i + 3] != '_' || (aml[i - 1] != 0x08 && aml[i - 2] != 0x08))
            continue;
        hidden |= BIT(aml[i + 2] - '0');
        aml[i] = 'X';
    }
    if (hidden) {
        u8 sum = 0;
        t->checksum = 0;
        for (u32 i = 0; i < t->length; i++)
            sum += aml[i];
        t->checksum = (u8)-sum;
    }
    return hidden;
}

/* Every definition block the firmware gives the OS: the DSDT and the SSDTs. */
u32 acpi_hide_sleep(void)
{
    const struct acpi_rsdp *rsdp = find_rsdp();
    if (!rsdp)
        return 0;
    u32 hidden = 0;
    const struct acpi_fadt *fadt = (const struct acpi_fadt *)find_table(rsdp, "FACP", 0);
    if (fadt) {
        u64 dsdt = fadt->dsdt;
        if (fadt->h.length >= offsetof(struct acpi_fadt, x_dsdt) + 8 && fadt->x_dsdt)
            dsdt = fadt->x_dsdt;
        const struct acpi_header *d = table_at(dsdt);
        if (d && !memcmp(d->sig, "DSDT", 4))
            hidden |= acpi_hide_sleep_states((struct acpi_header *)d);
    }
    const struct acpi_header *s;
    for (u32 n = 0; (s = find_table(rsdp, "SSDT", n)); n++)
        hidden |= acpi_hide_sleep_states((struct acpi_header *)s);
    return hidden;
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

void mp_parse_config(const struct mp_config *cfg, struct acpi_cpus *out)
{
    const u8 *p = (const u8 *)(cfg + 1), *end = (const u8 *)cfg + cfg->length;

    memset(out, 0, sizeof *out);
    for (u32 i = 0; i < cfg->entries && p < end; i++) {
        if (*p != 0) {                 /* bus, I/O APIC, interrupt entries: 8 bytes */
            p += 8;
            continue;
        }
        const struct mp_processor *e = (const struct mp_processor *)p;
        if (p + sizeof *e > end)
            break;
        add_cpu(out, e->apic_id, e->flags & MP_CPU_ENABLED ? MADT_ENABLED : 0, false);
        p += sizeof *e;
    }
}

/* The MP table's processors, where there is no MADT. */
static void mp_scan(struct acpi_info *out)
{
    const struct mp_floating *f = find_signed(0x5F504D5F /* "_MP_" */, 4, 16, 0xF0000);
    if (!f || !f->config)
        return;
    const struct mp_config *cfg = (const struct mp_config *)(usize)f->config;
    if (memcmp(cfg->sig, "PCMP", 4) || !acpi_checksum_ok(cfg, cfg->length))
        return;
    mp_parse_config(cfg, &out->cpus);
    out->lapic_addr = cfg->lapic_addr;
    out->cpus_from = "MP table";
}

void acpi_scan(struct acpi_info *out, bool power, u64 rsdp_pa)
{
    memset(out, 0, sizeof *out);
    if (rsdp_pa)
        rsdp_given = rsdp_pa;
    const struct acpi_rsdp *rsdp = find_rsdp();
    const struct acpi_madt *madt = rsdp ? (const struct acpi_madt *)find_table(rsdp, "APIC", 0) : NULL;
    if (madt && madt->h.length >= sizeof *madt) {
        out->lapic_addr = madt->lapic_addr;
        acpi_parse_madt(madt, &out->cpus);
        out->cpus_from = "ACPI MADT";
    }
    if (!out->cpus.count && !rsdp_pa)
        mp_scan(out);                  /* the MP table is a BIOS's (UEFI has none) */
    if (!rsdp || !power)
        return;
    out->found = true;
    const struct acpi_fadt *fadt = (const struct acpi_fadt *)find_table(rsdp, "FACP", 0);
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
}

/* A table's checksum byte made good again after a change. */
static void checksum_fix(void *p, u32 len, u8 *field)
{
    u8 sum = 0;
    *field = 0;
    for (u32 i = 0; i < len; i++)
        sum = (u8)(sum + ((const u8 *)p)[i]);
    *field = (u8)-sum;
}

static bool listed(u32 id, const u32 *ids, u32 n)
{
    for (u32 i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* A cell's CPU leaves the root's MADT altogether: an entry only marked disabled
 * would still count as a CPU the root may bring online later (Linux reserves it
 * as "hotplug"), and pxHV refuses every INIT-SIPI to it anyway. */
u32 acpi_madt_disable(struct acpi_madt *madt, const u32 *ids, u32 n)
{
    u8 *p = (u8 *)(madt + 1), *end = (u8 *)madt + madt->h.length;
    u32 removed = 0;
    while (p + sizeof(struct madt_entry) <= end) {
        struct madt_entry *e = (struct madt_entry *)p;
        if (e->length < sizeof *e || p + e->length > end)
            break;
        bool gone = false;
        if (e->type == MADT_LAPIC && e->length >= sizeof(struct madt_lapic))
            gone = listed(((struct madt_lapic *)p)->apic_id, ids, n);
        else if (e->type == MADT_X2APIC && e->length >= sizeof(struct madt_x2apic))
            gone = listed(((struct madt_x2apic *)p)->x2apic_id, ids, n);
        if (!gone) {
            p += e->length;
            continue;
        }
        u32 len = e->length;
        for (u8 *q = p; q + len < end; q++)     /* down over the entry: front to back */
            *q = q[len];
        end -= len;
        memset(end, 0, len);
        madt->h.length -= len;
        removed++;
    }
    if (removed)
        checksum_fix(madt, madt->h.length, &madt->h.checksum);
    return removed;
}

u32 mp_config_disable(struct mp_config *cfg, const u32 *ids, u32 n)
{
    u8 *p = (u8 *)(cfg + 1), *end = (u8 *)cfg + cfg->length;
    u32 changed = 0;
    for (u32 i = 0; i < cfg->entries && p < end; i++) {
        if (*p != 0) {
            p += 8;
            continue;
        }
        struct mp_processor *e = (struct mp_processor *)p;
        if (p + sizeof *e > end)
            break;
        if (listed(e->apic_id, ids, n) && (e->flags & MP_CPU_ENABLED)) {
            e->flags &= (u8)~MP_CPU_ENABLED;
            changed++;
        }
        p += sizeof *e;
    }
    if (changed)
        checksum_fix(cfg, cfg->length, &cfg->checksum);
    return changed;
}

u32 acpi_disable_cpus(const u32 *ids, u32 n)
{
    u32 done = 0;
    const struct acpi_rsdp *rsdp = find_rsdp();
    struct acpi_madt *madt = rsdp ? (struct acpi_madt *)find_table(rsdp, "APIC", 0) : NULL;
    if (madt && madt->h.length >= sizeof *madt && acpi_madt_disable(madt, ids, n))
        done |= BIT(0);
    const struct mp_floating *f = find_signed(0x5F504D5F /* "_MP_" */, 4, 16, 0xF0000);
    struct mp_config *cfg = f && f->config ? (struct mp_config *)(usize)f->config : NULL;
    if (cfg && !memcmp(cfg->sig, "PCMP", 4) && acpi_checksum_ok(cfg, cfg->length) &&
        mp_config_disable(cfg, ids, n))
        done |= BIT(1);
    return done;
}
