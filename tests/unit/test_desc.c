// sources: stage3/lib/desc.c
/*
 * Unit tests for stage3/lib/desc.c: descriptors decoded as loading their
 * selectors leaves the hidden parts (SDM Vol. 3A 3.4.5, 7.2.3), with the
 * descriptors the in-place launch meets: OVMF's flat code and data, a 64-bit
 * code segment, a 16-byte 64-bit TSS above 4 GiB, a byte-granular limit,
 * and selectors against a table's limit.
 */
#include "unit.h"
#include "lib/desc.h"

static struct desc dec(u64 lo, u64 hi, bool lm)
{
    u64 raw[2] = { lo, hi };
    struct desc d;
    memset(&d, 0xA5, sizeof d);            /* every field must be written */
    desc_decode(raw, lm, &d);
    return d;
}

int main(void)
{
    /* 64-bit code, as OVMF's selector 38h: present, DPL 0, L = 1, D = 0, G = 1. */
    struct desc d = dec(0x00AF9A000000FFFFULL, 0, true);
    CHECK_EQ(d.base, 0);
    CHECK_EQ(d.limit, 0xFFFFFFFF);
    CHECK_EQ(d.type, 0xB);                 /* execute/read, accessed set by the load */
    CHECK(d.s && d.present && d.l && !d.db && d.g && !d.avl);
    CHECK_EQ(d.dpl, 0);

    /* Flat data (30h): type 3 once loaded, D/B = 1. */
    d = dec(0x00CF92000000FFFFULL, 0, true);
    CHECK_EQ(d.type, 0x3);
    CHECK(d.s && d.present && !d.l && d.db && d.g);
    CHECK_EQ(d.limit, 0xFFFFFFFF);

    /* An accessed bit already set stays; DPL 3, byte granularity, a base in all three fields. */
    d = dec(0x1251F3563456789AULL, 0, false);
    CHECK_EQ(d.base, 0x12563456);
    CHECK_EQ(d.limit, 0x1789A);
    CHECK_EQ(d.type, 0x3);
    CHECK_EQ(d.dpl, 3);
    CHECK(d.avl && !d.g && d.db && !d.l);

    /* A 64-bit TSS (type 9 available, 0xB once LTR marked it busy): 16 bytes in IA-32e
     * mode, the base's upper half from the second quadword, never the accessed bit. */
    d = dec(0x0000890000000067ULL | (0x6000ULL << 16), 0x00000001ULL, true);
    CHECK_EQ(d.base, 0x100006000ULL);
    CHECK_EQ(d.limit, 0x67);
    CHECK_EQ(d.type, 9);
    CHECK(!d.s && d.present);
    d = dec(0xFF008B123456FFFFULL, 0xFFFFFFFF00000002ULL, true);
    CHECK_EQ(d.base, 0x2FF123456ULL);      /* bits 63:32 only from the second quadword */
    CHECK_EQ(d.type, 0xB);
    /* Outside IA-32e mode the second quadword is not the descriptor's. */
    d = dec(0x0000890000000067ULL, 0x12345678ULL, false);
    CHECK_EQ(d.base, 0);

    /* A non-present descriptor is reported as such. */
    d = dec(0x00CF12000000FFFFULL, 0, false);
    CHECK(!d.present);

    /* Selectors against a table of limit + 1 bytes. */
    u32 off = 99;
    CHECK(!desc_offset(0x0000, 0x47, 8, &off));       /* the null selector */
    CHECK(!desc_offset(0x0003, 0x47, 8, &off));       /* null with an RPL */
    CHECK(desc_offset(0x0038, 0x47, 8, &off) && off == 0x38);
    CHECK(desc_offset(0x003B, 0x47, 8, &off) && off == 0x38);   /* RPL ignored */
    CHECK(desc_offset(0x0040, 0x47, 8, &off) && off == 0x40);   /* the last one */
    CHECK(!desc_offset(0x0048, 0x47, 8, &off));       /* past the limit */
    CHECK(!desc_offset(0x0040, 0x47, 16, &off));      /* a 16-byte descriptor that does not fit */
    CHECK(desc_offset(0x0038, 0x47, 16, &off) && off == 0x38);
    CHECK(desc_offset(0x0004, 0x07, 8, &off) && off == 0);      /* LDT index 0 is a descriptor */
    CHECK(!desc_offset(0xFFF8, 0xFFFF, 8, &off) || off == 0xFFF8);
    CHECK(!desc_offset(0xFFF8, 0xFFFE, 8, &off));     /* its last byte beyond the limit */
    return unit_done("desc");
}
