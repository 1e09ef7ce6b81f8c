// sources: stage3/core/msr.c stage3/lib/mtrr.c stage3/core/state.c tests/unit/fake_virt.c
/*
 * Unit tests for RDMSR/WRMSR that exit (stage3/core/msr.c) on the fake
 * machine: what passes to the CPU, what the backend answers itself
 * (virt_ops.own_msrs), the x2APIC MSRs outside x2APIC mode and the x2APIC
 * ICR's reserved bits (SDM Vol. 3A 10.12.1.2, 10.12.1.3, 10.12.9), the
 * guest's own MTRRs (11.11), IA32_APIC_BASE (10.4.4), and #GP(0) wherever
 * the CPU raises it (Vol. 2B RDMSR, WRMSR).
 */
#include "unit.h"
#include "fake_virt.h"
#include "core/apic.h"
#include "core/ipi.h"

#define MSR_TSC       0x010
#define MSR_VMX_BASIC 0x480
#define MSR_HSAVE     0xC0010117
#define APIC_BASE     0xFEE00000ULL

static struct cpu *c;
static const struct msr_range own[] = {
    { MSR_IA32_FEATURE_CONTROL, MSR_IA32_FEATURE_CONTROL, MSR_READ | MSR_WRITE },
    { MSR_VMX_BASIC, 0x491, MSR_READ | MSR_WRITE },
    { MSR_HSAVE, MSR_HSAVE, MSR_READ | MSR_WRITE },
    { 0, 0, 0 },
};
static u64 own_hsave;
static u32 own_calls;

/* As a backend answers: the feature control MSR locked with VMX off, no VMX
 * capability MSRs, and one register of its own kept in a variable. */
static enum msr_result own_msr(struct cpu *cpu, u32 msr, bool write, u64 *v)
{
    (void)cpu;
    own_calls++;
    if (msr == MSR_IA32_FEATURE_CONTROL && !write) {
        *v = FEATURE_CONTROL_LOCK;
        return MSR_DONE;
    }
    if (msr == MSR_HSAVE) {
        if (write)
            own_hsave = *v;
        else
            *v = own_hsave;
        return MSR_DONE;
    }
    return MSR_FAULT;
}

static void machine(void)
{
    fake_reset();
    c = fake_cpu[0];
    fake_ops.own_msrs = own;
    fake_ops.own_msr = own_msr;
    own_hsave = 0;
    own_calls = 0;
    fake_cpuid_set(0x80000000, 0, 0x80000008, 0, 0, 0);
    fake_cpuid_set(0x80000008, 0, 0x3024, 0, 0, 0);             /* MAXPHYADDR 36 */
    fake_msr_set(MSR_TSC, 0x1122334455667788ULL, 0);
    fake_msr_set(MSR_IA32_PAT, PAT_POWER_ON, 0x0808080808080808ULL);
    fake_msr_set(MSR_IA32_FEATURE_CONTROL, FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX, ~0ULL);
    fake_msr_set(MSR_VMX_BASIC, 0x00DA040000000004ULL, ~0ULL);
    /* IA32_APIC_BASE: reserved bits 7:0, 9 and 63:MAXPHYADDR. */
    fake_msr_set(MSR_IA32_APIC_BASE, APIC_BASE | APIC_BASE_ENABLE | APIC_BASE_BSP,
                 0xFFFFFFF0000002FFULL);
    /* Some engines answer the x2APIC MSRs in xAPIC mode; the CPU does not. */
    fake_msr_set(0x7FF, 7, 0);
    fake_msr_set(0x800, 0, 0);
    fake_msr_set(0x802, 0x3000000, ~0ULL);
    fake_msr_set(0x80B, 0, 0);
    fake_msr_set(0x830, 0, 0);
    fake_msr_set(0x8FF, 0, 0);
    fake_msr_set(0x900, 9, 0);
    fake_msr_set(MSR_IA32_MTRR_DEF_TYPE, 0xC06, 0);
    fake_host_mtrrs = (struct mtrr_state){
        .cap = 2 | MTRRCAP_FIX, .def_type = 0xC06, .phys_bits = 36,
        .var_base = { 0x6 }, .var_mask = { 0xF80000800ULL },
    };
}

static bool rd(u64 rcx, u64 *v)
{
    u32 n = fake.nevents, skips = fake.skips;
    fake.regs.r[R_RCX] = rcx;
    fake.regs.r[R_RAX] = 0xAAAAAAAAAAAAAAAAULL;
    fake.regs.r[R_RDX] = 0xDDDDDDDDDDDDDDDDULL;
    core_rdmsr(c);
    *v = (fake.regs.r[R_RDX] << 32) | (u32)fake.regs.r[R_RAX];
    return fake.nevents == n && fake.skips == skips + 1;
}

/* #GP(0) injected, no skip, RAX and RDX as they were. */
static bool rd_gp(u32 msr)
{
    u64 v;
    u32 n = fake.nevents;
    bool ok = rd(msr, &v);
    struct fake_event e = fake_last_event();
    return !ok && fake.nevents == n + 1 && e.vector == VEC_GP && e.has_code && e.code == 0 &&
           fake.regs.r[R_RAX] == 0xAAAAAAAAAAAAAAAAULL;
}

static bool wr(u64 rcx, u64 v)
{
    u32 n = fake.nevents, skips = fake.skips;
    fake.regs.r[R_RCX] = rcx;
    fake.regs.r[R_RAX] = 0xFFFFFFFF00000000ULL | (u32)v;   /* the upper halves do not count */
    fake.regs.r[R_RDX] = 0xFFFFFFFF00000000ULL | (v >> 32);
    core_wrmsr(c);
    return fake.nevents == n && fake.skips == skips + 1;
}

static bool wr_gp(u32 msr, u64 v)
{
    u32 n = fake.nevents, skips = fake.skips;
    wr(msr, v);
    struct fake_event e = fake_last_event();
    return fake.nevents == n + 1 && fake.skips == skips && e.vector == VEC_GP && e.has_code &&
           e.code == 0;
}

static u64 hw(u32 msr)
{
    u64 v = 0;
    fake_msr_get(msr, &v);
    return v;
}

static void test_passthrough(void)
{
    u64 v;
    machine();
    CHECK(rd(MSR_TSC, &v) && v == 0x1122334455667788ULL);
    /* EDX:EAX, the upper halves of RAX and RDX cleared. */
    CHECK(fake.regs.r[R_RAX] == 0x55667788 && fake.regs.r[R_RDX] == 0x11223344);
    CHECK_EQ(c->stats.event[EV_MSR_READ], 1);
    /* Only ECX names the MSR. */
    CHECK(rd(0xFFFFFFFF00000000ULL | MSR_TSC, &v) && v == 0x1122334455667788ULL);
    /* An MSR the CPU does not have: #GP(0). */
    CHECK(rd_gp(0xC0011234));
    /* A write reaches the CPU as EDX:EAX. */
    CHECK(wr(MSR_IA32_PAT, 0x0006040600070406ULL));
    CHECK_EQ(hw(MSR_IA32_PAT), 0x0006040600070406ULL);
    CHECK_EQ(c->stats.event[EV_MSR_WRITE], 1);
    /* A value the CPU refuses (an undefined PAT type): #GP(0), unchanged. */
    CHECK(wr_gp(MSR_IA32_PAT, 0x0008040600070406ULL));
    CHECK_EQ(hw(MSR_IA32_PAT), 0x0006040600070406ULL);
    CHECK(wr_gp(0xC0011234, 0));
}

static void test_own_msrs(void)
{
    u64 v;
    machine();
    /* The backend answers: locked, VMX off, whatever the CPU has. */
    CHECK(rd(MSR_IA32_FEATURE_CONTROL, &v) && v == FEATURE_CONTROL_LOCK);
    CHECK(wr_gp(MSR_IA32_FEATURE_CONTROL, FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX));
    CHECK_EQ(hw(MSR_IA32_FEATURE_CONTROL), FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX);
    /* The capability MSRs of a CPU without VMX: #GP(0), though the CPU has them. */
    CHECK(rd_gp(MSR_VMX_BASIC));
    CHECK(rd_gp(0x491));
    CHECK_EQ(own_calls, 4);
    /* One the backend keeps: the value goes to it, not to the CPU. */
    u32 writes = fake.hw_msr_writes;
    CHECK(wr(MSR_HSAVE, 0x12345000));
    CHECK_EQ(own_hsave, 0x12345000);
    CHECK(rd(MSR_HSAVE, &v) && v == 0x12345000);
    CHECK_EQ(fake.hw_msr_writes, writes);
    /* Just outside the backend's range, the CPU answers. */
    fake_msr_set(0x492, 0x492, 0);
    CHECK(rd(0x492, &v) && v == 0x492);
}

static void test_x2apic(void)
{
    u64 v;
    machine();
    /* xAPIC mode: the x2APIC MSRs do not exist. */
    CHECK(rd_gp(0x800));
    CHECK(rd_gp(0x802));
    CHECK(rd_gp(0x8FF));
    CHECK(rd(0x7FF, &v) && v == 7);
    CHECK(rd(0x900, &v) && v == 9);
    u32 writes = fake.hw_msr_writes;
    CHECK(wr_gp(MSR_X2APIC_ICR, 0x0000000300004500ULL));
    CHECK(wr_gp(0x80B, 0));                       /* EOI */
    CHECK_EQ(fake.icr_writes, 0);
    CHECK_EQ(fake.hw_msr_writes, writes);

    /* x2APIC mode: they pass to the CPU, but for the ICR. */
    fake_msr_set(MSR_IA32_APIC_BASE, APIC_BASE | APIC_BASE_ENABLE | APIC_BASE_X2APIC |
                 APIC_BASE_BSP, 0xFFFFFFF0000002FFULL);
    CHECK(rd(0x802, &v) && v == 0x3000000);
    g_ipi_intercept = true;
    CHECK(wr(MSR_X2APIC_ICR, 0x0000000300004500ULL));   /* INIT to x2APIC ID 3 */
    CHECK(fake.icr_writes == 1 && fake.icr_dest == 3 && fake.icr_low == 0x4500 &&
          fake.icr_x2apic);
    CHECK_EQ(fake.hw_msr_writes, writes);
    /* Each reserved bit of the x2APIC ICR (12, 13, 16, 17, 20-31): #GP(0). */
    const u32 bits[] = { 12, 13, 16, 17, 20, 24, 31 };
    u32 gp = 0;
    for (u32 i = 0; i < ARRAY_SIZE(bits); i++)
        gp += wr_gp(MSR_X2APIC_ICR, 0x0000000300004500ULL | BIT(bits[i]));
    CHECK_EQ(gp, ARRAY_SIZE(bits));
    CHECK_EQ(fake.icr_writes, 1);
    /* Not reserved: level (14), trigger (15), shorthand (19:18), the destination. */
    CHECK(wr(MSR_X2APIC_ICR, 0xFFFFFFFF000CC500ULL));
    CHECK_EQ(fake.icr_writes, 2);
    /* Without intercepted IPIs the ICR write is the CPU's. */
    g_ipi_intercept = false;
    CHECK(wr(MSR_X2APIC_ICR, 0x00000001000000FEULL));
    CHECK_EQ(hw(MSR_X2APIC_ICR), 0x00000001000000FEULL);
    CHECK_EQ(fake.icr_writes, 2);
}

static void test_apic_base(void)
{
    machine();
    u64 cur = APIC_BASE | APIC_BASE_ENABLE | APIC_BASE_BSP;
    /* Moving the page: refused, the guest carries on, the base stays. */
    CHECK(wr(MSR_IA32_APIC_BASE, 0xFEC00000ULL | APIC_BASE_ENABLE | APIC_BASE_BSP));
    CHECK_EQ(fake.refusals, 1);
    CHECK_EQ(hw(MSR_IA32_APIC_BASE), cur);
    /* x2APIC mode on: the guest's; the x2APIC MSRs pass through, the ICR exits. */
    CHECK(wr(MSR_IA32_APIC_BASE, cur | APIC_BASE_X2APIC));
    CHECK_EQ(hw(MSR_IA32_APIC_BASE), cur | APIC_BASE_X2APIC);
    CHECK_EQ(fake.refusals, 1);
    CHECK(!fake_msr_intercepted(0x802, MSR_READ) && !fake_msr_intercepted(0x808, MSR_WRITE));
    CHECK(fake_msr_intercepted(MSR_X2APIC_ICR, MSR_WRITE));
    /* Both at once: the mode changes, the base does not. */
    machine();
    CHECK(wr(MSR_IA32_APIC_BASE, 0xFEC00000ULL | APIC_BASE_ENABLE | APIC_BASE_X2APIC));
    CHECK_EQ(hw(MSR_IA32_APIC_BASE), APIC_BASE | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
    CHECK_EQ(fake.refusals, 1);
    /* A reserved bit at or above MAXPHYADDR is the CPU's #GP(0), not a move. */
    machine();
    CHECK(wr_gp(MSR_IA32_APIC_BASE, BIT(44) | cur));
    CHECK(wr_gp(MSR_IA32_APIC_BASE, BIT(36) | cur));
    CHECK_EQ(fake.refusals, 0);
    CHECK_EQ(hw(MSR_IA32_APIC_BASE), cur);
    /* As is a reserved bit below the base. */
    CHECK(wr_gp(MSR_IA32_APIC_BASE, BIT(9) | cur));
}

static void test_intercepts(void)
{
    /* The ranges every CPU's bitmap starts with. */
    bool apic_base_w = false, apic_base_r = false, x2apic = false;
    for (const struct msr_range *m = msr_intercepted; m->first || m->last; m++) {
        if (m->first <= MSR_IA32_APIC_BASE && MSR_IA32_APIC_BASE <= m->last) {
            apic_base_w |= !!(m->access & MSR_WRITE);
            apic_base_r |= !!(m->access & MSR_READ);
        }
        x2apic |= m->first <= 0x800 && m->last >= 0x8FF && m->access == (MSR_READ | MSR_WRITE);
    }
    CHECK(apic_base_w && !apic_base_r && x2apic);
    /* A CPU whose APIC is in xAPIC mode intercepts the whole x2APIC range. */
    machine();
    msr_cpu_init(c);
    CHECK(fake_msr_intercepted(0x802, MSR_READ) && fake_msr_intercepted(0x8FF, MSR_WRITE));
    machine();
    fake_msr_set(MSR_IA32_APIC_BASE, APIC_BASE | APIC_BASE_ENABLE | APIC_BASE_X2APIC, 0);
    msr_cpu_init(c);
    CHECK(!fake_msr_intercepted(0x802, MSR_READ) && fake_msr_intercepted(0x830, MSR_WRITE));
}

static void test_mtrrs(void)
{
    u64 v;
    machine();
    /* Before any write: the firmware's values; the reads do not exit yet. */
    CHECK(rd(MSR_IA32_MTRR_DEF_TYPE, &v) && v == 0xC06);
    CHECK(rd(0x201, &v) && v == 0xF80000800ULL);
    CHECK(!fake_msr_intercepted(MSR_IA32_MTRR_DEF_TYPE, MSR_READ));
    /* A write changes the guest's copy on this CPU only, never the CPU's. */
    u32 writes = fake.hw_msr_writes;
    CHECK(wr(MSR_IA32_MTRR_DEF_TYPE, 0xC00));
    CHECK(rd(MSR_IA32_MTRR_DEF_TYPE, &v) && v == 0xC00);
    CHECK_EQ(hw(MSR_IA32_MTRR_DEF_TYPE), 0xC06);
    CHECK_EQ(fake.hw_msr_writes, writes);
    /* From then on its MTRR reads exit, to see the copy. */
    CHECK(fake_msr_intercepted(MSR_IA32_MTRR_DEF_TYPE, MSR_READ));
    CHECK(fake_msr_intercepted(0x200, MSR_READ) && fake_msr_intercepted(0x250, MSR_READ) &&
          fake_msr_intercepted(0x26F, MSR_READ));
    struct cpu *c0 = c;
    c = fake_cpu[1];
    CHECK(rd(MSR_IA32_MTRR_DEF_TYPE, &v) && v == 0xC06);
    c = c0;
    /* The #GP cases: an undefined type, a reserved bit, a variable range
     * beyond VCNT, a mask bit at or above MAXPHYADDR (11.11.2, 11.11.2.3). */
    CHECK(wr_gp(MSR_IA32_MTRR_DEF_TYPE, 0xC02));
    CHECK(wr_gp(MSR_IA32_MTRR_DEF_TYPE, 0x1C06));
    CHECK(rd_gp(0x204));
    CHECK(wr_gp(0x205, 0xF80000800ULL));
    CHECK(wr_gp(0x201, BIT(36) | 0xF80000800ULL));
    CHECK(wr_gp(0x250, 0x0606060606060602ULL));
    CHECK(rd(MSR_IA32_MTRR_DEF_TYPE, &v) && v == 0xC00);
    CHECK(wr(0x250, 0x0606060606060606ULL));
    CHECK(rd(0x250, &v) && v == 0x0606060606060606ULL);
}

int main(void)
{
    test_passthrough();
    test_own_msrs();
    test_x2apic();
    test_apic_base();
    test_intercepts();
    test_mtrrs();
    return unit_done("core_msr");
}
