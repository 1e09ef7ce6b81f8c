// sources: stage3/lib/region.c stage3/lib/e820.c
/*
 * Unit tests for stage3/lib/region.c: the region's pieces never use an
 * address with bit 20 set, and the region and its A20 alias are placed in
 * RAM, as high as the map allows, checked against a page-by-page model.
 */
#include "unit.h"
#include "lib/region.h"
#include "boot/layout.h"

#define RAM E820_RAM
#define RES E820_RESERVED
#define ACPI E820_ACPI
#define MiB (1ULL << 20)

static const struct e820_entry bochs256[] = {
    { 0x0, 0x9F000, RAM, 1 },         { 0x9F000, 0x1000, RES, 1 },
    { 0xE8000, 0x18000, RES, 1 },     { 0x100000, 0xFEF0000, RAM, 1 },
    { 0xFFF0000, 0x10000, ACPI, 1 },  { 0xFFFC0000, 0x40000, RES, 1 },
};
static const struct e820_entry qemu128[] = {
    { 0x0, 0x9FC00, RAM, 1 },         { 0x9FC00, 0x400, RES, 1 },
    { 0xF0000, 0x10000, RES, 1 },     { 0x100000, 0x7EE0000, RAM, 1 },
    { 0x7FE0000, 0x20000, RES, 1 },   { 0xFEFFC000, 0x4000, RES, 1 },
    { 0xFFFC0000, 0x40000, RES, 1 },
};

/* The test's own oracle: is [base, base + len) all RAM? */
static bool is_ram(const struct e820_map *m, u64 base, u64 len)
{
    u64 cur = base, end = base + len;
    for (bool moved = true; moved && cur < end;) {
        moved = false;
        for (u32 i = 0; i < m->count; i++) {
            const struct e820_entry *e = &m->e[i];
            if (e->type == RAM && e->base <= cur && cur < e->base + e->length) {
                cur = e->base + e->length;
                moved = true;
            }
        }
    }
    return cur >= end;
}

/* The placement rule, checked one candidate at a time. */
static bool valid(const struct e820_map *m, u64 b, u64 span)
{
    if (b % 0x1000 || b < HV_REGION_MIN_BASE || b + span > HV_REGION_MAX_END)
        return false;
    if (span > REGION_WINDOW)
        return b % (2 * MiB) == 0 && is_ram(m, b, span + MiB);
    return !((b >> 20) & 1) && (b >> 20) == ((b + span - 1) >> 20) && is_ram(m, b, span) &&
           is_ram(m, b + MiB, span);
}

static u64 model_place(const struct e820_map *m, u64 span, u64 floor)
{
    for (u64 b = (HV_REGION_MAX_END - span) & ~0xFFFULL; b >= floor && b >= HV_REGION_MIN_BASE;
         b -= 0x1000)
        if (valid(m, b, span))
            return b;
    return 0;
}

static void test_take(void)
{
    struct region_cursor c = { 0 };
    CHECK_EQ(region_take(&c, 0x1A000), 0);
    CHECK_EQ(region_take(&c, 0xE0000), 0x1A000);
    CHECK_EQ(region_take(&c, 0x10000), 2 * MiB);        /* would cross into MiB 1 */
    CHECK_EQ(c.next, 2 * MiB + 0x10000);
    c.next = MiB + 0x5000;                              /* in an odd MiB: skipped */
    CHECK_EQ(region_take(&c, 0x1000), 2 * MiB);
    c.next = 3 * MiB - 0x1000;                          /* the last page of MiB 2 */
    CHECK_EQ(region_take(&c, 0x1000), 3 * MiB - 0x1000);
    CHECK_EQ(region_take(&c, 0x1000), 4 * MiB);
    c.next = 0xFE00000 + 0xFF000;                       /* the last page of an even MiB */
    CHECK_EQ(region_take(&c, 0x1000), 0xFEFF000);
    CHECK_EQ(region_take(&c, 0), 0xFF00000 + MiB);      /* an empty piece: next even MiB */

    /* Every piece of every layout: bit 20 clear from its first to its last byte. */
    u32 bad = 0;
    for (u32 cpus = 1; cpus <= 64; cpus++) {
        struct region_parts p = { 0x1A000, cpus, 0xC000 + (cpus % 3) * 0x3000, 0x18000, 0 };
        struct region_cursor k = { 0 };
        u64 a = region_take(&k, p.image);
        bad += ((a | (a + p.image - 1)) & MiB) != 0;
        for (u32 i = 0; i < cpus; i++) {
            a = region_take(&k, p.cpu_bytes);
            bad += ((a | (a + p.cpu_bytes - 1)) & MiB) != 0 || (a >> 20) != ((a + p.cpu_bytes - 1) >> 20);
        }
        a = region_take(&k, p.pool);
        bad += ((a | (a + p.pool - 1)) & MiB) != 0;
        bad += k.next != region_span(&p);
    }
    CHECK_EQ(bad, 0);
    struct region_parts one = { 0x1A000, 1, 0xC000, 0x18000, 0 };
    CHECK_EQ(region_span(&one), 0x1A000 + 0xC000 + 0x18000);
    struct region_parts many = { 0x1A000, 64, 0xC000, 0x18000, 0 };
    /* 64 x 48 KiB: 19 blocks after the image in MiB 0, 21 in MiB 2, 21 in MiB 4,
     * 3 in MiB 6, then the pool. */
    CHECK_EQ(region_span(&many), 6 * MiB + 3 * 0xC000 + 0x18000);

    /* The IOMMU's tables come last and the region ends where they end
     * (stage3/iommu takes them back from the region's end). */
    struct region_parts io = { 0x1A000, 1, 0xC000, 0x18000, 0xF000 };
    CHECK_EQ(region_span(&io), 0x1A000 + 0xC000 + 0x18000 + 0xF000);
    /* A table piece that would cross into MiB 1 starts at MiB 2 whole. */
    struct region_parts edge = { 0xE0000, 1, 0xC000, 0x10000, 0xF000 };
    CHECK_EQ(region_span(&edge), 2 * MiB + 0xF000);
}

static void test_known_maps(void)
{
    struct e820_map m;
    e820_from_bios(&m, bochs256, 6);
    /* RAM ends at 0xFFF0000 in MiB 255 (odd); the alias must end there too. */
    CHECK_EQ(region_place(&m, 0x3B000), 0xFEF0000 - 0x3B000);
    CHECK(valid(&m, 0xFEF0000 - 0x3B000, 0x3B000));
    CHECK_EQ(region_place(&m, 0xEF000), 0xFE01000);
    CHECK_EQ(region_place(&m, 0xF0000), 0xFE00000);             /* all of MiB 254 up to the alias's end */
    CHECK_EQ(region_place(&m, 0xF1000), 0xFD00000 - 0xF1000);   /* no longer fits MiB 254 */
    CHECK_EQ(region_place(&m, MiB), 0xFC00000);
    CHECK_EQ(region_place(&m, 3 * MiB), 0xFA00000);
    CHECK(valid(&m, 0xFA00000, 3 * MiB));
    CHECK_EQ(region_place(&m, 0), 0);
    CHECK_EQ(region_place(&m, 0x1000000), 0xEE00000);
    CHECK_EQ(region_place(&m, 0xF000000), 0);                   /* no room above 16 MiB */

    e820_from_bios(&m, qemu128, 7);
    CHECK_EQ(region_place(&m, 0x3C000), 0x7EE0000 - 0x3C000);
    CHECK(is_ram(&m, 0x7FE0000 - 0x3C000, 0x3C000));            /* the alias */

    /* A region that cannot have its alias in RAM has no place. */
    struct e820_entry tight[] = { { 0x0, 0x9F000, RAM, 1 }, { 0x1000000, 0x100000, RAM, 1 } };
    e820_from_bios(&m, tight, 2);
    CHECK_EQ(region_place(&m, 0x1000), 0);
    struct e820_entry two[] = { { 0x1000000, 0x80000, RAM, 1 }, { 0x1100000, 0x80000, RAM, 1 } };
    e820_from_bios(&m, two, 2);
    CHECK_EQ(region_place(&m, 0x10000), 0x1070000);             /* region and alias in different ranges */
}

static void test_hidden(void)
{
    u64 s[2], l[2];
    CHECK_EQ(region_hidden(0xFEB5000, 0x3B000, false, s, l), 1);
    CHECK_EQ(s[0], 0xFEB5000);
    CHECK_EQ(l[0], 0x3B000);
    CHECK_EQ(region_hidden(0xFEB5000, 0x3B000, true, s, l), 2);
    CHECK_EQ(s[1], 0xFFB5000);
    CHECK_EQ(l[1], 0x3B000);
    CHECK_EQ(region_hidden(0xFA00000, 3 * MiB, true, s, l), 1);
    CHECK_EQ(s[0], 0xFA00000);
    CHECK_EQ(l[0], 4 * MiB);
}

static u64 rng_state = 0x9E3779B97F4A7C15ULL;
static u64 rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random maps in the top 64 MiB below 4 GiB: the placement agrees with the
 * model page by page. */
static void test_random(void)
{
    static const u32 types[] = { RAM, RAM, RAM, RES, ACPI };
    const u64 window = HV_REGION_MAX_END - 0x4000000;
    u32 bad = 0;
    for (int iter = 0; iter < 400; iter++) {
        struct e820_entry raw[12];
        u32 n = 1 + rnd() % 12;
        for (u32 i = 0; i < n; i++) {
            raw[i].base = window + (rnd() % 16384) * 0x1000;
            raw[i].length = (1 + rnd() % 8192) * 0x1000;
            raw[i].type = types[rnd() % 5];
            raw[i].attr = 1;
        }
        struct e820_map m;
        e820_from_bios(&m, raw, n);
        /* As region_span makes them: over one MiB, a span ends in an even MiB. */
        u64 span = iter % 4 == 0 ? (2 + 2 * (rnd() % 2)) * MiB + (rnd() % 256) * 0x1000
                                 : (1 + rnd() % 256) * 0x1000;
        u64 got = region_place(&m, span), want = model_place(&m, span, window);
        if (got != want) {
            bad++;
            fprintf(stderr, "iter %d: span 0x%llx got 0x%llx want 0x%llx\n", iter,
                    (unsigned long long)span, (unsigned long long)got, (unsigned long long)want);
        }
    }
    CHECK_EQ(bad, 0);
}

/* Cells: 2 MiB-aligned RAM below the region, highest first, stacked down. */
static void test_cells(void)
{
    struct e820_map m;
    e820_from_bios(&m, bochs256, sizeof bochs256 / sizeof bochs256[0]);
    u64 base[4], len[4] = { 16 * MiB, 4 * MiB, 2 * MiB, 64 * MiB };
    u64 region = region_place(&m, 260 * 1024);
    CHECK_EQ(region & ~(2 * MiB - 1), 0xFE00000);
    CHECK_EQ(region_cells_place(&m, region, 2, len, base), 2);
    CHECK_EQ(base[0], 0xEE00000);           /* the even MiB below the region, less 16 MiB */
    CHECK_EQ(base[1], 0xEA00000);
    /* Everything from 16 MiB up: exactly what fits, then no more. */
    u64 all[1] = { 0xFE00000 - 16 * MiB };
    CHECK_EQ(region_cells_place(&m, region, 1, all, base), 1);
    CHECK_EQ(base[0], 16 * MiB);
    all[0] += 2 * MiB;
    CHECK_EQ(region_cells_place(&m, region, 1, all, base), 0);
    /* Not a multiple of 2 MiB: refused, as is 0. */
    u64 odd[2] = { 16 * MiB, 3 * MiB };
    CHECK_EQ(region_cells_place(&m, region, 2, odd, base), 1);
    u64 none[1] = { 0 };
    CHECK_EQ(region_cells_place(&m, region, 1, none, base), 0);
    /* The third of four does not fit once the first two took their room. */
    u64 big[3] = { 128 * MiB, 64 * MiB, 64 * MiB };
    CHECK_EQ(region_cells_place(&m, region, 3, big, base), 2);
    CHECK_EQ(base[0], 0xFE00000 - 128 * MiB);
    CHECK_EQ(base[1], 0xFE00000 - 192 * MiB);

    /* QEMU's 128 MiB: RAM ends at 0x7FE0000, a hole above; the cell stays in RAM. */
    e820_from_bios(&m, qemu128, sizeof qemu128 / sizeof qemu128[0]);
    region = region_place(&m, 260 * 1024);
    CHECK(region != 0);
    CHECK_EQ(region_cells_place(&m, region, 1, len, base), 1);
    CHECK_EQ(base[0] % (2 * MiB), 0);
    CHECK(base[0] + len[0] <= region);
    CHECK(is_ram(&m, base[0], len[0]));
    CHECK(base[0] + len[0] + 2 * MiB > region);   /* as high as it goes */

    /* Random maps against a 2 MiB-step model. */
    u32 bad = 0;
    for (int iter = 0; iter < 300; iter++) {
        static const u32 types[] = { RAM, RAM, RAM, RES, ACPI };
        struct e820_entry raw[8];
        u32 n = 1 + rnd() % 8;
        for (u32 i = 0; i < n; i++) {
            raw[i].base = 0x800000 + (rnd() % 256) * 0x100000;
            raw[i].length = (1 + rnd() % 128) * 0x100000;
            raw[i].type = types[rnd() % 5];
            raw[i].attr = 1;
        }
        e820_from_bios(&m, raw, n);
        u64 below = 0x800000 + (rnd() % 300) * 0x100000 + (rnd() % 256) * 0x1000;
        u64 l[2] = { (1 + rnd() % 8) * 2 * MiB, (1 + rnd() % 8) * 2 * MiB }, got[2], want[2];
        u32 placed = region_cells_place(&m, below, 2, l, got), model = 0;
        u64 ceiling = below & ~(2 * MiB - 1);
        for (u32 k = 0; k < 2; k++) {
            want[k] = 0;
            for (u64 b = ceiling >= l[k] ? ceiling - l[k] : 0; b >= HV_REGION_MIN_BASE && b + l[k] <= ceiling;
                 b -= 2 * MiB) {
                bool one = false;
                for (u32 i = 0; i < m.count; i++)
                    one |= m.e[i].type == RAM && m.e[i].base <= b && b + l[k] <= m.e[i].base + m.e[i].length;
                if (one) {
                    want[k] = b;
                    break;
                }
                if (b < 2 * MiB)
                    break;
            }
            if (!want[k])
                break;
            model++;
            ceiling = want[k];
        }
        if (placed != model || (placed > 0 && got[0] != want[0]) || (placed > 1 && got[1] != want[1]))
            bad++;
    }
    CHECK_EQ(bad, 0);
}

int main(void)
{
    test_cells();
    test_take();
    test_known_maps();
    test_hidden();
    test_random();
    return unit_done("region");
}
