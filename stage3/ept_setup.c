/*
 * The guest's EPT: an identity map of guest-physical memory, with the
 * memory type of every range taken from the MTRRs (with EPT the CPU no
 * longer consults them for guest accesses, SDM 29.3.7.2), and the
 * hypervisor's own pages left out so that any guest access to them is an
 * EPT violation.
 */
#include "hv.h"
#include "vcpu.h"
#include "ept.h"
#include "mtrr.h"
#include "console.h"
#include "x86.h"

#define PROT_MAX 8
static struct { u64 base, len; u8 perms; } prot[PROT_MAX];
static u32 nprot;
static struct mtrr_state mtrr;
static u64 *ept_root;

void ept_protect(u64 base, u64 len, u8 perms)
{
    if (nprot == PROT_MAX)
        panic("too many protected ranges");
    prot[nprot].base = base;
    prot[nprot].len = len;
    prot[nprot].perms = perms;
    nprot++;
}

static struct ept_attr classify(void *ctx, u64 base, u64 len)
{
    (void)ctx;
    struct ept_attr a = { .mixed = false, .perms = EPT_RWX, .memtype = MT_UC };

    for (u32 i = 0; i < nprot; i++) {
        u64 pb = prot[i].base, pe = pb + prot[i].len;
        if (base >= pe || base + len <= pb)
            continue;
        if (base < pb || base + len > pe) {
            a.mixed = true;           /* straddles a protected range: split */
            return a;
        }
        a.perms = prot[i].perms;
    }
    a.memtype = mtrr_range_type(&mtrr, base, len);
    a.mixed = a.memtype == MT_MIXED;
    return a;
}

static u64 *alloc(void *ctx)
{
    (void)ctx;
    return page_alloc();
}

static void read_mtrrs(void)
{
    u32 a, b, c, d;
    static const u32 fixed_msrs[11] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26A,
                                        0x26B, 0x26C, 0x26D, 0x26E, 0x26F };

    cpuid(1, 0, &a, &b, &c, &d);
    if (!(d & BIT(12)))             /* no MTRRs: everything is UC (SDM 12.11.1) */
        return;
    mtrr.cap = rdmsr(MSR_IA32_MTRRCAP);
    mtrr.def_type = rdmsr(MSR_IA32_MTRR_DEF_TYPE);
    if (mtrr.cap & BIT(8))
        for (int i = 0; i < 11; i++)
            mtrr.fixed[i] = rdmsr(fixed_msrs[i]);
    u32 n = mtrr.cap & 0xFF;
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

static void print_map(u64 top, const struct ept_builder *b)
{
    u64 start = 0, prev = ~0ULL;

    kprintf("EPT: %u tables, %llu 1G + %llu 2M + %llu 4K leaves, map up to 0x%llx\n",
            b->tables, b->leaves[2], b->leaves[1], b->leaves[0], top);
    for (u64 gpa = 0;;) {
        u64 size, e = gpa < top ? ept_lookup(ept_root, gpa, &size) : ~1ULL;
        u64 key = e == ~1ULL ? e : (e & 0x3F);     /* perms + memory type */
        if (!size)
            size = 4096;
        if (key != prev) {
            if (prev != ~0ULL)
                kprintf("EPT:   %010llx-%010llx %-2s %c%c%c\n", start, gpa,
                        prev & 7 ? mtrr_type_name((prev >> EPT_MT_SHIFT) & 7) : "--",
                        prev & EPT_R ? 'r' : '-', prev & EPT_W ? 'w' : '-', prev & EPT_X ? 'x' : '-');
            start = gpa;
            prev = key;
        }
        if (gpa >= top)
            break;
        gpa += size;
    }
}

u64 ept_setup(void)
{
    read_mtrrs();
    u64 top = 1ULL << 32;
    for (u32 i = 0; i < g_host_map.count; i++) {
        u64 end = g_host_map.e[i].base + g_host_map.e[i].length;
        if (end > top)
            top = end;
    }
    top = (top + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);

    struct ept_builder b = {
        .classify = classify, .alloc = alloc, .ctx = NULL,
        .allow_1g = g_caps.ept_vpid & EPT_CAP_1G, .allow_2m = g_caps.ept_vpid & EPT_CAP_2M,
    };
    ept_root = ept_build(&b, top);
    if (!ept_root)
        panic("out of pages while building the EPT");
    print_map(top, &b);
    return ept_make_eptp(ept_root, false);
}

u64 ept_entry_for(u64 gpa, u64 *size)
{
    return ept_root ? ept_lookup(ept_root, gpa, size) : 0;
}
