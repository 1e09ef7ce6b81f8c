/*
 * The guest's EPT (SDM Vol. 3C 28.2 "The Extended Page Table Mechanism
 * (EPT)"): an identity map of guest-physical memory built by the one
 * page-table builder in the EPT format, classified by the core (what pxHV
 * keeps, memory types from the MTRRs); and the exits it causes.
 */
#include "vmx_impl.h"
#include "core/console.h"
#include "core/core.h"
#include "core/hv.h"
#include "lib/mtrr.h"
#include "lib/pt.h"
#include "hw/x86.h"

static u64 *ept_root;

static void print_map(u64 top, const struct pt_builder *b)
{
    u64 start = 0, prev = ~0ULL;

    kprintf("EPT: %u tables, %llu 1G + %llu 2M + %llu 4K leaves, map up to 0x%llx\n",
            b->tables, b->leaves[2], b->leaves[1], b->leaves[0], top);
    for (u64 gpa = 0;;) {
        u64 size, e = gpa < top ? pt_lookup(&pt_ept, ept_root, gpa, &size) : ~1ULL;
        u64 key = e == ~1ULL ? e : (e & (EPT_RWX | EPT_MT(7)));     /* perms + memory type */
        if (!size)
            size = 4096;
        if (key != prev) {
            if (prev != ~0ULL)
                kprintf("EPT:   %010llx-%010llx %-2s %c%c%c\n", start, gpa,
                        prev & EPT_RWX ? mtrr_type_name((u8)EPT_MT_OF(prev)) : "--",
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
    u64 top = guest_map_top();

    struct pt_builder b = {
        .fmt = &pt_ept, .classify = guest_classify, .alloc = page_alloc, .ctx = NULL,
        .allow_1g = vmx_caps.ept_vpid & EPT_CAP_1G, .allow_2m = vmx_caps.ept_vpid & EPT_CAP_2M,
    };
    ept_root = pt_build(&b, top);
    if (!ept_root)
        panic("out of pages while building the EPT");
    print_map(top, &b);
    return ept_make_eptp(ept_root, false);
}

/* A cell's EPT: the same builder with the core's classifier for that cell. */
u64 ept_build_cell(struct pt_attr (*classify)(void *ctx, u64 base, u64 len), void *ctx, u64 top)
{
    struct pt_builder b = {
        .fmt = &pt_ept, .classify = classify, .alloc = page_alloc, .ctx = ctx,
        .allow_1g = vmx_caps.ept_vpid & EPT_CAP_1G, .allow_2m = vmx_caps.ept_vpid & EPT_CAP_2M,
    };
    u64 *root = pt_build(&b, top);
    return root ? ept_make_eptp(root, false) : 0;
}

/* A kept page's leaf again; every CPU invalidates its EPT-derived
 * translations at its next launch (vmcs.c setup_controls, 28.3.3.4), and
 * this one now. */
void ept_page_update(u64 gpa)
{
    struct pt_attr a = guest_classify(NULL, gpa, 4096);
    if (!pt_set_leaf(&pt_ept, ept_root, gpa, &a))
        panic("EPT: no 4 KiB leaf at 0x%llx", gpa);
    if (vmx_caps.ept_vpid & EPT_CAP_INVEPT)
        invept(vmx_caps.ept_vpid & EPT_CAP_INVEPT_SINGLE ? INVEPT_SINGLE : INVEPT_ALL, vmx_ctl.eptp);
}

/* EPT violation (28.2.3.2): the access and what the entry allowed, for the core. */
void vmx_ept_violation(struct cpu *c)
{
    u64 q = vmcs_get(c, VC_QUAL);
    struct mem_violation v = {
        .gpa = vmcs_get(c, VC_GPA),
        .gla_valid = q & EPTV_GLA_VALID,
        .access = q & EPTV_WRITE ? PT_W : q & EPTV_FETCH ? PT_X : PT_R,
        .allowed = (q & EPTV_READABLE ? PT_R : 0) | (q & EPTV_WRITABLE ? PT_W : 0) |
                   (q & EPTV_EXECUTABLE ? PT_X : 0),
        .qual_valid = true,
        .qual = q,
    };
    if (v.gla_valid)
        v.gla = vmcs_get(c, VC_GLA);
    core_mem_violation(c, &v);
}

/* EPT misconfiguration (28.2.3.1): a bug in pxHV's tables, never the guest's doing. */
void vmx_ept_misconfig(struct cpu *c)
{
    u64 gpa = vmcs_get(c, VC_GPA), size = 0;
    u64 e = pt_lookup(&pt_ept, ept_root, gpa, &size);

    kprintf("pxHV: EPT misconfiguration at GPA 0x%llx: leaf entry 0x%016llx (page size 0x%llx)\n",
            gpa, e, size);
    vmx_unexpected(c, "EPT misconfiguration");
}
