/*
 * AMD-V (SVM) as the SVM backend uses it: the VMCB as typed structures,
 * intercept bits, exit codes, event injection, the SVM MSRs and CPUID bits.
 * AMD64 Architecture Programmer's Manual Volume 2 (order 24593), revision
 * 3.41: chapter 15 "Secure Virtual Machine" and Appendix B "Layout of VMCB";
 * docs/svm.md names the sections.
 */
#ifndef PXHV_SVM_H
#define PXHV_SVM_H
#include "lib/types.h"

/* CPUID (Appendix E): SVM in 0x80000001 ECX, its features in 0x8000000A. */
#define CPUID_SVM_FEATURES        0x8000000Au
#define SVM_FEAT_NPT              BIT(0)
#define SVM_FEAT_NRIPS            BIT(3)   /* next RIP saved on #VMEXIT          */
#define SVM_FEAT_FLUSH_BY_ASID    BIT(6)
#define SVM_FEAT_DECODE_ASSISTS   BIT(7)

/* MSRs (15.30 "SVM Related MSRs"). */
#define MSR_VM_CR                 0xC0010114u
#define VM_CR_LOCK                BIT(3)
#define VM_CR_SVMDIS              BIT(4)
#define MSR_VM_HSAVE_PA           0xC0010117u
#define EFER_SVME                 BIT(12)

/* The intercept vectors of the control area (Table B-1). */
enum svm_intercept {
    /* word 3 (offset 0x0C) */
    SVM_INTR_INTR = 0, SVM_INTR_NMI = 1, SVM_INTR_SMI = 2, SVM_INTR_INIT = 3,
    SVM_INTR_CPUID = 18, SVM_INTR_HLT = 24, SVM_INTR_INVD = 22, SVM_INTR_IRET = 20,
    SVM_INTR_TASK_SWITCH = 29, SVM_INTR_SHUTDOWN = 31, SVM_INTR_IOIO = 27, SVM_INTR_MSR = 28,
    /* word 4 (offset 0x10), numbered from 32 */
    SVM_INTR_VMRUN = 32, SVM_INTR_VMMCALL = 33, SVM_INTR_VMLOAD = 34, SVM_INTR_VMSAVE = 35,
    SVM_INTR_STGI = 36, SVM_INTR_CLGI = 37, SVM_INTR_SKINIT = 38, SVM_INTR_XSETBV = 45,
};

/* A segment in the state-save area (Table B-2): the attribute word packs the
 * descriptor's bits 8-15 and 52-55. */
struct vmcb_seg {
    u16 sel, attrib;
    u32 limit;
    u64 base;
} PACKED;

/* Table B-1: the control area (the first 0x400 bytes). */
struct vmcb_control {
    u32 intercept_cr;              /* 0x000: reads 15:0, writes 31:16 */
    u32 intercept_dr;              /* 0x004 */
    u32 intercept_exc;             /* 0x008: one bit per vector       */
    u32 intercept[2];              /* 0x00C, 0x010: enum svm_intercept */
    u32 intercept_ext;             /* 0x014 */
    u8  reserved0[0x3C - 0x18];
    u16 pause_filter_thresh;       /* 0x03C */
    u16 pause_filter_count;        /* 0x03E */
    u64 iopm_base_pa;              /* 0x040 */
    u64 msrpm_base_pa;             /* 0x048 */
    u64 tsc_offset;                /* 0x050 */
    u32 asid;                      /* 0x058 */
    u8  tlb_control;               /* 0x05C */
    u8  reserved1[3];
    u64 int_ctl;                   /* 0x060: V_TPR, V_IRQ, V_INTR_MASKING...  */
    u64 int_shadow;                /* 0x068: bit 0 interrupt shadow          */
    u64 exit_code;                 /* 0x070 */
    u64 exit_info1;                /* 0x078 */
    u64 exit_info2;                /* 0x080 */
    u64 exit_int_info;             /* 0x088 */
    u64 np_enable;                 /* 0x090: bit 0 nested paging             */
    u8  reserved2[0xA8 - 0x98];
    u64 event_inj;                 /* 0x0A8 */
    u64 n_cr3;                     /* 0x0B0 */
    u64 lbr_virt;                  /* 0x0B8 */
    u32 clean;                     /* 0x0C0 */
    u32 reserved3;
    u64 next_rip;                  /* 0x0C8 (with NRIPS)                      */
    u8  insn_len;                  /* 0x0D0 (with decode assists)             */
    u8  insn_bytes[15];
    u8  reserved4[0x400 - 0xE0];
} PACKED;

/* Table B-2: the state-save area (from offset 0x400). */
struct vmcb_save {
    struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;   /* 0x400 */
    u8  reserved0[0x4CB - 0x4A0];
    u8  cpl;                       /* 0x4CB */
    u32 reserved1;
    u64 efer;                      /* 0x4D0 */
    u8  reserved2[0x548 - 0x4D8];
    u64 cr4;                       /* 0x548 */
    u64 cr3;                       /* 0x550 */
    u64 cr0;                       /* 0x558 */
    u64 dr7;                       /* 0x560 */
    u64 dr6;                       /* 0x568 */
    u64 rflags;                    /* 0x570 */
    u64 rip;                       /* 0x578 */
    u8  reserved3[0x5D8 - 0x580];
    u64 rsp;                       /* 0x5D8 */
    u8  reserved4[0x5F8 - 0x5E0];
    u64 rax;                       /* 0x5F8 */
    u64 star, lstar, cstar, sfmask, kernel_gs_base;                 /* 0x600 */
    u64 sysenter_cs, sysenter_esp, sysenter_eip;                    /* 0x628 */
    u64 cr2;                       /* 0x640 */
    u8  reserved5[0x668 - 0x648];
    u64 g_pat;                     /* 0x668 */
    u64 dbgctl;                    /* 0x670 */
} PACKED;

struct vmcb {
    struct vmcb_control ctl;
    struct vmcb_save save;
    u8 reserved[4096 - 0x678];
} PACKED;
STATIC_ASSERT(sizeof(struct vmcb_control) == 0x400, "VMCB control area");
STATIC_ASSERT(sizeof(struct vmcb) == 4096, "VMCB page");

/* EVENTINJ and EXITINTINFO (15.20 "Event Injection"). */
#define SVM_EVT_VALID        BIT(31)
#define SVM_EVT_ERR_VALID    BIT(11)
#define SVM_EVT_TYPE_INTR    (0u << 8)
#define SVM_EVT_TYPE_NMI     (2u << 8)
#define SVM_EVT_TYPE_EXC     (3u << 8)
#define SVM_EVT_TYPE_SOFT    (4u << 8)

/* IOIO EXITINFO1 (15.10.2 "IN and OUT Behavior"). */
#define SVM_IOIO_IN          BIT(0)
#define SVM_IOIO_STR         BIT(2)
#define SVM_IOIO_REP         BIT(3)
#define SVM_IOIO_SZ_SHIFT    4        /* bits 6:4: 1, 2 or 4 bytes, one-hot */
#define SVM_IOIO_A_SHIFT     7        /* bits 9:7: 16, 32, 64-bit addresses  */
#define SVM_IOIO_SEG_SHIFT   10       /* bits 12:10: segment (decode assists) */

/* NPF EXITINFO1: the #PF error code of the nested walk (15.25.6). */
#define SVM_NPF_P            BIT(0)
#define SVM_NPF_W            BIT(1)
#define SVM_NPF_ID           BIT(4)

/* Exit codes (Appendix C "SVM Intercept Exit Codes"), name and text once. */
#define SVM_EXITS(X) \
    X(EXCP_DB,       0x41, "#DB") \
    X(EXCP_UD,       0x46, "#UD") \
    X(INTR,          0x60, "physical interrupt") \
    X(NMI,           0x61, "NMI") \
    X(SMI,           0x62, "SMI") \
    X(INIT,          0x63, "INIT") \
    X(CPUID,         0x72, "CPUID") \
    X(IRET,          0x74, "IRET") \
    X(INVD,          0x76, "INVD") \
    X(HLT,           0x78, "HLT") \
    X(IOIO,          0x7B, "I/O instruction") \
    X(MSR,           0x7C, "RDMSR/WRMSR") \
    X(TASK_SWITCH,   0x7D, "task switch") \
    X(SHUTDOWN,      0x7F, "shutdown (triple fault)") \
    X(VMRUN,         0x80, "VMRUN") \
    X(VMMCALL,       0x81, "VMMCALL") \
    X(VMLOAD,        0x82, "VMLOAD") \
    X(VMSAVE,        0x83, "VMSAVE") \
    X(STGI,          0x84, "STGI") \
    X(CLGI,          0x85, "CLGI") \
    X(SKINIT,        0x86, "SKINIT") \
    X(XSETBV,        0x8D, "XSETBV") \
    X(NPF,           0x400, "nested page fault")

#define SVM_EXIT_ENUM(name, code, text) SVM_EXIT_##name = code,
enum svm_exit { SVM_EXITS(SVM_EXIT_ENUM) };
#define SVM_EXIT_INVALID     (~0ULL)   /* VMRUN found the guest state invalid (15.5.1) */

/* Pure decoding (decode.c, and the IOIO decoder inline in decode.h;
 * host-tested in tests/unit/test_svm.c). */
struct mem_violation;
const char *svm_exit_name(u32 slot);
struct mem_violation svm_decode_npf(u64 info1, u64 info2);
u16  svm_decode_task_switch(u64 info1, u64 info2, const char **how);

/* The backend's per-CPU state (struct cpu). */
struct svm_cpu {
    struct vmcb *vmcb;            /* this CPU's VMCB (c->vm_ctl_pa)                  */
    u64 host_save_pa;             /* pxHV's own VMSAVE/VMLOAD state (FS, GS, TR...)  */
    u64 exit_code;                /* of the exit being handled                      */
    bool hlt_native;              /* the HLT intercept is off for one run           */
    bool nmi_masked;              /* an NMI injected, the guest's IRET not seen yet */
};

#endif
