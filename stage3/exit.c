/*
 * VM-exit dispatch: one handler per basic exit reason, in a table indexed
 * by the reason (SDM Vol. 3C Appendix C).  Anything without a handler is
 * unexpected: dump and stop.
 */
#include "hv.h"
#include "vcpu.h"
#include "console.h"
#include "hypercall.h"
#include "lib.h"
#include "x86.h"

typedef void (*exit_handler)(void);

/* ---- helpers for handlers ---- */

void exit_skip_instruction(void)
{
    vmwrite(VMCS_GUEST_RIP, g_vcpu.rip + g_vcpu.instr_len);
    /* Completing an instruction ends blocking by STI / MOV SS (SDM 24.4.2). */
    u64 intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
    if (intr & 3)
        vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr & ~3ULL);
}

void exit_inject(u8 vector, u32 type, bool has_code, u32 code)
{
    u32 info = INTR_INFO_VALID | type | vector;
    /* SDM 26.2.1.3: no error code is delivered with CR0.PE = 0. */
    if (has_code && (vmread(VMCS_GUEST_CR0) & CR0_PE)) {
        info |= INTR_INFO_DELIVER_CODE;
        vmwrite(VMCS_ENTRY_EXCEPTION_ERROR_CODE, code);
    }
    vmwrite(VMCS_ENTRY_INTR_INFO, info);
}

void exit_inject_ud(void) { exit_inject(VEC_UD, INTR_TYPE_HW_EXCEPTION, false, 0); }
void exit_inject_gp(void) { exit_inject(VEC_GP, INTR_TYPE_HW_EXCEPTION, true, 0); }

void exit_stats_print(void)
{
    if (!g_vcpu.exits_total && !g_vcpu.launched)
        return;
    kprintf("pxHV: exit statistics: %llu exits\n", g_vcpu.exits_total);
    for (u32 i = 0; i < EXIT_REASON_MAX; i++)
        if (g_vcpu.exits[i])
            kprintf("pxHV:   %-28s %10llu\n", exit_reason_name(i), g_vcpu.exits[i]);
}

static u16 guest_cs(void) { return (u16)vmread(VMCS_GUEST_CS_SEL); }

NORETURN void guest_end(const char *why, bool reset)
{
    kprintf("pxHV: guest ended: %s at %04x:%llx\n", why, guest_cs(), g_vcpu.rip);
    exit_stats_print();
    if (reset && !(g_boot.config.flags & CFG_FLAG_NO_POWEROFF)) {
        kprintf("pxHV: resetting the machine\n");
        machine_reset();
    }
    hv_stop(reset ? "guest reset" : "guest finished");
}

static NORETURN void unexpected(const char *what)
{
    kprintf("pxHV: unexpected VM exit: %s: reason %u (%s), qualification 0x%llx\n", what,
            g_vcpu.exit_reason, exit_reason_name(g_vcpu.exit_reason), g_vcpu.qual);
    kprintf("pxHV: exit interruption info 0x%llx, IDT-vectoring info 0x%llx, instruction length %u\n",
            vmread(VMCS_EXIT_INTR_INFO), vmread(VMCS_IDT_VECTORING_INFO), g_vcpu.instr_len);
    vmx_dump_guest();
    exit_stats_print();
    hv_stop("unexpected VM exit");
}

static void handle_unexpected(void) { unexpected("no handler"); }

/* ---- handlers ---- */

static void handle_cpuid(void)
{
    struct guest_regs *r = g_vcpu.regs;
    u32 leaf = (u32)r->r[R_RAX], sub = (u32)r->r[R_RCX], a, b, c, d;

    if (leaf >= PXHV_CPUID_BASE && leaf <= 0x4FFFFFFF) {
        /* Hypervisor leaves (the range Intel reserves for VMMs). */
        a = b = c = d = 0;
        if (leaf == PXHV_CPUID_BASE) {
            a = PXHV_CPUID_MAX;
            b = c = d = PXHV_CPUID_SIG;
        } else if (leaf == PXHV_CPUID_BASE + 1) {
            a = (u32)g_hv_base;             /* where pxHV lives: for tests */
            b = (u32)(g_hv_base >> 32);
            c = (u32)g_hv_size;
        }
    } else {
        cpuid(leaf, sub, &a, &b, &c, &d);
        u64 cr4 = vmread(VMCS_GUEST_CR4);
        if (leaf == 1) {
            c &= ~(u32)BIT(5);              /* VMX: hidden (SDM 23.6) */
            c |= (u32)BIT(31);              /* "hypervisor present" */
            c = (c & ~(u32)BIT(27)) | (cr4 & CR4_OSXSAVE ? (u32)BIT(27) : 0); /* guest's OSXSAVE */
        } else if (leaf == 7 && sub == 0) {
            c = (c & ~(u32)BIT(4)) | (cr4 & CR4_PKE ? (u32)BIT(4) : 0);      /* guest's OSPKE */
        }
    }
    r->r[R_RAX] = a;
    r->r[R_RBX] = b;
    r->r[R_RCX] = c;
    r->r[R_RDX] = d;
    exit_skip_instruction();
}

static void handle_hlt(void)
{
    if (!(vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF)) {
        /* Nothing but NMI/SMI/INIT can wake this CPU: the guest is done. */
        kprintf("pxHV: guest executed HLT with interrupts disabled\n");
        guest_end("HLT with interrupts disabled", false);
    }
    exit_skip_instruction();
    /* Resume in the HLT activity state so the next interrupt wakes the
     * guest (SDM 24.4.2, supported when IA32_VMX_MISC bit 6 is set). */
    if (g_caps.misc & BIT(6))
        vmwrite(VMCS_GUEST_ACTIVITY_STATE, 1);
}

static void handle_invd(void)
{
    /* INVD would drop the hypervisor's own dirty lines; WBINVD is safe. */
    wbinvd();
    exit_skip_instruction();
}

static void handle_vmx_instruction(void)
{
    /* VMX is hidden: behave as a CPU without it (SDM 31.3: #UD). */
    exit_inject_ud();
}

static void handle_triple_fault(void)
{
    guest_end("triple fault", true);
}

static void handle_init(void)
{
    guest_end("INIT signal", true);
}

static void handle_nop_skip(void)
{
    /* MWAIT/MONITOR/PAUSE exiting forced on by the CPU: execute as NOP. */
    exit_skip_instruction();
}

static void handle_xsetbv(void)
{
    struct guest_regs *r = g_vcpu.regs;
    u64 v = (r->r[R_RDX] << 32) | (u32)r->r[R_RAX];
    u32 a, b, c, d;

    if (!(vmread(VMCS_GUEST_CR4) & CR4_OSXSAVE)) {
        exit_inject_ud();
        return;
    }
    cpuid(0xD, 0, &a, &b, &c, &d);
    u64 supported = ((u64)d << 32) | a;
    /* SDM Vol. 2 XSETBV and 13.3: XCR0 rules, else #GP(0). */
    bool ok = (u32)r->r[R_RCX] == 0 && (v & 1) && !(v & ~supported) &&
              (!(v & BIT(2)) || (v & BIT(1))) &&
              ((v & 0xE0) == 0 || ((v & 0xE0) == 0xE0 && (v & BIT(2)))) &&
              (!!(v & BIT(17)) == !!(v & BIT(18)));
    if (!ok) {
        exit_inject_gp();
        return;
    }
    xsetbv(0, v);
    exit_skip_instruction();
}

static bool msr_is_vmx(u32 msr)
{
    return msr == MSR_IA32_FEATURE_CONTROL || (msr >= MSR_IA32_VMX_BASIC && msr <= MSR_IA32_VMX_LAST);
}

static void handle_rdmsr(void)
{
    struct guest_regs *r = g_vcpu.regs;
    u32 msr = (u32)r->r[R_RCX];
    u64 v;

    if (msr == MSR_IA32_FEATURE_CONTROL) {
        v = 1;                          /* locked, VMX off: what firmware leaves without VMX */
    } else if (msr_is_vmx(msr) || !rdmsr_safe(msr, &v)) {
        exit_inject_gp();
        return;
    }
    r->r[R_RAX] = (u32)v;
    r->r[R_RDX] = v >> 32;
    exit_skip_instruction();
}

static void handle_wrmsr(void)
{
    struct guest_regs *r = g_vcpu.regs;
    u32 msr = (u32)r->r[R_RCX];
    u64 v = (r->r[R_RDX] << 32) | (u32)r->r[R_RAX];

    if (msr_is_vmx(msr) || !wrmsr_safe(msr, v)) {
        exit_inject_gp();
        return;
    }
    exit_skip_instruction();
}

static void handle_ept_violation(void)
{
    u64 q = g_vcpu.qual, gpa = vmread(VMCS_GUEST_PHYSICAL_ADDR);
    const char *access = q & BIT(1) ? "write" : q & BIT(2) ? "instruction fetch" : "read";
    bool hv = gpa >= g_hv_base && gpa < g_hv_base + g_hv_size;

    kprintf("pxHV: EPT violation: guest %s at GPA 0x%llx", access, gpa);
    if (q & BIT(7))
        kprintf(" (GLA 0x%llx)", vmread(VMCS_GUEST_LINEAR_ADDR));
    kprintf(", RIP %04x:%llx, qualification 0x%llx\n", guest_cs(), g_vcpu.rip, q);
    kprintf("pxHV: the page is %s (EPT permissions %c%c%c)\n",
            hv ? "hypervisor memory" : "not accessible to the guest",
            q & BIT(3) ? 'r' : '-', q & BIT(4) ? 'w' : '-', q & BIT(5) ? 'x' : '-');
    guest_end("EPT violation", false);
}

static void handle_ept_misconfig(void)
{
    u64 gpa = vmread(VMCS_GUEST_PHYSICAL_ADDR), size = 0;
    u64 e = ept_entry_for(gpa, &size);

    kprintf("pxHV: EPT misconfiguration at GPA 0x%llx: leaf entry 0x%016llx (page size 0x%llx)\n",
            gpa, e, size);
    unexpected("EPT misconfiguration");
}

static void handle_entry_failure(u32 raw)
{
    kprintf("pxHV: %s (exit reason %u), qualification 0x%llx\n",
            exit_reason_name(raw), raw & 0xFFFF, g_vcpu.qual);
    if ((raw & 0xFFFF) == EXIT_INVALID_GUEST_STATE) {
        static const char *const q[] = { "none", "reserved", "PDPTE loading failed",
                                         "NMI injection with blocking", "invalid VMCS link pointer" };
        if (g_vcpu.qual < ARRAY_SIZE(q))
            kprintf("pxHV: qualification %llu: %s (SDM 27.8)\n", g_vcpu.qual, q[g_vcpu.qual]);
    } else if ((raw & 0xFFFF) == EXIT_MSR_LOADING) {
        kprintf("pxHV: failing MSR-load entry %llu (SDM 26.4)\n", g_vcpu.qual);
    }
    vmx_diagnose_entry_failure();
    exit_stats_print();
    hv_stop("VM-entry failure");
}

void handle_io(void);
void handle_vmcall(void);
void handle_cr_access(void);

static const exit_handler handlers[EXIT_REASON_MAX] = {
    [EXIT_TRIPLE_FAULT]    = handle_triple_fault,
    [EXIT_INIT_SIGNAL]     = handle_init,
    [EXIT_CPUID]           = handle_cpuid,
    [EXIT_HLT]             = handle_hlt,
    [EXIT_INVD]            = handle_invd,
    [EXIT_VMCALL]          = handle_vmcall,
    [EXIT_VMCLEAR]         = handle_vmx_instruction,
    [EXIT_VMLAUNCH]        = handle_vmx_instruction,
    [EXIT_VMPTRLD]         = handle_vmx_instruction,
    [EXIT_VMPTRST]         = handle_vmx_instruction,
    [EXIT_VMREAD]          = handle_vmx_instruction,
    [EXIT_VMRESUME]        = handle_vmx_instruction,
    [EXIT_VMWRITE]         = handle_vmx_instruction,
    [EXIT_VMXOFF]          = handle_vmx_instruction,
    [EXIT_VMXON]           = handle_vmx_instruction,
    [EXIT_INVEPT]          = handle_vmx_instruction,
    [EXIT_INVVPID]         = handle_vmx_instruction,
    [EXIT_VMFUNC]          = handle_vmx_instruction,
    [EXIT_CR_ACCESS]       = handle_cr_access,
    [EXIT_IO_INSTRUCTION]  = handle_io,
    [EXIT_RDMSR]           = handle_rdmsr,
    [EXIT_WRMSR]           = handle_wrmsr,
    [EXIT_MWAIT]           = handle_nop_skip,
    [EXIT_MONITOR]         = handle_nop_skip,
    [EXIT_PAUSE]           = handle_nop_skip,
    [EXIT_EPT_VIOLATION]   = handle_ept_violation,
    [EXIT_EPT_MISCONFIG]   = handle_ept_misconfig,
    [EXIT_XSETBV]          = handle_xsetbv,
};

void vmexit_dispatch(struct guest_regs *regs)
{
    u32 raw = (u32)vmread(VMCS_EXIT_REASON);
    u32 reason = raw & 0xFFFF;

    g_vcpu.regs = regs;
    g_vcpu.exit_reason = reason;
    g_vcpu.exits_total++;
    if (reason < EXIT_REASON_MAX)
        g_vcpu.exits[reason]++;
    g_vcpu.qual = vmread(VMCS_EXIT_QUALIFICATION);
    g_vcpu.rip = vmread(VMCS_GUEST_RIP);
    if (raw & EXIT_REASON_ENTRY_FAIL)
        handle_entry_failure(raw);
    g_vcpu.instr_len = (u32)vmread(VMCS_EXIT_INSTRUCTION_LEN);
    if (g_boot.config.flags & CFG_FLAG_TRACE_EXITS)
        kprintf("exit: %s at %04x:%llx qual 0x%llx\n", exit_reason_name(reason), guest_cs(),
                g_vcpu.rip, g_vcpu.qual);

    exit_handler h = reason < EXIT_REASON_MAX ? handlers[reason] : NULL;
    (h ? h : handle_unexpected)();

    /* With "load IA32_EFER", the next entry requires EFER.LMA to equal the
     * IA-32e-mode-guest control (SDM 26.2.4); the guest may have switched
     * modes since the last exit without one, so keep them in step. */
    bool lma = vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA;
    if (lma != !!(g_caps.entry & ENTRY_IA32E_MODE_GUEST)) {
        g_caps.entry ^= ENTRY_IA32E_MODE_GUEST;
        vmwrite(VMCS_ENTRY_CONTROLS, g_caps.entry);
    }
}
