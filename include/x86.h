/*
 * The one header of instruction wrappers: every privileged or special
 * instruction stage 3 uses is here, so the rest of the C code is plain C.
 */
#ifndef PXHV_X86_H
#define PXHV_X86_H
#include "types.h"

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
    __asm__ volatile("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}
/* RDMSR/WRMSR that return false instead of faulting (the host #GP handler
 * resumes at the fixup label; see stage3/entry.asm). */
bool rdmsr_safe(u32 msr, u64 *val);
bool wrmsr_safe(u32 msr, u64 val);

#define DEFINE_CR(n) \
    static inline u64 read_cr##n(void) { u64 v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
    static inline void write_cr##n(u64 v) { __asm__ volatile("mov %0, %%cr" #n :: "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline u64 read_rflags(void) { u64 v; __asm__ volatile("pushfq; popq %0" : "=r"(v)); return v; }
static inline u16 read_cs(void) { u16 v; __asm__ volatile("mov %%cs, %0" : "=r"(v)); return v; }
static inline u16 read_tr(void) { u16 v; __asm__ volatile("str %0" : "=r"(v)); return v; }

struct dtr { u16 limit; u64 base; } PACKED;
static inline void lgdt(const struct dtr *d) { __asm__ volatile("lgdt %0" :: "m"(*d)); }
static inline void lidt(const struct dtr *d) { __asm__ volatile("lidt %0" :: "m"(*d)); }
static inline void ltr(u16 sel) { __asm__ volatile("ltr %0" :: "r"(sel)); }

static inline void xsetbv(u32 idx, u64 v)
{
    __asm__ volatile("xsetbv" :: "c"(idx), "a"((u32)v), "d"((u32)(v >> 32)));
}
static inline u64 xgetbv(u32 idx)
{
    u32 lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(idx));
    return ((u64)hi << 32) | lo;
}
static inline void wbinvd(void) { __asm__ volatile("wbinvd" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli"); }
static inline void hlt(void) { __asm__ volatile("hlt"); }
static inline void pause(void) { __asm__ volatile("pause"); }
static inline u64 rdtsc(void) { u32 lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((u64)hi << 32) | lo; }

/* ---- VMX instructions (SDM Vol. 3C ch. 31).  Each returns 0 on VMsucceed,
 * 1 on VMfailInvalid (CF=1), 2 on VMfailValid (ZF=1; error in the
 * VM-instruction error field). ---- */
static inline int vmx_result(u8 cf, u8 zf) { return cf ? 1 : zf ? 2 : 0; }

static inline int vmclear(u64 pa)
{
    u8 cf, zf;
    __asm__ volatile("vmclear %2; setc %0; setz %1" : "=r"(cf), "=r"(zf) : "m"(pa) : "cc", "memory");
    return vmx_result(cf, zf);
}
static inline int vmptrld(u64 pa)
{
    u8 cf, zf;
    __asm__ volatile("vmptrld %2; setc %0; setz %1" : "=r"(cf), "=r"(zf) : "m"(pa) : "cc", "memory");
    return vmx_result(cf, zf);
}
static inline int vmread_raw(u64 field, u64 *val)
{
    u8 cf, zf;
    __asm__ volatile("vmread %3, %2; setc %0; setz %1" : "=r"(cf), "=r"(zf), "=r"(*val) : "r"(field) : "cc");
    return vmx_result(cf, zf);
}
static inline int vmwrite_raw(u64 field, u64 val)
{
    u8 cf, zf;
    __asm__ volatile("vmwrite %3, %2; setc %0; setz %1" : "=r"(cf), "=r"(zf) : "r"(field), "rm"(val) : "cc");
    return vmx_result(cf, zf);
}
struct invept_desc { u64 eptp; u64 reserved; };
struct invvpid_desc { u16 vpid; u16 reserved[3]; u64 gla; };
static inline int invept(u64 type, u64 eptp)
{
    struct invept_desc d = { eptp, 0 };
    u8 cf, zf;
    __asm__ volatile("invept %2, %3; setc %0; setz %1" : "=r"(cf), "=r"(zf) : "m"(d), "r"(type) : "cc", "memory");
    return vmx_result(cf, zf);
}
static inline int invvpid(u64 type, u16 vpid)
{
    struct invvpid_desc d = { vpid, {0, 0, 0}, 0 };
    u8 cf, zf;
    __asm__ volatile("invvpid %2, %3; setc %0; setz %1" : "=r"(cf), "=r"(zf) : "m"(d), "r"(type) : "cc", "memory");
    return vmx_result(cf, zf);
}

/* MSR numbers (SDM Vol. 4). */
#define MSR_IA32_FEATURE_CONTROL   0x03A
#define MSR_IA32_SYSENTER_CS       0x174
#define MSR_IA32_SYSENTER_ESP      0x175
#define MSR_IA32_SYSENTER_EIP      0x176
#define MSR_IA32_DEBUGCTL          0x1D9
#define MSR_IA32_MTRRCAP           0x0FE
#define MSR_IA32_MTRR_PHYSBASE0    0x200
#define MSR_IA32_MTRR_DEF_TYPE     0x2FF
#define MSR_IA32_PAT               0x277
#define MSR_IA32_VMX_BASIC         0x480
#define MSR_IA32_VMX_PINBASED_CTLS 0x481
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482
#define MSR_IA32_VMX_EXIT_CTLS     0x483
#define MSR_IA32_VMX_ENTRY_CTLS    0x484
#define MSR_IA32_VMX_MISC          0x485
#define MSR_IA32_VMX_CR0_FIXED0    0x486
#define MSR_IA32_VMX_CR0_FIXED1    0x487
#define MSR_IA32_VMX_CR4_FIXED0    0x488
#define MSR_IA32_VMX_CR4_FIXED1    0x489
#define MSR_IA32_VMX_VMCS_ENUM     0x48A
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48B
#define MSR_IA32_VMX_EPT_VPID_CAP  0x48C
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48D
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48E
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48F
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490
#define MSR_IA32_VMX_VMFUNC        0x491
#define MSR_IA32_VMX_LAST          0x493 /* up to PROCBASED_CTLS3/EXIT_CTLS2 */
#define MSR_EFER                   0xC0000080
#define MSR_FS_BASE                0xC0000100
#define MSR_GS_BASE                0xC0000101

#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_EM BIT(2)
#define CR0_TS BIT(3)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31)
#define CR4_PSE BIT(4)
#define CR4_PAE BIT(5)
#define CR4_VMXE BIT(13)
#define CR4_OSXSAVE BIT(18)
#define CR4_PKE BIT(22)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)
#define RFLAGS_CF BIT(0)
#define RFLAGS_ZF BIT(6)
#define RFLAGS_TF BIT(8)
#define RFLAGS_IF BIT(9)
#define RFLAGS_DF BIT(10)
#define RFLAGS_VM BIT(17)

#endif
