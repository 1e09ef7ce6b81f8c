/*
 * VMCS setup and launch (SDM Vol. 3C ch. 24-26).  Controls come from the
 * capability MSRs, never from constants: the CPU decides what may be set.
 */
#include "hv.h"
#include "vcpu.h"
#include "console.h"
#include "hypercall.h"
#include "lib.h"
#include "x86.h"

struct vcpu g_vcpu;
struct vmx_caps g_caps;

static u8 vmcs_region[4096] ALIGNED(4096);
static u8 msr_bitmap[4096] ALIGNED(4096);
static u8 io_bitmap[2][4096] ALIGNED(4096);
static u8 exit_stack[16384] ALIGNED(16);
extern void vmx_exit_stub(void);
extern int vmx_launch(struct guest_regs *regs);

u64 vmread(enum vmcs_field f)
{
    u64 v;
    int rc = vmread_raw(f, &v);
    if (rc)
        panic("VMREAD %s (0x%04x) failed (%s)", vmcs_field_name(f), f,
              rc == 1 ? "VMfailInvalid" : "VMfailValid");
    return v;
}

void vmwrite(enum vmcs_field f, u64 v)
{
    int rc = vmwrite_raw(f, v);
    if (rc == 2) {
        u64 err = 0;
        vmread_raw(VMCS_VM_INSTRUCTION_ERROR, &err);
        panic("VMWRITE %s (0x%04x) = 0x%llx failed: VM-instruction error %llu: %s",
              vmcs_field_name(f), f, v, err, vm_instruction_error_str((u32)err));
    }
    if (rc)
        panic("VMWRITE %s (0x%04x) failed: VMfailInvalid (no current VMCS)", vmcs_field_name(f), f);
}

/* ---- capabilities and controls ---- */

/* Some capability MSRs exist only when others say so (SDM A.3.3, A.10):
 * read them without risking a #GP. */
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

static const struct ctl_name cpu2_names[] = {
    { CPU2_ENABLE_EPT, "EPT" }, { CPU2_ENABLE_VPID, "VPID" },
    { CPU2_UNRESTRICTED_GUEST, "unrestricted-guest" }, { CPU2_ENABLE_RDTSCP, "RDTSCP" },
    { CPU2_ENABLE_INVPCID, "INVPCID" }, { CPU2_ENABLE_XSAVES, "XSAVES" },
};
static const struct ctl_name cpu_names[] = {
    { CPU_HLT_EXITING, "HLT-exiting" }, { CPU_USE_IO_BITMAPS, "I/O-bitmaps" },
    { CPU_USE_MSR_BITMAPS, "MSR-bitmaps" }, { CPU_SECONDARY_CONTROLS, "secondary-controls" },
    { CPU_CR3_LOAD_EXITING, "CR3-load-exiting" }, { CPU_CR3_STORE_EXITING, "CR3-store-exiting" },
    { CPU_MWAIT_EXITING, "MWAIT-exiting" }, { CPU_MONITOR_EXITING, "MONITOR-exiting" },
};
static const struct ctl_name exit_names_tbl[] = {
    { EXIT_HOST_ADDR_SPACE_SIZE, "host-64-bit" }, { EXIT_SAVE_EFER, "save-EFER" },
    { EXIT_LOAD_EFER, "load-EFER" }, { EXIT_SAVE_PAT, "save-PAT" }, { EXIT_LOAD_PAT, "load-PAT" },
    { EXIT_SAVE_DEBUG_CTLS, "save-debug-controls" },
};
static const struct ctl_name entry_names_tbl[] = {
    { ENTRY_LOAD_EFER, "load-EFER" }, { ENTRY_LOAD_PAT, "load-PAT" },
    { ENTRY_LOAD_DEBUG_CTLS, "load-debug-controls" },
};

/* A control the CPU cannot set and pxHV cannot do without: name it and stop. */
static NORETURN void hv_stop_missing(const char *what, u32 bits, const struct ctl_name *names, usize n)
{
    kprintf("pxHV: this CPU's VMX lacks required %s controls 0x%08x:", what, bits);
    for (usize i = 0; i < n; i++)
        if (bits & names[i].bit)
            kprintf(" %s", names[i].name);
    kprintf("\n");
    if (names == cpu2_names && (bits & CPU2_UNRESTRICTED_GUEST))
        kprintf("pxHV: unrestricted guest is required to run real-mode guests (SDM 26.3.1.1)\n");
    hv_stop("missing VMX feature");
}

static u32 adjust(u32 plain_msr, u32 want, u32 required, const char *what,
                  const struct ctl_name *names, usize n)
{
    u64 cap = msr_or_zero(vmx_ctl_msr(g_caps.basic, plain_msr));
    u32 missing;
    u32 val = vmx_adjust_controls(cap, want, &missing);

    if (missing & required)
        hv_stop_missing(what, missing & required, names, n);
    return val;
}

static void read_caps(void)
{
    g_caps.basic = rdmsr(MSR_IA32_VMX_BASIC);
    g_caps.misc = rdmsr(MSR_IA32_VMX_MISC);
    g_caps.cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
    g_caps.cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
    g_caps.cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
    g_caps.cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);

    /* Raw capability MSRs: what this CPU reports, for bug reports and the
     * unit-test fixtures (tests/unit/test_vmx.c). */
    bool t = g_caps.basic & VMX_BASIC_TRUE_CTLS;
    kprintf("VMX: caps basic=%016llx pin=%016llx proc=%016llx proc2=%016llx\n", g_caps.basic,
            rdmsr(t ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS),
            rdmsr(t ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS),
            msr_or_zero(MSR_IA32_VMX_PROCBASED_CTLS2));
    kprintf("VMX: caps exit=%016llx entry=%016llx misc=%016llx ept_vpid=%016llx\n",
            rdmsr(t ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS),
            rdmsr(t ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS),
            g_caps.misc, msr_or_zero(MSR_IA32_VMX_EPT_VPID_CAP));
    kprintf("VMX: caps cr0_fixed0=%llx cr0_fixed1=%llx cr4_fixed0=%llx cr4_fixed1=%llx\n",
            g_caps.cr0_fixed0, g_caps.cr0_fixed1, g_caps.cr4_fixed0, g_caps.cr4_fixed1);

    g_caps.pin = adjust(MSR_IA32_VMX_PINBASED_CTLS, 0, 0, "pin-based", NULL, 0);
    g_caps.cpu = adjust(MSR_IA32_VMX_PROCBASED_CTLS,
                        CPU_HLT_EXITING | CPU_USE_IO_BITMAPS | CPU_USE_MSR_BITMAPS | CPU_SECONDARY_CONTROLS,
                        CPU_USE_IO_BITMAPS | CPU_USE_MSR_BITMAPS | CPU_SECONDARY_CONTROLS,
                        "primary processor-based", cpu_names, ARRAY_SIZE(cpu_names));
    /* SDM A.3.3: the secondary controls' MSR has no TRUE variant. */
    g_caps.cpu2 = adjust(MSR_IA32_VMX_PROCBASED_CTLS2,
                         CPU2_ENABLE_EPT | CPU2_ENABLE_VPID | CPU2_UNRESTRICTED_GUEST |
                         CPU2_ENABLE_RDTSCP | CPU2_ENABLE_INVPCID | CPU2_ENABLE_XSAVES,
                         CPU2_ENABLE_EPT | CPU2_UNRESTRICTED_GUEST, "secondary processor-based",
                         cpu2_names, ARRAY_SIZE(cpu2_names));
    g_caps.exit = adjust(MSR_IA32_VMX_EXIT_CTLS,
                         EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
                         EXIT_SAVE_PAT | EXIT_LOAD_PAT,
                         EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_EFER | EXIT_LOAD_EFER, "VM-exit",
                         exit_names_tbl, ARRAY_SIZE(exit_names_tbl));
    g_caps.entry = adjust(MSR_IA32_VMX_ENTRY_CTLS, ENTRY_LOAD_EFER | ENTRY_LOAD_PAT,
                          ENTRY_LOAD_EFER, "VM-entry", entry_names_tbl, ARRAY_SIZE(entry_names_tbl));
    g_caps.ept_vpid = msr_or_zero(MSR_IA32_VMX_EPT_VPID_CAP);
    if (!(g_caps.ept_vpid & EPT_CAP_WALK_4) || !(g_caps.ept_vpid & EPT_CAP_WB)) {
        kprintf("pxHV: EPT lacks a 4-level walk or write-back paging structures (IA32_VMX_EPT_VPID_CAP 0x%llx)\n",
                g_caps.ept_vpid);
        hv_stop("missing VMX feature");
    }
    /* VPID needs INVVPID to flush stale translations (SDM 28.3.3.3). */
    if (!(g_caps.ept_vpid & VPID_CAP_INVVPID))
        g_caps.cpu2 &= ~CPU2_ENABLE_VPID;

    kprintf("VMX: revision 0x%x, VMCS %u bytes, %s controls, EPT/VPID caps 0x%llx\n",
            (u32)(g_caps.basic & 0x7FFFFFFF), (u32)(g_caps.basic >> 32) & 0x1FFF,
            g_caps.basic & VMX_BASIC_TRUE_CTLS ? "TRUE" : "default", g_caps.ept_vpid);
    kprintf("VMX: pin-based 0x%08x\n", g_caps.pin);
    print_enabled("primary", g_caps.cpu, cpu_names, ARRAY_SIZE(cpu_names));
    print_enabled("secondary", g_caps.cpu2, cpu2_names, ARRAY_SIZE(cpu2_names));
    print_enabled("exit", g_caps.exit, exit_names_tbl, ARRAY_SIZE(exit_names_tbl));
    print_enabled("entry", g_caps.entry, entry_names_tbl, ARRAY_SIZE(entry_names_tbl));
}

/* ---- bitmaps ---- */

static void msr_intercept(u32 msr, bool rd, bool wr)
{
    /* SDM 24.6.9: read-low at 0, read-high at 1024, write-low at 2048,
     * write-high at 3072; low = 0..0x1FFF, high = 0xC0000000..0xC0001FFF. */
    u32 base = msr >= 0xC0000000 ? 1024 : 0;
    u32 idx = msr & 0x1FFF;
    if (rd)
        msr_bitmap[base + idx / 8] |= (u8)(1 << (idx % 8));
    if (wr)
        msr_bitmap[2048 + base + idx / 8] |= (u8)(1 << (idx % 8));
}

void io_intercept(u16 port)
{
    io_bitmap[port >> 15][(port & 0x7FFF) / 8] |= (u8)(1 << (port % 8));
}

static void setup_bitmaps(void)
{
    /* VMX is hidden: its feature-control and capability MSRs behave as on
     * a CPU without VMX (SDM 23.7: they exist only with CPUID.1:ECX.VMX). */
    msr_intercept(MSR_IA32_FEATURE_CONTROL, true, true);
    for (u32 m = MSR_IA32_VMX_BASIC; m <= MSR_IA32_VMX_LAST; m++)
        msr_intercept(m, true, true);

    io_intercept(PXHV_DEBUG_PORT);
    io_intercept(0xCF9);        /* reset control register */
    io_intercept(0x64);         /* keyboard controller: 0xFE = reset */
    io_intercept(0x92);         /* system control port A: bit 0 = fast reset */
    io_intercept(0x8900);       /* Bochs/QEMU shutdown port */
    if (acpi_pm1a_cnt())
        io_intercept(acpi_pm1a_cnt()); /* SLP_EN with S5 = power-off */
}

/* ---- VMCS ---- */

static void setup_host_state(void)
{
    vmwrite(VMCS_HOST_CR0, read_cr0());
    vmwrite(VMCS_HOST_CR3, read_cr3());
    vmwrite(VMCS_HOST_CR4, read_cr4());
    vmwrite(VMCS_HOST_CS_SEL, HOST_CS);
    vmwrite(VMCS_HOST_SS_SEL, HOST_DS);
    vmwrite(VMCS_HOST_DS_SEL, HOST_DS);
    vmwrite(VMCS_HOST_ES_SEL, HOST_DS);
    vmwrite(VMCS_HOST_FS_SEL, HOST_DS);
    vmwrite(VMCS_HOST_GS_SEL, HOST_DS);
    vmwrite(VMCS_HOST_TR_SEL, HOST_TR);
    vmwrite(VMCS_HOST_FS_BASE, 0);
    vmwrite(VMCS_HOST_GS_BASE, 0);
    vmwrite(VMCS_HOST_TR_BASE, host_tss_base);
    vmwrite(VMCS_HOST_GDTR_BASE, host_gdtr.base);
    vmwrite(VMCS_HOST_IDTR_BASE, host_idtr.base);
    vmwrite(VMCS_HOST_SYSENTER_CS, 0);
    vmwrite(VMCS_HOST_SYSENTER_ESP, 0);
    vmwrite(VMCS_HOST_SYSENTER_EIP, 0);
    vmwrite(VMCS_HOST_IA32_EFER, rdmsr(MSR_EFER));
    if (g_caps.exit & EXIT_LOAD_PAT)
        vmwrite(VMCS_HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
    vmwrite(VMCS_HOST_RSP, (u64)(exit_stack + sizeof exit_stack));
    vmwrite(VMCS_HOST_RIP, (u64)vmx_exit_stub);
}

static void setup_controls(void)
{
    vmwrite(VMCS_PIN_CONTROLS, g_caps.pin);
    vmwrite(VMCS_PRIMARY_CONTROLS, g_caps.cpu);
    vmwrite(VMCS_SECONDARY_CONTROLS, g_caps.cpu2);
    vmwrite(VMCS_EXIT_CONTROLS, g_caps.exit);
    vmwrite(VMCS_ENTRY_CONTROLS, g_caps.entry);
    vmwrite(VMCS_EXCEPTION_BITMAP, 0);
    vmwrite(VMCS_PF_ERROR_CODE_MASK, 0);
    vmwrite(VMCS_PF_ERROR_CODE_MATCH, 0);
    vmwrite(VMCS_CR3_TARGET_COUNT, 0);
    vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
    vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
    vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
    vmwrite(VMCS_ENTRY_INTR_INFO, 0);
    vmwrite(VMCS_IO_BITMAP_A, (u64)io_bitmap[0]);
    vmwrite(VMCS_IO_BITMAP_B, (u64)io_bitmap[1]);
    vmwrite(VMCS_MSR_BITMAP, (u64)msr_bitmap);
    vmwrite(VMCS_TSC_OFFSET, 0);
    vmwrite(VMCS_VMCS_LINK_POINTER, ~0ULL);     /* SDM 26.3.1.5: no shadow VMCS */
    if (g_caps.cpu2 & CPU2_ENABLE_XSAVES)
        vmwrite(VMCS_XSS_EXIT_BITMAP, 0);
    if (g_caps.cpu2 & CPU2_ENABLE_VPID)
        vmwrite(VMCS_VPID, 1);                  /* 0 is the host's (SDM 28.1) */

    /*
     * CR0/CR4 bits the guest may not own: those fixed by
     * IA32_VMX_CR*_FIXED0/1 (SDM A.7, A.8), except CR0.PE and CR0.PG with
     * unrestricted guest (SDM 26.3.1.1).  Guest writes that change an owned
     * bit exit; reads of owned bits return the read shadow.  The guest
     * therefore sees CR4.VMXE = 0 and can run in real mode.
     */
    u64 cr0_own = vmx_cr_owned_bits(g_caps.cr0_fixed0, g_caps.cr0_fixed1, CR0_PE | CR0_PG);
    u64 cr4_own = vmx_cr_owned_bits(g_caps.cr4_fixed0, g_caps.cr4_fixed1, 0);
    g_vcpu.cr0_mask = cr0_own;
    g_vcpu.cr4_mask = cr4_own;
    vmwrite(VMCS_CR0_GUEST_HOST_MASK, cr0_own);
    vmwrite(VMCS_CR4_GUEST_HOST_MASK, cr4_own);
}

void vmx_setup(void)
{
    read_caps();

    /* SDM 24.2: the VMCS region starts with the revision id from IA32_VMX_BASIC. */
    *(u32 *)vmcs_region = (u32)(g_caps.basic & 0x7FFFFFFF);
    if (vmclear((u64)vmcs_region))
        panic("VMCLEAR of the VMCS at 0x%llx failed", (u64)vmcs_region);
    if (vmptrld((u64)vmcs_region))
        panic("VMPTRLD of the VMCS at 0x%llx failed", (u64)vmcs_region);

    setup_bitmaps();
    setup_controls();
    setup_host_state();
    g_vcpu.eptp = ept_setup();
    vmwrite(VMCS_EPT_POINTER, g_vcpu.eptp);
    /* Flush any translations cached for this EPTP/VPID (SDM 28.3.3.4). */
    if (g_caps.ept_vpid & EPT_CAP_INVEPT)
        invept(g_caps.ept_vpid & EPT_CAP_INVEPT_SINGLE ? 1 : 2, g_vcpu.eptp);
    if (g_caps.cpu2 & CPU2_ENABLE_VPID)
        invvpid(g_caps.ept_vpid & VPID_CAP_SINGLE ? 1 : 2, 1);
}

NORETURN void vmx_run(struct guest_regs *initial)
{
    /* Deliberate breakage on request (tests/test_entry_failures.sh):
     * SDM 26.3.1.2 requires a usable TR; 26.2.1.1 limits the CR3-target
     * count to what IA32_VMX_MISC bits 24:16 allow. */
    if (g_boot.config.flags & CFG_FLAG_BREAK_GUEST_STATE) {
        kprintf("pxHV: test: launching with an unusable guest TR\n");
        vmwrite(VMCS_GUEST_TR_AR, 0x10000);
    }
    if (g_boot.config.flags & CFG_FLAG_BREAK_CONTROLS) {
        kprintf("pxHV: test: launching with CR3-target count 0x100\n");
        vmwrite(VMCS_CR3_TARGET_COUNT, 0x100);
    }
    g_vcpu.launched = true;
    int rc = vmx_launch(initial);
    /* Only reached when VMLAUNCH itself failed (SDM 31.2, 31.4). */
    g_vcpu.launched = false;
    if (rc == 1) {
        kprintf("pxHV: VMLAUNCH failed: VMfailInvalid (CF=1): no valid current VMCS\n");
    } else {
        u32 err = (u32)vmread(VMCS_VM_INSTRUCTION_ERROR);
        kprintf("pxHV: VMLAUNCH failed: VM-instruction error %u: %s\n", err, vm_instruction_error_str(err));
        if (err == 7)
            vmx_dump_controls();
        else if (err == 8)
            vmx_dump_host();
    }
    hv_stop("VMLAUNCH failed");
}

/* Called by the exit stub when VMRESUME falls through. */
NORETURN void vmresume_failed(struct guest_regs *regs, u64 rflags)
{
    (void)regs;
    if (rflags & RFLAGS_CF) {
        kprintf("pxHV: VMRESUME failed: VMfailInvalid (CF=1)\n");
    } else {
        u32 err = (u32)vmread(VMCS_VM_INSTRUCTION_ERROR);
        kprintf("pxHV: VMRESUME failed: VM-instruction error %u: %s\n", err, vm_instruction_error_str(err));
        vmx_dump_controls();
        vmx_dump_guest();
    }
    hv_stop("VMRESUME failed");
}
