/*
 * What the guest may not use as RAM, and what the second-level tables give
 * every range (guest_classify): access rights from the kept ranges, memory
 * types from the MTRRs (with EPT or NPT the CPU no longer applies the MTRRs
 * to guest accesses, SDM Vol. 3C 28.2.6 "EPT and Memory Typing"); and where
 * pxHV itself touches the guest's memory for it (guest_hpa).  The guest's
 * memory map, which the kept ranges take from: core/memmap.c.
 */
#include "core/core.h"
#include "core/memmap.h"
#include "core/cell.h"
#include "core/console.h"
#include "core/hv.h"
#include "lib/mtrr.h"
#include "lib/pt.h"
#include "hw/x86.h"

static struct mtrr_state mtrr;

/* The guest's memory map: here, beside the ranges that take from it, so that
 * the plan (core/memmap.c) calls this file and never the other way round. */
struct e820_map g_guest_map;

#define KEPT_MAX 20
/* Ranges the guest may not use as RAM, with the access it keeps and, where
 * set, the region page the second-level tables show at each of its pages
 * instead (the INT 15h page; the IOMMU's registers, stage3/iommu); the
 * cells' memory.  Sorted by base, so that guest_hpa, on the exit path, stops
 * at the first range past the access. */
static struct kept {
    u64 base, len, remap;
    u8 perms;
    const char *what;
} kept[KEPT_MAX];
static u32 nkept;

void guest_keep(u64 base, u64 len, u8 perms, bool in_map, const char *what)
{
    if (nkept == KEPT_MAX)
        panic("too many protected ranges");
    if ((base | len) & 0xFFF)            /* the tables protect whole pages */
        panic("protected range 0x%llx+0x%llx not page-aligned", base, len);
    u32 i = nkept++;
    for (; i && kept[i - 1].base > base; i--)
        kept[i] = kept[i - 1];
    kept[i] = (struct kept){ base, len, 0, perms, what };
    if (in_map && !e820_set_range(&g_guest_map, base, len, E820_RESERVED))
        panic("guest memory map overflow");
}

void guest_keep_shown(u64 base, u64 len, u8 perms, u64 page, const char *what)
{
    guest_keep(base, len, perms, false, what);
    for (u32 i = 0; i < nkept; i++)     /* kept sorted: find it again by its base */
        if (kept[i].base == base)
            kept[i].remap = page;
}

void guest_keep_perms(u64 base, u8 perms)
{
    for (u32 i = 0; i < nkept; i++)
        if (kept[i].base == base) {
            kept[i].perms = perms;
            for (u64 a = base; a < base + kept[i].len; a += 4096)
                virt->page_update(a);
            return;
        }
    panic("no kept range at 0x%llx", base);
}

static const struct kept *kept_at(u64 gpa)
{
    for (u32 i = 0; i < nkept; i++)
        if (gpa - kept[i].base < kept[i].len)
            return &kept[i];
    return NULL;
}

const char *guest_kept_name(u64 gpa)
{
    const struct kept *k = kept_at(gpa);
    return k ? k->what : NULL;
}

void read_mtrrs(void)
{
    u32 a, b, c, d;

    cpuid(1, 0, &a, &b, &c, &d);
    if (!(d & CPUID_1_EDX_MTRR))    /* no MTRRs: everything is UC (SDM Vol. 3A 11.11.1) */
        return;
    mtrr.cap = rdmsr(MSR_IA32_MTRRCAP);
    mtrr.def_type = rdmsr(MSR_IA32_MTRR_DEF_TYPE);
    if (mtrr.cap & MTRRCAP_FIX) {
        /* The order of struct mtrr_state: 64K, 16K x 2, then the eight 4K MSRs. */
        mtrr.fixed[0] = rdmsr(MSR_IA32_MTRR_FIX64K_00000);
        mtrr.fixed[1] = rdmsr(MSR_IA32_MTRR_FIX16K_80000);
        mtrr.fixed[2] = rdmsr(MSR_IA32_MTRR_FIX16K_A0000);
        for (u32 i = 0; i < 8; i++)
            mtrr.fixed[3 + i] = rdmsr(MSR_IA32_MTRR_FIX4K_C0000 + i);
    }
    u32 n = mtrr.cap & MTRRCAP_VCNT;
    for (u32 i = 0; i < n && i < MTRR_VAR_MAX; i++) {
        mtrr.var_base[i] = rdmsr(MSR_IA32_MTRR_PHYSBASE0 + 2 * i);
        mtrr.var_mask[i] = rdmsr(MSR_IA32_MTRR_PHYSBASE0 + 2 * i + 1);
    }
    cpuid(0x80000000, 0, &a, &b, &c, &d);
    mtrr.phys_bits = 36;
    if (a >= 0x80000008) {
        cpuid(0x80000008, 0, &a, &b, &c, &d);
        mtrr.phys_bits = a & 0xFF;
    }
}

const struct mtrr_state *host_mtrrs(void)
{
    return &mtrr;
}

/* The real MTRRs must still be as the firmware set them: the guest's writes
 * go to its own copy (core/msr.c). */
void mtrr_report(void)
{
    if (!mtrr.cap)
        return;
    bool same = rdmsr(MSR_IA32_MTRR_DEF_TYPE) == mtrr.def_type;
    for (u32 i = 0; i < (mtrr.cap & MTRRCAP_VCNT) && i < MTRR_VAR_MAX; i++)
        same &= rdmsr(MSR_IA32_MTRR_PHYSBASE0 + 2 * i) == mtrr.var_base[i] &&
                rdmsr(MSR_IA32_MTRR_PHYSBASE0 + 2 * i + 1) == mtrr.var_mask[i];
    kprintf("pxHV: the machine's MTRRs: %s\n", same ? "as the firmware set them" : "CHANGED");
}

/* Under UEFI, above 4 GiB only what the firmware reports exists (memory in
 * its map, devices in its GCD memory space map: pxhv.efi put both in
 * boot_info's E820), and a machine's address space is mostly holes there.
 * With 1 GiB pages the second-level tables map all of it anyway, for a few
 * pages: an OS that moves a 64-bit BAR to where the firmware had nothing
 * (into a window of its ACPI _CRS) still reaches it.  Without them each GiB
 * costs a table, and only what the firmware reports is mapped.
 * 0: [base, base + len) is a hole; 1: it all exists; 2: partly. */
static u32 exists_above_4g(u64 base, u64 len)
{
    static int g1 = -1;
    if (g1 < 0)
        g1 = has_1g_pages();
    if (g1)
        return 1;
    u64 cur = base < (1ULL << 32) ? 1ULL << 32 : base, end = base + len;
    u64 seen = cur - base;
    for (u32 i = 0; i < g_host_map.count && cur < end; i++) {   /* sorted, disjoint */
        u64 b = g_host_map.e[i].base, e = b + g_host_map.e[i].length;
        if (e <= cur || b >= end)
            continue;
        seen += (e < end ? e : end) - (b > cur ? b : cur);
    }
    return seen == 0 ? 0 : seen == len ? 1 : 2;
}

struct pt_attr guest_classify(void *ctx, u64 base, u64 len)
{
    (void)ctx;
    struct pt_attr a = { .mixed = false, .perms = PT_RWX, .memtype = MT_UC };
    if ((g_boot.flags & BI_FLAG_UEFI) && base + len > (1ULL << 32)) {
        u32 ex = exists_above_4g(base, len);
        if (ex != 1) {
            a.mixed = ex == 2;
            a.perms = 0;
            return a;
        }
    }

    for (u32 i = 0; i < nkept; i++) {
        u64 kb = kept[i].base, ke = kb + kept[i].len;
        if (base >= ke || base + len <= kb)
            continue;
        if (base < kb || base + len > ke || (kept[i].remap && len > 4096)) {
            a.mixed = true;           /* straddles a kept range or holds a remapped page: split */
            return a;
        }
        a.perms = kept[i].perms;
        a.remap = kept[i].remap;
    }
    a.memtype = mtrr_range_type(&mtrr, base, len);
    a.mixed = a.memtype == MT_MIXED;
    if (a.remap)
        a.memtype = MT_WB;            /* a page of pxHV's RAM, whatever the address says */
    return a;
}

/* Where pxHV touches [gpa, gpa + len) for the guest (within one page): what
 * the guest would reach there; false where it is kept from the guest. */
bool guest_hpa(u64 gpa, u64 len, bool write, u64 *hpa)
{
    if (gpa + len < gpa)
        return false;
    /* Without cells, the usual machine, this CPU is the root's: no lookup. */
    const struct cell *cl = g_ncells ? this_cpu()->cell : NULL;
    if (cl)
        return cell_hpa(cl, gpa, len, hpa);
    *hpa = gpa;
    for (u32 i = 0; i < nkept && kept[i].base < gpa + len; i++) {
        if (gpa >= kept[i].base + kept[i].len)
            continue;
        if (!(kept[i].perms & (write ? PT_W : PT_R)))
            return false;
        if (kept[i].remap)
            *hpa = kept[i].remap + (gpa & 0xFFF);    /* the same page at every page */
    }
    return true;
}
