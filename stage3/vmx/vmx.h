/*
 * VMX: the architectural definitions (controls, capability MSRs, exit
 * information formats), the VMX instruction wrappers, the per-CPU VMX state,
 * and the pure decoding/adjustment helpers (stage3/vmx/decode.c, unit-tested
 * on the host).  Intel SDM Vol. 3C, edition named in docs/vmx.md.
 */
#ifndef PXHV_VMX_H
#define PXHV_VMX_H
#include "lib/types.h"
#include "vmcs_fields.h"

/* Pin-based controls (24.6.1, Table 24-5). */
#define PIN_EXT_INTR_EXITING     BIT(0)
#define PIN_NMI_EXITING          BIT(3)
#define PIN_VIRTUAL_NMIS         BIT(5)
#define PIN_PREEMPTION_TIMER     BIT(6)

/* Primary processor-based controls (24.6.2, Table 24-6). */
#define PROC_INTR_WINDOW_EXITING  BIT(2)
#define PROC_TSC_OFFSETTING       BIT(3)
#define PROC_HLT_EXITING          BIT(7)
#define PROC_INVLPG_EXITING       BIT(9)
#define PROC_MWAIT_EXITING        BIT(10)
#define PROC_RDPMC_EXITING        BIT(11)
#define PROC_RDTSC_EXITING        BIT(12)
#define PROC_CR3_LOAD_EXITING     BIT(15)
#define PROC_CR3_STORE_EXITING    BIT(16)
#define PROC_CR8_LOAD_EXITING     BIT(19)
#define PROC_CR8_STORE_EXITING    BIT(20)
#define PROC_USE_TPR_SHADOW       BIT(21)
#define PROC_NMI_WINDOW_EXITING   BIT(22)
#define PROC_MOV_DR_EXITING       BIT(23)
#define PROC_UNCOND_IO_EXITING    BIT(24)
#define PROC_USE_IO_BITMAPS       BIT(25)
#define PROC_MONITOR_TRAP_FLAG    BIT(27)
#define PROC_USE_MSR_BITMAPS      BIT(28)
#define PROC_MONITOR_EXITING      BIT(29)
#define PROC_PAUSE_EXITING        BIT(30)
#define PROC_SECONDARY_CONTROLS   BIT(31)

/* Secondary processor-based controls (24.6.2, Table 24-7). */
#define PROC2_VIRT_APIC_ACCESSES  BIT(0)
#define PROC2_ENABLE_EPT          BIT(1)
#define PROC2_DESC_TABLE_EXITING  BIT(2)
#define PROC2_ENABLE_RDTSCP       BIT(3)
#define PROC2_ENABLE_VPID         BIT(5)
#define PROC2_WBINVD_EXITING      BIT(6)
#define PROC2_UNRESTRICTED_GUEST  BIT(7)
#define PROC2_ENABLE_INVPCID      BIT(12)
#define PROC2_ENABLE_VMFUNC       BIT(13)
#define PROC2_ENABLE_XSAVES       BIT(20)

/* VM-exit controls (24.7.1, Table 24-13). */
#define EXITCTL_SAVE_DEBUG_CTLS     BIT(2)
#define EXITCTL_HOST_ADDR_SPACE_SIZE BIT(9)
#define EXITCTL_ACK_INTR_ON_EXIT    BIT(15)
#define EXITCTL_SAVE_PAT            BIT(18)
#define EXITCTL_LOAD_PAT            BIT(19)
#define EXITCTL_SAVE_EFER           BIT(20)
#define EXITCTL_LOAD_EFER           BIT(21)

/* VM-entry controls (24.8.1, Table 24-15). */
#define ENTRYCTL_LOAD_DEBUG_CTLS    BIT(2)
#define ENTRYCTL_IA32E_MODE_GUEST   BIT(9)
#define ENTRYCTL_LOAD_PAT           BIT(14)
#define ENTRYCTL_LOAD_EFER          BIT(15)

/* Capability MSRs (Appendix A). */
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
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48B
#define MSR_IA32_VMX_EPT_VPID_CAP  0x48C
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48D
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48E
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48F
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490
#define MSR_IA32_VMX_LAST          0x493 /* up to PROCBASED_CTLS3/EXIT_CTLS2 */

/* IA32_VMX_BASIC (A.1). */
#define VMX_BASIC_REVISION(b)    ((u32)(b) & 0x7FFFFFFF)
#define VMX_BASIC_VMCS_SIZE(b)   ((u32)((b) >> 32) & 0x1FFF)
#define VMX_BASIC_TRUE_CTLS      BIT(55)
/* IA32_VMX_MISC (A.6): activity states supported. */
#define VMX_MISC_ACT_HLT         BIT(6)
#define VMX_MISC_ACT_SHUTDOWN    BIT(7)
#define VMX_MISC_ACT_WAIT_SIPI   BIT(8)
#define VMX_MISC_CR3_TARGETS(m)  (((m) >> 16) & 0x1FF)

/* IA32_VMX_EPT_VPID_CAP (A.10). */
#define EPT_CAP_WALK_4           BIT(6)
#define EPT_CAP_WB               BIT(14)
#define EPT_CAP_2M               BIT(16)
#define EPT_CAP_1G               BIT(17)
#define EPT_CAP_INVEPT           BIT(20)
#define EPT_CAP_AD               BIT(21)
#define EPT_CAP_INVEPT_SINGLE    BIT(25)
#define EPT_CAP_INVEPT_ALL       BIT(26)
#define VPID_CAP_INVVPID         BIT(32)
#define VPID_CAP_SINGLE          BIT(41)
#define VPID_CAP_ALL             BIT(42)
/* INVEPT / INVVPID types (30.3 "INVEPT", "INVVPID"). */
enum { INVEPT_SINGLE = 1, INVEPT_ALL = 2 };
enum { INVVPID_ADDRESS = 0, INVVPID_SINGLE = 1, INVVPID_ALL = 2 };

/* Activity state (24.4.2, Table 24-3). */
enum { ACT_ACTIVE = 0, ACT_HLT = 1, ACT_SHUTDOWN = 2, ACT_WAIT_SIPI = 3 };
/* Interruptibility state (24.4.2, Table 24-3). */
#define INTR_BLOCK_STI           BIT(0)
#define INTR_BLOCK_MOV_SS        BIT(1)
#define INTR_BLOCK_SMI           BIT(2)
#define INTR_BLOCK_NMI           BIT(3)
/* Segment access rights (24.4.1, Table 24-2). */
#define AR_L                     BIT(13)     /* segment access rights (24.4.1) */
#define AR_DB                    BIT(14)
#define AR_UNUSABLE              BIT(16)

/* Interruption-information format (24.8.3, Table 24-17). */
#define INTR_INFO_VALID          BIT(31)
#define INTR_INFO_DELIVER_CODE   BIT(11)
#define INTR_TYPE_EXT_INTR       (0u << 8)
#define INTR_TYPE_NMI            (2u << 8)
#define INTR_TYPE_HW_EXCEPTION   (3u << 8)
#define INTR_TYPE_SW_EXCEPTION   (6u << 8)

#define VMX_EXIT_ENTRY_FAIL   BIT(31)

/* VM-instruction error numbers used by name (30.4, Table 30-1). */
enum { VMXERR_ENTRY_BAD_CONTROLS = 7, VMXERR_ENTRY_BAD_HOST = 8 };

/* ---- VMX instructions (30.3).  Each returns 0 on VMsucceed, 1 on
 * VMfailInvalid (CF=1), 2 on VMfailValid (ZF=1; error in the
 * VM-instruction error field). ---- */
static inline int vmx_result(u8 cf, u8 zf) { return cf ? 1 : zf ? 2 : 0; }
#define VMX_OP_M(insn, operand)                                                      \
    ({ u8 cf_, zf_;                                                                  \
       __asm__ volatile(insn " %2; setc %0; setz %1" : "=r"(cf_), "=r"(zf_)          \
                        : "m"(operand) : "cc", "memory");                            \
       vmx_result(cf_, zf_); })
static inline int vmxon(u64 pa) { return VMX_OP_M("vmxon", pa); }
static inline int vmclear(u64 pa) { return VMX_OP_M("vmclear", pa); }
static inline int vmptrld(u64 pa) { return VMX_OP_M("vmptrld", pa); }
static inline void vmxoff(void) { __asm__ volatile("vmxoff" ::: "cc", "memory"); }
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
struct invept_desc { u64 eptp, reserved; };
struct invvpid_desc { u16 vpid, reserved[3]; u64 gla; };
static inline int invept(u64 type, u64 eptp)
{
    struct invept_desc d = { eptp, 0 };
    u8 cf, zf;
    __asm__ volatile("invept %2, %3; setc %0; setz %1" : "=r"(cf), "=r"(zf) : "m"(d), "r"(type) : "cc", "memory");
    return vmx_result(cf, zf);
}
static inline int invvpid(u64 type, u16 vpid)
{
    struct invvpid_desc d = { vpid, { 0, 0, 0 }, 0 };
    u8 cf, zf;
    __asm__ volatile("invvpid %2, %3; setc %0; setz %1" : "=r"(cf), "=r"(zf) : "m"(d), "r"(type) : "cc", "memory");
    return vmx_result(cf, zf);
}

/*
 * Per-CPU VMX state.  The exit path reads VMCS fields lazily through a
 * cache: each field at most once per exit, and writes are held back and
 * flushed once before VM entry, so an exit costs only the VMREAD/VMWRITEs its
 * handler needs (under nested virtualization each may itself trap).
 */
enum vmx_cached {
    VC_EXIT_REASON, VC_QUAL, VC_INSTR_LEN, VC_INSTR_INFO, VC_GPA, VC_GLA,
    VC_RIP, VC_RSP, VC_RFLAGS, VC_INTR, VC_PENDING_DBG, VC_ACTIVITY,
    VC_CR0, VC_CR3, VC_CR4, VC_EFER, VC_CR0_SHADOW, VC_CR4_SHADOW,
    VC_ENTRY_CTLS, VC_ENTRY_INTR, VC_ENTRY_ERROR, VC_COUNT
};
struct vmx_cpu {
    u32 valid, dirty;             /* bit per enum vmx_cached                  */
    u64 ops;                      /* VMREAD + VMWRITE during the current exit */
    u32 slot;                     /* the current exit's basic reason          */
    bool resumed;                 /* an exit came back: the next entry is VMRESUME */
    bool on;                      /* in VMX operation (VMXON succeeded)         */
    u64 val[VC_COUNT];
    u64 ops_per_slot[80];         /* VMREAD + VMWRITE spent on exits of each reason
                                     (STAT_REASONS), for vmx_print_stats */
};

/*
 * A control word from its capability MSR (A.3-A.5): bits 31:0 are the
 * allowed 0-settings (a 1 there means the control must be 1), bits 63:32 the
 * allowed 1-settings (a 0 there means it must be 0).  Returns the value to
 * write; *missing gets the wanted bits the CPU cannot set.
 */
u32 vmx_adjust_controls(u64 cap, u32 want, u32 *missing);

/*
 * CR0/CR4 bits the hypervisor must own (guest/host mask): those pinned by
 * IA32_VMX_CR*_FIXED0 (must be 1) or FIXED1 (must be 0), A.7/A.8, limited to
 * bits 31:0; for CR0 with unrestricted guest PE and PG are free (26.3.1.1).
 */
u64 vmx_cr_owned_bits(u64 fixed0, u64 fixed1, u64 free_bits);

/* Which capability MSR to use for a control word (TRUE_* when basic bit 55). */
u32 vmx_ctl_msr(u64 vmx_basic, u32 plain_msr);

const char *vmcs_field_name(u32 encoding);
const char *exit_reason_name(u32 reason);
const char *vm_instruction_error_str(u32 err);

/* I/O exit qualification (27.2.1, Table 27-5). */
struct io_qual {
    u16 port;
    u8  size;      /* 1, 2 or 4 */
    bool in;       /* direction: 1 = IN */
    bool string;
    bool rep;
    bool imm;
};
struct io_qual vmx_decode_io(u64 qual);

/* Control-register access qualification (27.2.1, Table 27-3). */
enum { CR_MOV_TO = 0, CR_MOV_FROM = 1, CR_CLTS = 2, CR_LMSW = 3 };
struct cr_qual {
    u8 cr;         /* 0, 3, 4, 8 */
    u8 type;       /* CR_MOV_TO ... CR_LMSW */
    u8 gpr;        /* 0 RAX .. 15 R15 */
    u16 lmsw_src;
};
struct cr_qual vmx_decode_cr(u64 qual);

/* EPT-violation qualification (27.2.1, Table 27-7). */
#define EPTV_READ        BIT(0)
#define EPTV_WRITE       BIT(1)
#define EPTV_FETCH       BIT(2)
#define EPTV_READABLE    BIT(3)
#define EPTV_WRITABLE    BIT(4)
#define EPTV_EXECUTABLE  BIT(5)
#define EPTV_GLA_VALID   BIT(7)

/* VM-exit instruction information for INS/OUTS (27.2.5, Table 27-8). */
#define IO_INFO_ADDR_SIZE(i)  (((i) >> 7) & 7)    /* 0: 16, 1: 32, 2: 64 bits */
#define IO_INFO_SEG(i)        (((i) >> 15) & 7)   /* ES CS SS DS FS GS         */

#endif
