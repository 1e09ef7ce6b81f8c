// sources: stage3/lib/mtrr.c
/*
 * Unit tests for stage3/mtrr.c (SDM Vol. 3A 12.11): fixed-range decoding,
 * enable bits, variable-range matching and precedence, and range queries.
 */
#include "unit.h"
#include "lib/mtrr.h"

#define E_BIT  (1ULL << 11)
#define FE_BIT (1ULL << 10)
#define FIX    (1ULL << 8)
#define V_BIT  (1ULL << 11)
#define KiB 0x400ULL
#define MiB 0x100000ULL
#define GiB 0x40000000ULL

static void init(struct mtrr_state *s, u32 vcnt, u64 def, u32 pb)
{
    memset(s, 0, sizeof(*s));
    s->cap = vcnt | FIX | (1ULL << 10);   /* VCNT, FIX, WC supported */
    s->def_type = def;
    s->phys_bits = pb;
}

/* Variable range i = [base, base + size), size a power of two. */
static void var(struct mtrr_state *s, u32 i, u64 base, u64 size, u8 type)
{
    u64 pmask = (1ULL << s->phys_bits) - 1;
    s->var_base[i] = base | type;
    s->var_mask[i] = (pmask & ~(size - 1)) | V_BIT;
}

static u64 all_fixed(u8 t)
{
    return 0x0101010101010101ULL * t;
}

static const u8 valid_types[5] = { MT_UC, MT_WC, MT_WT, MT_WP, MT_WB };

/* Where byte b of fixed MSR j lives (SDM 12.11.2.2, Table 12-9). */
static void fixed_sub(u32 j, u32 b, u64 *start, u64 *size)
{
    if (j == 0) {
        *size = 64 * KiB;
        *start = b * *size;
    } else if (j <= 2) {
        *size = 16 * KiB;
        *start = 0x80000 + (j - 1) * 0x20000 + b * *size;
    } else {
        *size = 4 * KiB;
        *start = 0xC0000 + (j - 3) * 0x8000 + b * *size;
    }
}

static void test_fixed(void)
{
    struct mtrr_state s;
    init(&s, 8, E_BIT | FE_BIT | MT_WB, 36);
    /* A distinct type in each byte: neighbours (also across MSRs) differ. */
    for (u32 j = 0; j < 11; j++) {
        s.fixed[j] = 0;
        for (u32 b = 0; b < 8; b++)
            s.fixed[j] |= (u64)valid_types[(j * 8 + b) % 5] << (b * 8);
    }
    u32 bad = 0, subs = 0;
    u64 expect_next = 0;
    for (u32 j = 0; j < 11; j++) {
        for (u32 b = 0; b < 8; b++) {
            u64 start, size;
            u8 t = valid_types[(j * 8 + b) % 5];
            fixed_sub(j, b, &start, &size);
            if (start != expect_next)   /* sub-ranges tile 0..1 MiB */
                bad++;
            expect_next = start + size;
            subs++;
            if (mtrr_type_of(&s, start) != t || mtrr_type_of(&s, start + size - 1) != t)
                bad++;
            if (mtrr_type_of(&s, start + size / 2 + 123) != t)
                bad++;
            if (mtrr_range_type(&s, start, size) != t)
                bad++;
            if (mtrr_range_type(&s, start + 1, size - 2) != t)
                bad++;
            if (mtrr_range_type(&s, start, size + 1) != MT_MIXED && expect_next < MiB)
                bad++;
            if (start > 0 && mtrr_range_type(&s, start - 1, 2) != MT_MIXED)
                bad++;
        }
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(subs, 88);
    CHECK_EQ(expect_next, MiB);

    /* Spot checks against Table 12-9 by name. */
    CHECK_EQ(mtrr_type_of(&s, 0x00000), MT_UC);            /* FIX64K_00000 byte 0 */
    CHECK_EQ(mtrr_type_of(&s, 0x70000), valid_types[7 % 5]);  /* byte 7 */
    CHECK_EQ(mtrr_type_of(&s, 0x80000), valid_types[8 % 5]);  /* FIX16K_80000 byte 0 */
    CHECK_EQ(mtrr_type_of(&s, 0xBC000), valid_types[23 % 5]); /* FIX16K_A0000 byte 7 */
    CHECK_EQ(mtrr_type_of(&s, 0xC0000), valid_types[24 % 5]); /* FIX4K_C0000 byte 0 */
    CHECK_EQ(mtrr_type_of(&s, 0xFF000), valid_types[87 % 5]); /* FIX4K_F8000 byte 7 */
    /* Above 1 MiB the fixed ranges do not apply: default WB. */
    CHECK_EQ(mtrr_type_of(&s, 0x100000), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0xFF000, 0x2000), MT_MIXED);  /* WT, then WB */

    /* The classic PC layout: RAM WB, VGA hole UC, option ROMs and BIOS WP. */
    s.fixed[0] = all_fixed(MT_WB);
    s.fixed[1] = all_fixed(MT_WB);
    s.fixed[2] = all_fixed(MT_UC);
    for (u32 j = 3; j < 11; j++)
        s.fixed[j] = all_fixed(MT_WP);
    CHECK_EQ(mtrr_range_type(&s, 0, 0xA0000), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0x9E000, 0x1000), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0x9F000, 0x2000), MT_MIXED);
    CHECK_EQ(mtrr_range_type(&s, 0xA0000, 0x20000), MT_UC);
    CHECK_EQ(mtrr_range_type(&s, 0xC0000, 0x40000), MT_WP);
    CHECK_EQ(mtrr_range_type(&s, 0, 2 * MiB), MT_MIXED);
    CHECK_EQ(mtrr_range_type(&s, 0, MiB), MT_MIXED);
    /* Crossing 1 MiB: WP below, default WB above. */
    CHECK_EQ(mtrr_range_type(&s, 0xFF000, 0x2000), MT_MIXED);
    s.fixed[10] = all_fixed(MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0xF8000, 0x10000), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0xF8000, 1 * GiB), MT_WB);
    /* All fixed WB + default WB: the first 2 MiB is one WB page. */
    for (u32 j = 0; j < 11; j++)
        s.fixed[j] = all_fixed(MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0, 2 * MiB), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0, 512 * GiB), MT_WB);
    /* ... and a fixed UC byte at the very start breaks it. */
    s.fixed[0] = all_fixed(MT_WB) & ~0xFFULL;
    CHECK_EQ(mtrr_range_type(&s, 0, 2 * MiB), MT_MIXED);
    CHECK_EQ(mtrr_range_type(&s, 0x10000, 2 * MiB), MT_WB);
}

static void test_enable_bits(void)
{
    struct mtrr_state s;

    /* All zero (legal, e.g. firmware that never set MTRRs up): UC. */
    memset(&s, 0, sizeof(s));
    CHECK_EQ(mtrr_type_of(&s, 0), MT_UC);
    CHECK_EQ(mtrr_type_of(&s, 0x7C00), MT_UC);
    CHECK_EQ(mtrr_type_of(&s, 0x12345678), MT_UC);
    CHECK_EQ(mtrr_range_type(&s, 0, 512 * GiB), MT_UC);
    CHECK_EQ(mtrr_range_type(&s, 0, 2 * MiB), MT_UC);

    /* E = 0: UC whatever else says (12.11.2.1). */
    init(&s, 8, FE_BIT | MT_WB, 36);
    for (u32 j = 0; j < 11; j++)
        s.fixed[j] = all_fixed(MT_WB);
    var(&s, 0, 0, 2 * GiB, MT_WB);
    CHECK_EQ(mtrr_type_of(&s, 0x1000), MT_UC);
    CHECK_EQ(mtrr_type_of(&s, 0x10000000), MT_UC);
    CHECK_EQ(mtrr_type_of(&s, 0x300000000ULL), MT_UC);
    CHECK_EQ(mtrr_range_type(&s, 0, 4 * GiB), MT_UC);

    /* E = 1, FE = 0: fixed ranges ignored, variable ranges decide < 1 MiB. */
    s.def_type = E_BIT | MT_UC;
    for (u32 j = 0; j < 11; j++)
        s.fixed[j] = all_fixed(MT_WP);
    CHECK_EQ(mtrr_type_of(&s, 0x1000), MT_WB);
    CHECK_EQ(mtrr_type_of(&s, 0xA0000), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0, 2 * MiB), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0, 2 * GiB), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0, 4 * GiB), MT_MIXED);
    CHECK_EQ(mtrr_type_of(&s, 3 * GiB), MT_UC);   /* default */

    /* FE = 1 now: fixed WP wins below 1 MiB. */
    s.def_type |= FE_BIT;
    CHECK_EQ(mtrr_type_of(&s, 0x1000), MT_WP);
    CHECK_EQ(mtrr_range_type(&s, 0, MiB), MT_WP);
    CHECK_EQ(mtrr_range_type(&s, 0, 2 * MiB), MT_MIXED);

    /* FE = 1 but MTRRCAP.FIX = 0: no fixed ranges to honour. */
    s.cap &= ~FIX;
    CHECK_EQ(mtrr_type_of(&s, 0x1000), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0, 2 * MiB), MT_WB);
}

static void test_variable(void)
{
    static const u32 pbs[] = { 36, 39, 46 };
    for (u32 n = 0; n < ARRAY_SIZE(pbs); n++) {
        u32 pb = pbs[n];
        struct mtrr_state s;
        init(&s, 8, E_BIT | MT_UC, pb);
        var(&s, 0, 2 * GiB, 1 * GiB, MT_WB);
        /* PhysMask = bits pb-1:30 and V (12.11.2.3). */
        CHECK_EQ(s.var_mask[0], (((1ULL << pb) - 1) & ~(GiB - 1)) | V_BIT);
        CHECK_EQ(mtrr_type_of(&s, 2 * GiB), MT_WB);
        CHECK_EQ(mtrr_type_of(&s, 3 * GiB - 1), MT_WB);
        CHECK_EQ(mtrr_type_of(&s, 2 * GiB - 1), MT_UC);
        CHECK_EQ(mtrr_type_of(&s, 3 * GiB), MT_UC);
        CHECK_EQ(mtrr_range_type(&s, 2 * GiB, GiB), MT_WB);
        CHECK_EQ(mtrr_range_type(&s, 2 * GiB - 4096, 8192), MT_MIXED);
        CHECK_EQ(mtrr_range_type(&s, 3 * GiB - 4096, 8192), MT_MIXED);
        CHECK_EQ(mtrr_range_type(&s, 0, 2 * GiB), MT_UC);
        CHECK_EQ(mtrr_range_type(&s, 3 * GiB, GiB), MT_UC);
        /* Address bits at and above MAXPHYADDR are not compared: the range
         * repeats every 2^pb bytes (the literal 12.11.2.3 formula). */
        u64 per = 1ULL << pb;
        CHECK_EQ(mtrr_type_of(&s, per + 2 * GiB), MT_WB);
        CHECK_EQ(mtrr_type_of(&s, per + 3 * GiB), MT_UC);
        CHECK_EQ(mtrr_range_type(&s, per, 2 * GiB), MT_UC);
        CHECK_EQ(mtrr_range_type(&s, per + 2 * GiB, GiB), MT_WB);
        CHECK_EQ(mtrr_range_type(&s, per - GiB, 2 * GiB), MT_UC);
        /* Mask bits above MAXPHYADDR (reserved) change nothing. */
        s.var_mask[0] |= ~((1ULL << pb) - 1);
        CHECK_EQ(mtrr_type_of(&s, 2 * GiB), MT_WB);
        CHECK_EQ(mtrr_type_of(&s, per + 2 * GiB), MT_WB);
        CHECK_EQ(mtrr_range_type(&s, 2 * GiB, GiB), MT_WB);
        /* Base bits below the mask (here: bit 20) are ignored too. */
        s.var_base[0] |= MiB;
        CHECK_EQ(mtrr_type_of(&s, 2 * GiB), MT_WB);
        /* V = 0: the range does not exist. */
        s.var_mask[0] &= ~V_BIT;
        CHECK_EQ(mtrr_type_of(&s, 2 * GiB), MT_UC);
        CHECK_EQ(mtrr_range_type(&s, 0, 4 * GiB), MT_UC);
        /* Ranges at or beyond VCNT do not exist either. */
        var(&s, 7, 0, 4 * GiB, MT_WB);
        CHECK_EQ(mtrr_type_of(&s, GiB), MT_WB);
        s.cap = (s.cap & ~0xFFULL) | 7;
        CHECK_EQ(mtrr_type_of(&s, GiB), MT_UC);
        CHECK_EQ(mtrr_range_type(&s, 0, 4 * GiB), MT_UC);
        /* A high range near the top of physical space. */
        s.cap = (s.cap & ~0xFFULL) | 8;
        var(&s, 1, per - 2 * GiB, GiB, MT_WC);
        CHECK_EQ(mtrr_type_of(&s, per - 2 * GiB), MT_WC);
        CHECK_EQ(mtrr_type_of(&s, per - GiB), MT_UC);
        CHECK_EQ(mtrr_range_type(&s, per - 2 * GiB, GiB), MT_WC);
    }
}

static void test_overlaps(void)
{
    struct mtrr_state s;
    init(&s, 8, E_BIT | MT_WB, 39);

    /* The usual "WB everywhere, UC hole for MMIO" pair. */
    var(&s, 0, 0, 4 * GiB, MT_WB);
    var(&s, 1, 3 * GiB, GiB, MT_UC);
    CHECK_EQ(mtrr_type_of(&s, 3 * GiB - 1), MT_WB);
    CHECK_EQ(mtrr_type_of(&s, 3 * GiB), MT_UC);
    CHECK_EQ(mtrr_type_of(&s, 4 * GiB - 1), MT_UC);
    CHECK_EQ(mtrr_range_type(&s, 0, 3 * GiB), MT_WB);

    /* UC + WB -> UC (12.11.4.1). */
    var(&s, 2, 0x10000000, 0x1000000, MT_WB);
    var(&s, 3, 0x10000000, 0x100000, MT_UC);
    CHECK_EQ(mtrr_type_of(&s, 0x10000000), MT_UC);
    CHECK_EQ(mtrr_type_of(&s, 0x10100000), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0x10000000, 0x100000), MT_UC);
    CHECK_EQ(mtrr_range_type(&s, 0x10000000, 0x200000), MT_MIXED);
    CHECK_EQ(mtrr_range_type(&s, 0x10100000, 0x100000), MT_WB);

    /* WT + WB -> WT. */
    var(&s, 3, 0x10000000, 0x100000, MT_WT);
    CHECK_EQ(mtrr_type_of(&s, 0x10000000), MT_WT);
    CHECK_EQ(mtrr_range_type(&s, 0x10000000, 0x100000), MT_WT);
    /* WT + WB + WB + WT -> still WT. */
    var(&s, 4, 0x10000000, 0x200000, MT_WT);
    CHECK_EQ(mtrr_type_of(&s, 0x10000000), MT_WT);
    CHECK_EQ(mtrr_type_of(&s, 0x10100000), MT_WT);
    CHECK_EQ(mtrr_range_type(&s, 0x10000000, 0x200000), MT_WT);
    CHECK_EQ(mtrr_type_of(&s, 0x10200000), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0x10000000, 0x400000), MT_MIXED);

    /* Same type twice -> that type. */
    var(&s, 3, 0x10000000, 0x100000, MT_WB);
    var(&s, 4, 0x10000000, 0x200000, MT_WB);
    CHECK_EQ(mtrr_type_of(&s, 0x10000000), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0x10000000, 0x1000000), MT_WB);

    /* Undefined combinations (WC + WB, WP + WT) are treated as UC. */
    var(&s, 3, 0x10000000, 0x100000, MT_WC);
    CHECK_EQ(mtrr_type_of(&s, 0x10000000), MT_UC);
    var(&s, 3, 0x10000000, 0x100000, MT_WP);
    var(&s, 4, 0x10000000, 0x200000, MT_WT);
    CHECK_EQ(mtrr_type_of(&s, 0x10000000), MT_UC);
    CHECK_EQ(mtrr_type_of(&s, 0x10100000), MT_WT);
    /* UC beats everything, even three others. */
    var(&s, 5, 0x10000000, 0x1000, MT_UC);
    CHECK_EQ(mtrr_type_of(&s, 0x10000FFF), MT_UC);
    CHECK_EQ(mtrr_type_of(&s, 0x10001000), MT_UC);   /* WP + WT */
    s.var_mask[3] = 0;
    CHECK_EQ(mtrr_type_of(&s, 0x10001000), MT_WT);
    CHECK_EQ(mtrr_range_type(&s, 0x10001000, 0x1FF000), MT_WT);
    CHECK_EQ(mtrr_range_type(&s, 0x10000000, 0x200000), MT_MIXED);

    /* No match: default type. */
    CHECK_EQ(mtrr_type_of(&s, 5 * GiB), MT_WB);
    s.def_type = E_BIT | MT_WT;
    CHECK_EQ(mtrr_type_of(&s, 5 * GiB), MT_WT);
    CHECK_EQ(mtrr_range_type(&s, 4 * GiB, 508 * GiB), MT_WT);
    CHECK_EQ(mtrr_range_type(&s, 3 * GiB, 2 * GiB), MT_MIXED);
}

/* A 4 KiB variable range inside WB: 2 MiB pieces around it are mixed, its
 * own page and the neighbours are exact; unaligned spans are mixed. */
static void test_small_range(void)
{
    struct mtrr_state s;
    init(&s, 8, E_BIT | MT_WB, 36);
    var(&s, 0, 0x12345000, 0x1000, MT_UC);
    CHECK_EQ(mtrr_range_type(&s, 0x12200000, 2 * MiB), MT_MIXED);
    CHECK_EQ(mtrr_range_type(&s, 0, GiB), MT_MIXED);
    CHECK_EQ(mtrr_range_type(&s, 0x12345000, 0x1000), MT_UC);
    CHECK_EQ(mtrr_range_type(&s, 0x12344000, 0x1000), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0x12346000, 0x1000), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0x12344800, 0x1000), MT_MIXED);
    CHECK_EQ(mtrr_range_type(&s, 0x12345800, 0x800), MT_UC);
    CHECK_EQ(mtrr_range_type(&s, 0x12345FFF, 1), MT_UC);
    CHECK_EQ(mtrr_range_type(&s, 0x12345FFF, 2), MT_MIXED);
    CHECK_EQ(mtrr_range_type(&s, 0x12346000, GiB), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0x40000000, 511 * GiB), MT_MIXED);   /* aliases at 64G+ */
    CHECK_EQ(mtrr_range_type(&s, 0x40000000, 63 * GiB), MT_WB);
    /* len 0 asks about the single address. */
    CHECK_EQ(mtrr_range_type(&s, 0x12345000, 0), MT_UC);
    /* The top of the address space, with and without wrapping. */
    CHECK_EQ(mtrr_range_type(&s, 0xFFFFFFFFFFFFF000ULL, 0x1000), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0xFFFFFFFFFFFFF000ULL, 0x2000), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 0xFFFFFFF000000000ULL, 0x1000000000ULL), MT_MIXED);
}

/* Non-contiguous masks (legal, discouraged by 12.11.2.3): exact per page,
 * allowed to say "mixed" for anything wider. */
static void test_noncontiguous(void)
{
    struct mtrr_state s;
    init(&s, 8, E_BIT | MT_UC, 36);
    /* 1-2 GiB, but only pages with address bit 12 clear. */
    s.var_base[0] = GiB | MT_WB;
    s.var_mask[0] = (((1ULL << 36) - 1) & ~(GiB - 1)) | 0x1000 | V_BIT;
    CHECK_EQ(mtrr_type_of(&s, GiB), MT_WB);
    CHECK_EQ(mtrr_type_of(&s, GiB + 0x1000), MT_UC);
    CHECK_EQ(mtrr_type_of(&s, GiB + 0x2000), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, GiB, 0x1000), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, GiB + 0x1000, 0x1000), MT_UC);
    CHECK_EQ(mtrr_range_type(&s, GiB, 2 * MiB), MT_MIXED);
    CHECK_EQ(mtrr_range_type(&s, GiB, 0x2000), MT_MIXED);
    CHECK_EQ(mtrr_range_type(&s, 0, GiB), MT_UC);            /* never matches there */
    CHECK_EQ(mtrr_range_type(&s, 2 * GiB, 2 * GiB), MT_UC);

    /* A mask missing a high bit: 0-256M and again at 1G-1.25G. */
    s.var_base[0] = 0 | MT_WB;
    s.var_mask[0] = (((1ULL << 36) - 1) & ~(0x10000000ULL - 1) & ~GiB) | V_BIT;
    CHECK_EQ(mtrr_type_of(&s, 0), MT_WB);
    CHECK_EQ(mtrr_type_of(&s, 0x10000000), MT_UC);
    CHECK_EQ(mtrr_type_of(&s, GiB), MT_WB);
    CHECK_EQ(mtrr_type_of(&s, GiB + 0x10000000), MT_UC);
    CHECK_EQ(mtrr_range_type(&s, 0, 0x10000000), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, GiB, 2 * MiB), MT_WB);
    CHECK_EQ(mtrr_range_type(&s, 2 * GiB, GiB), MT_UC);
    CHECK_EQ(mtrr_range_type(&s, 0, GiB), MT_MIXED);
}

static void test_invalid_types(void)
{
    struct mtrr_state s;
    /* Reserved encodings 2, 3, 7 and up can not be loaded by WRMSR; if they
     * show up anyway, UC. */
    init(&s, 8, E_BIT | FE_BIT | 2, 36);
    CHECK_EQ(mtrr_type_of(&s, 4 * GiB), MT_UC);
    s.def_type = E_BIT | 7;
    CHECK_EQ(mtrr_type_of(&s, 4 * GiB), MT_UC);
    s.def_type = E_BIT | FE_BIT | MT_WB;
    s.fixed[0] = 0x0303030303030303ULL;
    CHECK_EQ(mtrr_type_of(&s, 0), MT_UC);
    CHECK_EQ(mtrr_range_type(&s, 0, 0x80000), MT_UC);
    var(&s, 0, GiB, GiB, 0x10);
    CHECK_EQ(mtrr_type_of(&s, GiB), MT_UC);
    CHECK_EQ(mtrr_range_type(&s, GiB, GiB), MT_UC);
}

static void test_names(void)
{
    CHECK(strcmp(mtrr_type_name(MT_UC), "UC") == 0);
    CHECK(strcmp(mtrr_type_name(MT_WC), "WC") == 0);
    CHECK(strcmp(mtrr_type_name(MT_WT), "WT") == 0);
    CHECK(strcmp(mtrr_type_name(MT_WP), "WP") == 0);
    CHECK(strcmp(mtrr_type_name(MT_WB), "WB") == 0);
    CHECK(strcmp(mtrr_type_name(MT_MIXED), "mixed") == 0);
    CHECK(mtrr_type_name(2) != NULL);
    CHECK(mtrr_type_name(7) != NULL);
}

/* ---- Randomized comparison with straightforward references ---- */

static u64 rng_state = 0x2545F4914F6CDD1DULL;
static u64 rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* SDM 12.11.4.1, written as plainly as possible. */
static u8 ref_valid(u64 t)
{
    t &= 0xFF;
    return (t == 0 || t == 1 || t == 4 || t == 5 || t == 6) ? (u8)t : MT_UC;
}

static u8 ref_type_of(const struct mtrr_state *s, u64 a)
{
    if (!(s->def_type & E_BIT))
        return MT_UC;
    if (a < MiB && (s->def_type & FE_BIT) && (s->cap & FIX)) {
        u64 start, size;
        for (u32 j = 0; j < 11; j++)
            for (u32 b = 0; b < 8; b++) {
                fixed_sub(j, b, &start, &size);
                if (a >= start && a < start + size)
                    return ref_valid(s->fixed[j] >> (8 * b));
            }
    }
    u64 pmask = ((1ULL << s->phys_bits) - 1) & ~0xFFFULL;
    bool any = false, uc = false, wt = false, wb = false, other = false;
    u8 first = 0;
    u32 vcnt = s->cap & 0xFF;
    for (u32 i = 0; i < vcnt && i < MTRR_VAR_MAX; i++) {
        if (!(s->var_mask[i] & V_BIT))
            continue;
        u64 m = s->var_mask[i] & pmask;
        if ((a & m) != (s->var_base[i] & m))
            continue;
        u8 t = ref_valid(s->var_base[i]);
        if (!any)
            first = t;
        else if (t != first)
            other = true;
        any = true;
        uc |= t == MT_UC;
        wt |= t == MT_WT;
        wb |= t == MT_WB;
    }
    if (!any)
        return ref_valid(s->def_type);
    if (uc)
        return MT_UC;
    if (!other)
        return first;
    /* Several different types, none UC: only {WT, WB} is defined. */
    bool only_wt_wb = true;
    for (u32 i = 0; i < vcnt && i < MTRR_VAR_MAX; i++) {
        u64 m = s->var_mask[i] & pmask;
        if ((s->var_mask[i] & V_BIT) && (a & m) == (s->var_base[i] & m)) {
            u8 t = ref_valid(s->var_base[i]);
            if (t != MT_WT && t != MT_WB)
                only_wt_wb = false;
        }
    }
    return (only_wt_wb && wt && wb) ? MT_WT : MT_UC;
}

/* Reference range type: every 4 KiB page the span touches (all MTRR
 * boundaries are 4 KiB aligned, so a page has one type). */
static u8 ref_range(const struct mtrr_state *s, u64 base, u64 len)
{
    u64 first = base >> 12, last = (base + len - 1) >> 12;
    u8 t = ref_type_of(s, first << 12);
    for (u64 p = first + 1; p <= last; p++)
        if (ref_type_of(s, p << 12) != t)
            return MT_MIXED;
    return t;
}

static void random_state(struct mtrr_state *s, bool noncontig)
{
    static const u32 pbs[] = { 36, 39, 46 };
    memset(s, 0, sizeof(*s));
    s->phys_bits = pbs[rnd() % 3];
    s->cap = (rnd() % 11) | (rnd() % 8 ? FIX : 0);
    s->def_type = valid_types[rnd() % 5] | (rnd() % 8 ? E_BIT : 0) | (rnd() % 4 ? FE_BIT : 0);
    /* Fixed bytes in runs, so uniform stretches exist. */
    u8 t = valid_types[rnd() % 5];
    for (u32 j = 0; j < 11; j++)
        for (u32 b = 0; b < 8; b++) {
            if (rnd() % 6 == 0)
                t = valid_types[rnd() % 5];
            s->fixed[j] |= (u64)t << (8 * b);
        }
    /* Variable ranges in a 64 MiB window (plus aliases), sizes 4K..32M. */
    u64 pmask = (1ULL << s->phys_bits) - 1;
    for (u32 i = 0; i < MTRR_VAR_MAX; i++) {
        u32 k = 12 + (u32)(rnd() % 14);
        u64 size = 1ULL << k;
        u64 base = (rnd() % (64 * MiB)) & ~(size - 1);
        if (rnd() % 8 == 0)
            base |= (rnd() % (64 * MiB)) & ~0xFFFULL & (size - 1);   /* ignored low bits */
        s->var_base[i] = base | (rnd() % 16 ? valid_types[rnd() % 5] : 0);
        u64 mask = pmask & ~(size - 1);
        if (noncontig && rnd() % 3 == 0)
            mask ^= 1ULL << (k + rnd() % 6);
        if (rnd() % 16 == 0)
            mask |= ~pmask;   /* reserved high bits set */
        s->var_mask[i] = (mask & ~0xFFFULL) | (rnd() % 5 ? V_BIT : 0);
    }
}

static void test_random(void)
{
    u32 bad_point = 0, bad_exact = 0, bad_conservative = 0, mixed_ok = 0;
    for (u32 r = 0; r < 1500; r++) {
        struct mtrr_state s;
        bool nc = r % 3 == 2;
        random_state(&s, nc);
        for (u32 q = 0; q < 24; q++) {
            /* Point queries. */
            u64 a = rnd() % (80 * MiB);
            if (q & 1)
                a = rnd() % (2 * MiB);
            if (mtrr_type_of(&s, a) != ref_type_of(&s, a))
                bad_point++;

            /* Span queries, aligned and not, near 1 MiB or anywhere. */
            u64 base, len;
            switch (q % 4) {
            case 0:
                base = (rnd() % (2 * MiB)) & ~0xFFFULL;
                len = ((rnd() % 512) + 1) << 12;
                break;
            case 1:
                base = rnd() % (72 * MiB);
                len = (rnd() % (2 * MiB)) + 1;
                break;
            case 2: {
                u32 k = 12 + (u32)(rnd() % 14);
                base = (rnd() % (72 * MiB)) & ~((1ULL << k) - 1);
                len = 1ULL << k;
                break;
            }
            default:
                base = (rnd() % (64 * MiB)) & ~0x1FFFFFULL;
                len = 2 * MiB;
                break;
            }
            if (len > 8 * MiB)
                len = 8 * MiB;
            u8 got = mtrr_range_type(&s, base, len);
            u8 want = ref_range(&s, base, len);
            if (!nc) {
                if (got != want)
                    bad_exact++;
            } else if (got != want) {
                /* Allowed only as "mixed" over more than one page. */
                bool one_page = (base >> 12) == ((base + len - 1) >> 12);
                if (got != MT_MIXED || one_page)
                    bad_conservative++;
                else
                    mixed_ok++;
            }
        }
    }
    CHECK_EQ(bad_point, 0);
    CHECK_EQ(bad_exact, 0);
    CHECK_EQ(bad_conservative, 0);
    printf("mtrr: %u conservative 'mixed' answers for non-contiguous masks\n", mixed_ok);
}

int main(void)
{
    test_fixed();
    test_enable_bits();
    test_variable();
    test_overlaps();
    test_small_range();
    test_noncontiguous();
    test_invalid_types();
    test_names();
    test_random();
    return unit_done("mtrr");
}
