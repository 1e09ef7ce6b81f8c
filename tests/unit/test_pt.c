// sources: stage3/lib/pt.c stage3/lib/mtrr.c
/*
 * Unit tests for stage3/lib/pt.c: the builder in the EPT format (SDM Vol. 3C
 * 29.3.2) with test classifiers, every mapping checked page by page, the
 * structure checked entry by entry, the EPTP encoding (25.6.11), the
 * builder driven with MTRR-derived memory types the way stage 3 does, and
 * the hypervisor's own IA-32e format (SDM Vol. 3A 5.5).
 */
#include "unit.h"
#include "lib/pt.h"
#include "lib/mtrr.h"

#define KiB 0x400ULL
#define MiB 0x100000ULL
#define GiB 0x40000000ULL
#define PAGE 0x1000ULL

/* ---- Page allocator: a static pool, so nothing leaks ---- */

#define POOL_PAGES 640
static u64 pool[POOL_PAGES][512] ALIGNED(4096);

/* ---- Classifier: a default plus disjoint special regions ---- */

struct region {
    u64 base, len;
    u8 perms, memtype;
};

struct ctx {
    u32 used, limit;          /* pool pages handed out, allowed          */
    struct pt_attr dflt;     /* outside every region                    */
    const struct region *r;
    u32 nr;
    const struct mtrr_state *mtrr;   /* if set, memtype comes from MTRRs */
    u64 calls, calls_4k;      /* classifier statistics                   */
};

static u64 *pool_alloc(void *p)
{
    struct ctx *c = p;
    if (c->used >= c->limit || c->used >= POOL_PAGES)
        return NULL;
    u64 *t = pool[c->used++];
    memset(t, 0, 4096);
    return t;
}

static struct pt_attr attr(bool mixed, u8 perms, u8 memtype)
{
    struct pt_attr a = { mixed, perms, memtype, 0 };
    return a;
}

static struct pt_attr classify(void *p, u64 base, u64 len)
{
    struct ctx *c = p;
    c->calls++;
    c->calls_4k += len == PAGE;
    struct pt_attr a = c->dflt;
    for (u32 i = 0; i < c->nr; i++) {
        const struct region *r = &c->r[i];
        if (base >= r->base + r->len || base + len <= r->base)
            continue;
        if (base >= r->base && base + len <= r->base + r->len)
            a = attr(false, r->perms, r->memtype);
        else
            return attr(true, 0, 0);
    }
    if (c->mtrr && a.perms) {
        u8 t = mtrr_range_type(c->mtrr, base, len);
        if (t == MT_MIXED)
            return attr(true, 0, 0);
        a.memtype = t;
    }
    return a;
}

/* What one page should be, asked independently of classify(). */
static struct pt_attr expect(const struct ctx *c, u64 addr)
{
    struct pt_attr a = c->dflt;
    for (u32 i = 0; i < c->nr; i++)
        if (addr >= c->r[i].base && addr < c->r[i].base + c->r[i].len)
            a = attr(false, c->r[i].perms, c->r[i].memtype);
    if (c->mtrr && a.perms)
        a.memtype = mtrr_type_of(c->mtrr, addr);
    return a;
}

static void setup(struct ctx *c, struct pt_builder *b, bool g1, bool m2)
{
    memset(c, 0, sizeof(*c));
    c->limit = POOL_PAGES;
    c->dflt = attr(false, EPT_RWX, MT_WB);
    memset(b, 0, sizeof(*b));
    b->fmt = &pt_ept;
    b->classify = classify;
    b->alloc = pool_alloc;
    b->ctx = c;
    b->allow_1g = g1;
    b->allow_2m = m2;
    b->tables = 12345;   /* pt_build resets the statistics */
    b->leaves[0] = b->leaves[1] = b->leaves[2] = 777;
}

/*
 * Every page in [0, top) maps to itself with the expected rights and type.
 * Steps by the page size the walk found,
 * checking the first and last 4 KiB of each leaf, so 512 GiB stays cheap;
 * with `every_page`, all 4 KiB pages are looked up.
 */
static u32 verify(const struct ctx *c, const u64 *pml4, u64 top, bool every_page)
{
    u32 bad = 0;
    u64 addr = 0;
    while (addr < (top & ~(PAGE - 1))) {
        u64 size = 0;
        u64 e = pt_lookup(&pt_ept, pml4, addr, &size);
        u64 off = addr & (size - 1);
        u64 step = every_page ? PAGE : size - off;
        struct pt_attr want = expect(c, addr);
        if (size != PAGE && size != 2 * MiB && size != GiB && size != 512 * GiB) {
            bad++;
            break;
        }
        if (want.perms == 0) {
            if (e != 0)
                bad++;
        } else {
            if ((e & EPT_RWX) != want.perms)
                bad++;
            if (((e >> EPT_MT_SHIFT) & 7) != want.memtype)
                bad++;
            if ((e & PT_ADDR_MASK & ~(size - 1)) + off != addr)
                bad++;   /* identity mapping */
            if (!!(e & EPT_LARGE) != (size != PAGE))
                bad++;
            if (e & EPT_IGNORE_PAT)
                bad++;
            /* The leaf is uniform: its last page must agree too. */
            if (!every_page) {
                struct pt_attr w2 = expect(c, addr + step - PAGE);
                if (w2.perms != want.perms || w2.memtype != want.memtype)
                    bad++;
            }
        }
        if (addr + step < addr)
            break;
        addr += step;
    }
    return bad;
}

/* Nothing from top (rounded up to a page) on is mapped: 16 pages checked. */
static u32 absent_from(const u64 *pml4, u64 top)
{
    u32 bad = 0;
    u64 first = (top + PAGE - 1) & ~(PAGE - 1);
    for (u64 a = first; a < first + 16 * PAGE; a += PAGE)
        if (pt_lookup(&pt_ept, pml4, a, NULL) != 0)
            bad++;
    return bad;
}

/*
 * Structural rules of 29.3.2 / 29.3.3.1 for what the builder writes:
 * non-present entries all zero; non-leaf entries RWX with bits 7:3 and
 * 63:52 clear, pointing to a pool page; leaves with a valid memory type,
 * bit 7 set exactly at levels 2 and 3, and an address aligned to the page
 * size (the bits below are reserved).  Counts tables and leaves.
 */
struct census { u32 tables; u64 leaves[3]; u32 bad; };

static bool in_pool(const u64 *t)
{
    return t >= pool[0] && t < pool[POOL_PAGES] && ((usize)t & 4095) == 0;
}

static void walk(const u64 *t, int level, struct census *cs)
{
    cs->tables++;
    for (u32 i = 0; i < 512; i++) {
        u64 e = t[i];
        if ((e & EPT_RWX) == 0) {
            if (e != 0)
                cs->bad++;
            continue;
        }
        if (e >> 52)
            cs->bad++;
        bool leaf = level == 1 || (level <= 3 && (e & EPT_LARGE));
        if (!leaf) {
            if ((e & 0xFF8) != 0 || (e & EPT_RWX) != EPT_RWX)
                cs->bad++;
            const u64 *next = (const u64 *)(usize)(e & PT_ADDR_MASK);
            if (!in_pool(next)) {
                cs->bad++;
                continue;
            }
            walk(next, level - 1, cs);
            continue;
        }
        u64 size = 1ULL << (12 + 9 * (level - 1));
        u64 mt = (e >> 3) & 7;
        if (mt == 2 || mt == 3 || mt == 7)
            cs->bad++;
        if (level == 1 && (e & EPT_LARGE))
            cs->bad++;
        if (e & PT_ADDR_MASK & (size - 1))
            cs->bad++;
        if (e & 0xF00)   /* A/D and ignored bits left alone */
            cs->bad++;
        cs->leaves[level - 1]++;
    }
}

static void check_structure(const struct pt_builder *b, const u64 *pml4)
{
    struct census cs = { 0, { 0, 0, 0 }, 0 };
    walk(pml4, 4, &cs);
    CHECK_EQ(cs.bad, 0);
    CHECK_EQ(cs.tables, b->tables);
    CHECK_EQ(cs.leaves[0], b->leaves[0]);
    CHECK_EQ(cs.leaves[1], b->leaves[1]);
    CHECK_EQ(cs.leaves[2], b->leaves[2]);
    /* PML4 entries never map pages: bit 7 is reserved there. */
    for (u32 i = 0; i < 512; i++)
        if (pml4[i] & EPT_LARGE)
            cs.bad++;
    CHECK_EQ(cs.bad, 0);
}

static void test_all_ram(void)
{
    struct ctx c;
    struct pt_builder b;
    u64 size;

    /* 4 GiB WB, 1 GiB pages allowed: four 1 GiB leaves. */
    setup(&c, &b, true, true);
    u64 *pml4 = pt_build(&b, 4 * GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.leaves[2], 4);
    CHECK_EQ(b.leaves[1], 0);
    CHECK_EQ(b.leaves[0], 0);
    CHECK_EQ(b.tables, 2);
    CHECK(c.calls <= 5);
    CHECK_EQ(c.calls_4k, 0);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0, &size), 0x0 | EPT_RWX | (MT_WB << 3) | EPT_LARGE);
    CHECK_EQ(size, GiB);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 3 * GiB + 5, &size), 0xC0000000ULL | 0xB7);
    CHECK_EQ(size, GiB);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 4 * GiB, &size), 0);
    CHECK_EQ(size, GiB);   /* an empty PDPTE */
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 512 * GiB, &size), 0);
    CHECK_EQ(size, 512 * GiB);   /* an empty PML4E */
    CHECK_EQ(pml4[0] & 0xFFF, EPT_RWX);
    CHECK_EQ(pml4[1], 0);
    CHECK_EQ(verify(&c, pml4, 4 * GiB, false), 0);
    CHECK_EQ(absent_from(pml4, 4 * GiB), 0);
    check_structure(&b, pml4);

    /* Without 1 GiB pages: 2048 2 MiB leaves in 4 page directories. */
    setup(&c, &b, false, true);
    pml4 = pt_build(&b, 4 * GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.leaves[2], 0);
    CHECK_EQ(b.leaves[1], 2048);
    CHECK_EQ(b.leaves[0], 0);
    CHECK_EQ(b.tables, 6);
    CHECK(c.calls <= 5);         /* uniform: no need to ask per 2 MiB */
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x7C00, &size), 0xB7);
    CHECK_EQ(size, 2 * MiB);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xFFFFFFFFULL, &size), 0xFFE00000ULL | 0xB7);
    CHECK_EQ(verify(&c, pml4, 4 * GiB, false), 0);
    CHECK_EQ(absent_from(pml4, 4 * GiB), 0);
    check_structure(&b, pml4);

    /* Only 4 KiB pages (64 MiB of them). */
    setup(&c, &b, false, false);
    pml4 = pt_build(&b, 64 * MiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.leaves[0], 64 * MiB / PAGE);
    CHECK_EQ(b.leaves[1] + b.leaves[2], 0);
    CHECK_EQ(b.tables, 1 + 1 + 1 + 32);
    CHECK(c.calls <= 5);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x9E123, &size), 0x9E000 | EPT_RWX | (MT_WB << 3));
    CHECK_EQ(size, PAGE);
    CHECK_EQ(verify(&c, pml4, 64 * MiB, true), 0);
    CHECK_EQ(absent_from(pml4, 64 * MiB), 0);
    check_structure(&b, pml4);

    /* 1 GiB allowed but 2 MiB not (an odd combination; honoured). */
    setup(&c, &b, true, false);
    pml4 = pt_build(&b, 2 * GiB + 4 * MiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.leaves[2], 2);
    CHECK_EQ(b.leaves[1], 0);
    CHECK_EQ(b.leaves[0], 1024);
    CHECK_EQ(verify(&c, pml4, 2 * GiB + 4 * MiB, false), 0);
    CHECK_EQ(absent_from(pml4, 2 * GiB + 4 * MiB), 0);
    check_structure(&b, pml4);

    /* 512 GiB and a bit: a second PML4 entry. */
    setup(&c, &b, true, true);
    pml4 = pt_build(&b, 513 * GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.leaves[2], 513);
    CHECK_EQ(b.tables, 3);
    CHECK(c.calls <= 2 + 513);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 512 * GiB + 0x1234, &size), 512 * GiB | 0xB7);
    CHECK_EQ(verify(&c, pml4, 513 * GiB, false), 0);
    CHECK_EQ(absent_from(pml4, 513 * GiB), 0);
    check_structure(&b, pml4);

    /* 512 GiB without 1 GiB pages: 512 page directories. */
    setup(&c, &b, false, true);
    pml4 = pt_build(&b, 512 * GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.leaves[1], 512 * 512);
    CHECK_EQ(b.tables, 2 + 512);
    CHECK(c.calls <= 2);
    CHECK_EQ(verify(&c, pml4, 512 * GiB, false), 0);
    CHECK_EQ(absent_from(pml4, 512 * GiB), 0);
    check_structure(&b, pml4);

    /* Nothing at all. */
    setup(&c, &b, true, true);
    pml4 = pt_build(&b, 0);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.tables, 1);
    CHECK_EQ(b.leaves[0] + b.leaves[1] + b.leaves[2], 0);
    CHECK_EQ(c.calls, 0);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0, &size), 0);
    check_structure(&b, pml4);
}

static void test_hole(void)
{
    /* The hypervisor region: 2 MiB not present at 0xFC00000. */
    static const struct region hole[] = { { 0xFC00000, 2 * MiB, 0, MT_WB } };
    struct ctx c;
    struct pt_builder b;
    u64 size;

    setup(&c, &b, true, true);
    c.r = hole;
    c.nr = 1;
    u64 *pml4 = pt_build(&b, 4 * GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.leaves[2], 3);
    CHECK_EQ(b.leaves[1], 511);
    CHECK_EQ(b.leaves[0], 0);
    CHECK_EQ(b.tables, 3);
    CHECK(c.calls <= 1 + 4 + 512);
    CHECK_EQ(c.calls_4k, 0);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xFBFFFFF, &size), 0xFA00000 | 0xB7);
    CHECK_EQ(size, 2 * MiB);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xFC00000, &size), 0);
    CHECK_EQ(size, 2 * MiB);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xFD23456, &size), 0);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xFDFFFFF, &size), 0);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xFE00000, &size), 0xFE00000 | 0xB7);
    CHECK_EQ(size, 2 * MiB);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, GiB, &size), GiB | 0xB7);
    CHECK_EQ(size, GiB);
    CHECK_EQ(verify(&c, pml4, 4 * GiB, false), 0);
    CHECK_EQ(verify(&c, pml4, 4 * GiB, true), 0);   /* all 2^20 pages */
    CHECK_EQ(absent_from(pml4, 4 * GiB), 0);
    check_structure(&b, pml4);

    /* The same with 4 KiB pages only, every page looked up (first 512 MiB). */
    setup(&c, &b, false, false);
    c.r = hole;
    c.nr = 1;
    pml4 = pt_build(&b, 512 * MiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.leaves[0], (512 * MiB - 2 * MiB) / PAGE);
    CHECK_EQ(b.tables, 3 + 256 - 1);   /* no table for the hole */
    CHECK_EQ(verify(&c, pml4, 512 * MiB, true), 0);
    CHECK_EQ(absent_from(pml4, 512 * MiB), 0);
    check_structure(&b, pml4);

    /* Out of pages half way: NULL, never a partial hierarchy. */
    for (u32 lim = 0; lim < 3; lim++) {
        setup(&c, &b, true, true);
        c.r = hole;
        c.nr = 1;
        c.limit = lim;
        CHECK(pt_build(&b, 4 * GiB) == NULL);
    }
    setup(&c, &b, true, true);
    c.r = hole;
    c.nr = 1;
    c.limit = 3;
    CHECK(pt_build(&b, 4 * GiB) != NULL);
}

static void test_low_pages(void)
{
    /* The first 2 MiB split by fixed-MTRR-like types, and one read+execute
     * page at 0x9E000 (as if the guest may not write it). */
    static const struct region low[] = {
        { 0x9E000, PAGE, EPT_R | EPT_X, MT_WB },
        { 0xA0000, 0x20000, EPT_RWX, MT_UC },
        { 0xC0000, 0x40000, EPT_RWX, MT_WP },
    };
    struct ctx c;
    struct pt_builder b;
    u64 size;

    setup(&c, &b, true, true);
    c.r = low;
    c.nr = ARRAY_SIZE(low);
    u64 *pml4 = pt_build(&b, 4 * GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.leaves[0], 512);
    CHECK_EQ(b.leaves[1], 511);
    CHECK_EQ(b.leaves[2], 3);
    CHECK_EQ(b.tables, 4);
    CHECK(c.calls <= 1 + 4 + 512 + 512);
    CHECK_EQ(c.calls_4k, 512);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x9E000, &size), 0x9E000 | EPT_R | EPT_X | (MT_WB << 3));
    CHECK_EQ(size, PAGE);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x9D000, &size), 0x9D000 | 0x37);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x9F000, &size), 0x9F000 | 0x37);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xA0000, &size), 0xA0000 | EPT_RWX | (MT_UC << 3));
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xBF000, &size), 0xBF000 | 0x07);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xC0000, &size), 0xC0000 | EPT_RWX | (MT_WP << 3));
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xC0000, &size), 0xC002F);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x100000, &size), 0x100037);
    CHECK_EQ(size, PAGE);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x200000, &size), 0x2000B7);
    CHECK_EQ(size, 2 * MiB);
    CHECK_EQ(verify(&c, pml4, 4 * GiB, false), 0);
    CHECK_EQ(absent_from(pml4, 4 * GiB), 0);
    CHECK_EQ(verify(&c, pml4, 16 * MiB, true), 0);
    check_structure(&b, pml4);
}

static void test_encodings(void)
{
    /* Every valid memory type and several permission sets, each in a 2 MiB
     * slot; a reserved type (2) must come out as UC. */
    static const struct region r[] = {
        { 0 * 2 * MiB, 2 * MiB, EPT_RWX, MT_UC },
        { 1 * 2 * MiB, 2 * MiB, EPT_RWX, MT_WC },
        { 2 * 2 * MiB, 2 * MiB, EPT_RWX, MT_WT },
        { 3 * 2 * MiB, 2 * MiB, EPT_RWX, MT_WP },
        { 4 * 2 * MiB, 2 * MiB, EPT_RWX, MT_WB },
        { 5 * 2 * MiB, 2 * MiB, EPT_R, MT_WB },
        { 6 * 2 * MiB, 2 * MiB, EPT_R | EPT_W, MT_WB },
        { 7 * 2 * MiB, 2 * MiB, EPT_R | EPT_X, MT_WB },
        { 8 * 2 * MiB, 2 * MiB, EPT_X, MT_WB },
        { 9 * 2 * MiB, 2 * MiB, EPT_RWX, 2 },
    };
    static const u64 want[] = { 0x87, 0x8F, 0xA7, 0xAF, 0xB7, 0xB1, 0xB3, 0xB5, 0xB4, 0x87 };
    struct ctx c;
    struct pt_builder b;
    u64 size;

    setup(&c, &b, true, true);
    c.r = r;
    c.nr = ARRAY_SIZE(r);
    u64 *pml4 = pt_build(&b, 20 * MiB + PAGE);
    CHECK(pml4 != NULL);
    for (u32 i = 0; i < ARRAY_SIZE(want); i++) {
        CHECK_EQ(pt_lookup(&pt_ept, pml4, i * 2 * MiB + 0x5000, &size), i * 2 * MiB + want[i]);
        CHECK_EQ(size, 2 * MiB);
    }
    /* The one page past 20 MiB (top is not 2 MiB aligned). */
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 20 * MiB, &size), 20 * MiB + 0x37);
    CHECK_EQ(size, PAGE);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 20 * MiB + PAGE, &size), 0);
    CHECK_EQ(b.leaves[1], 10);
    CHECK_EQ(b.leaves[0], 1);
    check_structure(&b, pml4);

    /* EPTP (25.6.11). */
    const u64 *p = (const u64 *)(usize)0x12345000;
    CHECK_EQ(ept_make_eptp(p, false), 0x1234501EULL);
    CHECK_EQ(ept_make_eptp(p, true), 0x1234505EULL);
    CHECK_EQ(ept_make_eptp(p, false) & 7, 6);           /* WB */
    CHECK_EQ((ept_make_eptp(p, false) >> 3) & 7, 3);    /* 4 levels - 1 */
    CHECK_EQ((ept_make_eptp(p, true) >> 6) & 1, 1);     /* A/D */
    CHECK_EQ(ept_make_eptp((const u64 *)(usize)0xFEDCBA9876543000ULL, false),
             0x000CBA9876543000ULL | 0x1E);
    CHECK_EQ(ept_make_eptp(pool[7], true), (u64)(usize)pool[7] | 0x5E);
}

static void test_odd_tops(void)
{
    struct ctx c;
    struct pt_builder b;
    u64 size;

    /* top = 18.2 MiB: nine 2 MiB leaves, then 52 4 KiB pages. */
    setup(&c, &b, true, true);
    u64 *pml4 = pt_build(&b, 0x1234000);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.leaves[2], 0);
    CHECK_EQ(b.leaves[1], 9);
    CHECK_EQ(b.leaves[0], 0x34);
    CHECK_EQ(b.tables, 4);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x1233FFF, &size), 0x1233000 | 0x37);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x1234000, &size), 0);
    CHECK_EQ(verify(&c, pml4, 0x1234000, true), 0);
    CHECK_EQ(absent_from(pml4, 0x1234000), 0);
    check_structure(&b, pml4);

    /* top inside a page: that page is left out (never map beyond top). */
    setup(&c, &b, true, true);
    pml4 = pt_build(&b, 0x1000800);
    CHECK(pml4 != NULL);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xFFF000, &size), 0xE00000 | 0xB7);
    CHECK_EQ(size, 2 * MiB);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x1000000, &size), 0);
    CHECK_EQ(size, PAGE);
    CHECK_EQ(absent_from(pml4, 0x1000800), 0);
    CHECK_EQ(b.leaves[1], 8);
    CHECK_EQ(b.leaves[0], 0);
    check_structure(&b, pml4);

    /* A huge top with a huge absent part costs no tables for that part. */
    static const struct region absent[] = { { 512 * GiB, 512 * GiB, 0, 0 } };
    setup(&c, &b, true, true);
    c.r = absent;
    c.nr = 1;
    pml4 = pt_build(&b, 1024 * GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.tables, 2);
    CHECK_EQ(pml4[1], 0);
    CHECK_EQ(b.leaves[2], 512);
    check_structure(&b, pml4);

    /* Absent 1 GiB slots need no page directory even without 1 GiB pages. */
    static const struct region gap[] = { { 2 * GiB, 2 * GiB, 0, 0 } };
    setup(&c, &b, false, true);
    c.r = gap;
    c.nr = 1;
    pml4 = pt_build(&b, 8 * GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.tables, 2 + 6);
    CHECK_EQ(b.leaves[1], 6 * 512);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 3 * GiB, &size), 0);
    CHECK_EQ(size, GiB);
    CHECK_EQ(verify(&c, pml4, 8 * GiB, false), 0);
    CHECK_EQ(absent_from(pml4, 8 * GiB), 0);
    check_structure(&b, pml4);
}

static void test_bad_classifier(void)
{
    /* A region that does not fill its 4 KiB page makes that page "mixed"
     * all the way down: the builder leaves it unmapped, maps the rest. */
    static const struct region r[] = { { 0x9E800, 0x100, EPT_R, MT_UC } };
    struct ctx c;
    struct pt_builder b;
    u64 size;

    setup(&c, &b, true, true);
    c.r = r;
    c.nr = 1;
    u64 *pml4 = pt_build(&b, GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x9E000, &size), 0);
    CHECK_EQ(size, PAGE);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x9D000, &size), 0x9D037);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x9F000, &size), 0x9F037);
    CHECK_EQ(b.leaves[0], 511);
    check_structure(&b, pml4);
}

/*
 * As stage 3 uses it: memory types from MTRRs (Bochs-like: default UC,
 * fixed ranges for the low MiB, WB for the first 256 MiB), the hypervisor
 * region absent.
 */
static void test_with_mtrrs(void)
{
    static const struct region hv[] = { { 0xFC00000, 2 * MiB, 0, 0 } };
    struct mtrr_state s;
    memset(&s, 0, sizeof(s));
    s.cap = 0x508;                        /* VCNT 8, FIX, WC */
    s.def_type = (1 << 11) | (1 << 10) | MT_UC;
    s.phys_bits = 39;
    s.fixed[0] = s.fixed[1] = 0x0606060606060606ULL;   /* 0-0x9FFFF WB */
    s.fixed[2] = 0;                                    /* VGA UC */
    for (u32 j = 3; j < 11; j++)
        s.fixed[j] = 0x0505050505050505ULL;            /* ROMs WP */
    s.var_base[0] = 0 | MT_WB;
    s.var_mask[0] = (((1ULL << 39) - 1) & ~(256 * MiB - 1)) | (1 << 11);

    struct ctx c;
    struct pt_builder b;
    u64 size;
    setup(&c, &b, true, true);
    c.r = hv;
    c.nr = 1;
    c.mtrr = &s;
    u64 *pml4 = pt_build(&b, 4 * GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.leaves[2], 3);                /* 1-4 GiB: UC */
    CHECK_EQ(b.leaves[1], 510);              /* GiB 0 minus slot 0 and the hv slot */
    CHECK_EQ(b.leaves[0], 512);              /* the first 2 MiB */
    CHECK_EQ(b.tables, 4);
    CHECK(c.calls < 1100);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x7C00, &size), 0x7037);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xB8000, &size), 0xB8007);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xF0000, &size), 0xF002F);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x100000, &size), 0x100037);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xFC00000, &size), 0);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x10000000, &size), 0x10000087);
    CHECK_EQ(size, 2 * MiB);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xFEC00000ULL, &size), 0xC0000087ULL);
    CHECK_EQ(size, GiB);
    CHECK_EQ(verify(&c, pml4, 4 * GiB, false), 0);
    CHECK_EQ(absent_from(pml4, 4 * GiB), 0);
    CHECK_EQ(verify(&c, pml4, 300 * MiB, true), 0);
    check_structure(&b, pml4);

    /* MTRRs all zero (legal, Bochs may leave them so): everything UC. */
    memset(&s, 0, sizeof(s));
    setup(&c, &b, true, true);
    c.r = hv;
    c.nr = 1;
    c.mtrr = &s;
    pml4 = pt_build(&b, 4 * GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.leaves[2], 3);
    CHECK_EQ(b.leaves[1], 511);
    CHECK_EQ(b.leaves[0], 0);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x7C00, &size), 0x87);
    CHECK_EQ(verify(&c, pml4, 4 * GiB, false), 0);
    CHECK_EQ(absent_from(pml4, 4 * GiB), 0);
    check_structure(&b, pml4);
}

/* The hypervisor's own map: the same builder, IA-32e entries. */
static void test_host_format(void)
{
    struct ctx c;
    struct pt_builder b;
    u64 size;
    static const struct region hole[] = { { 2 * MiB, 2 * MiB, 0, MT_WB } };

    setup(&c, &b, true, true);
    b.fmt = &pt_host;
    u64 *pml4 = pt_build(&b, 4 * GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.tables, 2);
    CHECK_EQ(b.leaves[2], 4);
    CHECK_EQ(pml4[0] & 0xFFF, PTE_P | PTE_W);
    CHECK_EQ(pt_lookup(&pt_host, pml4, 3 * GiB + 7, &size), 3 * GiB | PTE_P | PTE_W | PTE_PS);
    CHECK_EQ(size, GiB);
    CHECK_EQ(pt_lookup(&pt_host, pml4, 4 * GiB, &size), 0);

    /* Without 1 GiB pages: four page directories of 2 MiB leaves. */
    setup(&c, &b, false, true);
    b.fmt = &pt_host;
    pml4 = pt_build(&b, 4 * GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(b.tables, 6);
    CHECK_EQ(b.leaves[1], 2048);
    CHECK_EQ(pt_lookup(&pt_host, pml4, 0xFEE00000ULL, &size), 0xFEE00000ULL | PTE_P | PTE_W | PTE_PS);
    CHECK_EQ(size, 2 * MiB);

    /* A range marked not present stays out of the host map too. */
    setup(&c, &b, true, true);
    b.fmt = &pt_host;
    c.r = hole;
    c.nr = 1;
    pml4 = pt_build(&b, GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(pt_lookup(&pt_host, pml4, 2 * MiB + 5, &size), 0);
    CHECK_EQ(pt_lookup(&pt_host, pml4, 4 * MiB, &size), 4 * MiB | PTE_P | PTE_W | PTE_PS);
    CHECK_EQ(pt_lookup(&pt_host, pml4, MiB, &size), 0 | PTE_P | PTE_W | PTE_PS);
}

/* One 4 KiB page shown elsewhere, here not executable: its own leaf with the
 * other address and its own rights, everything around it identity. */
static u64 remap_page, remap_to;
static struct pt_attr classify_remap(void *p, u64 base, u64 len)
{
    (void)p;
    if (remap_page >= base + len || remap_page + PAGE <= base)
        return attr(false, PT_RWX, MT_WB);
    if (len > PAGE)
        return attr(true, 0, 0);
    struct pt_attr a = attr(false, PT_R | PT_W, MT_WB);
    a.remap = remap_to;
    return a;
}

static void test_remap(void)
{
    struct ctx c;
    struct pt_builder b;
    u64 size;
    setup(&c, &b, true, true);
    b.classify = classify_remap;
    remap_page = 0xDF000;
    remap_to = 0xFEC3000;
    u64 *pml4 = pt_build(&b, 4 * GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xDF123, &size), 0xFEC3000 | EPT_R | EPT_W | EPT_MT(MT_WB));
    CHECK_EQ(size, PAGE);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xDE000, &size), 0xDE000 | EPT_RWX | EPT_MT(MT_WB));
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xE0000, &size), 0xE0000 | EPT_RWX | EPT_MT(MT_WB));
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x200000, &size), 0x200000 | EPT_RWX | EPT_MT(MT_WB) | EPT_LARGE);

    /* NPT: not executable is NX. */
    setup(&c, &b, true, true);
    b.classify = classify_remap;
    b.fmt = &pt_npt;
    pml4 = pt_build(&b, 4 * GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(pt_lookup(&pt_npt, pml4, 0xDF000, &size), 0xFEC3000 | PTE_P | PTE_U | PTE_W | PTE_NX);
    CHECK_EQ(pt_lookup(&pt_npt, pml4, 0xDE000, &size), 0xDE000 | PTE_P | PTE_U | PTE_W);
}

/* A cell's memory: guest-physical [0, 16 MiB) at host 0x0DE00000 (2 MiB
 * aligned), the local APIC page identity and read-only, nothing else. */
#define CELL_HPA 0x0DE00000ULL
static struct pt_attr classify_cell(void *p, u64 base, u64 len)
{
    (void)p;
    u64 m = 16 * MiB;
    if (base + len <= m) {
        struct pt_attr a = attr(false, PT_RWX, MT_WB);
        a.remap = CELL_HPA + base;
        return a;
    }
    if (base < m)
        return attr(true, 0, 0);
    if (base <= 0xFEE00000ULL && 0xFEE00000ULL < base + len)
        return len > PAGE ? attr(true, 0, 0) : attr(false, PT_R, MT_UC);
    return attr(false, 0, 0);
}

static void test_remap_range(void)
{
    struct ctx c;
    struct pt_builder b;
    u64 size;
    setup(&c, &b, true, true);
    b.classify = classify_cell;
    u64 *pml4 = pt_build(&b, 4 * GiB);
    CHECK(pml4 != NULL);
    /* 2 MiB leaves that follow the range; never a 1 GiB leaf (0x0DE00000 is
     * not 1 GiB aligned). */
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0, &size), CELL_HPA | EPT_RWX | EPT_MT(MT_WB) | EPT_LARGE);
    CHECK_EQ(size, 2 * MiB);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x200123, &size),
             (CELL_HPA + 0x200000) | EPT_RWX | EPT_MT(MT_WB) | EPT_LARGE);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 16 * MiB - 1, &size),
             (CELL_HPA + 14 * MiB) | EPT_RWX | EPT_MT(MT_WB) | EPT_LARGE);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 16 * MiB, &size), 0);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xFEE00000ULL, &size), 0xFEE00000ULL | EPT_R | EPT_MT(MT_UC));
    CHECK_EQ(size, PAGE);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xFEE01000ULL, &size), 0);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0xFEDFF000ULL, &size), 0);
    CHECK_EQ(b.leaves[2], 0);
    CHECK_EQ(b.leaves[1], 8);
    CHECK_EQ(b.leaves[0], 1);

    /* Without 2 MiB pages the same range in 4 KiB leaves, each where it belongs. */
    setup(&c, &b, false, false);
    b.classify = classify_cell;
    pml4 = pt_build(&b, 4 * GiB);
    CHECK(pml4 != NULL);
    CHECK_EQ(pt_lookup(&pt_ept, pml4, 0x3FF000, &size), (CELL_HPA + 0x3FF000) | EPT_RWX | EPT_MT(MT_WB));
    CHECK_EQ(size, PAGE);
    CHECK_EQ(b.leaves[0], 4096 + 1);
}

int main(void)
{
    test_remap();
    test_remap_range();
    test_host_format();
    test_all_ram();
    test_hole();
    test_low_pages();
    test_encodings();
    test_odd_tops();
    test_bad_classifier();
    test_with_mtrrs();
    return unit_done("pt");
}
