// sources: stage3/core/cpuid.c stage3/core/state.c tests/unit/fake_virt.c
/*
 * Unit tests for the CPUID policy (stage3/core/cpuid.c) on the fake machine:
 * the real CPU's answer, with the backend's own bits hidden
 * (virt_ops.cpuid_hidden), the hypervisor-present bit (CPUID.1:ECX[31]),
 * OSXSAVE and OSPKE from the guest's own CR4 (SDM Vol. 2A CPUID), and pxHV's
 * leaves 0x40000000-0x40000001 (docs/hypercalls.md; the region only at
 * CPL 0, docs/security.md route 14).
 */
#include "unit.h"
#include "fake_virt.h"
#include "core/hv.h"
#include "boot/hypercall.h"

/* The backends' lists (stage3/vmx/vmx.c, stage3/svm/svm.c). */
static const struct cpuid_bits vmx_like[] = {
    { 1, 2, CPUID_1_ECX_VMX | CPUID_1_ECX_SMX },
    { 0, 0, 0 },
};
static const struct cpuid_bits svm_like[] = {
    { 0x80000001, 2, CPUID_80000001_ECX_SVM },
    { 0x8000000A, CPUID_LEAF, ~0u },
    { 0, 0, 0 },
};

static struct cpu *c;
static u32 A, B, C, D;

/* CPUID with EAX = leaf, ECX = sub; the registers' upper halves hold junk
 * first, which CPUID clears in 64-bit mode (SDM Vol. 2A CPUID: "the high 32
 * bits of RAX, RBX, RCX and RDX are cleared"). */
static void run(u64 rax, u64 rcx)
{
    fake.regs.r[R_RAX] = rax;
    fake.regs.r[R_RCX] = rcx;
    fake.regs.r[R_RBX] = 0xBBBBBBBB00000000ULL;
    fake.regs.r[R_RDX] = 0xDDDDDDDD00000000ULL;
    core_cpuid(c);
    A = (u32)fake.regs.r[R_RAX];
    B = (u32)fake.regs.r[R_RBX];
    C = (u32)fake.regs.r[R_RCX];
    D = (u32)fake.regs.r[R_RDX];
}

static bool upper_clear(void)
{
    return !(fake.regs.r[R_RAX] >> 32) && !(fake.regs.r[R_RBX] >> 32) &&
           !(fake.regs.r[R_RCX] >> 32) && !(fake.regs.r[R_RDX] >> 32);
}

static void machine(const struct cpuid_bits *hidden)
{
    fake_reset();
    c = fake_cpu[0];
    fake_ops.cpuid_hidden = hidden;
    fake_cpuid_set(0, 0, 0x16, 0x756E6547, 0x6C65746E, 0x49656E69);          /* GenuineIntel */
    /* Leaf 1 as a host with VMX, SMX, x2APIC, XSAVE and its own CR4.OSXSAVE set. */
    fake_cpuid_set(1, 0, 0x000906EA, 0x00100800,
                   (u32)(CPUID_1_ECX_VMX | CPUID_1_ECX_SMX | CPUID_1_ECX_X2APIC |
                         CPUID_1_ECX_XSAVE | CPUID_1_ECX_OSXSAVE | BIT(0)),
                   (u32)(CPUID_1_EDX_APIC | CPUID_1_EDX_MTRR));
    fake_cpuid_set(4, 2, 0x1C004143, 0x00C0003F, 0x000003FF, 0x00000000);
    fake_cpuid_set(7, 0, 0, 0x029C6FBF, (u32)(CPUID_7_ECX_OSPKE | BIT(3)), 0);
    fake_cpuid_set(7, 1, 0, 0, (u32)CPUID_7_ECX_OSPKE, 0);   /* bit 4 of another subleaf */
    fake_cpuid_set(0x40000000, 0, 0x40000010, 0x11111111, 0x22222222, 0x33333333);
    fake_cpuid_set(0x40000002, 0, 1, 2, 3, 4);
    fake_cpuid_set(0x4FFFFFFF, 0, 1, 2, 3, 4);
    fake_cpuid_set(0x50000000, 0, 5, 6, 7, 8);
    fake_cpuid_set(0x80000000, 0, 0x80000008, 0, 0, 0);
    fake_cpuid_set(0x80000001, 0, 0, 0, (u32)(CPUID_80000001_ECX_SVM | BIT(0) | BIT(5)),
                   (u32)(CPUID_80000001_EDX_LM | CPUID_80000001_EDX_PDPE1GB));
    fake_cpuid_set(0x8000000A, 0, 1, 0x8000, 0, 0x1FFFF);
    g_hv_base = 0x123456000ULL;
    g_hv_size = 0x00C00000;
}

static void test_passthrough(void)
{
    machine(vmx_like);
    run(0, 0);
    CHECK(A == 0x16 && B == 0x756E6547 && C == 0x6C65746E && D == 0x49656E69);
    CHECK(upper_clear());
    CHECK_EQ(fake.skips, 1);                     /* past the instruction          */
    CHECK_EQ(c->stats.event[EV_CPUID], 1);
    CHECK_EQ(fake.nevents, 0);
    /* The subleaf in ECX reaches the CPU. */
    run(4, 2);
    CHECK(A == 0x1C004143 && B == 0x00C0003F && C == 0x3FF && D == 0);
    /* Only EAX names the leaf (the upper half of RAX is not part of it). */
    run(0xFFFFFFFF00000000ULL, 0);
    CHECK_EQ(A, 0x16);
    /* Past pxHV's range the CPU answers. */
    run(0x50000000, 0);
    CHECK(A == 5 && B == 6 && C == 7 && D == 8);
}

static void test_leaf1(void)
{
    machine(vmx_like);
    fake.reg[GR_CR4] = CR4_PAE;                  /* the guest has not set OSXSAVE */
    run(1, 0);
    CHECK(!(C & CPUID_1_ECX_VMX));               /* the backend keeps VMX and SMX */
    CHECK(!(C & CPUID_1_ECX_SMX));
    CHECK(C & CPUID_1_ECX_HYPERVISOR);
    CHECK(!(C & CPUID_1_ECX_OSXSAVE));           /* the guest's CR4, not the host's */
    CHECK_EQ(C & (CPUID_1_ECX_X2APIC | CPUID_1_ECX_XSAVE | BIT(0)),
             CPUID_1_ECX_X2APIC | CPUID_1_ECX_XSAVE | BIT(0));
    CHECK(A == 0x000906EA && B == 0x00100800 && D == (CPUID_1_EDX_APIC | CPUID_1_EDX_MTRR));
    CHECK(upper_clear());

    /* OSXSAVE follows the guest's CR4 even where the host's CR4 has it clear. */
    fake_cpuid_set(1, 0, 0x000906EA, 0, (u32)CPUID_1_ECX_XSAVE, 0);
    fake.reg[GR_CR4] = CR4_OSXSAVE;
    run(1, 0);
    CHECK(C & CPUID_1_ECX_OSXSAVE);
    CHECK(C & CPUID_1_ECX_HYPERVISOR);
}

static void test_leaf7(void)
{
    machine(vmx_like);
    fake.reg[GR_CR4] = 0;
    run(7, 0);
    CHECK(!(C & CPUID_7_ECX_OSPKE));             /* the guest's CR4.PKE is clear   */
    CHECK(C & BIT(3));                           /* PKU itself stays               */
    CHECK_EQ(B, 0x029C6FBF);
    fake_cpuid_set(7, 0, 0, 0, (u32)BIT(3), 0);
    fake.reg[GR_CR4] = CR4_PKE;
    run(7, 0);
    CHECK(C & CPUID_7_ECX_OSPKE);
    /* Another subleaf of leaf 7 is the CPU's own: bit 4 there is not OSPKE. */
    fake.reg[GR_CR4] = 0;
    run(7, 1);
    CHECK(C & CPUID_7_ECX_OSPKE);
}

static void test_pxhv_leaves(void)
{
    machine(vmx_like);
    run(PXHV_CPUID_BASE, 0);
    CHECK_EQ(A, PXHV_CPUID_MAX);                 /* pxHV's, not the CPU's 0x40000010 */
    CHECK(B == PXHV_CPUID_SIG && C == PXHV_CPUID_SIG && D == PXHV_CPUID_SIG);
    char sig[13] = { 0 };
    memcpy(sig, &B, 4), memcpy(sig + 4, &C, 4), memcpy(sig + 8, &D, 4);
    CHECK(!strcmp(sig, "pxHVpxHVpxHV"));
    CHECK(upper_clear());

    /* The region, at CPL 0: EAX/EBX the base, ECX its size, EDX 0. */
    fake.cpl = 0;
    run(PXHV_CPUID_REGION, 0);
    CHECK(A == 0x23456000 && B == 0x1 && C == 0x00C00000 && D == 0);
    /* At CPL 1 and 3: zeros. */
    fake.cpl = 3;
    run(PXHV_CPUID_REGION, 0);
    CHECK(!A && !B && !C && !D);
    fake.cpl = 1;
    run(PXHV_CPUID_REGION, 0);
    CHECK(!A && !B && !C && !D);

    /* The rest of the hypervisor range is pxHV's and empty, whatever the CPU has. */
    fake.cpl = 0;
    run(0x40000002, 0);
    CHECK(!A && !B && !C && !D);
    run(0x4FFFFFFF, 0);
    CHECK(!A && !B && !C && !D);
    CHECK_EQ(fake.skips, 6);
}

static void test_svm_hidden(void)
{
    machine(svm_like);
    run(0x80000001, 0);
    CHECK(!(C & CPUID_80000001_ECX_SVM));
    CHECK_EQ(C, BIT(0) | BIT(5));                /* the other bits stay            */
    CHECK_EQ(D, CPUID_80000001_EDX_LM | CPUID_80000001_EDX_PDPE1GB);
    run(0x8000000A, 0);                          /* the SVM leaf: every register   */
    CHECK(!A && !B && !C && !D);
    /* The list is the backend's: under it, leaf 1 keeps what the CPU reports. */
    fake.reg[GR_CR4] = CR4_OSXSAVE;
    run(1, 0);
    CHECK_EQ(C & (CPUID_1_ECX_VMX | CPUID_1_ECX_SMX), CPUID_1_ECX_VMX | CPUID_1_ECX_SMX);
    CHECK(C & CPUID_1_ECX_HYPERVISOR);

    /* And the VMX backend's list leaves the SVM bits alone. */
    machine(vmx_like);
    run(0x80000001, 0);
    CHECK(C & CPUID_80000001_ECX_SVM);
    run(0x8000000A, 0);
    CHECK(A == 1 && B == 0x8000 && D == 0x1FFFF);
}

int main(void)
{
    test_passthrough();
    test_leaf1();
    test_leaf7();
    test_pxhv_leaves();
    test_svm_hidden();
    return unit_done("core_cpuid");
}
