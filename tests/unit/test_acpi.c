// sources: stage3/core/acpi.c stage3/lib/lib.c
/*
 * Unit tests for the ACPI parsers (stage3/core/acpi.c) on synthetic tables:
 * the MADT's processor entries (ACPI 6.5 5.2.12) and the DSDT's \_S5
 * package (7.4.2), and the checksum rule (5.2.6).
 */
#include "unit.h"
#include "hw/acpi.h"

static u8 buf[4096];

/* A MADT with the given entries appended (each `len` bytes). */
static struct acpi_madt *madt_begin(void)
{
    memset(buf, 0, sizeof buf);
    struct acpi_madt *m = (struct acpi_madt *)buf;
    memcpy(m->h.sig, "APIC", 4);
    m->h.length = sizeof *m;
    m->lapic_addr = 0xFEE00000;
    return m;
}

static void add_lapic(struct acpi_madt *m, u8 uid, u8 id, u32 flags)
{
    struct madt_lapic *l = (struct madt_lapic *)(buf + m->h.length);
    l->e.type = MADT_LAPIC;
    l->e.length = sizeof *l;
    l->uid = uid;
    l->apic_id = id;
    l->flags = flags;
    m->h.length += sizeof *l;
}

static void add_x2apic(struct acpi_madt *m, u32 id, u32 flags)
{
    struct madt_x2apic *x = (struct madt_x2apic *)(buf + m->h.length);
    x->e.type = MADT_X2APIC;
    x->e.length = sizeof *x;
    x->x2apic_id = id;
    x->flags = flags;
    m->h.length += sizeof *x;
}

static void test_madt(void)
{
    struct acpi_cpus c;
    struct acpi_madt *m = madt_begin();

    add_lapic(m, 0, 0, MADT_ENABLED);
    add_lapic(m, 1, 1, MADT_ENABLED);
    add_lapic(m, 2, 2, 0);                          /* neither: not usable  */
    add_lapic(m, 3, 6, MADT_ONLINE_CAPABLE);        /* hot-pluggable: usable */
    /* An I/O APIC entry (type 1, 12 bytes) between them is skipped. */
    buf[m->h.length] = 1;
    buf[m->h.length + 1] = 12;
    m->h.length += 12;
    add_x2apic(m, 0x100, MADT_ENABLED);
    add_x2apic(m, 1, MADT_ENABLED);                 /* named twice: counted once */
    acpi_parse_madt(m, &c);
    CHECK_EQ(c.count, 4);
    CHECK_EQ(c.listed, 4);
    CHECK_EQ(c.apic_id[0], 0);
    CHECK_EQ(c.apic_id[1], 1);
    CHECK_EQ(c.apic_id[2], 6);
    CHECK_EQ(c.apic_id[3], 0x100);
    CHECK(!c.x2apic[2]);
    CHECK(c.x2apic[3]);

    /* A truncated entry ends the walk instead of reading past the table. */
    m = madt_begin();
    add_lapic(m, 0, 0, MADT_ENABLED);
    buf[m->h.length] = MADT_LAPIC;
    buf[m->h.length + 1] = 40;                      /* claims more than is left */
    m->h.length += 4;
    acpi_parse_madt(m, &c);
    CHECK_EQ(c.count, 1);
    /* A zero length ends it too (it would loop forever). */
    m = madt_begin();
    buf[m->h.length] = MADT_LAPIC;
    m->h.length += 8;
    acpi_parse_madt(m, &c);
    CHECK_EQ(c.count, 0);

    /* More CPUs than the build-time maximum: the first ones are kept, all counted. */
    m = madt_begin();
    for (u32 i = 0; i < PXHV_MAX_CPUS + 5; i++)
        add_x2apic(m, 10 + i, MADT_ENABLED);
    acpi_parse_madt(m, &c);
    CHECK_EQ(c.count, PXHV_MAX_CPUS);
    CHECK_EQ(c.listed, PXHV_MAX_CPUS + 5);
    CHECK_EQ(c.apic_id[PXHV_MAX_CPUS - 1], 10 + PXHV_MAX_CPUS - 1);
}

/* A DSDT whose AML is `prefix` + "_S5_" + `pkg`. */
static struct acpi_header *dsdt(const u8 *prefix, u32 plen, const u8 *pkg, u32 klen)
{
    memset(buf, 0, sizeof buf);
    struct acpi_header *h = (struct acpi_header *)buf;
    memcpy(h->sig, "DSDT", 4);
    u32 off = sizeof *h + 20;                       /* some other AML first */
    memcpy(buf + off, prefix, plen);
    memcpy(buf + off + plen, "_S5_", 4);
    memcpy(buf + off + plen + 4, pkg, klen);
    h->length = off + plen + 4 + klen + 16;
    return h;
}

static void test_s5(void)
{
    u8 a = 0xEE, b = 0xEE;
    static const u8 name[] = { 0x08 }, rooted[] = { 0x08, '\\' }, none[] = { 0x10 };
    /* Package (4) { 0x05, 0x05, 0, 0 } with BytePrefix (Bochs, SeaBIOS). */
    static const u8 bytes[] = { 0x12, 0x0A, 0x04, 0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00 };
    /* Package (2) { Zero, One } */
    static const u8 ops[] = { 0x12, 0x04, 0x02, 0x00, 0x01 };
    /* Not a package: ignored. */
    static const u8 notpkg[] = { 0x0A, 0x05 };

    CHECK(acpi_parse_s5(dsdt(name, 1, bytes, sizeof bytes), &a, &b));
    CHECK_EQ(a, 5);
    CHECK_EQ(b, 5);
    CHECK(acpi_parse_s5(dsdt(rooted, 2, ops, sizeof ops), &a, &b));
    CHECK_EQ(a, 0);
    CHECK_EQ(b, 1);
    CHECK(!acpi_parse_s5(dsdt(none, 1, bytes, sizeof bytes), &a, &b));
    CHECK(!acpi_parse_s5(dsdt(name, 1, notpkg, sizeof notpkg), &a, &b));
    /* The last object of the DSDT (Bochs's BIOS: Package (4) { Zero x4 }). */
    static const u8 last[] = { 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00 };
    struct acpi_header *h = dsdt(name, 1, last, sizeof last);
    h->length -= 16;
    a = b = 0xEE;
    CHECK(acpi_parse_s5(h, &a, &b));
    CHECK_EQ(a, 0);
    CHECK_EQ(b, 0);
}

/* \_S1..\_S4 renamed, \_S5 kept, the checksum good again. */
static void test_hide_sleep(void)
{
    static const u8 s3[] = { 0x12, 0x06, 0x04, 0x01, 0x01, 0x00, 0x00 };
    struct acpi_header *h = dsdt((const u8 *)"\x08", 1, s3, sizeof s3);
    buf[sizeof *h + 20 + 1 + 2] = '3';                  /* _S5_ -> _S3_ */
    memcpy(buf + sizeof *h + 2, "\x08_S4_\x12\x04\x02\x02\x02", 9);
    memcpy(buf + sizeof *h + 11, "\x08_S5_\x12\x04\x02\x00\x00", 9);
    h->checksum = 0;
    CHECK_EQ(acpi_hide_sleep_states(h), BIT(3) | BIT(4));
    CHECK(acpi_checksum_ok(h, h->length));
    CHECK(!memcmp(buf + sizeof *h + 20 + 1, "XS3_", 4));
    CHECK(!memcmp(buf + sizeof *h + 3, "XS4_", 4));
    u8 a, b;
    CHECK(acpi_parse_s5(h, &a, &b));                    /* \_S5 still there */
    CHECK_EQ(acpi_hide_sleep_states(h), 0);
}

/* The MP table (MP 1.4 4.2, 4.3): processor entries among the others. */
static void test_mp(void)
{
    struct acpi_cpus c;
    memset(buf, 0, sizeof buf);
    struct mp_config *cfg = (struct mp_config *)buf;
    memcpy(cfg->sig, "PCMP", 4);
    u8 *p = buf + sizeof *cfg;
    const u8 ids[] = { 0, 1, 2, 3 }, flags[] = { 3, 1, 0, 1 };   /* BSP, enabled, off, enabled */
    for (int i = 0; i < 4; i++) {
        struct mp_processor *e = (struct mp_processor *)p;
        e->type = 0;
        e->apic_id = ids[i];
        e->flags = flags[i];
        p += sizeof *e;
        if (i == 1) {               /* a bus entry in between */
            *p = 1;
            p += 8;
        }
    }
    cfg->entries = 5;
    cfg->length = (u16)(p - buf);
    mp_parse_config(cfg, &c);
    CHECK_EQ(c.count, 3);
    CHECK_EQ(c.apic_id[0], 0);
    CHECK_EQ(c.apic_id[1], 1);
    CHECK_EQ(c.apic_id[2], 3);

    /* Fewer bytes than the entry count claims: the walk stops at the end. */
    cfg->length = sizeof *cfg + 20;
    mp_parse_config(cfg, &c);
    CHECK_EQ(c.count, 1);
}

static void test_checksum(void)
{
    u8 t[8] = { 1, 2, 3, 4, 5, 6, 7, 0 };
    CHECK(!acpi_checksum_ok(t, 8));
    t[7] = (u8)(0x100 - (1 + 2 + 3 + 4 + 5 + 6 + 7));
    CHECK(acpi_checksum_ok(t, 8));
}

/* CPUs given to cells: gone from the root's MADT and MP table, checksums good. */
static void test_disable(void)
{
    struct acpi_cpus c;
    struct acpi_madt *m = madt_begin();
    add_lapic(m, 0, 0, MADT_ENABLED);
    add_lapic(m, 1, 1, MADT_ENABLED);
    add_lapic(m, 2, 2, MADT_ONLINE_CAPABLE);
    add_x2apic(m, 300, MADT_ENABLED);
    add_lapic(m, 3, 3, 0);
    u8 sum = 0;
    for (u32 i = 0; i < m->h.length; i++)
        sum = (u8)(sum + buf[i]);
    m->h.checksum = (u8)-sum;
    const u32 ids[] = { 1, 2, 300, 3 };
    const u32 before = m->h.length;
    CHECK_EQ(acpi_madt_disable(m, ids, 4), 4);        /* removed, usable or not */
    CHECK_EQ(m->h.length, before - 3 * sizeof(struct madt_lapic) - sizeof(struct madt_x2apic));
    CHECK(acpi_checksum_ok(m, m->h.length));
    acpi_parse_madt(m, &c);
    CHECK_EQ(c.count, 1);
    CHECK_EQ(c.apic_id[0], 0);
    CHECK_EQ(acpi_madt_disable(m, ids, 4), 0);        /* again: nothing left to change */
    CHECK(acpi_checksum_ok(m, m->h.length));
    /* A truncated entry ends the walk without touching what follows. */
    m = madt_begin();
    add_lapic(m, 0, 0, MADT_ENABLED);
    add_lapic(m, 1, 1, MADT_ENABLED);
    buf[sizeof *m + sizeof(struct madt_lapic) + 1] = 0;    /* second entry: length 0 */
    CHECK_EQ(acpi_madt_disable(m, ids, 1), 0);

    memset(buf, 0, sizeof buf);
    struct mp_config *cfg = (struct mp_config *)buf;
    memcpy(cfg->sig, "PCMP", 4);
    u8 *p = buf + sizeof *cfg;
    for (int i = 0; i < 3; i++) {
        struct mp_processor *e = (struct mp_processor *)p;
        e->apic_id = (u8)i;
        e->flags = i == 0 ? 3 : 1;
        p += sizeof *e;
    }
    *p = 2;                               /* an I/O APIC entry after them */
    p += 8;
    cfg->entries = 4;
    cfg->length = (u16)(p - buf);
    CHECK_EQ(mp_config_disable(cfg, ids, 1), 1);   /* APIC 1 only */
    CHECK(acpi_checksum_ok(cfg, cfg->length));
    mp_parse_config(cfg, &c);
    CHECK_EQ(c.count, 2);
    CHECK_EQ(c.apic_id[0], 0);
    CHECK_EQ(c.apic_id[1], 2);
    CHECK_EQ(((struct mp_processor *)(buf + sizeof *cfg))->flags, 3);   /* the BSP's untouched */
}

int main(void)
{
    test_disable();
    test_madt();
    test_s5();
    test_hide_sleep();
    test_mp();
    test_checksum();
    return unit_done("acpi");
}
