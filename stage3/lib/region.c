/* The hypervisor region's place and layout (include/lib/region.h). */
#include "lib/region.h"
#include "boot/layout.h"

#define PAGE 0x1000ULL

static bool in_odd_window(u64 a)
{
    return a & REGION_WINDOW;
}

u64 region_take(struct region_cursor *c, u64 bytes)
{
    u64 a = c->next;
    if (in_odd_window(a))
        a = (a | (REGION_WINDOW - 1)) + 1;
    if (bytes && (a >> 20) != ((a + bytes - 1) >> 20))
        a = ((a >> 20) + 2) << 20;             /* the next even MiB, whole */
    c->next = a + bytes;
    return a;
}

u64 region_span(const struct region_parts *p)
{
    struct region_cursor c = { 0 };
    region_take(&c, p->image);
    for (u32 i = 0; i < p->cpus; i++)
        region_take(&c, p->cpu_bytes);
    region_take(&c, p->pool);
    if (p->cells)
        region_take(&c, p->cells);
    if (p->iommu)                   /* the region ends where this piece ends */
        region_take(&c, p->iommu);
    return c.next;
}

static u64 entry_end(const struct e820_entry *e)
{
    return e->base + e->length;
}

static u64 max64(u64 a, u64 b) { return a > b ? a : b; }
static u64 min64(u64 a, u64 b) { return a < b ? a : b; }

/* A region of at most one MiB: the highest base with [base, base + span) in
 * RAM range e and inside one even MiB, and its alias [base + 1 MiB, ...) in
 * RAM range f. */
static u64 place_small(const struct e820_entry *e, const struct e820_entry *f, u64 span)
{
    u64 lo = max64(max64(e->base, HV_REGION_MIN_BASE),
                   f->base > REGION_WINDOW ? f->base - REGION_WINDOW : 0);
    u64 hi = min64(min64(entry_end(e), HV_REGION_MAX_END),
                   entry_end(f) > REGION_WINDOW ? entry_end(f) - REGION_WINDOW : 0);
    lo = (lo + PAGE - 1) & ~(PAGE - 1);
    hi &= ~(PAGE - 1);
    while (hi > lo && hi - lo >= span) {
        u64 win = (hi - 1) >> 20;              /* the MiB the region would end in */
        if (win & 1) {
            hi = win << 20;                    /* odd: end where the even one below ends */
            continue;
        }
        if (hi - span >= win << 20)
            return hi - span;
        hi = (win - 1) << 20;                  /* crosses into the odd MiB below: go lower */
    }
    return 0;
}

/* A region over one MiB: an even MiB base with the region and the alias of
 * its last MiB, [base, base + span + 1 MiB), in RAM range e. */
static u64 place_large(const struct e820_entry *e, u64 span)
{
    u64 top = min64(entry_end(e), HV_REGION_MAX_END);
    u64 lo = max64(e->base, HV_REGION_MIN_BASE);
    if (top < span + REGION_WINDOW)
        return 0;
    u64 base = ((top - span - REGION_WINDOW) >> 21) << 21;    /* an even MiB */
    return base >= lo ? base : 0;
}

u64 region_place(const struct e820_map *m, u64 span)
{
    u64 best = 0;
    if (!span)
        return 0;
    for (u32 i = 0; i < m->count; i++) {
        const struct e820_entry *e = &m->e[i];
        if (e->type != E820_RAM)
            continue;
        if (span > REGION_WINDOW) {
            best = max64(best, place_large(e, span));
            continue;
        }
        for (u32 j = 0; j < m->count; j++)
            if (m->e[j].type == E820_RAM)
                best = max64(best, place_small(e, &m->e[j], span));
    }
    return best;
}

u32 region_hidden(u64 base, u64 span, bool alias, u64 start[2], u64 len[2])
{
    start[0] = base;
    len[0] = span;
    if (!alias)
        return 1;
    if (span > REGION_WINDOW) {
        len[0] = span + REGION_WINDOW;
        return 1;
    }
    start[1] = base + REGION_WINDOW;
    len[1] = span;
    return 2;
}

#define CELL_ALIGN (2 * REGION_WINDOW)

u32 region_cells_place(const struct e820_map *m, u64 below, u32 n, const u64 len[], u64 base[])
{
    u64 ceiling = below & ~(CELL_ALIGN - 1);
    for (u32 k = 0; k < n; k++) {
        u64 best = 0;
        if (!len[k] || (len[k] & (CELL_ALIGN - 1)))
            return k;
        for (u32 i = 0; i < m->count; i++) {
            const struct e820_entry *e = &m->e[i];
            if (e->type != E820_RAM)
                continue;
            u64 top = min64(entry_end(e), ceiling) & ~(CELL_ALIGN - 1);
            u64 lo = max64(e->base, HV_REGION_MIN_BASE);
            if (top < len[k] || top - len[k] < lo)
                continue;
            u64 b = top - len[k];             /* 2 MiB-aligned: top and len are */
            best = max64(best, b);
        }
        if (!best)
            return k;
        base[k] = best;
        ceiling = best;
    }
    return n;
}
