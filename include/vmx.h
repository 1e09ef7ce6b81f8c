/*
 * VMX definitions and the pure decoding/adjustment helpers (stage3/vmx_decode.c,
 * unit-tested on the host).
 */
#ifndef PXHV_VMX_H
#define PXHV_VMX_H
#include "types.h"
#include "vmcs_fields.h"

/* Pin-based controls (SDM 24.6.1, Table 24-5). */
#define PIN_EXT_INTR_EXITING     BIT(0)
#define PIN_NMI_EXITING          BIT(3)
#define PIN_VIRTUAL_NMIS         BIT(5)
#define PIN_PREEMPTION_TIMER     BIT(6)

/* Primary processor-based controls (SDM 24.6.2, Table 24-6). */
#define CPU_INTR_WINDOW_EXITING  BIT(2)
#define CPU_TSC_OFFSETTING       BIT(3)
#define CPU_HLT_EXITING          BIT(7)
#define CPU_INVLPG_EXITING       BIT(9)
#define CPU_MWAIT_EXITING        BIT(10)
#define CPU_RDPMC_EXITING        BIT(11)
#define CPU_RDTSC_EXITING        BIT(12)
#define CPU_CR3_LOAD_EXITING     BIT(15)
#define CPU_CR3_STORE_EXITING    BIT(16)
#define CPU_CR8_LOAD_EXITING     BIT(19)
#define CPU_CR8_STORE_EXITING    BIT(20)
#define CPU_USE_TPR_SHADOW       BIT(21)
#define CPU_MOV_DR_EXITING       BIT(23)
#define CPU_UNCOND_IO_EXITING    BIT(24)
#define CPU_USE_IO_BITMAPS       BIT(25)
#define CPU_MONITOR_TRAP_FLAG    BIT(27)
#define CPU_USE_MSR_BITMAPS      BIT(28)
#define CPU_MONITOR_EXITING      BIT(29)
#define CPU_PAUSE_EXITING        BIT(30)
#define CPU_SECONDARY_CONTROLS   BIT(31)

/* Secondary processor-based controls (SDM 24.6.2, Table 24-7). */
#define CPU2_VIRT_APIC_ACCESSES  BIT(0)
#define CPU2_ENABLE_EPT          BIT(1)
#define CPU2_DESC_TABLE_EXITING  BIT(2)
#define CPU2_ENABLE_RDTSCP       BIT(3)
#define CPU2_ENABLE_VPID         BIT(5)
#define CPU2_WBINVD_EXITING      BIT(6)
#define CPU2_UNRESTRICTED_GUEST  BIT(7)
#define CPU2_ENABLE_INVPCID      BIT(12)
#define CPU2_ENABLE_VMFUNC       BIT(13)
#define CPU2_ENABLE_XSAVES       BIT(20)

/* VM-exit controls (SDM 24.7.1, Table 24-13). */
#define EXIT_SAVE_DEBUG_CTLS     BIT(2)
#define EXIT_HOST_ADDR_SPACE_SIZE BIT(9)
#define EXIT_ACK_INTR_ON_EXIT    BIT(15)
#define EXIT_SAVE_PAT            BIT(18)
#define EXIT_LOAD_PAT            BIT(19)
#define EXIT_SAVE_EFER           BIT(20)
#define EXIT_LOAD_EFER           BIT(21)

/* VM-entry controls (SDM 24.8.1, Table 24-15). */
#define ENTRY_LOAD_DEBUG_CTLS    BIT(2)
#define ENTRY_IA32E_MODE_GUEST   BIT(9)
#define ENTRY_LOAD_PAT           BIT(14)
#define ENTRY_LOAD_EFER          BIT(15)

/* IA32_VMX_BASIC (SDM Appendix A.1). */
#define VMX_BASIC_TRUE_CTLS      BIT(55)

/* IA32_VMX_EPT_VPID_CAP (SDM Appendix A.10). */
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

/* Interruption-information format (SDM 24.8.3, Table 24-17). */
#define INTR_INFO_VALID          BIT(31)
#define INTR_INFO_DELIVER_CODE   BIT(11)
#define INTR_TYPE_EXT_INTR       (0u << 8)
#define INTR_TYPE_NMI            (2u << 8)
#define INTR_TYPE_HW_EXCEPTION   (3u << 8)
#define INTR_TYPE_SW_EXCEPTION   (6u << 8)

#define VEC_DE 0
#define VEC_UD 6
#define VEC_DF 8
#define VEC_TS 10
#define VEC_NP 11
#define VEC_SS 12
#define VEC_GP 13
#define VEC_PF 14
#define VEC_AC 17

#define EXIT_REASON_ENTRY_FAIL   BIT(31)

/*
 * A control word from its capability MSR (SDM Appendix A.3-A.5): bits
 * 31:0 are the allowed 0-settings (a 1 there means the control must be 1),
 * bits 63:32 the allowed 1-settings (a 0 there means it must be 0).
 * Returns the value to write; *missing gets the wanted bits the CPU cannot set.
 */
u32 vmx_adjust_controls(u64 cap, u32 want, u32 *missing);

/*
 * CR0/CR4 bits the hypervisor must own (guest/host mask): those pinned by
 * IA32_VMX_CR*_FIXED0 (must be 1) or FIXED1 (must be 0), SDM A.7/A.8,
 * limited to bits 31:0; for CR0 with unrestricted guest PE and PG are free
 * (SDM 26.3.1.1).
 */
u64 vmx_cr_owned_bits(u64 fixed0, u64 fixed1, u64 free_bits);

/* Which capability MSR to use for a control word (TRUE_* when basic bit 55). */
u32 vmx_ctl_msr(u64 vmx_basic, u32 plain_msr);

const char *vmcs_field_name(u32 encoding);
const char *exit_reason_name(u32 reason);
const char *vm_instruction_error_str(u32 err);

/* Decoded I/O exit qualification (SDM 27.2.1, Table 27-5). */
struct io_qual {
    u16 port;
    u8  size;      /* 1, 2 or 4 */
    bool in;       /* direction: 1 = IN */
    bool string;
    bool rep;
    bool imm;
};
struct io_qual vmx_decode_io(u64 qual);

/* Decoded control-register access qualification (SDM Table 27-3). */
struct cr_qual {
    u8 cr;         /* 0, 3, 4, 8 */
    u8 type;       /* 0 MOV to CR, 1 MOV from CR, 2 CLTS, 3 LMSW */
    u8 gpr;        /* 0 RAX .. 15 R15 */
    u16 lmsw_src;
};
struct cr_qual vmx_decode_cr(u64 qual);

/* Print bit names of a control word into buf (for the "controls enabled" line). */
#endif
