/*
 * The VMX backend: capabilities, the controls chosen from them (never from
 * constants: the CPU decides what may be set), VMX root operation on each
 * CPU, each CPU's MSR and I/O bitmaps, and the operations table.
 * SDM Vol. 3C ch. 23-30 and Appendix A.
 */
#include "backends.h"
#include "vmx_impl.h"
#include "core/console.h"
#include "core/core.h"
#include "core/hv.h"
#include "lib/lib.h"
#include "core/power.h"
#include "hw/x86.h"

struct vmx_caps vmx_caps;
struct vmx_controls vmx_ctl;

/* One CPU's block in the region with this backend, in stage 3's header
 * (linker.ld.S): pxhv.efi sizes the region before stage 3 runs. */
const u32 vmx_cpu_bytes __attribute__((section(".header.cpu_bytes_vmx"), used)) =
    sizeof(struct cpu_block) + VMX_CPU_PAGES * 4096;

/* ---- VMX root operation (23.7 "Enabling and Entering VMX Operation") ---- */

/* A bit set in FIXED0 must be 1, a bit clear in FIXED1 must be 0 (A.7, A.8). */
static u64 fixed(u64 v, u32 msr0, u32 msr1)
{
    return (v | rdmsr(msr0)) & rdmsr(msr1);
}

static const char *vmx_cpu_enable(struct cpu *c)
{
    u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
    if (!(fc & FEATURE_CONTROL_LOCK))
        wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX);
    else if (!(fc & FEATURE_CONTROL_VMX))
        return "VT-x disabled by firmware (IA32_FEATURE_CONTROL locked)";

    u64 cr0 = fixed(read_cr0(), MSR_IA32_VMX_CR0_FIXED0, MSR_IA32_VMX_CR0_FIXED1);
    u64 cr4 = fixed(read_cr4() | CR4_VMXE, MSR_IA32_VMX_CR4_FIXED0, MSR_IA32_VMX_CR4_FIXED1);
    if ((cr0 & (CR0_PE | CR0_PG)) != (CR0_PE | CR0_PG) || !(cr4 & CR4_PAE) || !(cr4 & CR4_VMXE))
        return "CR0/CR4 cannot meet the VMX fixed-bit requirements";
    write_cr0(cr0);
    write_cr4(cr4);

    /* The VMXON region starts with the revision id (24.11.5 "VMXON Region"). */
    *(u32 *)(usize)c->vm_host_pa = VMX_BASIC_REVISION(rdmsr(MSR_IA32_VMX_BASIC));
    int rc = vmxon(c->vm_host_pa);
    if (rc == 1)
        return "VMXON failed: VMfailInvalid (CF=1)";
    if (rc == 2)
        return "VMXON failed: VMfailValid (ZF=1)";
    vmx_of(c)->on = true;
    if (c->index == 0)
        kprintf("VMXON executed successfully!\n");
    return NULL;
}

static void vmx_cpu_disable(struct cpu *c)
{
    if (vmx_of(c)->on) {
        vmx_of(c)->on = false;
        vmxoff();
    }
}

/* ---- capabilities and controls ---- */

/* Some capability MSRs exist only when others say so (A.3.3, A.10). */
static u64 msr_or_zero(u32 msr)
{
    u64 v;
    return rdmsr_safe(msr, &v) ? v : 0;
}

struct ctl_name { u32 bit; const char *name; };

static void print_enabled(const char *what, u32 val, const struct ctl_name *names, usize n)
{
    kprintf("VMX: %s 0x%08x:", what, val);
    for (usize i = 0; i < n; i++)
        if (val & names[i].bit)
            kprintf(" %s", names[i].name);
    kprintf("\n");
}

static const struct ctl_name pin_names[] = {
    { PIN_NMI_EXITING, "NMI-exiting" }, { PIN_VIRTUAL_NMIS, "virtual-NMIs" },
};
static const struct ctl_name cpu2_names[] = {
    { PROC2_ENABLE_EPT, "EPT" }, { PROC2_ENABLE_VPID, "VPID" },
    { PROC2_UNRESTRICTED_GUEST, "unrestricted-guest" }, { PROC2_ENABLE_RDTSCP, "RDTSCP" },
    { PROC2_ENABLE_INVPCID, "INVPCID" }, { PROC2_ENABLE_XSAVES, "XSAVES" },
};
static const struct ctl_name cpu_names[] = {
    { PROC_HLT_EXITING, "HLT-exiting" }, { PROC_USE_IO_BITMAPS, "I/O-bitmaps" },
    { PROC_USE_MSR_BITMAPS, "MSR-bitmaps" }, { PROC_SECONDARY_CONTROLS, "secondary-controls" },
    { PROC_CR3_LOAD_EXITING, "CR3-load-exiting" }, { PROC_CR3_STORE_EXITING, "CR3-store-exiting" },
    { PROC_MWAIT_EXITING, "MWAIT-exiting" }, { PROC_MONITOR_EXITING, "MONITOR-exiting" },
};
static const struct ctl_name exit_names_tbl[] = {
    { EXITCTL_HOST_ADDR_SPACE_SIZE, "host-64-bit" }, { EXITCTL_SAVE_EFER, "save-EFER" },
    { EXITCTL_LOAD_EFER, "load-EFER" }, { EXITCTL_SAVE_PAT, "save-PAT" }, { EXITCTL_LOAD_PAT, "load-PAT" },
    { EXITCTL_SAVE_DEBUG_CTLS, "save-debug-controls" },
};
static const struct ctl_name entry_names_tbl[] = {
    { ENTRYCTL_LOAD_EFER, "load-EFER" }, { ENTRYCTL_LOAD_PAT, "load-PAT" },
    { ENTRYCTL_LOAD_DEBUG_CTLS, "load-debug-controls" },
};

/* A control the CPU cannot set and pxHV cannot do without: name it and stop. */
static NORETURN void stop_missing(const char *what, u32 bits, const struct ctl_name *names, usize n)
{
    kprintf("pxHV: this CPU's VMX lacks required %s controls 0x%08x:", what, bits);
    for (usize i = 0; i < n; i++)
        if (bits & names[i].bit)
            kprintf(" %s", names[i].name);
    kprintf("\n");
    if (names == cpu2_names && (bits & PROC2_UNRESTRICTED_GUEST))
        kprintf("pxHV: unrestricted guest is required to run real-mode guests (SDM 26.3.1.1)\n");
    hv_stop("missing VMX feature");
}

static u32 adjust(u32 plain_msr, u32 want, u32 required, const char *what,
                  const struct ctl_name *names, usize n)
{
    u64 cap = msr_or_zero(vmx_ctl_msr(vmx_caps.basic, plain_msr));
    u32 missing;
    u32 val = vmx_adjust_controls(cap, want, &missing);

    if (missing & required)
        stop_missing(what, missing & required, names, n);
    return val;
}

static void read_caps(void)
{
    struct vmx_caps *k = &vmx_caps;
    k->basic = rdmsr(MSR_IA32_VMX_BASIC);
    k->misc = rdmsr(MSR_IA32_VMX_MISC);
    k->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
    k->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
    k->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
    k->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
    k->ept_vpid = msr_or_zero(MSR_IA32_VMX_EPT_VPID_CAP);

    /* Raw capability MSRs: what this CPU reports, for bug reports and the
     * unit-test fixtures (tests/unit/test_vmx.c). */
    bool t = k->basic & VMX_BASIC_TRUE_CTLS;
    kprintf("VMX: caps basic=%016llx pin=%016llx proc=%016llx proc2=%016llx\n", k->basic,
            rdmsr(t ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS),
            rdmsr(t ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS),
            msr_or_zero(MSR_IA32_VMX_PROCBASED_CTLS2));
    kprintf("VMX: caps exit=%016llx entry=%016llx misc=%016llx ept_vpid=%016llx\n",
            rdmsr(t ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS),
            rdmsr(t ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS),
            k->misc, k->ept_vpid);
    kprintf("VMX: caps cr0_fixed0=%llx cr0_fixed1=%llx cr4_fixed0=%llx cr4_fixed1=%llx\n",
            k->cr0_fixed0, k->cr0_fixed1, k->cr4_fixed0, k->cr4_fixed1);
}

static void choose_controls(void)
{
    struct vmx_controls *v = &vmx_ctl;
    /* NMIs exit: one may be another CPU stopping the machine; the guest's
     * are delivered back to it (vmx_deliver_nmi). */
    v->pin = adjust(MSR_IA32_VMX_PINBASED_CTLS, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS,
                    PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, "pin-based", pin_names, ARRAY_SIZE(pin_names));
    v->cpu = adjust(MSR_IA32_VMX_PROCBASED_CTLS,
                    PROC_HLT_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY_CONTROLS,
                    PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY_CONTROLS,
                    "primary processor-based", cpu_names, ARRAY_SIZE(cpu_names));
    /* A.3.3: the secondary controls' MSR has no TRUE variant. */
    v->cpu2 = adjust(MSR_IA32_VMX_PROCBASED_CTLS2,
                     PROC2_ENABLE_EPT | PROC2_ENABLE_VPID | PROC2_UNRESTRICTED_GUEST |
                     PROC2_ENABLE_RDTSCP | PROC2_ENABLE_INVPCID | PROC2_ENABLE_XSAVES,
                     PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST, "secondary processor-based",
                     cpu2_names, ARRAY_SIZE(cpu2_names));
    /* The debug controls keep the guest's DR7 and IA32_DEBUGCTL across exits
     * (27.3.1, 26.3.2.1): without them every exit disarms its breakpoints. */
    v->exit = adjust(MSR_IA32_VMX_EXIT_CTLS,
                     EXITCTL_HOST_ADDR_SPACE_SIZE | EXITCTL_SAVE_EFER | EXITCTL_LOAD_EFER |
                     EXITCTL_SAVE_PAT | EXITCTL_LOAD_PAT | EXITCTL_SAVE_DEBUG_CTLS,
                     EXITCTL_HOST_ADDR_SPACE_SIZE | EXITCTL_SAVE_EFER | EXITCTL_LOAD_EFER |
                     EXITCTL_SAVE_DEBUG_CTLS, "VM-exit",
                     exit_names_tbl, ARRAY_SIZE(exit_names_tbl));
    v->entry = adjust(MSR_IA32_VMX_ENTRY_CTLS, ENTRYCTL_LOAD_EFER | ENTRYCTL_LOAD_PAT | ENTRYCTL_LOAD_DEBUG_CTLS,
                      ENTRYCTL_LOAD_EFER | ENTRYCTL_LOAD_DEBUG_CTLS, "VM-entry", entry_names_tbl, ARRAY_SIZE(entry_names_tbl));
    if (!(vmx_caps.ept_vpid & EPT_CAP_WALK_4) || !(vmx_caps.ept_vpid & EPT_CAP_WB)) {
        kprintf("pxHV: EPT lacks a 4-level walk or write-back paging structures (IA32_VMX_EPT_VPID_CAP 0x%llx)\n",
                vmx_caps.ept_vpid);
        hv_stop("missing VMX feature");
    }
    /* VPID needs INVVPID to flush stale translations (28.3.3.3). */
    if (!(vmx_caps.ept_vpid & VPID_CAP_INVVPID))
        v->cpu2 &= ~PROC2_ENABLE_VPID;

    /*
     * CR0/CR4 bits the guest may not own: those fixed by the FIXED0/1 MSRs,
     * except CR0.PE and CR0.PG with unrestricted guest (26.3.1.1).  Guest
     * writes that change an owned bit exit; reads of owned bits return the
     * read shadow, so the guest sees CR4.VMXE = 0 and can run in real mode.
     */
    v->cr0_mask = vmx_cr_owned_bits(vmx_caps.cr0_fixed0, vmx_caps.cr0_fixed1, CR0_PE | CR0_PG);
    /* SMXE as well: the guest is told there is no SMX, so GETSEC is #UD. */
    v->cr4_mask = vmx_cr_owned_bits(vmx_caps.cr4_fixed0, vmx_caps.cr4_fixed1, 0) |
                  (vmx_caps.cr4_fixed1 & CR4_SMXE);

    kprintf("VMX: revision 0x%x, VMCS %u bytes, %s controls, EPT/VPID caps 0x%llx\n",
            VMX_BASIC_REVISION(vmx_caps.basic), VMX_BASIC_VMCS_SIZE(vmx_caps.basic),
            vmx_caps.basic & VMX_BASIC_TRUE_CTLS ? "TRUE" : "default", vmx_caps.ept_vpid);
    print_enabled("pin-based", v->pin, pin_names, ARRAY_SIZE(pin_names));
    print_enabled("primary", v->cpu, cpu_names, ARRAY_SIZE(cpu_names));
    print_enabled("secondary", v->cpu2, cpu2_names, ARRAY_SIZE(cpu2_names));
    print_enabled("exit", v->exit, exit_names_tbl, ARRAY_SIZE(exit_names_tbl));
    print_enabled("entry", v->entry, entry_names_tbl, ARRAY_SIZE(entry_names_tbl));
}

/* What VMX hides of the CPU: VMX itself and SMX (CPUID.1:ECX[5], [6]; SDM
 * Vol. 3C 23.6 "Discovering Support for VMX"), whose capability MSRs do not
 * exist then (#GP) and whose IA32_FEATURE_CONTROL reads as locked with VMX
 * off, what firmware leaves on such a CPU (23.7). */
static const struct cpuid_bits vmx_hidden[] = {
    { 1, 2, CPUID_1_ECX_VMX | CPUID_1_ECX_SMX },
    { 0, 0, 0 },
};
static const struct msr_range vmx_own_msrs[] = {
    { MSR_IA32_FEATURE_CONTROL, MSR_IA32_FEATURE_CONTROL, MSR_READ | MSR_WRITE },
    { MSR_IA32_VMX_BASIC, MSR_IA32_VMX_LAST, MSR_READ | MSR_WRITE },
    { 0, 0, 0 },
};

static enum msr_result vmx_own_msr(struct cpu *c, u32 msr, bool write, u64 *v)
{
    (void)c;
    if (msr != MSR_IA32_FEATURE_CONTROL || write)
        return MSR_FAULT;
    *v = FEATURE_CONTROL_LOCK;
    return MSR_DONE;
}

/* ---- bitmaps: what the core intercepts (24.6.4, 24.6.9) ---- */

/* Each CPU's own: I/O bitmaps A (ports 0-0x7FFF) and B, then the MSR bitmap
 * (vmx_impl.h VMX_PAGE_*), in its block. */
static u8 *bitmap(struct cpu *c, u32 page)
{
    return cpu_backend_pages(c) + page * 4096;
}

/* The MSR bitmap (24.6.9): read-low at 0, read-high at 1024, write-low at
 * 2048, write-high at 3072; low = 0..0x1FFF, high = 0xC0000000..0xC0001FFF.
 * The CPU reads it at every RDMSR/WRMSR, so a change applies at the next. */
static void set_bit(u8 *m, u32 bit, bool on)
{
    m[bit / 8] = on ? m[bit / 8] | (u8)(1 << (bit % 8)) : m[bit / 8] & (u8)~(1 << (bit % 8));
}

static void vmx_msr_intercept(struct cpu *c, u32 first, u32 last, u8 access, bool on)
{
    u8 *m = bitmap(c, VMX_PAGE_MSR_BITMAP);
    for (u32 msr = first; msr <= last; msr++) {
        if (msr > 0x1FFF && (msr < 0xC0000000 || msr > 0xC0001FFF))
            continue;                            /* outside the bitmap: always exits */
        u32 base = msr >= 0xC0000000 ? 1024 : 0, idx = msr & 0x1FFF;
        if (access & MSR_READ)
            set_bit(m, (base + idx / 8) * 8 + idx % 8, on);
        if (access & MSR_WRITE)
            set_bit(m, (2048 + base + idx / 8) * 8 + idx % 8, on);
    }
}

static void vmx_io_intercept(struct cpu *c, u16 port, bool on)
{
    u8 *b = bitmap(c, port >> 15 ? VMX_PAGE_IO_B : VMX_PAGE_IO_A) + (port & 0x7FFF) / 8;
    u8 bit = (u8)(1 << (port % 8));
    *b = on ? *b | bit : *b & (u8)~bit;
}

static void vmx_io_intercept_all(struct cpu *c)
{
    memset(bitmap(c, VMX_PAGE_IO_A), 0xFF, 4096);
    memset(bitmap(c, VMX_PAGE_IO_B), 0xFF, 4096);
}

/* This CPU's bitmaps from the core's lists (vmcs.c points its VMCS at them). */
void vmx_setup_bitmaps(struct cpu *c)
{
    for (const struct msr_range *m = msr_intercepted; m->first || m->last; m++)
        vmx_msr_intercept(c, m->first, m->last, m->access, true);
    for (const struct msr_range *m = vmx_own_msrs; m->first || m->last; m++)
        vmx_msr_intercept(c, m->first, m->last, m->access, true);
    u16 ports[16];
    u32 n = io_intercepted(ports, ARRAY_SIZE(ports));
    for (u32 i = 0; i < n; i++)
        vmx_io_intercept(c, ports[i], true);
}

u64 vmx_bitmap_pa(struct cpu *c, u32 page)
{
    return (u64)(usize)bitmap(c, page);
}

static void vmx_setup(void)
{
    read_caps();
    choose_controls();
    vmx_ctl.eptp = ept_setup();
}

static const char *vmx_exit_name(u32 reason)
{
    return exit_reason_name(reason);
}

/* VMREAD/VMWRITE per exit of each kind, summed over the CPUs: a VMCB is plain
 * memory, so only VMX has this line. */
static void vmx_print_stats(void)
{
    static u64 ops[STAT_REASONS], n[STAT_REASONS];
    char line[400];
    usize len = 0;
    memset(ops, 0, sizeof ops);
    memset(n, 0, sizeof n);
    for (u32 i = 0; i < cpu_count(); i++)
        for (u32 k = 0; k < STAT_REASONS; k++) {
            ops[k] += vmx_of(cpu_get(i))->ops_per_slot[k];
            n[k] += cpu_get(i)->stats.reason[k];
        }
    for (u32 k = 0; k < STAT_REASONS && len < sizeof line; k++)
        if (ops[k] && n[k])
            len += snprintf(line + len, sizeof line - len, "%s%s %llu.%02llu", len ? ", " : "",
                            exit_reason_name(k), ops[k] / n[k], ops[k] * 100 / n[k] % 100);
    if (len)
        kprintf("pxHV: VMCS accesses per exit: %s\n", line);
}


static bool vmx_can_wait_for_sipi(void)
{
    return rdmsr(MSR_IA32_VMX_MISC) & VMX_MISC_ACT_WAIT_SIPI;
}

const struct virt_ops vmx_ops = {
    .name = "VMX",
    .second_level = "EPT",
    .cpu_pages = VMX_CPU_PAGES,
    .cpuid_hidden = vmx_hidden,
    .own_msrs = vmx_own_msrs,
    .own_msr = vmx_own_msr,
    .setup = vmx_setup,
    .cpu_enable = vmx_cpu_enable,
    .cpu_init = vmx_cpu_init,
    .guest_start = vmx_guest_start,
    .guest_set_state = vmx_guest_set_state,
    .slat_build = ept_build_cell,
    .run = vmx_run,
    .cpu_disable = vmx_cpu_disable,
    .get = vmx_get,
    .set = vmx_set,
    .get_seg = vmx_get_seg,
    .set_seg = vmx_set_seg,
    .get_pdptes = vmx_get_pdptes,
    .cpl = vmx_cpl,
    .skip = vmx_skip,
    .inject = vmx_inject,
    .halt = vmx_halt,
    .dump = vmx_dump_guest,
    .exit_begin = vmx_exit_begin,
    .exit_handlers = vmx_exit_handlers,
    .exit_slots = VMX_EXIT_MAX,
    .exit_unexpected = vmx_unexpected,
    .exit_end = vmx_exit_end,
    .exit_info = vmx_exit_info,
    .exit_name = vmx_exit_name,
    .deliver_nmi = vmx_deliver_nmi,
    .print_stats = vmx_print_stats,
    .can_wait_for_sipi = vmx_can_wait_for_sipi,
    .msr_intercept = vmx_msr_intercept,
    .io_intercept = vmx_io_intercept,
    .io_intercept_all = vmx_io_intercept_all,
    .page_update = ept_page_update,
};
