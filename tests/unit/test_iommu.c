// sources: stage3/lib/iommu_acpi.c stage3/lib/iommu_tables.c stage3/lib/pt.c stage3/lib/lib.c
/*
 * Unit tests for the IOMMU's pure logic (include/lib/iommu.h):
 *  - the DMAR and IVRS tables QEMU 7.2 builds for q35 with -device intel-iommu
 *    and -device amd-iommu (tests/unit/fixtures/, dumped from a real run, see
 *    the README there), parsed to the units, devices and ranges they name;
 *  - synthetic tables for what QEMU does not build: INCLUDE_PCI_ALL after a
 *    unit with scopes (VT-d 8.3), RMRRs (8.4), paths through bridges and
 *    sub-hierarchies (8.3.1), IVHD types 11h and 40h beside 10h for one IOMMU
 *    (AMD 5.2.2), ranges, aliases, special devices, IVMDs (5.2.3), and
 *    malformed tables;
 *  - the translation structures: VT-d second-stage tables and AMD-Vi I/O page
 *    tables from the one builder (lib/pt.c), each walked here the way the
 *    hardware walks them (VT-d 3.7 "Second-Stage Translation", AMD 2.2.3),
 *    independently of pt_lookup; root and context entries (9.1, 9.3); device
 *    table entries (2.2.2) and commands (2.4).
 */
#include "unit.h"
#include "lib/iommu.h"

#define KiB 0x400ULL
#define MiB 0x100000ULL
#define GiB 0x40000000ULL
#define PAGE 0x1000ULL

static u8 buf[8192];

static u32 load(const char *path, u8 *dst, u32 max)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s (run from the repository's top)\n", path);
        return 0;
    }
    u32 n = (u32)fread(dst, 1, max, f);
    fclose(f);
    return n;
}

static void fix_checksum(struct acpi_header *h)
{
    u8 sum = 0;
    h->checksum = 0;
    for (u32 i = 0; i < h->length; i++)
        sum += ((u8 *)h)[i];
    h->checksum = (u8)-sum;
}

static const struct iommu_dev *find_dev(const struct iommu_desc *d, u16 first, u8 kind)
{
    for (u32 i = 0; i < d->ndevs; i++)
        if (d->dev[i].first == first && d->dev[i].kind == kind)
            return &d->dev[i];
    return NULL;
}

/* ---------------- QEMU's tables ---------------- */

static void test_qemu_dmar(void)
{
    static struct iommu_desc d;
    u32 n = load("tests/unit/fixtures/qemu-q35-dmar.bin", buf, sizeof buf);
    CHECK_EQ(n, 120);
    const struct acpi_header *h = (const struct acpi_header *)buf;
    CHECK(dmar_parse(h, &d, NULL, NULL));
    CHECK(d.error == NULL);
    CHECK_EQ(d.kind, IOMMU_VTD);
    CHECK_EQ(d.addr_width, 39);            /* HAW 38 + 1 */
    CHECK_EQ(d.flags, DMAR_INTR_REMAP);
    CHECK_EQ(d.nunits, 1);
    CHECK_EQ(d.unit[0].base, 0xFED90000);
    CHECK_EQ(d.unit[0].reg_size, 4096);
    CHECK_EQ(d.unit[0].all, 0);            /* QEMU names every device instead */
    CHECK_EQ(d.ndevs, 7);
    CHECK(find_dev(&d, IOMMU_RID(0xFF, 0, 0), DEV_IOAPIC) != NULL);
    static const u16 eps[] = { IOMMU_RID(0, 0, 0), IOMMU_RID(0, 1, 0), IOMMU_RID(0, 2, 0),
                               IOMMU_RID(0, 0x1F, 0), IOMMU_RID(0, 0x1F, 2), IOMMU_RID(0, 0x1F, 3) };
    for (u32 i = 0; i < ARRAY_SIZE(eps); i++) {
        const struct iommu_dev *v = find_dev(&d, eps[i], DEV_ENDPOINT);
        CHECK(v != NULL);
        if (v)
            CHECK_EQ(v->last, eps[i]);
        CHECK_EQ(iommu_unit_of(&d, 0, eps[i]), 0);
    }
    CHECK_EQ(d.max_devid, IOMMU_RID(0, 0x1F, 3));   /* the I/O APIC's 0xFF00 does not count */
    CHECK_EQ(iommu_unit_of(&d, 0, IOMMU_RID(0, 5, 0)), -1);   /* named nowhere */
    CHECK_EQ(iommu_unit_of(&d, 1, IOMMU_RID(0, 2, 0)), -1);   /* another segment */
    u8 buses[32];
    iommu_buses(&d, buses);
    CHECK_EQ(buses[0], 1);
    u32 other = 0;
    for (u32 i = 1; i < 32; i++)
        other |= buses[i];
    CHECK_EQ(other, 0);
    CHECK_EQ(d.nresv, 0);

    /* One flipped byte: the checksum refuses it. */
    buf[0x40] ^= 1;
    CHECK(!dmar_parse(h, &d, NULL, NULL));
    CHECK(d.error && !strcmp(d.error, "bad checksum"));
}

static void test_qemu_ivrs(void)
{
    static struct iommu_desc d;
    u32 n = load("tests/unit/fixtures/qemu-q35-ivrs.bin", buf, sizeof buf);
    CHECK_EQ(n, 108);
    const struct acpi_header *h = (const struct acpi_header *)buf;
    CHECK(ivrs_parse(h, &d));
    CHECK(d.error == NULL);
    CHECK_EQ(d.kind, IOMMU_AMDVI);
    CHECK_EQ(d.addr_width, 40);            /* IVinfo PAsize */
    CHECK_EQ(d.nunits, 1);
    CHECK_EQ(d.unit[0].base, 0xFED80000);
    CHECK_EQ(d.unit[0].type, IVHD_10);
    CHECK_EQ(d.unit[0].devid, IOMMU_RID(0, 2, 0));   /* the IOMMU is 00:02.0 */
    CHECK_EQ(d.unit[0].cap_offset, 0x40);
    CHECK_EQ(d.unit[0].all, 0);
    static const u16 sel[] = { IOMMU_RID(0, 0, 0), IOMMU_RID(0, 1, 0), IOMMU_RID(0, 2, 0),
                               IOMMU_RID(0, 3, 0), IOMMU_RID(0, 0x1F, 0), IOMMU_RID(0, 0x1F, 2),
                               IOMMU_RID(0, 0x1F, 3) };
    for (u32 i = 0; i < ARRAY_SIZE(sel); i++) {
        CHECK(find_dev(&d, sel[i], DEV_ENDPOINT) != NULL);
        CHECK_EQ(iommu_unit_of(&d, 0, sel[i]), 0);
    }
    /* The I/O APIC as special device 00:14.0 (handle 0). */
    const struct iommu_dev *io = find_dev(&d, IOMMU_RID(0, 0x14, 0), DEV_IOAPIC);
    CHECK(io != NULL);
    CHECK_EQ(d.ndevs, 8);
    CHECK_EQ(d.max_devid, IOMMU_RID(0, 0x1F, 3));
    CHECK_EQ(amdvi_devtab_bytes(d.max_devid), 8192);
    CHECK_EQ(d.nresv, 0);
}

/* ---------------- synthetic DMAR ---------------- */

static u32 put(u32 off, const void *p, u32 len)
{
    memcpy(buf + off, p, len);
    return off + len;
}

static u32 scope(u32 off, u8 type, u8 enum_id, u8 bus, const u8 *path, u32 hops)
{
    struct dmar_scope s = { type, (u8)(sizeof s + 2 * hops), 0, 0, enum_id, bus };
    off = put(off, &s, sizeof s);
    return put(off, path, 2 * hops);
}

/* The fake PCI topology behind the resolver: a bridge at 00:1c.0 with buses
 * 2-4 behind it, and a bridge at 02:00.0 (behind it) with bus 3. */
static bool bridge(void *ctx, u8 bus, u8 dev, u8 fn, u8 *sec, u8 *sub)
{
    (*(u32 *)ctx)++;
    if (bus == 0 && dev == 0x1C && fn == 0) {
        *sec = 2, *sub = 4;
        return true;
    }
    if (bus == 2 && dev == 0 && fn == 0) {
        *sec = 3, *sub = 3;
        return true;
    }
    return false;
}

static void test_synthetic_dmar(void)
{
    static struct iommu_desc d;
    memset(buf, 0, sizeof buf);
    struct dmar_table *t = (struct dmar_table *)buf;
    memcpy(t->h.sig, "DMAR", 4);
    t->haw = 47;
    u32 off = sizeof *t;

    /* Unit 0 (graphics): 00:02.0 and, through the bridge at 00:1c.0, 02:00.0's
     * function 03:00.1; a sub-hierarchy at 00:1c.0 (buses 2-4). */
    u32 start = off;
    struct dmar_drhd h0 = { { DMAR_DRHD, 0 }, 0, 1, 0, 0xFED90000 };
    off = put(off, &h0, sizeof h0);
    off = scope(off, SCOPE_PCI_ENDPOINT, 0, 0, (const u8[]){ 2, 0 }, 1);
    off = scope(off, SCOPE_PCI_ENDPOINT, 0, 0, (const u8[]){ 0x1C, 0, 0, 0, 0, 1 }, 3);
    off = scope(off, SCOPE_PCI_SUBHIERARCHY, 0, 0, (const u8[]){ 0x1C, 0 }, 1);
    off = scope(off, SCOPE_PCI_ENDPOINT, 0, 0, (const u8[]){ 0x1D, 0, 1, 0 }, 2);   /* no bridge there */
    ((struct dmar_entry *)(buf + start))->length = (u16)(off - start);

    /* An ATSR (not used) between the units. */
    struct dmar_atsr a = { { DMAR_ATSR, sizeof a }, 0, 0, 0 };
    off = put(off, &a, sizeof a);

    /* Unit 1: INCLUDE_PCI_ALL, last for the segment, with the I/O APIC. */
    start = off;
    struct dmar_drhd h1 = { { DMAR_DRHD, 0 }, DRHD_INCLUDE_PCI_ALL, 0, 0, 0xFED91000 };
    off = put(off, &h1, sizeof h1);
    off = scope(off, SCOPE_IOAPIC, 2, 0xF0, (const u8[]){ 0x1F, 0 }, 1);
    ((struct dmar_entry *)(buf + start))->length = (u16)(off - start);

    /* RMRR for the USB controllers 00:14.0 and 00:1a.0 (legacy keyboard
     * emulation, the classic one). */
    start = off;
    struct dmar_rmrr r = { { DMAR_RMRR, 0 }, 0, 0, 0x7C000000, 0x7C01FFFF };
    off = put(off, &r, sizeof r);
    off = scope(off, SCOPE_PCI_ENDPOINT, 0, 0, (const u8[]){ 0x14, 0 }, 1);
    off = scope(off, SCOPE_PCI_ENDPOINT, 0, 0, (const u8[]){ 0x1A, 0 }, 1);
    ((struct dmar_entry *)(buf + start))->length = (u16)(off - start);

    t->h.length = off;
    fix_checksum(&t->h);

    u32 calls = 0;
    CHECK(dmar_parse(&t->h, &d, bridge, &calls));
    CHECK(d.error == NULL);
    CHECK(calls >= 3);
    CHECK_EQ(d.addr_width, 48);
    CHECK_EQ(d.nunits, 2);
    CHECK_EQ(d.unit[0].reg_size, 8192);    /* size 1: two pages */
    CHECK_EQ(d.unit[1].all, 1);
    CHECK_EQ(d.skipped, 1);                /* the ATSR */
    CHECK_EQ(d.unresolved, 1);             /* 00:1d.0 is no bridge */
    CHECK(find_dev(&d, IOMMU_RID(0, 2, 0), DEV_ENDPOINT) != NULL);
    CHECK(find_dev(&d, IOMMU_RID(3, 0, 1), DEV_ENDPOINT) != NULL);
    const struct iommu_dev *sub = find_dev(&d, IOMMU_RID(2, 0, 0), DEV_BUSES);
    CHECK(sub != NULL);
    if (sub)
        CHECK_EQ(sub->last, IOMMU_RID(4, 31, 7));
    CHECK(find_dev(&d, IOMMU_RID(0xF0, 0x1F, 0), DEV_IOAPIC) != NULL);
    /* Named devices go to unit 0, the rest of the segment to unit 1. */
    CHECK_EQ(iommu_unit_of(&d, 0, IOMMU_RID(0, 2, 0)), 0);
    CHECK_EQ(iommu_unit_of(&d, 0, IOMMU_RID(3, 0, 1)), 0);
    CHECK_EQ(iommu_unit_of(&d, 0, IOMMU_RID(4, 7, 0)), 0);    /* in the sub-hierarchy */
    CHECK_EQ(iommu_unit_of(&d, 0, IOMMU_RID(0, 3, 0)), 1);
    CHECK_EQ(iommu_unit_of(&d, 0, IOMMU_RID(5, 0, 0)), 1);
    CHECK_EQ(iommu_unit_of(&d, 1, IOMMU_RID(0, 3, 0)), -1);
    CHECK_EQ(d.nresv, 1);
    CHECK_EQ(d.resv[0].base, 0x7C000000);
    CHECK_EQ(d.resv[0].end, 0x7C020000);
    CHECK_EQ(d.resv[0].first, IOMMU_RID(0, 0x14, 0));
    CHECK_EQ(d.resv[0].last, IOMMU_RID(0, 0x1A, 0));
    u8 buses[32];
    iommu_buses(&d, buses);
    CHECK_EQ(buses[0], 0x1D);              /* buses 0, 2, 3, 4 */

    /* Without a resolver the paths through bridges are unresolved. */
    CHECK(dmar_parse(&t->h, &d, NULL, NULL));
    CHECK_EQ(d.unresolved, 3);

    /* A structure longer than the table: refused where it starts, what
     * came before kept. */
    ((struct dmar_entry *)(buf + start))->length = 0x400;
    fix_checksum(&t->h);
    CHECK(dmar_parse(&t->h, &d, bridge, &calls));
    CHECK(d.error != NULL);
    CHECK_EQ(d.nunits, 2);
    CHECK_EQ(d.nresv, 0);

    /* No unit at all: refused. */
    t->h.length = sizeof *t;
    fix_checksum(&t->h);
    CHECK(!dmar_parse(&t->h, &d, NULL, NULL));
    CHECK(d.error != NULL);
    /* Another signature. */
    memcpy(t->h.sig, "XMAR", 4);
    CHECK(!dmar_parse(&t->h, &d, NULL, NULL));
}

/* More units and devices than the description holds: counted, not written. */
static void test_dmar_overflow(void)
{
    static struct iommu_desc d;
    memset(buf, 0, sizeof buf);
    struct dmar_table *t = (struct dmar_table *)buf;
    memcpy(t->h.sig, "DMAR", 4);
    u32 off = sizeof *t;
    for (u32 u = 0; u < IOMMU_MAX_UNITS + 2; u++) {
        u32 start = off;
        struct dmar_drhd h = { { DMAR_DRHD, 0 }, 0, 0, 0, 0xFED00000 + u * 0x1000 };
        off = put(off, &h, sizeof h);
        for (u32 k = 0; k < 10; k++)
            off = scope(off, SCOPE_PCI_ENDPOINT, 0, (u8)u, (const u8[]){ (u8)k, 0 }, 1);
        ((struct dmar_entry *)(buf + start))->length = (u16)(off - start);
    }
    t->h.length = off;
    fix_checksum(&t->h);
    CHECK(dmar_parse(&t->h, &d, NULL, NULL));
    CHECK_EQ(d.nunits, IOMMU_MAX_UNITS);
    CHECK_EQ(d.ndevs, IOMMU_MAX_DEVS);
    CHECK_EQ(d.dropped, 2 + (IOMMU_MAX_UNITS * 10 - IOMMU_MAX_DEVS));
}

/* ---------------- synthetic IVRS ---------------- */

static u32 dev4(u32 off, u8 type, u16 devid)
{
    struct ivhd_dev4 e = { type, devid, 0 };
    return put(off, &e, sizeof e);
}

static u32 dev8(u32 off, u8 type, u16 devid, u8 d0, u16 d1, u8 d2)
{
    struct ivhd_dev8 e = { type, devid, 0, d0, d1, d2 };
    return put(off, &e, sizeof e);
}

static void test_synthetic_ivrs(void)
{
    static struct iommu_desc d;
    memset(buf, 0, sizeof buf);
    struct ivrs_table *t = (struct ivrs_table *)buf;
    memcpy(t->h.sig, "IVRS", 4);
    t->h.revision = 2;
    t->ivinfo = (48u << 8) | (64u << 15) | IVINFO_EFR_SUP;
    u32 off = sizeof *t;

    /* IOMMU A (00:00.2) as type 10h: its device list must be ignored,
     * because a type 11h block follows for the same IOMMU. */
    u32 start = off;
    struct ivhd_10 a10 = { { IVHD_10, 0xB0, 0 }, IOMMU_RID(0, 0, 2), 0x40, 0xFD200000, 0, 0, 0 };
    off = put(off, &a10, sizeof a10);
    off = dev4(off, IVHD_DEV_ALL, 0);
    ((struct ivrs_block *)(buf + start))->length = (u16)(off - start);

    start = off;
    struct ivhd_11 a11 = { { { IVHD_11, 0x30, 0 }, IOMMU_RID(0, 0, 2), 0x40, 0xFD200000, 0, 0, 0 },
                           0x246577EFA2254AFAULL, 0 };
    off = put(off, &a11, sizeof a11);
    off = dev4(off, IVHD_DEV_SELECT, IOMMU_RID(0, 0, 0));
    off = dev4(off, IVHD_DEV_RANGE_START, IOMMU_RID(0, 1, 0));
    off = dev4(off, IVHD_DEV_RANGE_END, IOMMU_RID(0, 1, 7));
    off = dev8(off, IVHD_DEV_ALIAS_SELECT, IOMMU_RID(5, 0, 0), 0, IOMMU_RID(0, 0x14, 4), 0);
    off = dev8(off, IVHD_DEV_ALIAS_RANGE, IOMMU_RID(6, 0, 0), 0, IOMMU_RID(0, 0x14, 5), 0);
    off = dev4(off, IVHD_DEV_RANGE_END, IOMMU_RID(6, 31, 7));
    off = dev8(off, IVHD_DEV_EXT_SELECT, IOMMU_RID(0, 8, 1), 0, 0, 0);
    off = dev8(off, IVHD_DEV_SPECIAL, 0, 0x21, IOMMU_RID(0, 0x14, 0), IVHD_SPECIAL_IOAPIC);
    off = dev8(off, IVHD_DEV_SPECIAL, 0, 0x00, IOMMU_RID(0, 0x14, 0), IVHD_SPECIAL_HPET);
    off = dev4(off, IVHD_DEV_PAD, 0);
    ((struct ivrs_block *)(buf + start))->length = (u16)(off - start);

    /* IOMMU B (0x40:00.2) as type 40h only, with an ACPI HID device (F0h,
     * 22 bytes + a 4-byte UID) and a range. */
    start = off;
    struct ivhd_11 b40 = { { { IVHD_40, 0x30, 0 }, IOMMU_RID(0x40, 0, 2), 0x40, 0xFD300000, 0, 0, 0 },
                           0x1234, 0x5678 };
    off = put(off, &b40, sizeof b40);
    u8 hid[26] = { IVHD_DEV_ACPI_HID, 0xA5, 0x00, 0 };    /* 00:14.5 */
    memcpy(hid + 4, "AMDI0020", 8);
    hid[20] = 2;                 /* UID format: string */
    hid[21] = 4;                 /* UID length */
    memcpy(hid + 22, "\\_SB", 4);
    off = put(off, hid, sizeof hid);
    off = dev4(off, IVHD_DEV_RANGE_START, IOMMU_RID(0x41, 0, 0));
    off = dev4(off, IVHD_DEV_RANGE_END, IOMMU_RID(0x42, 31, 7));
    ((struct ivrs_block *)(buf + start))->length = (u16)(off - start);

    /* IVMDs: for everybody, for one device, for a range. */
    struct ivmd m20 = { { IVMD_ALL, IVMD_UNITY | IVMD_IR | IVMD_IW, sizeof m20 }, 0, 0, 0,
                        0xA0000000, 0x100000 };
    off = put(off, &m20, sizeof m20);
    struct ivmd m21 = { { IVMD_SELECT, IVMD_EXCLUSION, sizeof m21 }, IOMMU_RID(0, 8, 1), 0, 0,
                        0xB0000800, 0x800 };
    off = put(off, &m21, sizeof m21);
    struct ivmd m22 = { { IVMD_RANGE, IVMD_UNITY | IVMD_IR, sizeof m22 }, IOMMU_RID(0x41, 0, 0),
                        IOMMU_RID(0x41, 31, 7), 0, 0xC0000000, 0x2000 };
    off = put(off, &m22, sizeof m22);
    t->h.length = off;
    fix_checksum(&t->h);

    CHECK(ivrs_parse(&t->h, &d));
    CHECK(d.error == NULL);
    CHECK_EQ(d.addr_width, 48);
    CHECK_EQ(d.nunits, 2);
    CHECK_EQ(d.unit[0].type, IVHD_11);
    CHECK_EQ(d.unit[0].all, 0);            /* the 10h block's ALL entry was not taken */
    CHECK_EQ(d.unit[0].efr, 0x246577EFA2254AFAULL);
    CHECK_EQ(d.unit[0].base, 0xFD200000);
    CHECK_EQ(d.unit[1].type, IVHD_40);
    CHECK_EQ(d.unit[1].devid, IOMMU_RID(0x40, 0, 2));
    CHECK_EQ(d.skipped, 1);                /* the 10h block */

    const struct iommu_dev *v = find_dev(&d, IOMMU_RID(0, 1, 0), DEV_ENDPOINT);
    CHECK(v && v->last == IOMMU_RID(0, 1, 7) && v->alias == IOMMU_RID(0, 1, 0));
    v = find_dev(&d, IOMMU_RID(5, 0, 0), DEV_ENDPOINT);
    CHECK(v && v->last == IOMMU_RID(5, 0, 0) && v->alias == IOMMU_RID(0, 0x14, 4));
    v = find_dev(&d, IOMMU_RID(6, 0, 0), DEV_ENDPOINT);
    CHECK(v && v->last == IOMMU_RID(6, 31, 7) && v->alias == IOMMU_RID(0, 0x14, 5));
    CHECK(find_dev(&d, IOMMU_RID(0, 8, 1), DEV_ENDPOINT) != NULL);
    CHECK(find_dev(&d, IOMMU_RID(0, 0x14, 0), DEV_IOAPIC) != NULL);
    CHECK(find_dev(&d, IOMMU_RID(0, 0x14, 0), DEV_HPET) != NULL);
    CHECK(find_dev(&d, IOMMU_RID(0, 0x14, 0), DEV_ACPI) == NULL);
    CHECK(find_dev(&d, IOMMU_RID(0, 0x14, 5), DEV_ACPI) != NULL);
    v = find_dev(&d, IOMMU_RID(0x41, 0, 0), DEV_ENDPOINT);
    CHECK(v && v->unit == 1 && v->last == IOMMU_RID(0x42, 31, 7));
    CHECK_EQ(d.max_devid, IOMMU_RID(0x42, 31, 7));
    CHECK_EQ(iommu_unit_of(&d, 0, IOMMU_RID(6, 3, 0)), 0);
    CHECK_EQ(iommu_unit_of(&d, 0, IOMMU_RID(0x42, 3, 0)), 1);
    CHECK_EQ(iommu_unit_of(&d, 0, IOMMU_RID(0x43, 0, 0)), -1);
    u8 buses[32];
    iommu_buses(&d, buses);
    CHECK_EQ(buses[0], 0x61);              /* 0, 5, 6 */
    CHECK_EQ(buses[8], 0x06);              /* 0x41, 0x42; the IOMMU's own 0x40 is named by no entry */

    CHECK_EQ(d.nresv, 3);
    CHECK(d.resv[0].all && d.resv[0].base == 0xA0000000 && d.resv[0].end == 0xA0100000);
    CHECK(!d.resv[1].all && d.resv[1].first == IOMMU_RID(0, 8, 1) &&
          d.resv[1].last == IOMMU_RID(0, 8, 1));
    CHECK_EQ(d.resv[1].base, 0xB0000000);  /* widened to whole pages */
    CHECK_EQ(d.resv[1].end, 0xB0001000);
    CHECK_EQ(d.resv[1].flags, IVMD_EXCLUSION);
    CHECK(d.resv[2].first == IOMMU_RID(0x41, 0, 0) && d.resv[2].last == IOMMU_RID(0x41, 31, 7));

    /* An unknown variable-length entry stops the walk of its block only. */
    buf[sizeof *t + sizeof a10 + 4 + sizeof a11] = 0x90;
    fix_checksum(&t->h);
    CHECK(ivrs_parse(&t->h, &d));
    CHECK_EQ(d.nunits, 2);
    CHECK(find_dev(&d, IOMMU_RID(0, 0, 0), DEV_ENDPOINT) == NULL);
    CHECK(find_dev(&d, IOMMU_RID(0x41, 0, 0), DEV_ENDPOINT) != NULL);

    /* A block overrunning the table. */
    ((struct ivrs_block *)(buf + sizeof *t))->length = 0x4000;
    fix_checksum(&t->h);
    CHECK(!ivrs_parse(&t->h, &d));
    CHECK(d.error != NULL);
}

/* ---------------- translation structures ---------------- */

#define POOL_PAGES 96
static u64 pool[POOL_PAGES][512] ALIGNED(4096);
static u32 pool_used;

static u64 *pool_alloc(void *ctx)
{
    (void)ctx;
    if (pool_used >= POOL_PAGES)
        return NULL;
    memset(pool[pool_used], 0, 4096);
    return pool[pool_used++];
}

static bool in_pool(u64 pa)
{
    return pa >= (u64)(usize)pool[0] && pa < (u64)(usize)pool[POOL_PAGES] && !(pa & 0xFFF);
}

/* The holes of a 256 MiB QEMU machine under pxHV: the region at the top of
 * RAM and the INT 15h hook's page. */
static const struct iommu_hole holes[] = { { 0xFFB5000, 0x3B000 }, { 0x9E000, 0x1000 } };

static bool in_hole(u64 a)
{
    for (u32 i = 0; i < ARRAY_SIZE(holes); i++)
        if (a >= holes[i].base && a < holes[i].base + holes[i].len)
            return true;
    return false;
}

/*
 * The VT-d second-stage walk (VT-d 3.7, 9.8): from the root named by the
 * context entry, an entry with R and W clear ends the walk (not present),
 * bit 7 at the PDPE/PDE level makes a 1 GiB/2 MiB page; reserved bits (52
 * and up but the ignored ones, and SNP without snoop control) must be zero.
 * Returns the rights (bits 1:0) and the translated address, or 0.
 */
static u32 vtd_walk(u64 root, int levels, u64 addr, u64 *pa, u32 *bad)
{
    u64 table = root;
    for (int level = levels; level >= 1; level--) {
        const u64 *t = (const u64 *)(usize)table;
        u64 e = t[(addr >> (12 + 9 * (level - 1))) & 511];
        if (!(e & (VTD_SL_R | VTD_SL_W))) {
            if (e)
                (*bad)++;           /* not present must be all zero */
            return 0;
        }
        if ((e >> 52) & 0x3FF || e & BIT(11))
            (*bad)++;
        bool leaf = level == 1 || ((level == 2 || level == 3) && (e & VTD_SL_PS));
        if (leaf) {
            u64 size = 1ULL << (12 + 9 * (level - 1));
            if (e & (size - 1) & PT_ADDR_MASK)
                (*bad)++;           /* a large page's address must be aligned */
            if (e & 0x7C)
                (*bad)++;           /* X, EMT, IPAT: left zero */
            *pa = (e & PT_ADDR_MASK & ~(size - 1)) | (addr & (size - 1));
            return (u32)(e & 3);
        }
        if ((e & 3) != 3 || (e & 0xFFC))
            (*bad)++;               /* table entries: R and W, nothing else */
        table = e & PT_ADDR_MASK;
        if (!in_pool(table)) {
            (*bad)++;
            return 0;
        }
    }
    return 0;
}

/*
 * The AMD-Vi host walk (AMD 2.2.3): each entry's next-level field says what
 * it points to: the next table one level down, or 0 for a page of the
 * current level's size.  Table entries carry IR and IW (the rights are
 * ANDed along the walk).  Returns IR | IW << 1 of the leaf, or 0.
 */
static u32 amdvi_walk(u64 root, int levels, u64 addr, u64 *pa, u32 *bad)
{
    u64 table = root;
    for (int level = levels; level >= 1; level--) {
        const u64 *t = (const u64 *)(usize)table;
        u64 e = t[(addr >> (12 + 9 * (level - 1))) & 511];
        if (!(e & AMDVI_PTE_PR)) {
            if (e)
                (*bad)++;
            return 0;
        }
        if ((e >> 52) & 0x7F)
            (*bad)++;               /* bits 58:52 reserved */
        u32 next = (u32)((e & AMDVI_PTE_NEXT) >> AMDVI_PTE_NEXT_SHIFT);
        if (next == 0) {
            u64 size = 1ULL << (12 + 9 * (level - 1));
            if (level == 4 || (e & (size - 1) & PT_ADDR_MASK))
                (*bad)++;
            *pa = (e & PT_ADDR_MASK & ~(size - 1)) | (addr & (size - 1));
            return (u32)((e >> 61) & 3);
        }
        if (next != (u32)level - 1 || !(e & AMDVI_PTE_IR) || !(e & AMDVI_PTE_IW))
            (*bad)++;
        table = e & PT_ADDR_MASK;
        if (!in_pool(table)) {
            (*bad)++;
            return 0;
        }
    }
    (*bad)++;                       /* level 1 entries must have next level 0 */
    return 0;
}

typedef u32 (*walk_fn)(u64 root, int levels, u64 addr, u64 *pa, u32 *bad);

/* Every page near the holes, and one page in each 2 MiB elsewhere, up to top. */
static u32 verify_map(walk_fn walk, u64 root, int levels, u64 top)
{
    u32 bad = 0;
    for (u64 a = 0; a < top; a += PAGE) {
        bool near = false;
        for (u32 i = 0; i < ARRAY_SIZE(holes); i++)
            near |= a + 4 * MiB > holes[i].base && a < holes[i].base + holes[i].len + 4 * MiB;
        if (!near && (a & (2 * MiB - 1)) != 0x5000)
            continue;
        u64 pa = ~0ULL;
        u32 rights = walk(root, levels, a + 0x123, &pa, &bad);
        if (in_hole(a)) {
            if (rights)
                bad++;
        } else if (rights != 3 || pa != a + 0x123) {
            bad++;
        }
    }
    u64 pa;
    if (walk(root, levels, top, &pa, &bad) || walk(root, levels, top + 7 * GiB, &pa, &bad))
        bad++;                      /* nothing mapped from top on */
    return bad;
}

static void test_vtd_tables(void)
{
    struct iommu_map m = { holes, ARRAY_SIZE(holes) };
    u64 top = 4 * GiB;

    /* QEMU's default intel-iommu: SAGAW 39-bit only, 2 MiB and 1 GiB pages. */
    u64 cap = (2ULL << 8) | VTD_CAP_SLLPS_2M | VTD_CAP_SLLPS_1G | (38ULL << 16);
    u8 aw = 0;
    int levels = vtd_levels_for(cap, top, &aw);
    CHECK_EQ(levels, 3);
    CHECK_EQ(aw, 1);
    CHECK_EQ(vtd_levels_for(cap, 1024 * GiB, &aw), -1);
    CHECK_EQ(vtd_levels_for(cap | (4ULL << 8), top, &aw), 4);
    CHECK_EQ(aw, 2);
    CHECK_EQ(vtd_levels_for(0, top, &aw), -1);

    pool_used = 0;
    struct pt_builder b = {
        .fmt = &pt_vtd, .classify = iommu_classify, .alloc = pool_alloc, .ctx = &m,
        .allow_1g = cap & VTD_CAP_SLLPS_1G, .allow_2m = cap & VTD_CAP_SLLPS_2M,
    };
    u64 *pml4 = pt_build(&b, top);
    CHECK(pml4 != NULL);
    if (!pml4)
        return;
    /* Both holes are in the first GiB, in two different 2 MiB pages: PML4,
     * PDPT, one PD, two PTs; 1 GiB pages from 1 to 4 GiB. */
    CHECK_EQ(b.tables, 5);
    CHECK_EQ(b.leaves[2], 3);
    CHECK_EQ(pool_used, 5);
    u64 *l3 = iommu_pt_root(pml4, &pt_vtd, 3);
    CHECK(l3 != NULL && l3 != pml4);
    CHECK_EQ(verify_map(vtd_walk, (u64)(usize)l3, 3, top), 0);
    CHECK_EQ(verify_map(vtd_walk, (u64)(usize)pml4, 4, top), 0);
    /* pt_lookup agrees with the walk in this format. */
    u64 size = 0;
    CHECK_EQ(pt_lookup(&pt_vtd, pml4, 0xFFB5000, &size), 0);
    CHECK_EQ(size, PAGE);
    CHECK_EQ(pt_lookup(&pt_vtd, pml4, 0xFFB4000, &size), 0xFFB4000 | 3);
    CHECK_EQ(pt_lookup(&pt_vtd, pml4, 0x80000000, &size), 0x80000000 | 3 | VTD_SL_PS);
    CHECK_EQ(size, GiB);

    /* Without large pages (CAP.SLLPS 0): every 4 KiB page has its entry. */
    pool_used = 0;
    b.allow_1g = b.allow_2m = false;
    pml4 = pt_build(&b, 64 * MiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.tables, 1 + 1 + 1 + 32);
    CHECK_EQ(b.leaves[0], 64 * MiB / PAGE - 1);  /* all but the hook's page */
    CHECK_EQ(b.leaves[1] + b.leaves[2], 0);

    /* Root and context tables for bus 0 and bus 3. */
    pool_used = 0;
    u8 buses[32] = { 0x09 };
    u32 tables = 0;
    u64 sl = (u64)(usize)pool[40];
    struct vtd_root_entry *root = vtd_build_context(buses, sl, 3, 1, pool_alloc, NULL, &tables);
    CHECK(root != NULL);
    CHECK_EQ(tables, 3);
    if (!root)
        return;
    CHECK_EQ(sizeof(struct vtd_root_entry), 16);
    CHECK_EQ(sizeof(struct vtd_context_entry), 16);
    CHECK(root[0].lo & VTD_RE_P);
    CHECK(in_pool(root[0].lo & PT_ADDR_MASK));
    CHECK_EQ(root[0].hi, 0);
    CHECK_EQ(root[1].lo, 0);
    CHECK(root[3].lo & VTD_RE_P);
    const struct vtd_context_entry *ce = vtd_context_of(root, IOMMU_RID(0, 3, 0));
    CHECK(ce != NULL);
    if (ce) {
        CHECK_EQ(ce->lo, sl | VTD_CE_P);   /* TT 00b, FPD clear */
        CHECK_EQ(ce->hi, 1 | (1 << 8));    /* AW 1 (39-bit), domain 1 */
    }
    ce = vtd_context_of(root, IOMMU_RID(3, 31, 7));
    CHECK(ce && ce->lo == (sl | VTD_CE_P));
    CHECK(vtd_context_of(root, IOMMU_RID(2, 0, 0)) == NULL);
    /* Refusals: an unaligned root, an unknown depth, no memory. */
    CHECK(vtd_build_context(buses, sl | 8, 3, 1, pool_alloc, NULL, &tables) == NULL);
    CHECK(vtd_build_context(buses, sl, 5, 1, pool_alloc, NULL, &tables) == NULL);
    pool_used = POOL_PAGES - 1;
    CHECK(vtd_build_context(buses, sl, 4, 1, pool_alloc, NULL, &tables) == NULL);
}

static void test_amdvi_tables(void)
{
    struct iommu_map m = { holes, ARRAY_SIZE(holes) };
    u64 top = 4 * GiB;

    pool_used = 0;
    struct pt_builder b = {
        .fmt = &pt_amdvi, .classify = iommu_classify, .alloc = pool_alloc, .ctx = &m,
        .allow_1g = true, .allow_2m = true,
    };
    u64 *pml4 = pt_build(&b, top);
    CHECK(pml4 != NULL);
    if (!pml4)
        return;
    CHECK_EQ(b.tables, 5);
    CHECK_EQ(verify_map(amdvi_walk, (u64)(usize)pml4, 4, top), 0);
    u64 *l3 = iommu_pt_root(pml4, &pt_amdvi, 3);
    CHECK(l3 != NULL);
    CHECK_EQ(verify_map(amdvi_walk, (u64)(usize)l3, 3, top), 0);
    /* Table entries name the level below; leaves have level 0 at any size. */
    CHECK_EQ((pml4[0] >> 9) & 7, 3);
    CHECK_EQ((l3[0] >> 9) & 7, 2);
    CHECK_EQ(l3[1], 1 * GiB | AMDVI_PTE_PR | AMDVI_PTE_IR | AMDVI_PTE_IW);
    u64 size = 0;
    CHECK_EQ(pt_lookup(&pt_amdvi, pml4, 0x40000000 + 0x1234, &size),
             1 * GiB | AMDVI_PTE_PR | AMDVI_PTE_IR | AMDVI_PTE_IW);
    CHECK_EQ(size, GiB);
    CHECK_EQ(pt_lookup(&pt_amdvi, pml4, 0xFFB5000, &size), 0);
    CHECK_EQ(pt_lookup(&pt_amdvi, pml4, 0x200000, &size),
             0x200000 | AMDVI_PTE_PR | AMDVI_PTE_IR | AMDVI_PTE_IW);
    CHECK_EQ(size, 2 * MiB);

    /* Device table entry. */
    struct amdvi_dte e;
    CHECK_EQ(sizeof e, 32);
    memset(&e, 0xFF, sizeof e);
    amdvi_dte_translate(&e, (u64)(usize)pml4, 4, 1);
    CHECK_EQ(e.q[0], (u64)(usize)pml4 | (4ULL << 9) | BIT(61) | BIT(62) | 3);
    CHECK_EQ(e.q[1], 1);
    CHECK_EQ(e.q[2], 0);
    CHECK_EQ(e.q[3], 0);
    CHECK_EQ(amdvi_devtab_bytes(0), 4096);
    CHECK_EQ(amdvi_devtab_bytes(127), 4096);
    CHECK_EQ(amdvi_devtab_bytes(128), 8192);
    CHECK_EQ(amdvi_devtab_bytes(0xFFFF), 2 * MiB);

    /* Commands (AMD 2.4.1-2.4.3). */
    struct amdvi_cmd c;
    CHECK_EQ(sizeof c, 16);
    amdvi_cmd_completion_wait(&c, 0xFFB6008, 0x1122334455667788ULL);
    CHECK_EQ(c.q[0], (1ULL << 60) | 0xFFB6008 | 1);
    CHECK_EQ(c.q[1], 0x1122334455667788ULL);
    amdvi_cmd_invalidate_devtab(&c, IOMMU_RID(0, 3, 0));
    CHECK_EQ(c.q[0], (2ULL << 60) | 0x18);
    CHECK_EQ(c.q[1], 0);
    amdvi_cmd_invalidate_pages(&c, 1);
    CHECK_EQ(c.q[0], (3ULL << 60) | (1ULL << 32));
    CHECK_EQ(c.q[1], 0x7FFFFFFFFFFFF003ULL);

    /* Event log entries as the IOMMU writes them (2.5.3 IO_PAGE_FAULT). */
    struct amdvi_event ev = { { (2ULL << 60) | (0x20ULL << 48) | 0x18, 0xFFB5000 } };
    CHECK_EQ(AMDVI_EVENT_CODE(&ev), AMDVI_EV_IO_PAGE_FAULT);
    CHECK_EQ(AMDVI_EVENT_DEVID(&ev), 0x18);
    CHECK(AMDVI_EVENT_FLAGS(&ev) & AMDVI_EVF_RW);
}

/* The pages the early start adds to the region, for QEMU's two tables on a
 * 256 MiB machine (map up to 4 GiB) and for a larger, multi-bus case. */
static void test_pages_needed(void)
{
    static struct iommu_desc d;
    u8 buses[32];

    load("tests/unit/fixtures/qemu-q35-dmar.bin", buf, sizeof buf);
    CHECK(dmar_parse((const struct acpi_header *)buf, &d, NULL, NULL));
    iommu_buses(&d, buses);
    /* root + 1 context table + 1 invalidation queue + the all-ones page +
     * PML4 + PDPT + 3 PDs + 6 PTs */
    CHECK_EQ(iommu_pages_needed(&d, buses, 4 * GiB, true), 1 + 1 + 1 + 1 + 1 + 1 + 3 + 6);
    /* without 1 GiB pages a directory per GiB */
    CHECK_EQ(iommu_pages_needed(&d, buses, 4 * GiB, false), 1 + 1 + 1 + 1 + 1 + 1 + 4 + 6);
    CHECK(iommu_pages_needed(&d, buses, 4 * GiB, false) * 4096 <= 64 * KiB);

    load("tests/unit/fixtures/qemu-q35-ivrs.bin", buf, sizeof buf);
    CHECK(ivrs_parse((const struct acpi_header *)buf, &d));
    iommu_buses(&d, buses);
    /* device table (2 pages for bus 0) + command buffer + event log + the
     * all-ones page + tables */
    CHECK_EQ(iommu_pages_needed(&d, buses, 4 * GiB, true), 2 + 2 + 1 + 1 + 1 + 3 + 6);
    CHECK(iommu_pages_needed(&d, buses, 4 * GiB, true) * 4096 <= 64 * KiB);

    /* Buses 0 and 5 on AMD: the device table reaches 05:1f.7 (12 pages);
     * 64 GiB of RAM without 1 GiB pages on VT-d: 64 directories. */
    memset(buses, 0, sizeof buses);
    buses[0] = 0x21;
    CHECK_EQ(iommu_pages_needed(&d, buses, 4 * GiB, true), 12 + 2 + 1 + 1 + 1 + 3 + 6);
    d.kind = IOMMU_VTD;
    CHECK_EQ(iommu_pages_needed(&d, buses, 64 * GiB, false), 1 + 2 + 1 + 1 + 1 + 1 + 64 + 6);
    d.kind = IOMMU_NONE;
    CHECK_EQ(iommu_pages_needed(&d, buses, 4 * GiB, true), 0);
}

/* The classifier alone: holes split what they straddle. */
static void test_classify(void)
{
    struct iommu_map m = { holes, ARRAY_SIZE(holes) };
    struct pt_attr a = iommu_classify(&m, 0, GiB);
    CHECK(a.mixed);
    a = iommu_classify(&m, GiB, GiB);
    CHECK(!a.mixed && a.perms == (PT_R | PT_W));
    a = iommu_classify(&m, 0xFFB5000, PAGE);
    CHECK(!a.mixed && a.perms == 0);
    a = iommu_classify(&m, 0xFFB4000, 2 * PAGE);
    CHECK(a.mixed);
    struct iommu_map none = { NULL, 0 };
    a = iommu_classify(&none, 0, 4 * GiB);
    CHECK(!a.mixed && a.perms == (PT_R | PT_W));
}

int main(void)
{
    test_qemu_dmar();
    test_qemu_ivrs();
    test_synthetic_dmar();
    test_dmar_overflow();
    test_synthetic_ivrs();
    test_classify();
    test_pages_needed();
    test_vtd_tables();
    test_amdvi_tables();
    return unit_done("iommu");
}
