/*
 * The firmware's IOMMU tables, DMAR (VT-d) and IVRS (AMD-Vi), turned into one
 * compact description (include/lib/iommu.h).  Pure code: every structure is
 * bounded by its parent's length before it is read, so a malformed table is
 * refused or cut short, never read past its end.  Unit-tested on the host
 * (tests/unit/test_iommu.c).
 */
#include "lib/iommu.h"
#include "lib/lib.h"

static bool table_ok(const struct acpi_header *t, const char sig[4], u32 min, struct iommu_desc *d)
{
    if (memcmp(t->sig, sig, 4)) {
        d->error = "wrong signature";
        return false;
    }
    if (t->length < min || t->length > (1u << 20)) {
        d->error = "bad length";
        return false;
    }
    u8 sum = 0;
    for (u32 i = 0; i < t->length; i++)
        sum += ((const u8 *)t)[i];
    if (sum) {
        d->error = "bad checksum";
        return false;
    }
    return true;
}

static void add_dev(struct iommu_desc *d, u16 first, u16 last, u16 alias, u32 unit, u8 kind)
{
    if (last < first) {
        u16 t = first;
        first = last;
        last = t;
    }
    if (d->ndevs >= IOMMU_MAX_DEVS) {
        d->dropped++;
        return;
    }
    d->dev[d->ndevs++] = (struct iommu_dev){ first, last, alias, (u8)unit, kind };
    /* Interrupt sources name IDs that carry no DMA of their own (the I/O
     * APIC's 0xFF:00.0 under QEMU): they do not size the tables. */
    if (kind != DEV_IOAPIC && kind != DEV_HPET && last > d->max_devid)
        d->max_devid = last;
    if (kind != DEV_IOAPIC && kind != DEV_HPET && alias > d->max_devid)
        d->max_devid = alias;
}

static void add_resv(struct iommu_desc *d, u64 base, u64 end, u16 first, u16 last, bool all, u8 flags)
{
    if (d->nresv >= IOMMU_MAX_RESV) {
        d->dropped++;
        return;
    }
    d->resv[d->nresv++] = (struct iommu_resv){ base, end, first, last, all, flags };
}

/* ============================== DMAR ============================== */

/*
 * One device scope (VT-d 8.3.1): follow the path from start_bus.  Every hop
 * but the last is a PCI-PCI bridge whose secondary bus the next hop is on;
 * the last is the device (endpoint) or the bridge whose buses it stands for
 * (sub-hierarchy).  Returns false when the path cannot be followed.
 */
static bool scope_target(const struct dmar_scope *s, iommu_bridge_fn bridge, void *ctx,
                         u16 *first, u16 *last)
{
    const struct dmar_path *p = (const struct dmar_path *)(s + 1);
    u32 hops = (s->length - sizeof *s) / sizeof *p;
    u8 bus = s->start_bus, sec = 0, sub = 0;

    if (!hops)
        return false;
    for (u32 i = 0; i + 1 < hops; i++) {
        if (!bridge || !bridge(ctx, bus, p[i].device & 0x1F, p[i].function & 7, &sec, &sub))
            return false;
        bus = sec;
    }
    u8 dev = p[hops - 1].device & 0x1F, fn = p[hops - 1].function & 7;
    if (s->type == SCOPE_PCI_SUBHIERARCHY) {
        /* The bridge itself and every bus below it. */
        if (!bridge || !bridge(ctx, bus, dev, fn, &sec, &sub) || sub < sec)
            return false;
        *first = IOMMU_RID(sec, 0, 0);
        *last = IOMMU_RID(sub, 31, 7);
        return true;
    }
    *first = *last = IOMMU_RID(bus, dev, fn);
    return true;
}

/* The scopes between p and end, for `unit` (a DRHD) or for an RMRR (unit < 0:
 * their span goes into span_first and span_last instead). */
static void parse_scopes(struct iommu_desc *d, const u8 *p, const u8 *end, int unit,
                         iommu_bridge_fn bridge, void *ctx, u16 *span_first, u16 *span_last)
{
    while (p + sizeof(struct dmar_scope) <= end) {
        const struct dmar_scope *s = (const struct dmar_scope *)p;
        if (s->length < sizeof *s || p + s->length > end)
            break;                           /* malformed: stop here */
        u16 first, last;
        static const u8 kind[] = { 0, DEV_ENDPOINT, DEV_BUSES, DEV_IOAPIC, DEV_HPET, DEV_ACPI };
        if (s->type >= SCOPE_PCI_ENDPOINT && s->type <= SCOPE_ACPI_NAMESPACE) {
            if (!scope_target(s, bridge, ctx, &first, &last)) {
                d->unresolved++;
            } else if (unit >= 0) {
                add_dev(d, first, last, first, (u32)unit, kind[s->type]);
            } else if (s->type == SCOPE_PCI_ENDPOINT || s->type == SCOPE_PCI_SUBHIERARCHY) {
                if (first < *span_first)
                    *span_first = first;
                if (last > *span_last)
                    *span_last = last;
            }
        } else {
            d->skipped++;
        }
        p += s->length;
    }
}

bool dmar_parse(const struct acpi_header *t, struct iommu_desc *d, iommu_bridge_fn bridge, void *ctx)
{
    memset(d, 0, sizeof *d);
    if (!table_ok(t, "DMAR", sizeof(struct dmar_table), d))
        return false;
    const struct dmar_table *dt = (const struct dmar_table *)t;
    d->kind = IOMMU_VTD;
    d->addr_width = (u8)(dt->haw + 1);
    d->flags = dt->flags;

    const u8 *p = (const u8 *)(dt + 1), *end = (const u8 *)t + t->length;
    while (p + sizeof(struct dmar_entry) <= end) {
        const struct dmar_entry *e = (const struct dmar_entry *)p;
        if (e->length < sizeof *e || p + e->length > end) {
            d->error = "a remapping structure overruns the table";
            break;
        }
        if (e->type == DMAR_DRHD && e->length >= sizeof(struct dmar_drhd)) {
            const struct dmar_drhd *h = (const struct dmar_drhd *)p;
            if (d->nunits >= IOMMU_MAX_UNITS) {
                d->dropped++;
            } else {
                u32 u = d->nunits++;
                d->unit[u] = (struct iommu_unit){
                    .base = h->base & ~0xFFFULL, .reg_size = 4096u << (h->size & 0xF),
                    .segment = h->segment, .flags = h->flags,
                    .all = (h->flags & DRHD_INCLUDE_PCI_ALL) != 0,
                };
                parse_scopes(d, p + sizeof *h, p + e->length, (int)u, bridge, ctx, NULL, NULL);
            }
        } else if (e->type == DMAR_RMRR && e->length >= sizeof(struct dmar_rmrr)) {
            const struct dmar_rmrr *r = (const struct dmar_rmrr *)p;
            u16 first = 0xFFFF, last = 0;
            parse_scopes(d, p + sizeof *r, p + e->length, -1, bridge, ctx, &first, &last);
            if (r->limit >= r->base) {
                if (first > last)
                    first = last = 0;        /* no endpoint resolved: kept for all */
                add_resv(d, r->base & ~0xFFFULL, (r->limit | 0xFFF) + 1, first, last,
                         first == 0 && last == 0, IVMD_UNITY | IVMD_IR | IVMD_IW);
            }
        } else {
            d->skipped++;                    /* ATSR, RHSA, ANDD, SATC: not used */
        }
        p += e->length;
    }
    if (!d->nunits && !d->error)
        d->error = "no remapping hardware unit";
    return d->nunits != 0;
}

/* ============================== IVRS ============================== */

static u32 dev_entry_len(const u8 *p, const u8 *end)
{
    u8 type = p[0];
    if (type < 0x40)
        return 4;
    if (type < 0x80)
        return 8;
    if (type == IVHD_DEV_ACPI_HID && p + 22 <= end)
        return 22u + p[21];                  /* HID, CID, UID format, UID length, UID */
    return 0;                                /* unknown: the rest cannot be walked */
}

/* The device entries of one IVHD block, for unit u. */
static void parse_ivhd_devices(struct iommu_desc *d, const u8 *p, const u8 *end, u32 u)
{
    u16 range_first = 0, range_alias = 0;
    bool in_range = false, range_aliased = false;

    while (p + 4 <= end) {
        u32 len = dev_entry_len(p, end);
        if (!len || p + len > end)
            break;
        const struct ivhd_dev4 *e4 = (const struct ivhd_dev4 *)p;
        const struct ivhd_dev8 *e8 = (const struct ivhd_dev8 *)p;
        switch (p[0]) {
        case IVHD_DEV_PAD:
            break;
        case IVHD_DEV_ALL:
            d->unit[u].all = true;
            break;
        case IVHD_DEV_SELECT:
        case IVHD_DEV_EXT_SELECT:
            add_dev(d, e4->devid, e4->devid, e4->devid, u, DEV_ENDPOINT);
            break;
        case IVHD_DEV_RANGE_START:
        case IVHD_DEV_EXT_RANGE:
            in_range = true, range_aliased = false;
            range_first = range_alias = e4->devid;
            break;
        case IVHD_DEV_ALIAS_RANGE:
            in_range = true, range_aliased = true;
            range_first = e8->devid;
            range_alias = e8->data1;
            break;
        case IVHD_DEV_RANGE_END:
            if (in_range)
                add_dev(d, range_first, e4->devid, range_aliased ? range_alias : range_first, u,
                        DEV_ENDPOINT);
            in_range = false;
            break;
        case IVHD_DEV_ALIAS_SELECT:
            add_dev(d, e8->devid, e8->devid, e8->data1, u, DEV_ENDPOINT);
            break;
        case IVHD_DEV_SPECIAL:
            add_dev(d, e8->data1, e8->data1, e8->data1, u,
                    e8->data2 == IVHD_SPECIAL_HPET ? DEV_HPET : DEV_IOAPIC);
            break;
        case IVHD_DEV_ACPI_HID:
            add_dev(d, e4->devid, e4->devid, e4->devid, u, DEV_ACPI);
            break;
        default:
            d->skipped++;
            break;
        }
        p += len;
    }
}

/*
 * An IOMMU may be described by several IVHD blocks of different types (10h
 * for old software, 11h and 40h with more detail): software uses the
 * highest type it knows and ignores the others for the same IOMMU (AMD
 * 5.2.2 "I/O Virtualization Hardware Definition (IVHD) Block").  pxHV knows
 * all three; the IOMMU is the one with the same device ID and segment.
 */
static bool ivhd_preferred(const u8 *first, const u8 *end, const struct ivhd_10 *h)
{
    for (const u8 *p = first; p + sizeof(struct ivrs_block) <= end;) {
        const struct ivrs_block *b = (const struct ivrs_block *)p;
        if (b->length < sizeof *b || p + b->length > end)
            break;
        if ((b->type == IVHD_10 || b->type == IVHD_11 || b->type == IVHD_40) &&
            b->length >= sizeof(struct ivhd_10) && b->type > h->b.type) {
            const struct ivhd_10 *o = (const struct ivhd_10 *)p;
            if (o->devid == h->devid && o->segment == h->segment)
                return false;
        }
        p += b->length;
    }
    return true;
}

bool ivrs_parse(const struct acpi_header *t, struct iommu_desc *d)
{
    memset(d, 0, sizeof *d);
    if (!table_ok(t, "IVRS", sizeof(struct ivrs_table), d))
        return false;
    const struct ivrs_table *it = (const struct ivrs_table *)t;
    d->kind = IOMMU_AMDVI;
    d->ivinfo = it->ivinfo;
    d->addr_width = (u8)IVINFO_PASIZE(it->ivinfo);

    const u8 *first = (const u8 *)(it + 1), *end = (const u8 *)t + t->length;
    for (const u8 *p = first; p + sizeof(struct ivrs_block) <= end;) {
        const struct ivrs_block *b = (const struct ivrs_block *)p;
        if (b->length < sizeof *b || p + b->length > end) {
            d->error = "a block overruns the table";
            break;
        }
        const u8 *bend = p + b->length;
        if ((b->type == IVHD_10 || b->type == IVHD_11 || b->type == IVHD_40) &&
            b->length >= sizeof(struct ivhd_10)) {
            const struct ivhd_10 *h = (const struct ivhd_10 *)p;
            u32 hdr = b->type == IVHD_10 ? sizeof(struct ivhd_10) : sizeof(struct ivhd_11);
            if (b->length < hdr) {
                d->skipped++;
            } else if (!ivhd_preferred(first, end, h)) {
                d->skipped++;                /* a higher type describes this IOMMU */
            } else if (d->nunits >= IOMMU_MAX_UNITS) {
                d->dropped++;
            } else {
                u32 u = d->nunits++;
                d->unit[u] = (struct iommu_unit){
                    .base = h->base & ~0x3FFFULL, .reg_size = 16384, .segment = h->segment,
                    .devid = h->devid, .flags = b->flags, .type = b->type,
                    .cap_offset = h->cap_offset,
                    .efr = b->type == IVHD_10 ? 0 : ((const struct ivhd_11 *)p)->efr,
                };
                parse_ivhd_devices(d, p + hdr, bend, u);
            }
        } else if ((b->type == IVMD_ALL || b->type == IVMD_SELECT || b->type == IVMD_RANGE) &&
                   b->length >= sizeof(struct ivmd)) {
            const struct ivmd *m = (const struct ivmd *)p;
            if (m->length && m->start + m->length > m->start) {
                u16 lo = b->type == IVMD_ALL ? 0 : m->devid;
                u16 hi = b->type == IVMD_ALL ? 0xFFFF : b->type == IVMD_RANGE ? m->aux : m->devid;
                add_resv(d, m->start & ~0xFFFULL, (m->start + m->length + 0xFFF) & ~0xFFFULL,
                         lo < hi ? lo : hi, lo < hi ? hi : lo, b->type == IVMD_ALL, b->flags);
            }
        } else {
            d->skipped++;
        }
        p = bend;
    }
    if (!d->nunits && !d->error)
        d->error = "no IVHD block";
    return d->nunits != 0;
}

/* ============================== queries ============================== */

int iommu_unit_of(const struct iommu_desc *d, u16 segment, u16 rid)
{
    for (u32 i = 0; i < d->ndevs; i++) {
        const struct iommu_dev *v = &d->dev[i];
        if (rid >= v->first && rid <= v->last && d->unit[v->unit].segment == segment &&
            v->kind != DEV_IOAPIC && v->kind != DEV_HPET)
            return v->unit;
    }
    for (u32 u = 0; u < d->nunits; u++)
        if (d->unit[u].all && d->unit[u].segment == segment)
            return (int)u;
    return -1;
}

void iommu_buses(const struct iommu_desc *d, u8 map[32])
{
    memset(map, 0, 32);
    for (u32 i = 0; i < d->ndevs; i++) {
        const struct iommu_dev *v = &d->dev[i];
        if (v->kind == DEV_IOAPIC || v->kind == DEV_HPET)
            continue;
        for (u32 b = IOMMU_BUS(v->first); b <= IOMMU_BUS(v->last); b++)
            map[b / 8] |= (u8)(1u << (b % 8));
        map[IOMMU_BUS(v->alias) / 8] |= (u8)(1u << (IOMMU_BUS(v->alias) % 8));
    }
    for (u32 u = 0; u < d->nunits; u++)
        if (d->unit[u].all)
            map[0] |= 1;                     /* bus 0 at least; stage 3 adds what it finds */
}
