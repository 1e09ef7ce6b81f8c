// sources: stage3/lib/e820.c
/*
 * Unit tests for stage3/e820.c: sanitizing, carving the hypervisor region
 * and the legacy memory-size answers.
 */
#include "unit.h"
#include "lib/e820.h"
#include "boot/layout.h"

#define RAM E820_RAM
#define RES E820_RESERVED
#define ACPI E820_ACPI
#define NVS E820_NVS

/* The test's own answer to "is [base, base + len) all RAM in m?": an oracle
 * written independently of stage3/lib/e820.c. */
static bool e820_is_ram(const struct e820_map *m, u64 base, u64 len)
{
    if (!len)
        return true;
    u64 end = base + len < base ? ~0ULL : base + len, cur = base;
    for (bool moved = true; moved && cur < end;) {
        moved = false;
        for (u32 i = 0; i < m->count; i++) {
            const struct e820_entry *e = &m->e[i];
            if (e->type == E820_RAM && e->base <= cur && cur < e->base + e->length) {
                cur = e->base + e->length;
                moved = true;
            }
        }
    }
    return cur >= end;
}

static struct e820_entry E(u64 base, u64 len, u32 type)
{
    struct e820_entry e = { base, len, type, 1 };
    return e;
}

/* Bochs 2.7 BIOS with 256 MB. */
static const struct e820_entry bochs256[] = {
    { 0x0, 0x9F000, RAM, 1 },
    { 0x9F000, 0x1000, RES, 1 },
    { 0xE8000, 0x18000, RES, 1 },
    { 0x100000, 0xFEF0000, RAM, 1 },
    { 0xFFF0000, 0x10000, ACPI, 1 },
    { 0xFFFC0000, 0x40000, RES, 1 },
};

/* SeaBIOS under QEMU with 128 MB. */
static const struct e820_entry qemu128[] = {
    { 0x0, 0x9FC00, RAM, 1 },
    { 0x9FC00, 0x400, RES, 1 },
    { 0xF0000, 0x10000, RES, 1 },
    { 0x100000, 0x7EE0000, RAM, 1 },
    { 0x7FE0000, 0x20000, RES, 1 },
    { 0xFEFFC000, 0x4000, RES, 1 },
    { 0xFFFC0000, 0x40000, RES, 1 },
};

/* SeaBIOS under QEMU with 6 GB: 3 GB below the PCI hole, 3 GB above 4 GB. */
static const struct e820_entry qemu6g[] = {
    { 0x0, 0x9FC00, RAM, 1 },
    { 0x9FC00, 0x400, RES, 1 },
    { 0xF0000, 0x10000, RES, 1 },
    { 0x100000, 0xBFEE0000, RAM, 1 },
    { 0xBFFE0000, 0x20000, RES, 1 },
    { 0xFEFFC000, 0x4000, RES, 1 },
    { 0xFFFC0000, 0x40000, RES, 1 },
    { 0x100000000ULL, 0xC0000000ULL, RAM, 1 },
};

/* A region size to place: the real one depends on the build and the CPU
 * count; 2 MiB is what pxHV once took, so the carving checks below keep
 * their 2 MiB-aligned bases. */
#define HV_REGION_SIZE 0x200000ULL

static void check_entry(const struct e820_map *m, u32 i, u64 base, u64 len, u32 type)
{
    CHECK(i < m->count);
    if (i >= m->count)
        return;
    CHECK_EQ(m->e[i].base, base);
    CHECK_EQ(m->e[i].length, len);
    CHECK_EQ(m->e[i].type, type);
}

/* Sorted, disjoint, no zero lengths, no two mergeable neighbours. */
static bool well_formed(const struct e820_map *m)
{
    if (m->count > E820_MAP_MAX)
        return false;
    for (u32 i = 0; i < m->count; i++) {
        if (m->e[i].length == 0)
            return false;
        if (i == 0)
            continue;
        const struct e820_entry *a = &m->e[i - 1], *b = &m->e[i];
        u64 a_end = a->base + a->length;
        if (a_end > b->base)
            return false;
        if (a_end == b->base && a->type == b->type && a->attr == b->attr)
            return false;
    }
    return true;
}

static void test_bochs(void)
{
    struct e820_map m;
    struct e820_legacy l;

    e820_from_bios(&m, bochs256, ARRAY_SIZE(bochs256));
    CHECK(well_formed(&m));
    CHECK_EQ(m.count, 6);
    for (u32 i = 0; i < 6; i++)
        check_entry(&m, i, bochs256[i].base, bochs256[i].length, bochs256[i].type);
    CHECK_EQ(e820_ram_bytes(&m), 0x9F000 + 0xFEF0000);
    CHECK_EQ(e820_ram_bytes_in(&m, 0x9E000, 0x101000), 0x2000);
    CHECK_EQ(e820_ram_bytes_in(&m, 0x100000000ULL, ~0ULL), 0);
    CHECK(e820_is_ram(&m, 0, 0x9F000));
    CHECK(!e820_is_ram(&m, 0, 0x9F001));
    CHECK(!e820_is_ram(&m, 0x9F000, 1));
    CHECK(!e820_is_ram(&m, 0xA0000, 0x1000));
    CHECK(e820_is_ram(&m, 0x100000, 0xFEF0000));
    CHECK(!e820_is_ram(&m, 0x100000, 0xFEF0001));
    CHECK(e820_is_ram(&m, 0x12345, 0));

    e820_legacy(&m, &l);
    CHECK_EQ(l.conv_kb, 636);
    CHECK_EQ(l.e801_ax, 15360);
    CHECK_EQ(l.e801_bx, (0xFFF0000 - 0x1000000) / 0x10000);
    CHECK_EQ(l.e801_bx, 3839);
    CHECK_EQ(l.ext88_kb, 0xFFFF);

    /* Carving a 2 MiB-aligned block, as the layout before this one did. */
    u64 hv = 0xFC00000;
    CHECK(e820_set_range(&m, hv, HV_REGION_SIZE, RES));
    CHECK(well_formed(&m));
    CHECK_EQ(m.count, 8);
    check_entry(&m, 0, 0x0, 0x9F000, RAM);
    check_entry(&m, 1, 0x9F000, 0x1000, RES);
    check_entry(&m, 2, 0xE8000, 0x18000, RES);
    check_entry(&m, 3, 0x100000, 0xFB00000, RAM);
    check_entry(&m, 4, 0xFC00000, 0x200000, RES);
    check_entry(&m, 5, 0xFE00000, 0x1F0000, RAM);
    check_entry(&m, 6, 0xFFF0000, 0x10000, ACPI);
    check_entry(&m, 7, 0xFFFC0000, 0x40000, RES);
    CHECK_EQ(m.e[4].attr, 1);
    CHECK_EQ(e820_ram_bytes(&m), 0x9F000 + 0xFEF0000 - HV_REGION_SIZE);
    CHECK_EQ(e820_ram_bytes_in(&m, hv, hv + HV_REGION_SIZE), 0);
    CHECK(!e820_is_ram(&m, hv, 1));
    CHECK(!e820_is_ram(&m, hv - 0x1000, 0x2000));
    CHECK(!e820_is_ram(&m, hv + HV_REGION_SIZE - 1, 2));
    CHECK(e820_is_ram(&m, hv + HV_REGION_SIZE, 0x1000));

    e820_legacy(&m, &l);
    CHECK_EQ(l.conv_kb, 636);
    CHECK_EQ(l.e801_ax, 15360);
    CHECK_EQ(l.e801_bx, (0xFC00000 - 0x1000000) / 0x10000);
    CHECK_EQ(l.e801_bx, 0xEC0);
    CHECK_EQ(l.ext88_kb, 0xFFFF);

    /* Carving again is idempotent. */
    CHECK(e820_set_range(&m, hv, HV_REGION_SIZE, RES));
    CHECK_EQ(m.count, 8);
}

static void test_qemu(void)
{
    struct e820_map m;
    struct e820_legacy l;

    e820_from_bios(&m, qemu128, ARRAY_SIZE(qemu128));
    CHECK(well_formed(&m));
    CHECK_EQ(m.count, 7);
    for (u32 i = 0; i < 7; i++)
        check_entry(&m, i, qemu128[i].base, qemu128[i].length, qemu128[i].type);
    e820_legacy(&m, &l);
    CHECK_EQ(l.conv_kb, 639);
    CHECK_EQ(l.e801_ax, 15360);
    CHECK_EQ(l.e801_bx, 0x6FE);
    CHECK_EQ(l.ext88_kb, 0xFFFF);

    u64 hv = 0x7C00000;
    CHECK(e820_set_range(&m, hv, HV_REGION_SIZE, RES));
    CHECK(well_formed(&m));
    CHECK_EQ(m.count, 9);
    check_entry(&m, 3, 0x100000, 0x7B00000, RAM);
    check_entry(&m, 4, 0x7C00000, 0x200000, RES);
    check_entry(&m, 5, 0x7E00000, 0x1E0000, RAM);
    e820_legacy(&m, &l);
    CHECK_EQ(l.conv_kb, 639);
    CHECK_EQ(l.e801_bx, 0x6C0);

    /* More than 4 GiB: E801 stops at the PCI hole, the map goes on. */
    e820_from_bios(&m, qemu6g, ARRAY_SIZE(qemu6g));
    CHECK(well_formed(&m));
    CHECK_EQ(m.count, 8);
    CHECK_EQ(e820_ram_bytes(&m), 0x9FC00 + 0xBFEE0000ULL + 0xC0000000ULL);
    CHECK_EQ(e820_ram_bytes_in(&m, 0x100000000ULL, ~0ULL), 0xC0000000ULL);
    CHECK_EQ(e820_ram_bytes_in(&m, 0, 0x100000000ULL), 0x9FC00 + 0xBFEE0000ULL);
    CHECK(e820_is_ram(&m, 0x100000000ULL, 0xC0000000ULL));
    CHECK(!e820_is_ram(&m, 0xFFFFF000ULL, 0x2000));
    e820_legacy(&m, &l);
    CHECK_EQ(l.e801_bx, 0xBEFE);
    hv = 0xBFC00000ULL;
    CHECK(e820_set_range(&m, hv, HV_REGION_SIZE, RES));
    CHECK(well_formed(&m));
    CHECK_EQ(m.count, 10);
    check_entry(&m, 9, 0x100000000ULL, 0xC0000000ULL, RAM);
    e820_legacy(&m, &l);
    CHECK_EQ(l.e801_bx, 0xBEC0);
    CHECK_EQ(l.e801_ax, 15360);

    /* RAM running through 4 GiB: BX counts only up to 4 GiB. */
    struct e820_entry big[] = { E(0, 0xA0000, RAM), E(0x100000, 0x200000000ULL, RAM) };
    e820_from_bios(&m, big, 2);
    e820_legacy(&m, &l);
    CHECK_EQ(l.conv_kb, 640);
    CHECK_EQ(l.e801_bx, 0xFF00);
}

static void test_legacy_edges(void)
{
    struct e820_map m;
    struct e820_legacy l;

    /* 32 MiB: AH=88h below its cap. */
    struct e820_entry small[] = { E(0, 0x9FC00, RAM), E(0x100000, 0x1F00000, RAM) };
    e820_from_bios(&m, small, 2);
    e820_legacy(&m, &l);
    CHECK_EQ(l.conv_kb, 639);
    CHECK_EQ(l.ext88_kb, 0x7C00);
    CHECK_EQ(l.e801_ax, 15360);
    CHECK_EQ(l.e801_bx, 0x100);

    /* 8 MiB: nothing above 16 MiB, no room for the hypervisor. */
    struct e820_entry tiny[] = { E(0, 0x9FC00, RAM), E(0x100000, 0x700000, RAM) };
    e820_from_bios(&m, tiny, 2);
    e820_legacy(&m, &l);
    CHECK_EQ(l.ext88_kb, 7168);
    CHECK_EQ(l.e801_ax, 7168);
    CHECK_EQ(l.e801_bx, 0);

    /* The ISA hole at 15-16 MiB: AX stops at it, BX starts after it. */
    struct e820_entry isa[] = {
        E(0, 0x9FC00, RAM), E(0x100000, 0xE00000, RAM), E(0xF00000, 0x100000, RES),
        E(0x1000000, 0x7000000, RAM),
    };
    e820_from_bios(&m, isa, 4);
    e820_legacy(&m, &l);
    CHECK_EQ(l.e801_ax, 14336);
    CHECK_EQ(l.ext88_kb, 14336);
    CHECK_EQ(l.e801_bx, 0x700);

    /* No RAM at 0 or at 1 MiB: all zero. */
    struct e820_entry odd[] = { E(0x1000, 0x1000, RAM), E(0x200000, 0x100000, RAM) };
    e820_from_bios(&m, odd, 2);
    e820_legacy(&m, &l);
    CHECK_EQ(l.conv_kb, 0);
    CHECK_EQ(l.ext88_kb, 0);
    CHECK_EQ(l.e801_ax, 0);
    CHECK_EQ(l.e801_bx, 0);
    e820_from_bios(&m, odd, 0);
    e820_legacy(&m, &l);
    CHECK_EQ(l.conv_kb + l.ext88_kb + l.e801_ax + l.e801_bx, 0);

    /* RAM split by attr only is still one contiguous run. */
    struct e820_entry split[] = { E(0, 0x50000, RAM), { 0x50000, 0x4FC00, RAM, 3 } };
    e820_from_bios(&m, split, 2);
    CHECK_EQ(m.count, 2);
    CHECK(e820_is_ram(&m, 0x4F000, 0x2000));
    e820_legacy(&m, &l);
    CHECK_EQ(l.conv_kb, 639);
}

static void test_sanitize(void)
{
    struct e820_map m;

    /* Unsorted Bochs map sanitizes to the sorted one. */
    struct e820_entry shuf[6];
    static const int order[6] = { 4, 1, 5, 0, 3, 2 };
    for (int i = 0; i < 6; i++)
        shuf[i] = bochs256[order[i]];
    e820_from_bios(&m, shuf, 6);
    CHECK_EQ(m.count, 6);
    for (u32 i = 0; i < 6; i++)
        check_entry(&m, i, bochs256[i].base, bochs256[i].length, bochs256[i].type);

    /* Zero-length entries vanish, adjacent equal ones merge. */
    struct e820_entry z[] = {
        E(0x5000, 0, RES), E(0, 0x1000, RAM), E(0x1000, 0x1000, RAM), E(0x2000, 0, RES),
        E(0x2000, 0x2000, RAM), E(0x10000, 0x1000, RAM), E(0x11000, 0x1000, RES),
        E(0x12000, 0x1000, RES),
    };
    e820_from_bios(&m, z, ARRAY_SIZE(z));
    CHECK(well_formed(&m));
    CHECK_EQ(m.count, 3);
    check_entry(&m, 0, 0, 0x4000, RAM);
    check_entry(&m, 1, 0x10000, 0x1000, RAM);
    check_entry(&m, 2, 0x11000, 0x2000, RES);

    /* Only zero-length entries: empty map. */
    struct e820_entry zz[] = { E(0, 0, RAM), E(0x1000, 0, RES) };
    e820_from_bios(&m, zz, 2);
    CHECK_EQ(m.count, 0);
    CHECK_EQ(e820_ram_bytes(&m), 0);

    /* Overlaps: reserved inside RAM splits it. */
    struct e820_entry ov[] = { E(0, 0x200000, RAM), E(0x100000, 0x80000, RES) };
    e820_from_bios(&m, ov, 2);
    CHECK_EQ(m.count, 3);
    check_entry(&m, 0, 0, 0x100000, RAM);
    check_entry(&m, 1, 0x100000, 0x80000, RES);
    check_entry(&m, 2, 0x180000, 0x80000, RAM);

    /* Same, but RAM listed second and the reserved range at the edges. */
    struct e820_entry ov2[] = { E(0, 0x1000, RES), E(0, 0x10000, RAM), E(0xF000, 0x2000, RES) };
    e820_from_bios(&m, ov2, 3);
    CHECK_EQ(m.count, 3);
    check_entry(&m, 0, 0, 0x1000, RES);
    check_entry(&m, 1, 0x1000, 0xE000, RAM);
    check_entry(&m, 2, 0xF000, 0x2000, RES);

    /* Non-RAM types: the higher number wins. */
    struct e820_entry ty[] = {
        E(0, 0x4000, RES), E(0x1000, 0x2000, ACPI), E(0x2000, 0x1000, NVS),
        E(0x3000, 0x2000, RAM), E(0x4800, 0x100, E820_UNUSABLE),
    };
    e820_from_bios(&m, ty, ARRAY_SIZE(ty));
    CHECK(well_formed(&m));
    CHECK_EQ(m.count, 7);
    check_entry(&m, 0, 0, 0x1000, RES);
    check_entry(&m, 1, 0x1000, 0x1000, ACPI);
    check_entry(&m, 2, 0x2000, 0x1000, NVS);
    check_entry(&m, 3, 0x3000, 0x1000, RES);
    check_entry(&m, 4, 0x4000, 0x800, RAM);
    check_entry(&m, 5, 0x4800, 0x100, E820_UNUSABLE);
    check_entry(&m, 6, 0x4900, 0x700, RAM);

    /* RAM completely hidden by a reserved range; duplicates collapse. */
    struct e820_entry hid[] = {
        E(0x1000, 0x1000, RAM), E(0, 0x4000, RES), E(0, 0x4000, RES), E(0, 0x4000, RES),
    };
    e820_from_bios(&m, hid, 4);
    CHECK_EQ(m.count, 1);
    check_entry(&m, 0, 0, 0x4000, RES);

    /* Unknown type 0 still beats RAM (anything non-RAM does). */
    struct e820_entry t0[] = { E(0, 0x2000, RAM), E(0x1000, 0x1000, 0) };
    e820_from_bios(&m, t0, 2);
    CHECK_EQ(m.count, 2);
    check_entry(&m, 1, 0x1000, 0x1000, 0);

    /* Different attr: not merged. */
    struct e820_entry at[] = { E(0, 0x1000, RAM), { 0x1000, 0x1000, RAM, 0 } };
    e820_from_bios(&m, at, 2);
    CHECK_EQ(m.count, 2);

    /* A range wrapping past 2^64 is clipped at the last byte. */
    struct e820_entry wr[] = { E(0xFFFFFFFFFFFFF000ULL, 0x2000, RES), E(0, 0x1000, RAM) };
    e820_from_bios(&m, wr, 2);
    CHECK_EQ(m.count, 2);
    check_entry(&m, 1, 0xFFFFFFFFFFFFF000ULL, 0xFFF, RES);

    /* Raw input longer than the map: the rest is dropped, not overrun. */
    static struct e820_entry many[E820_MAP_MAX + 20];
    for (u32 i = 0; i < ARRAY_SIZE(many); i++)
        many[i] = E(i * 0x2000ULL, 0x1000, RAM);
    e820_from_bios(&m, many, ARRAY_SIZE(many));
    CHECK_EQ(m.count, E820_MAP_MAX);
    CHECK(well_formed(&m));
    CHECK_EQ(m.e[E820_MAP_MAX - 1].base, (E820_MAP_MAX - 1) * 0x2000ULL);

    /* Pathological nesting that needs more than E820_MAP_MAX pieces:
     * the map keeps the low part and stays well formed. */
    m.count = E820_MAP_MAX;
    m.e[0] = E(0, 0x1000000, RAM);
    for (u32 i = 1; i < E820_MAP_MAX; i++)
        m.e[i] = E(i * 0x10000ULL, 0x1000, RES);
    e820_sanitize(&m);
    CHECK_EQ(m.count, E820_MAP_MAX);
    CHECK(well_formed(&m));
    check_entry(&m, 0, 0, 0x10000, RAM);
    check_entry(&m, 1, 0x10000, 0x1000, RES);
}

static void test_set_range(void)
{
    struct e820_map m;
    struct e820_entry two[] = { E(0, 0x9F000, RAM), E(0x100000, 0x1000000, RAM) };

    /* Forcing RAM over reserved wins too (it is a force, not an overlap). */
    e820_from_bios(&m, bochs256, ARRAY_SIZE(bochs256));
    CHECK(e820_set_range(&m, 0x9F000, 0x1000, RAM));
    CHECK_EQ(m.count, 5);
    check_entry(&m, 0, 0, 0xA0000, RAM);

    /* Into a hole: a new entry appears. */
    e820_from_bios(&m, two, 2);
    CHECK(e820_set_range(&m, 0xA0000, 0x20000, RES));
    CHECK_EQ(m.count, 3);
    check_entry(&m, 1, 0xA0000, 0x20000, RES);

    /* Bridging the hole with RAM merges everything into one run. */
    e820_from_bios(&m, two, 2);
    CHECK(e820_set_range(&m, 0x9F000, 0x61000, RAM));
    CHECK_EQ(m.count, 1);
    check_entry(&m, 0, 0, 0x1100000, RAM);

    /* Zero length: no change. */
    e820_from_bios(&m, two, 2);
    CHECK(e820_set_range(&m, 0x5000, 0, RES));
    CHECK_EQ(m.count, 2);

    /* Covering several entries at once. */
    e820_from_bios(&m, bochs256, ARRAY_SIZE(bochs256));
    CHECK(e820_set_range(&m, 0x90000, 0x80000, RES));
    CHECK(well_formed(&m));
    CHECK_EQ(m.count, 5);
    check_entry(&m, 0, 0, 0x90000, RAM);
    check_entry(&m, 1, 0x90000, 0x80000, RES);
    check_entry(&m, 2, 0x110000, 0xFEE0000, RAM);

    /* Overflow: a full map cannot take another split and stays as it was. */
    struct e820_map full;
    full.count = E820_MAP_MAX;
    for (u32 i = 0; i < E820_MAP_MAX; i++)
        full.e[i] = E(i * 0x10000ULL, 0x8000, i & 1 ? RES : RAM);
    e820_sanitize(&full);
    CHECK_EQ(full.count, E820_MAP_MAX);
    m = full;
    CHECK(!e820_set_range(&m, 0x1000, 0x1000, RES));
    CHECK(memcmp(&m, &full, sizeof(m)) == 0);
    /* ... but one that fits in place (or shrinks the map) works. */
    CHECK(e820_set_range(&m, 0, 0x8000, RES));
    CHECK_EQ(m.count, E820_MAP_MAX);
    check_entry(&m, 0, 0, 0x8000, RES);
    /* Entries 0-15 become one RAM range that also merges with entry 16. */
    CHECK(e820_set_range(&m, 0, 0x100000, RAM));
    CHECK_EQ(m.count, E820_MAP_MAX - 16);
    check_entry(&m, 0, 0, 0x108000, RAM);
    CHECK(well_formed(&m));
}

/* ---- Randomized comparison with a page-by-page model ---- */

static u64 rng_state = 0x9E3779B97F4A7C15ULL;
static u64 rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

#define PAGES 256   /* model space: 1 MiB in 4 KiB pages */

/* Model: per page, type+1 (0 = hole) and attr. */
struct model { u32 type[PAGES], attr[PAGES]; bool present[PAGES]; };

static bool beats(u32 t1, u32 a1, u32 t2, u32 a2)
{
    if (t1 != t2) {
        if (t2 == RAM)
            return true;
        if (t1 == RAM)
            return false;
        return t1 > t2;
    }
    return a1 > a2;
}

static void model_from(struct model *md, const struct e820_entry *raw, u32 n)
{
    memset(md, 0, sizeof(*md));
    for (u32 i = 0; i < n; i++)
        for (u64 p = raw[i].base >> 12; p < (raw[i].base + raw[i].length) >> 12; p++)
            if (!md->present[p] || beats(raw[i].type, raw[i].attr, md->type[p], md->attr[p])) {
                md->present[p] = true;
                md->type[p] = raw[i].type;
                md->attr[p] = raw[i].attr;
            }
}

static u32 model_diff(const struct model *md, const struct e820_map *m)
{
    struct model got;
    model_from(&got, m->e, m->count);
    u32 bad = 0;
    for (u32 p = 0; p < PAGES; p++) {
        if (got.present[p] != md->present[p])
            bad++;
        else if (got.present[p] && (got.type[p] != md->type[p] || got.attr[p] != md->attr[p]))
            bad++;
    }
    /* The map itself must not overlap (the model would hide that). */
    if (!well_formed(m))
        bad++;
    return bad;
}

static void test_random(void)
{
    static const u32 types[] = { RAM, RAM, RAM, RES, ACPI, NVS, E820_UNUSABLE, 12 };
    u32 bad = 0, runs = 2000;

    for (u32 r = 0; r < runs; r++) {
        struct e820_entry raw[16];
        u32 n = 1 + (u32)(rnd() % 16);
        for (u32 i = 0; i < n; i++) {
            u64 b = rnd() % PAGES, l = rnd() % 40;
            if (b + l > PAGES)
                l = PAGES - b;
            raw[i].base = b << 12;
            raw[i].length = l << 12;
            raw[i].type = types[rnd() % ARRAY_SIZE(types)];
            raw[i].attr = 1 + (u32)(rnd() % 8 == 0);
        }
        struct model md;
        struct e820_map m;
        model_from(&md, raw, n);
        e820_from_bios(&m, raw, n);
        bad += model_diff(&md, &m);

        /* Force a random range, in the model too. */
        u64 fb = rnd() % PAGES, fl = rnd() % 64;
        if (fb + fl > PAGES)
            fl = PAGES - fb;
        u32 ft = types[rnd() % ARRAY_SIZE(types)];
        if (e820_set_range(&m, fb << 12, fl << 12, ft)) {
            for (u64 p = fb; p < fb + fl; p++) {
                md.present[p] = true;
                md.type[p] = ft;
                md.attr[p] = 1;
            }
            bad += model_diff(&md, &m);
        } else {
            bad++;   /* cannot overflow with 16 entries */
        }

        /* Derived answers agree with the model. */
        u64 ram = 0;
        for (u32 p = 0; p < PAGES; p++)
            ram += md.present[p] && md.type[p] == RAM;
        if (e820_ram_bytes(&m) != ram << 12)
            bad++;
        u64 lo = rnd() % PAGES, len = rnd() % 32;
        bool all = true;
        for (u64 p = lo; p < lo + len; p++)
            if (p >= PAGES || !md.present[p] || md.type[p] != RAM)
                all = false;
        if (e820_is_ram(&m, lo << 12, len << 12) != all)
            bad++;
    }
    CHECK_EQ(bad, 0);
}

/* A BIOS without E820h: the map from INT 12h and E801h, else AH=88h, the top
 * MiB of the highest range left to the firmware's ACPI tables. */
static void test_from_boot(void)
{
    static struct boot_info bi;
    struct e820_map m;

    memset(&bi, 0, sizeof bi);
    bi.e820_count = ARRAY_SIZE(bochs256);
    memcpy(bi.e820, bochs256, sizeof bochs256);
    CHECK_EQ(e820_from_boot(&m, &bi), MEMSRC_E820);
    CHECK_EQ(m.count, 6);

    memset(&bi, 0, sizeof bi);
    bi.conv_kb = 639;
    bi.e801_ax = 15 * 1024;           /* 1-16 MiB */
    bi.e801_bx = (256 - 16) * 16;     /* 64 KiB blocks: up to 256 MiB */
    bi.ext88_kb = 0xFFFF;
    CHECK_EQ(e820_from_boot(&m, &bi), MEMSRC_E801);
    CHECK_EQ(m.count, 2);             /* 1-16 and 16-255 MiB are adjacent: one range */
    CHECK_EQ(m.e[0].base, 0);
    CHECK_EQ(m.e[0].length, 639 * 1024);
    CHECK_EQ(m.e[1].base, 0x100000);
    CHECK_EQ(m.e[1].base + m.e[1].length, 255ULL << 20);

    bi.e801_ax = bi.e801_bx = 0;      /* E801h failed: AH=88h */
    bi.ext88_kb = 31 * 1024;
    CHECK_EQ(e820_from_boot(&m, &bi), MEMSRC_88);
    CHECK_EQ(m.count, 2);
    CHECK_EQ(m.e[1].base + m.e[1].length, 31ULL << 20);

    bi.ext88_kb = 512;                /* no more than a MiB: nothing to trim */
    CHECK_EQ(e820_from_boot(&m, &bi), MEMSRC_88);
    CHECK_EQ(m.e[1].length, 512 * 1024);
    bi.ext88_kb = 0;                  /* conventional memory only */
    e820_from_boot(&m, &bi);
    CHECK_EQ(m.count, 1);
    CHECK_EQ(m.e[0].length, 639 * 1024);
}

int main(void)
{
    test_from_boot();
    test_bochs();
    test_qemu();
    test_legacy_edges();
    test_sanitize();
    test_set_range();
    test_random();
    return unit_done("e820");
}
