/*
 * The x86 architecture as stage 3 uses it: the wrappers of every privileged
 * or special instruction outside VMX/SVM (those are in vmx.h and svm.h), and
 * the architectural names: MSRs, control-register, EFER and RFLAGS bits,
 * exception vectors, CPUID feature bits.  Intel SDM citations follow the
 * edition named in docs/vmx.md.
 */
#ifndef PXHV_X86_H
#define PXHV_X86_H
#include "lib/types.h"

/* ---- control registers (SDM Vol. 3A 2.5 "Control Registers") ---- */
#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_EM BIT(2)
#define CR0_TS BIT(3)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_AM BIT(18)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31)
#define CR4_VME BIT(0)
#define CR4_PVI BIT(1)
#define CR4_PSE BIT(4)
#define CR4_PAE BIT(5)
#define CR4_PGE BIT(7)
#define CR4_LA57 BIT(12)
#define CR4_VMXE BIT(13)
#define CR4_SMXE BIT(14)
#define CR4_PCIDE BIT(17)
#define CR4_OSXSAVE BIT(18)
#define CR4_SMEP BIT(20)
#define CR4_SMAP BIT(21)
#define CR4_PKE BIT(22)
#define EFER_SCE BIT(0)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)
#define EFER_SVME BIT(12)
#define RFLAGS_CF BIT(0)
#define RFLAGS_FIXED BIT(1)
#define RFLAGS_ZF BIT(6)
#define RFLAGS_TF BIT(8)
#define RFLAGS_IF BIT(9)
#define RFLAGS_DF BIT(10)
#define RFLAGS_IOPL (3ULL << 12)
#define RFLAGS_RF BIT(16)
#define RFLAGS_VM BIT(17)
#define RFLAGS_AC BIT(18)

/* ---- exceptions (SDM Vol. 3A 6.3 "Sources of Interrupts", Table 6-1) ---- */
enum { VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_UD = 6, VEC_NM = 7, VEC_DF = 8,
       VEC_TS = 10, VEC_NP = 11, VEC_SS = 12, VEC_GP = 13, VEC_PF = 14, VEC_AC = 17,
       VEC_MC = 18 };
/* Vectors whose exceptions push an error code: 8, 10-14, 17, 21, 29, 30. */
#define EXC_ERROR_CODE_VECTORS 0x60227D00u
/* Page-fault error code (SDM Vol. 3A 4.7 "Page-Fault Exceptions"). */
#define PF_P  BIT(0)
#define PF_W  BIT(1)
#define PF_U  BIT(2)
#define PF_RSVD BIT(3)
#define PF_I  BIT(4)
/* Single-step trap in DR6 and the pending debug exceptions (SDM Vol. 3A 17.2.3 "Debug Status Register (DR6)"). */
#define DR6_BS BIT(14)
/* Exceptions of the fault class (SDM Vol. 3A Table 6-1): the CPU sets RF in
 * the RFLAGS image it pushes for them, so an injected one must too. */
#define FAULT_VECTORS (BIT(VEC_DE) | BIT(5) | BIT(VEC_UD) | BIT(VEC_NM) | BIT(VEC_TS) | \
                       BIT(VEC_NP) | BIT(VEC_SS) | BIT(VEC_GP) | BIT(VEC_PF) | BIT(16) | \
                       BIT(VEC_AC) | BIT(19) | BIT(20) | BIT(21))

/* ---- CPUID (SDM Vol. 2A "CPUID") ---- */
#define CPUID_1_ECX_VMX        BIT(5)
#define CPUID_1_ECX_SMX        BIT(6)
#define CPUID_1_ECX_X2APIC     BIT(21)
#define CPUID_1_ECX_XSAVE      BIT(26)
#define CPUID_1_ECX_OSXSAVE    BIT(27)
#define CPUID_1_ECX_HYPERVISOR BIT(31)
#define CPUID_1_EDX_APIC       BIT(9)
#define CPUID_1_EDX_MTRR       BIT(12)
#define CPUID_7_ECX_OSPKE      BIT(4)
#define CPUID_80000001_ECX_SVM BIT(2)
#define CPUID_80000001_EDX_PDPE1GB BIT(26)
#define CPUID_80000001_EDX_LM  BIT(29)

/* ---- MSRs (SDM Vol. 4 "Model-Specific Registers") ---- */
#define MSR_IA32_APIC_BASE         0x01B
#define MSR_IA32_FEATURE_CONTROL   0x03A
#define MSR_IA32_MTRRCAP           0x0FE
#define MSR_IA32_SYSENTER_CS       0x174
#define MSR_IA32_SYSENTER_ESP      0x175
#define MSR_IA32_SYSENTER_EIP      0x176
#define MSR_IA32_DEBUGCTL          0x1D9
#define MSR_IA32_MTRR_PHYSBASE0    0x200
#define MSR_IA32_MTRR_FIX64K_00000 0x250
#define MSR_IA32_MTRR_FIX16K_80000 0x258
#define MSR_IA32_MTRR_FIX16K_A0000 0x259
#define MSR_IA32_MTRR_FIX4K_C0000  0x268
#define MSR_IA32_PAT               0x277
#define MSR_IA32_MTRR_DEF_TYPE     0x2FF
#define MSR_EFER                   0xC0000080
#define MSR_STAR                   0xC0000081
#define MSR_LSTAR                  0xC0000082
#define MSR_CSTAR                  0xC0000083
#define MSR_SFMASK                 0xC0000084
#define MSR_FS_BASE                0xC0000100
#define MSR_GS_BASE                0xC0000101
#define MSR_KERNEL_GS_BASE         0xC0000102
#define FEATURE_CONTROL_LOCK       BIT(0)
#define FEATURE_CONTROL_VMX        BIT(2)   /* VMXON outside SMX operation */
#define APIC_BASE_BSP              BIT(8)
#define APIC_BASE_X2APIC           BIT(10)
#define APIC_BASE_ENABLE           BIT(11)
#define PAT_POWER_ON               0x0007040600070406ULL /* SDM Vol. 3A 11.12.4 */

/*
 * Exception fix-ups: an instruction listed in .extable that faults resumes at
 * its fix-up address instead (the host #GP handler looks it up, core/panic.c).
 */
struct extable_entry { u64 insn, fixup; };
#define EXTABLE(insn, fixup) \
    ".pushsection .extable,\"a\"\n\t.balign 8\n\t.quad " insn ", " fixup "\n\t.popsection\n\t"

/* ---- what reaches the machine beyond the CPU's registers: ports, CPUID, MSRs ---- */
#ifndef PXHV_UNIT_TEST
/* Port I/O. */
static inline void outb(u16 port, u8 v)  { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8  inb(u16 port) { u8 v;  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u16 inw(u16 port) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline u64 rdmsr(u32 msr)
{
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((u64)hi << 32) | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
    __asm__ volatile("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

/* RDMSR/WRMSR that return false where the CPU raises #GP. */
static inline bool rdmsr_safe(u32 msr, u64 *val)
{
    u32 lo = 0, hi = 0;
    u8 ok = 0;
    __asm__ volatile("1: rdmsr\n\tmovb $1, %2\n2:\n\t" EXTABLE("1b", "2b")
                     : "+a"(lo), "+d"(hi), "+r"(ok) : "c"(msr));
    *val = ((u64)hi << 32) | lo;
    return ok;
}
static inline bool wrmsr_safe(u32 msr, u64 v)
{
    u8 ok = 0;
    __asm__ volatile("1: wrmsr\n\tmovb $1, %0\n2:\n\t" EXTABLE("1b", "2b")
                     : "+r"(ok) : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
    return ok;
}
#else
/* The host unit tests run the core in a user process: these instructions are
 * the test's fake machine (tests/unit/fake_virt.c), which records them. */
void outb(u16 port, u8 v);
void outw(u16 port, u16 v);
void outl(u16 port, u32 v);
u8  inb(u16 port);
u16 inw(u16 port);
u32 inl(u16 port);
void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d);
u64  rdmsr(u32 msr);
void wrmsr(u32 msr, u64 v);
bool rdmsr_safe(u32 msr, u64 *val);
bool wrmsr_safe(u32 msr, u64 v);
#endif

/* A port access of 1, 2 or 4 bytes, as an I/O exit or an emulated access names it. */
static inline u32 in_sized(u16 port, u8 size)
{
    return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}
static inline void out_sized(u16 port, u8 size, u32 v)
{
    if (size == 1)
        outb(port, (u8)v);
    else if (size == 2)
        outw(port, (u16)v);
    else
        outl(port, v);
}

/* 1 GiB pages in 4-level paging (CPUID.80000001h:EDX[26]). */
static inline bool has_1g_pages(void)
{
    u32 a, b, c, d;
    cpuid(0x80000000, 0, &a, &b, &c, &d);
    if (a < 0x80000001)
        return false;
    cpuid(0x80000001, 0, &a, &b, &c, &d);
    return d & CPUID_80000001_EDX_PDPE1GB;
}

/* MAXPHYADDR: CPUID.80000008h:EAX[7:0], else 36 (SDM Vol. 3A 4.1.4). */
static inline u32 phys_addr_bits(void)
{
    u32 a, b, c, d;
    cpuid(0x80000000, 0, &a, &b, &c, &d);
    if (a < 0x80000008)
        return 36;
    cpuid(0x80000008, 0, &a, &b, &c, &d);
    return a & 0xFF;
}

#define DEFINE_CR(n) \
    static inline u64 read_cr##n(void) { u64 v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
    static inline void write_cr##n(u64 v) { __asm__ volatile("mov %0, %%cr" #n :: "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

struct dtr { u16 limit; u64 base; } PACKED;
static inline void lgdt(const struct dtr *d) { __asm__ volatile("lgdt %0" :: "m"(*d)); }
static inline void lidt(const struct dtr *d) { __asm__ volatile("lidt %0" :: "m"(*d)); }
static inline void ltr(u16 sel) { __asm__ volatile("ltr %0" :: "r"(sel)); }

static inline void xsetbv(u32 idx, u64 v)
{
    __asm__ volatile("xsetbv" :: "c"(idx), "a"((u32)v), "d"((u32)(v >> 32)));
}
/* An IRET to the next instruction: the only way to end NMI blocking without
 * taking an NMI, as a VM exit caused by an NMI leaves it blocked (SDM Vol. 3C
 * 27.1 "Architectural State Before a VM Exit"). */
static inline void iret_to_self(void)
{
    __asm__ volatile("mov %%ss, %%rax\n\tpushq %%rax\n\tpushq %%rsp\n\taddq $8, (%%rsp)\n\t"
                     "pushfq\n\tmov %%cs, %%rax\n\tpushq %%rax\n\tleaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\tiretq\n1:" ::: "rax", "memory");
}
static inline void wbinvd(void) { __asm__ volatile("wbinvd" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void pause(void) { __asm__ volatile("pause" ::: "memory"); }
static inline u64 rdtsc(void) { u32 lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((u64)hi << 32) | lo; }

#endif
