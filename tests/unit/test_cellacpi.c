// sources: stage3/lib/cellacpi.c stage3/core/acpi.c stage3/lib/lib.c
/*
 * Unit tests for stage3/lib/cellacpi.c: the table set a cell finds at
 * 0xE0000 (ACPI 6.5), walked as an OS walks it: the RSDP on a 16-byte
 * boundary, its two checksums, RSDT and XSDT naming the same FADT and MADT,
 * the FADT's FACS and DSDT (32- and 64-bit pointers), the PM blocks, the
 * MADT's CPUs (read back by the firmware-table parser of stage3/core/acpi.c,
 * the code that reads real firmware) and the DSDT's \_S5 AML byte for byte.
 */
#include "unit.h"
#include "hw/acpi.h"
#include "lib/cellacpi.h"

#define BASE CELL_ACPI_ADDR
static u8 mem[CELL_ACPI_MAX];

/* The table at guest-physical `pa`, NULL when outside what was built. */
static const void *at(u64 pa, u32 len, u32 used)
{
    if (pa < BASE || pa - BASE + len > used)
        return NULL;
    return mem + (pa - BASE);
}

static const struct acpi_header *table(u64 pa, const char *sig, u32 used)
{
    const struct acpi_header *h = at(pa, sizeof *h, used);
    CHECK(h != NULL);
    if (!h)
        return NULL;
    CHECK(!memcmp(h->sig, sig, 4));
    CHECK(h->length >= sizeof *h && pa - BASE + h->length <= used);
    CHECK(acpi_checksum_ok(h, h->length));
    CHECK(!memcmp(h->oem, "PXHV  ", 6));
    return h;
}

static void test_set(const u32 *ids, u32 n)
{
    memset(mem, 0xCC, sizeof mem);
    u32 used = cell_acpi_build(mem, sizeof mem, BASE, ids, n);
    CHECK(used > 0 && used <= CELL_ACPI_MAX);

    /* RSDP: at the start, 16-byte aligned, both checksums, revision 2. */
    const struct acpi_rsdp *r = (const struct acpi_rsdp *)mem;
    CHECK(!memcmp(r->sig, "RSD PTR ", 8));
    CHECK_EQ(BASE % 16, 0);
    CHECK(acpi_checksum_ok(r, 20));
    CHECK(acpi_checksum_ok(r, 36));
    CHECK_EQ(r->length, 36);
    CHECK_EQ(r->revision, 2);
    CHECK(!memcmp(r->oem, "PXHV  ", 6));

    /* RSDT (32-bit entries) and XSDT (64-bit) name the same tables. */
    const struct acpi_header *rsdt = table(r->rsdt, "RSDT", used);
    const struct acpi_header *xsdt = table(r->xsdt, "XSDT", used);
    if (!rsdt || !xsdt)
        return;
    CHECK_EQ(rsdt->length, 36 + 2 * 4);
    CHECK_EQ(xsdt->length, 36 + 2 * 8);
    u64 fadt_pa = 0, madt_pa = 0;
    for (int i = 0; i < 2; i++) {
        u32 e32;
        u64 e64;
        memcpy(&e32, (const u8 *)(rsdt + 1) + 4 * i, 4);
        memcpy(&e64, (const u8 *)(xsdt + 1) + 8 * i, 8);
        CHECK_EQ(e32, e64);
        const struct acpi_header *t = table(e64, i ? "APIC" : "FACP", used);
        if (t && !memcmp(t->sig, "FACP", 4))
            fadt_pa = e64;
        if (t && !memcmp(t->sig, "APIC", 4))
            madt_pa = e64;
    }
    CHECK(fadt_pa && madt_pa);
    if (!fadt_pa || !madt_pa)
        return;

    /* FADT: the contract's ports and lengths, both DSDT pointers, the FACS. */
    const struct acpi_fadt *f = (const struct acpi_fadt *)table(fadt_pa, "FACP", used);
    CHECK_EQ(f->h.length, 244);
    CHECK_EQ(f->h.revision, 4);
    CHECK_EQ(f->pm1a_evt_blk, 0x600);
    CHECK_EQ(f->pm1_evt_len, 4);
    CHECK_EQ(f->pm1a_cnt_blk, 0x604);
    CHECK_EQ(f->pm1_cnt_len, 2);
    CHECK_EQ(f->pm_tmr_blk, 0x608);
    CHECK_EQ(f->pm_tmr_len, 4);
    CHECK_EQ(f->flags & (1u << 8), 0);            /* TMR_VAL_EXT clear: 24 bits */
    CHECK_EQ(f->pm1b_evt_blk | f->pm1b_cnt_blk | f->pm2_cnt_blk | f->gpe0_blk | f->gpe1_blk, 0);
    CHECK_EQ(f->smi_cmd, 0);
    CHECK_EQ(f->sci_int, 9);
    CHECK_EQ(f->flags & FADT_RESET_REG_SUP, 0);
    CHECK_EQ(f->iapc_boot_arch & 2, 0);           /* no 8042 */
    CHECK_EQ(f->x_pm1a_cnt_blk.space, ACPI_GAS_IO);
    CHECK_EQ(f->x_pm1a_cnt_blk.address, 0x604);
    CHECK_EQ(f->x_pm1a_cnt_blk.bit_width, 16);
    CHECK_EQ(f->x_pm1a_evt_blk.address, 0x600);
    CHECK_EQ(f->x_pm_tmr_blk.address, 0x608);
    CHECK_EQ(f->x_pm_tmr_blk.bit_width, 32);
    CHECK_EQ(f->x_firmware_ctrl, 0);
    CHECK_EQ(f->dsdt, f->x_dsdt);

    const struct acpi_facs *facs = at(f->firmware_ctrl, sizeof *facs, used);
    CHECK(facs != NULL);
    if (facs) {
        CHECK(!memcmp(facs->sig, "FACS", 4));
        CHECK_EQ(facs->length, 64);
        CHECK_EQ(f->firmware_ctrl % 64, 0);
        CHECK_EQ(facs->global_lock, 0);
    }

    /* DSDT: exactly Name (_S5, Package () { 5, 5, 0, 0 }), read back by the
     * parser pxHV uses on real firmware. */
    const struct acpi_header *d = table(f->x_dsdt, "DSDT", used);
    static const u8 aml[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
                              0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00 };
    CHECK_EQ(d->length, 36 + sizeof aml);
    CHECK(!memcmp(d + 1, aml, sizeof aml));
    CHECK_EQ(d->revision, 2);
    u8 ta = 0xFF, tb = 0xFF;
    CHECK(acpi_parse_s5(d, &ta, &tb));
    CHECK_EQ(ta, 5);
    CHECK_EQ(tb, 5);

    /* MADT: local APIC address, no PCAT_COMPAT, one enabled entry per CPU,
     * UIDs 0..n-1, nothing else. */
    const struct acpi_madt *m = (const struct acpi_madt *)table(madt_pa, "APIC", used);
    CHECK_EQ(m->lapic_addr, 0xFEE00000);
    CHECK_EQ(m->flags, 0);
    const u8 *p = (const u8 *)(m + 1), *end = (const u8 *)m + m->h.length;
    u32 k = 0;
    while (p < end) {
        const struct madt_entry *e = (const struct madt_entry *)p;
        CHECK(e->length >= 2 && p + e->length <= end);
        if (e->length < 2 || p + e->length > end)
            break;
        CHECK(k < n);
        if (e->type == MADT_LAPIC) {
            const struct madt_lapic *l = (const struct madt_lapic *)p;
            CHECK_EQ(e->length, 8);
            CHECK_EQ(l->uid, k);
            CHECK_EQ(l->apic_id, ids[k]);
            CHECK_EQ(l->flags, MADT_ENABLED);
        } else {
            const struct madt_x2apic *x = (const struct madt_x2apic *)p;
            CHECK_EQ(e->type, MADT_X2APIC);
            CHECK_EQ(e->length, 16);
            CHECK(ids[k] >= 0xFF);
            CHECK_EQ(x->uid, k);
            CHECK_EQ(x->x2apic_id, ids[k]);
            CHECK_EQ(x->flags, MADT_ENABLED);
        }
        k++;
        p += e->length;
    }
    CHECK_EQ(k, n);
    struct acpi_cpus c;
    acpi_parse_madt(m, &c);
    CHECK_EQ(c.count, n < PXHV_MAX_CPUS ? n : PXHV_MAX_CPUS);
    for (u32 i = 0; i < c.count; i++)
        CHECK_EQ(c.apic_id[i], ids[i]);

    /* Every table lies inside what was built, and nothing overlaps: the
     * bytes past `used` were not written. */
    CHECK_EQ(mem[used], 0xCC);
    CHECK(f->firmware_ctrl + 64 <= f->dsdt || f->dsdt + d->length <= f->firmware_ctrl);
}

int main(void)
{
    const u32 one[] = { 1 };
    const u32 two[] = { 2, 3 };
    const u32 big[] = { 4, 254, 255, 0x100, 7 };    /* x2APIC entries from 255 on */
    test_set(one, 1);
    test_set(two, 2);
    test_set(big, 5);

    /* The most CPUs that fit in 4 KiB, and one more. */
    static u32 many[500];
    for (u32 i = 0; i < 500; i++)
        many[i] = i < 254 ? i : 1000 + i;
    u32 fit = 0;
    for (u32 n = 1; n <= 500; n++)
        if (cell_acpi_build(mem, sizeof mem, BASE, many, n))
            fit = n;
    CHECK(fit >= 256);
    CHECK(fit < 500);
    test_set(many, fit);

    /* No CPU, or too little room: refused, nothing written past `size`. */
    CHECK_EQ(cell_acpi_build(mem, sizeof mem, BASE, one, 0), 0);
    memset(mem, 0xCC, sizeof mem);
    CHECK_EQ(cell_acpi_build(mem, 0x240, BASE, one, 1), 0);
    CHECK_EQ(mem[0], 0xCC);
    CHECK_EQ(cell_acpi_build(mem, 0x274, BASE, one, 1), 0x274);   /* MADT 44 + 8 bytes */
    CHECK_EQ(cell_acpi_build(mem, 0x273, BASE, one, 1), 0);
    return unit_done("cellacpi");
}
