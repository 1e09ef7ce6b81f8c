/*
 * The SVM backend (AMD-V; docs/svm.md; AMD APM Vol. 2, 24593 rev. 3.41,
 * chapter 15): detection and enabling on each CPU (15.4 "Enabling SVM"), the
 * I/O and MSR permission maps from the core's lists (15.10.1, 15.11), the
 * nested page tables (15.25) built by the one page-table builder, and the
 * backend operations (include/core/virt.h).
 */
#include "backends.h"
#include "svm_impl.h"
#include "core/console.h"
#include "core/core.h"
#include "core/early.h"
#include "core/host.h"
#include "core/hv.h"
#include "lib/lib.h"
#include "lib/pt.h"
#include "hw/x86.h"

struct svm_setup svm_setup_info;

/* One CPU's block in the region with this backend, in stage 3's header
 * (linker.ld.S): pxhv.efi sizes the region before stage 3 runs. */
const u32 svm_cpu_bytes __attribute__((section(".header.cpu_bytes_svm"), used)) =
    sizeof(struct cpu_block) + SVM_CPU_PAGES * 4096;

/* What SVM hides of the CPU: SVM itself (CPUID.80000001h:ECX[2] and leaf
 * 8000000Ah, APM Vol. 2 15.4 "Enabling SVM"), and the MSRs it owns: EFER
 * (SVME) and the SVM MSRs (exit.c svm_own_msr). */
static const struct cpuid_bits svm_hidden[] = {
    { 0x80000001, 2, CPUID_80000001_ECX_SVM },
    { CPUID_SVM_FEATURES, CPUID_LEAF, ~0u },
    { 0, 0, 0 },
};
static const struct msr_range svm_own_msrs[] = {
    { MSR_EFER, MSR_EFER, MSR_READ | MSR_WRITE },
    { MSR_VM_CR, MSR_VM_CR, MSR_READ | MSR_WRITE },
    { MSR_VM_HSAVE_PA, MSR_VM_HSAVE_PA, MSR_READ | MSR_WRITE },
    { 0, 0, 0 },
};

static const char *svm_cpu_enable(struct cpu *c)
{
    u32 a, b, ecx, d;
    cpuid(0x80000001, 0, &a, &b, &ecx, &d);
    if (!(ecx & CPUID_80000001_ECX_SVM))
        return "AMD-V not supported by this CPU";
    u64 vm_cr = rdmsr(MSR_VM_CR);
    if (vm_cr & VM_CR_SVMDIS) {
        if (vm_cr & VM_CR_LOCK)
            return "SVM disabled by the firmware (VM_CR.SVMDIS, locked)";
        wrmsr(MSR_VM_CR, vm_cr & ~VM_CR_SVMDIS);
    }
    cpuid(CPUID_SVM_FEATURES, 0, &a, &b, &ecx, &d);
    if (!(d & SVM_FEAT_NPT))
        return "AMD-V without nested paging (NPT), which pxHV needs";
    /* NXE: the nested walk takes it from the host, and the pages the guest
     * may not execute carry NX (lib/pt.c: the intercepted xAPIC page, the
     * ECAM pages pxHV watches). */
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME | EFER_NXE);
    wrmsr(MSR_VM_HSAVE_PA, c->vm_host_pa);
    svm_of(c)->vmcb = (struct vmcb *)(usize)c->vm_ctl_pa;
    if (c->index == 0)
        kprintf("SVM enabled\n");
    return NULL;
}

static void svm_cpu_disable(struct cpu *c)
{
    (void)c;
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~EFER_SVME);
}

/* This CPU's pages (svm_impl.h SVM_PAGE_*): the maps are physically
 * contiguous there, as the VMCB's base addresses require. */
u8 *svm_page(struct cpu *c, u32 page)
{
    return cpu_backend_pages(c) + page * 4096;
}

/* MSRPM (15.11): two bits per MSR, read then write, for three ranges; IOPM
 * (15.10.1): a bit per port.  The CPU reads both at every access. */
static void svm_msr_intercept(struct cpu *c, u32 first, u32 last, u8 access, bool on)
{
    u8 *pm = svm_page(c, SVM_PAGE_MSRPM);
    for (u32 msr = first; msr <= last; msr++) {
        if (!(msr < 0x2000 || (msr >= 0xC0000000u && msr < 0xC0002000u) ||
              (msr >= 0xC0010000u && msr < 0xC0012000u)))
            continue;                                /* outside the map: always exits */
        u32 base = msr < 0x2000 ? 0 : msr - 0xC0000000u < 0x2000 ? 0x800 : 0x1000;
        u32 n = msr & 0x1FFF;
        u8 bits = (u8)(((access & MSR_READ) ? 1 : 0) | ((access & MSR_WRITE) ? 2 : 0));
        u8 mask = (u8)(bits << (2 * (n % 4)));
        pm[base + n / 4] = on ? pm[base + n / 4] | mask : pm[base + n / 4] & (u8)~mask;
    }
}

static void svm_io_intercept(struct cpu *c, u16 port, bool on)
{
    u8 *b = svm_page(c, SVM_PAGE_IOPM) + port / 8, bit = (u8)(1u << (port % 8));
    *b = on ? *b | bit : *b & (u8)~bit;
}

/* The IOPM's 65536 bits, and the bits of the three ports a 4-byte access
 * from 0xFFFF reaches past the end (15.10.1 "I/O Permissions Map"). */
static void svm_io_intercept_all(struct cpu *c)
{
    memset(svm_page(c, SVM_PAGE_IOPM), 0xFF, 3 * 4096);
}

/* This CPU's maps from the core's lists and the MSRs SVM itself owns. */
void svm_setup_maps(struct cpu *c)
{
    u16 ports[16];
    u32 n = io_intercepted(ports, ARRAY_SIZE(ports));
    for (u32 i = 0; i < n; i++)
        svm_io_intercept(c, ports[i], true);
    for (const struct msr_range *r = msr_intercepted; r->first || r->last; r++)
        svm_msr_intercept(c, r->first, r->last, r->access, true);
    for (const struct msr_range *r = svm_own_msrs; r->first || r->last; r++)
        svm_msr_intercept(c, r->first, r->last, r->access, true);
}

static void setup_npt(void)
{
    u64 top = guest_map_top();
    struct pt_builder b = {
        .fmt = &pt_npt, .classify = guest_classify, .alloc = page_alloc,
        .allow_1g = has_1g_pages(), .allow_2m = true,
    };
    u64 *root = pt_build(&b, top);
    if (!root)
        panic("out of pages while building the NPT");
    svm_setup_info.ncr3 = (u64)(usize)root;
    kprintf("NPT: %u tables, %llu 1G + %llu 2M + %llu 4K leaves, map up to 0x%llx\n",
            b.tables, b.leaves[2], b.leaves[1], b.leaves[0], top);
}

/* A cell's NPT: the same builder with the core's classifier for that cell. */
static u64 npt_build_cell(struct pt_attr (*classify)(void *ctx, u64 base, u64 len), void *ctx,
                          u64 top)
{
    struct pt_builder b = {
        .fmt = &pt_npt, .classify = classify, .alloc = page_alloc, .ctx = ctx,
        .allow_1g = has_1g_pages(), .allow_2m = true,
    };
    return (u64)(usize)pt_build(&b, top);
}

/* No CPU runs the guest yet; each VMRUN that follows flushes its ASID's
 * translations (vmcb.c: the first VMRUN of every CPU does). */
static void npt_page_update(u64 gpa)
{
    struct pt_attr a = guest_classify(NULL, gpa, 4096);
    if (!pt_set_leaf(&pt_npt, (u64 *)(usize)svm_setup_info.ncr3, gpa, &a))
        panic("NPT: no 4 KiB leaf at 0x%llx", gpa);
}

static void svm_setup(void)
{
    u32 a, b, ecx, d;
    cpuid(CPUID_SVM_FEATURES, 0, &a, &b, &ecx, &d);
    svm_setup_info.features = d;
    svm_setup_info.asids = b;
    kprintf("SVM: revision %u, %u ASIDs, features 0x%x:%s%s%s%s\n", a & 0xFF, b, d,
            d & SVM_FEAT_NPT ? " NPT" : "", d & SVM_FEAT_NRIPS ? " NRIP-save" : "",
            d & SVM_FEAT_FLUSH_BY_ASID ? " flush-by-ASID" : "",
            d & SVM_FEAT_DECODE_ASSISTS ? " decode-assists" : "");
    if (!(d & SVM_FEAT_NRIPS))
        kprintf("SVM: no NRIP save: instruction lengths come from pxHV's decoder\n");
    setup_npt();
}

/* SVM has no wait-for-SIPI state: the guest's INIT and SIPI go through the
 * intercepted ICR (core/ipi.c). */
static bool svm_can_wait_for_sipi(void) { return false; }

const struct virt_ops svm_ops = {
    .name = "SVM",
    .second_level = "NPT",
    .cpu_pages = SVM_CPU_PAGES,
    .cpuid_hidden = svm_hidden,
    .own_msrs = svm_own_msrs,
    .own_msr = svm_own_msr,
    .setup = svm_setup,
    .cpu_enable = svm_cpu_enable,
    .cpu_init = svm_cpu_init,
    .guest_start = svm_guest_start,
    .guest_set_state = svm_guest_set_state,
    .slat_build = npt_build_cell,
    .run = svm_run,
    .cpu_disable = svm_cpu_disable,
    .get = svm_get,
    .set = svm_set,
    .get_seg = svm_get_seg,
    .set_seg = svm_set_seg,
    .get_pdptes = svm_get_pdptes,
    .cpl = svm_cpl,
    .skip = svm_skip,
    .inject = svm_inject,
    .halt = svm_halt,
    .dump = svm_dump,
    .exit_begin = svm_exit_begin,
    .exit_handlers = svm_exit_handlers,
    .exit_slots = STAT_REASONS,
    .exit_unexpected = svm_unexpected,
    .exit_end = svm_exit_end,
    .exit_info = svm_exit_info,
    .exit_name = svm_exit_name,
    .deliver_nmi = svm_deliver_nmi,
    .can_wait_for_sipi = svm_can_wait_for_sipi,
    .msr_intercept = svm_msr_intercept,
    .io_intercept = svm_io_intercept,
    .io_intercept_all = svm_io_intercept_all,
    .page_update = npt_page_update,
};
