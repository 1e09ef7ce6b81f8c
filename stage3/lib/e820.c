/*
 * Memory-map logic: sanitizing the BIOS E820 map, carving the hypervisor
 * region out of it, and answering the legacy memory-size questions from it.
 * Pure code (no privileged instructions, no libc) so the host unit tests in
 * tests/unit/test_e820.c exercise exactly what runs in stage 3.
 */
#include "lib/e820.h"
#include "boot/layout.h"

#define U64_MAX 0xFFFFFFFFFFFFFFFFULL

/* Exclusive end of an entry.  A range that would wrap past 2^64 is clipped
 * at the last byte (it cannot be expressed exclusively; no firmware puts
 * memory there, so losing that one byte is harmless). */
static u64 entry_end(const struct e820_entry *e)
{
    u64 end = e->base + e->length;
    return end < e->base ? U64_MAX : end;
}

/*
 * Overlap precedence (e820.h): any non-RAM type beats RAM, among non-RAM
 * types the higher number wins.  Ties on type are broken by the higher attr
 * so the result does not depend on input order.
 */
static u64 rank(u32 type, u32 attr)
{
    u64 t = (type == E820_RAM) ? 0 : (u64)type + 1;
    return (t << 32) | attr;
}

/* An optional range that overrides whatever the map says (e820_set_range). */
struct force {
    bool on;
    u64 base, end;
    u32 type, attr;
};

/*
 * The sweep behind e820_sanitize and e820_set_range.  The address line is
 * cut at every entry boundary; each elementary piece gets the type of the
 * highest-ranking entry covering it (or the forced type), pieces covered by
 * nothing are holes, and neighbouring pieces of equal type and attr merge.
 * Writes at most `cap` entries to out and returns how many the full result
 * needs, so a caller can detect overflow.  O(n^2) in the entry count, which
 * is bounded by E820_MAP_MAX: no sorting buffer needed.
 */
static u32 sweep(const struct e820_entry *in, u32 n, const struct force *f,
                 struct e820_entry *out, u32 cap)
{
    u32 count = 0;
    bool open = false;            /* an output entry is being extended */
    u64 cur_end = 0;
    u32 cur_type = 0, cur_attr = 0;

    /* Start at the lowest boundary. */
    u64 p = U64_MAX;
    bool any = false;
    for (u32 i = 0; i < n; i++) {
        if (in[i].length == 0)
            continue;
        if (in[i].base < p)
            p = in[i].base;
        any = true;
    }
    if (f->on && f->end > f->base) {
        if (f->base < p)
            p = f->base;
        any = true;
    }
    if (!any)
        return 0;

    for (;;) {
        /* Next boundary strictly above p: the piece is [p, q). */
        u64 q = U64_MAX;
        for (u32 i = 0; i < n; i++) {
            if (in[i].length == 0)
                continue;
            u64 b = in[i].base, e = entry_end(&in[i]);
            if (b > p && b < q)
                q = b;
            if (e > p && e < q)
                q = e;
        }
        if (f->on && f->end > f->base) {
            if (f->base > p && f->base < q)
                q = f->base;
            if (f->end > p && f->end < q)
                q = f->end;
        }
        if (q == p)   /* p == U64_MAX: nothing is left above */
            break;

        /* Who owns [p, q)?  Every boundary is a cut, so "covers p" means
         * "covers the whole piece". */
        bool covered = false;
        u32 type = 0, attr = 0;
        if (f->on && f->base <= p && p < f->end) {
            covered = true;
            type = f->type;
            attr = f->attr;
        } else {
            u64 best = 0;
            for (u32 i = 0; i < n; i++) {
                if (in[i].length == 0)
                    continue;
                if (in[i].base <= p && p < entry_end(&in[i])) {
                    u64 r = rank(in[i].type, in[i].attr);
                    if (!covered || r > best) {
                        best = r;
                        type = in[i].type;
                        attr = in[i].attr;
                        covered = true;
                    }
                }
            }
        }

        if (covered) {
            if (open && cur_end == p && cur_type == type && cur_attr == attr) {
                cur_end = q;
                if (count <= cap)
                    out[count - 1].length = q - out[count - 1].base;
            } else {
                if (count < cap) {
                    out[count].base = p;
                    out[count].length = q - p;
                    out[count].type = type;
                    out[count].attr = attr;
                }
                count++;
                open = true;
                cur_end = q;
                cur_type = type;
                cur_attr = attr;
            }
        }
        p = q;
    }
    return count;
}

static void copy_entries(struct e820_entry *dst, const struct e820_entry *src, u32 n)
{
    for (u32 i = 0; i < n; i++)
        dst[i] = src[i];
}

void e820_sanitize(struct e820_map *m)
{
    static const struct force none;
    struct e820_map tmp;
    u32 n = m->count > E820_MAP_MAX ? E820_MAP_MAX : m->count;
    u32 need = sweep(m->e, n, &none, tmp.e, E820_MAP_MAX);

    /* More pieces than slots only happens with pathological nesting; keep
     * the low part of the map, which is what a boot needs. */
    m->count = need > E820_MAP_MAX ? E820_MAP_MAX : need;
    copy_entries(m->e, tmp.e, m->count);
}

void e820_from_bios(struct e820_map *m, const struct e820_entry *raw, u32 n)
{
    m->count = 0;
    for (u32 i = 0; i < n && m->count < E820_MAP_MAX; i++) {
        if (raw[i].length == 0)
            continue;
        m->e[m->count++] = raw[i];
    }
    e820_sanitize(m);
}

u32 e820_from_boot(struct e820_map *m, const struct boot_info *bi)
{
    u32 n = bi->e820_count < BOOTINFO_E820_MAX ? bi->e820_count : BOOTINFO_E820_MAX;
    if (n) {
        e820_from_bios(m, bi->e820, n);
        return MEMSRC_E820;
    }
    struct e820_entry raw[3] = { { 0, (u64)bi->conv_kb << 10, E820_RAM, 1 } };
    u32 src, k = 1;
    if (bi->e801_ax | bi->e801_bx) {
        src = MEMSRC_E801;      /* KiB from 1 to 16 MiB, 64 KiB blocks above */
        raw[k++] = (struct e820_entry){ 0x100000, (u64)bi->e801_ax << 10, E820_RAM, 1 };
        raw[k++] = (struct e820_entry){ 0x1000000, (u64)bi->e801_bx << 16, E820_RAM, 1 };
    } else {
        src = MEMSRC_88;        /* KiB above 1 MiB */
        raw[k++] = (struct e820_entry){ 0x100000, (u64)bi->ext88_kb << 10, E820_RAM, 1 };
    }
    /* Firmware keeps the ACPI tables at the top of RAM, which E801h and 88h
     * count as memory: the highest range goes without its top MiB. */
    while (k > 1 && !raw[k - 1].length)
        k--;
    if (k > 1 && raw[k - 1].length > 0x100000)
        raw[k - 1].length -= 0x100000;
    e820_from_bios(m, raw, k);
    return src;
}

bool e820_set_range(struct e820_map *m, u64 base, u64 len, u32 type)
{
    struct force f;
    struct e820_map tmp;
    u32 n = m->count > E820_MAP_MAX ? E820_MAP_MAX : m->count;

    f.on = len != 0;
    f.base = base;
    f.end = base + len < base ? U64_MAX : base + len;
    f.type = type;
    f.attr = 1;   /* ACPI 3.0 extended attributes: bit 0 = "enabled" */

    u32 need = sweep(m->e, n, &f, tmp.e, E820_MAP_MAX);
    if (need > E820_MAP_MAX)
        return false;   /* map left as it was */
    m->count = need;
    copy_entries(m->e, tmp.e, need);
    return true;
}

u64 e820_ram_bytes(const struct e820_map *m)
{
    return e820_ram_bytes_in(m, 0, U64_MAX);
}

u64 e820_ram_bytes_in(const struct e820_map *m, u64 lo, u64 hi)
{
    u64 sum = 0;
    for (u32 i = 0; i < m->count; i++) {
        if (m->e[i].type != E820_RAM)
            continue;
        u64 b = m->e[i].base, e = entry_end(&m->e[i]);
        if (b < lo)
            b = lo;
        if (e > hi)
            e = hi;
        if (e > b)
            sum += e - b;
    }
    return sum;
}

/*
 * End of the run of RAM that starts at `start` (start itself if no RAM is
 * there).  Adjacent RAM entries that differ only in attr still count as one
 * run.  Does not assume the map is sorted.
 */
static u64 ram_run_end(const struct e820_map *m, u64 start)
{
    u64 pos = start;
    for (;;) {
        bool moved = false;
        for (u32 i = 0; i < m->count; i++) {
            const struct e820_entry *e = &m->e[i];
            if (e->type != E820_RAM || e->length == 0)
                continue;
            u64 end = entry_end(e);
            if (e->base <= pos && pos < end) {
                pos = end;
                moved = true;
            }
        }
        if (!moved || pos == U64_MAX)
            return pos;
    }
}

void e820_legacy(const struct e820_map *m, struct e820_legacy *out)
{
    const u64 MiB = 0x100000, MiB16 = 0x1000000, GiB4 = 0x100000000ULL;
    u64 end;

    /* INT 12h: base memory stops at the 640 KiB boundary at the latest. */
    end = ram_run_end(m, 0);
    if (end > 0xA0000)
        end = 0xA0000;
    out->conv_kb = (u32)(end / 1024);

    /* AH=88h and E801h AX both count from 1 MiB. */
    end = ram_run_end(m, MiB);
    u64 ext_kb = (end - MiB) / 1024;
    out->ext88_kb = ext_kb > 0xFFFF ? 0xFFFF : (u32)ext_kb;
    if (end > MiB16)
        end = MiB16;
    out->e801_ax = (u32)((end - MiB) / 1024);

    /* E801h BX counts from 16 MiB on its own, so a 15-16 MiB ISA hole
     * leaves AX short of 15360 but still reports the memory above it. */
    end = ram_run_end(m, MiB16);
    if (end > GiB4)
        end = GiB4;
    out->e801_bx = (u32)((end - MiB16) / 0x10000);
}
