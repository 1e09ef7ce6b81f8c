/*
 * VMCS field encodings, declared once (SDM Vol. 3C Appendix B, "Field
 * Encoding in VMCS").  X(name, encoding, width): width is 16, 32, 64 or
 * N (natural width).  This table yields the enum (VMCS_<name>) and the
 * names used in diagnostics (vmcs_field_name()).
 */
#ifndef PXHV_VMCS_FIELDS_H
#define PXHV_VMCS_FIELDS_H

#define VMCS_FIELDS(X) \
    /* B.1.1 16-bit control fields */ \
    X(VPID,                        0x0000, 16) \
    /* B.1.2 16-bit guest-state fields */ \
    X(GUEST_ES_SEL,                0x0800, 16) \
    X(GUEST_CS_SEL,                0x0802, 16) \
    X(GUEST_SS_SEL,                0x0804, 16) \
    X(GUEST_DS_SEL,                0x0806, 16) \
    X(GUEST_FS_SEL,                0x0808, 16) \
    X(GUEST_GS_SEL,                0x080A, 16) \
    X(GUEST_LDTR_SEL,              0x080C, 16) \
    X(GUEST_TR_SEL,                0x080E, 16) \
    /* B.1.3 16-bit host-state fields */ \
    X(HOST_ES_SEL,                 0x0C00, 16) \
    X(HOST_CS_SEL,                 0x0C02, 16) \
    X(HOST_SS_SEL,                 0x0C04, 16) \
    X(HOST_DS_SEL,                 0x0C06, 16) \
    X(HOST_FS_SEL,                 0x0C08, 16) \
    X(HOST_GS_SEL,                 0x0C0A, 16) \
    X(HOST_TR_SEL,                 0x0C0C, 16) \
    /* B.2.1 64-bit control fields */ \
    X(IO_BITMAP_A,                 0x2000, 64) \
    X(IO_BITMAP_B,                 0x2002, 64) \
    X(MSR_BITMAP,                  0x2004, 64) \
    X(EXIT_MSR_STORE_ADDR,         0x2006, 64) \
    X(EXIT_MSR_LOAD_ADDR,          0x2008, 64) \
    X(ENTRY_MSR_LOAD_ADDR,         0x200A, 64) \
    X(TSC_OFFSET,                  0x2010, 64) \
    X(EPT_POINTER,                 0x201A, 64) \
    X(XSS_EXIT_BITMAP,             0x202C, 64) \
    /* B.2.2 64-bit read-only data field */ \
    X(GUEST_PHYSICAL_ADDR,         0x2400, 64) \
    /* B.2.3 64-bit guest-state fields */ \
    X(VMCS_LINK_POINTER,           0x2800, 64) \
    X(GUEST_IA32_DEBUGCTL,         0x2802, 64) \
    X(GUEST_IA32_PAT,              0x2804, 64) \
    X(GUEST_IA32_EFER,             0x2806, 64) \
    X(GUEST_PDPTE0,                0x280A, 64) \
    X(GUEST_PDPTE1,                0x280C, 64) \
    X(GUEST_PDPTE2,                0x280E, 64) \
    X(GUEST_PDPTE3,                0x2810, 64) \
    /* B.2.4 64-bit host-state fields */ \
    X(HOST_IA32_PAT,               0x2C00, 64) \
    X(HOST_IA32_EFER,              0x2C02, 64) \
    /* B.3.1 32-bit control fields */ \
    X(PIN_CONTROLS,                0x4000, 32) \
    X(PRIMARY_CONTROLS,            0x4002, 32) \
    X(EXCEPTION_BITMAP,            0x4004, 32) \
    X(PF_ERROR_CODE_MASK,          0x4006, 32) \
    X(PF_ERROR_CODE_MATCH,         0x4008, 32) \
    X(CR3_TARGET_COUNT,            0x400A, 32) \
    X(EXIT_CONTROLS,               0x400C, 32) \
    X(EXIT_MSR_STORE_COUNT,        0x400E, 32) \
    X(EXIT_MSR_LOAD_COUNT,         0x4010, 32) \
    X(ENTRY_CONTROLS,              0x4012, 32) \
    X(ENTRY_MSR_LOAD_COUNT,        0x4014, 32) \
    X(ENTRY_INTR_INFO,             0x4016, 32) \
    X(ENTRY_EXCEPTION_ERROR_CODE,  0x4018, 32) \
    X(ENTRY_INSTRUCTION_LEN,       0x401A, 32) \
    X(SECONDARY_CONTROLS,          0x401E, 32) \
    /* B.3.2 32-bit read-only data fields */ \
    X(VM_INSTRUCTION_ERROR,        0x4400, 32) \
    X(EXIT_REASON,                 0x4402, 32) \
    X(EXIT_INTR_INFO,              0x4404, 32) \
    X(EXIT_INTR_ERROR_CODE,        0x4406, 32) \
    X(IDT_VECTORING_INFO,          0x4408, 32) \
    X(IDT_VECTORING_ERROR_CODE,    0x440A, 32) \
    X(EXIT_INSTRUCTION_LEN,        0x440C, 32) \
    X(EXIT_INSTRUCTION_INFO,       0x440E, 32) \
    /* B.3.3 32-bit guest-state fields */ \
    X(GUEST_ES_LIMIT,              0x4800, 32) \
    X(GUEST_CS_LIMIT,              0x4802, 32) \
    X(GUEST_SS_LIMIT,              0x4804, 32) \
    X(GUEST_DS_LIMIT,              0x4806, 32) \
    X(GUEST_FS_LIMIT,              0x4808, 32) \
    X(GUEST_GS_LIMIT,              0x480A, 32) \
    X(GUEST_LDTR_LIMIT,            0x480C, 32) \
    X(GUEST_TR_LIMIT,              0x480E, 32) \
    X(GUEST_GDTR_LIMIT,            0x4810, 32) \
    X(GUEST_IDTR_LIMIT,            0x4812, 32) \
    X(GUEST_ES_AR,                 0x4814, 32) \
    X(GUEST_CS_AR,                 0x4816, 32) \
    X(GUEST_SS_AR,                 0x4818, 32) \
    X(GUEST_DS_AR,                 0x481A, 32) \
    X(GUEST_FS_AR,                 0x481C, 32) \
    X(GUEST_GS_AR,                 0x481E, 32) \
    X(GUEST_LDTR_AR,               0x4820, 32) \
    X(GUEST_TR_AR,                 0x4822, 32) \
    X(GUEST_INTERRUPTIBILITY,      0x4824, 32) \
    X(GUEST_ACTIVITY_STATE,        0x4826, 32) \
    X(GUEST_SYSENTER_CS,           0x482A, 32) \
    /* B.3.4 32-bit host-state field */ \
    X(HOST_SYSENTER_CS,            0x4C00, 32) \
    /* B.4.1 natural-width control fields */ \
    X(CR0_GUEST_HOST_MASK,         0x6000, N) \
    X(CR4_GUEST_HOST_MASK,         0x6002, N) \
    X(CR0_READ_SHADOW,             0x6004, N) \
    X(CR4_READ_SHADOW,             0x6006, N) \
    /* B.4.2 natural-width read-only data fields */ \
    X(EXIT_QUALIFICATION,          0x6400, N) \
    X(GUEST_LINEAR_ADDR,           0x640A, N) \
    /* B.4.3 natural-width guest-state fields */ \
    X(GUEST_CR0,                   0x6800, N) \
    X(GUEST_CR3,                   0x6802, N) \
    X(GUEST_CR4,                   0x6804, N) \
    X(GUEST_ES_BASE,               0x6806, N) \
    X(GUEST_CS_BASE,               0x6808, N) \
    X(GUEST_SS_BASE,               0x680A, N) \
    X(GUEST_DS_BASE,               0x680C, N) \
    X(GUEST_FS_BASE,               0x680E, N) \
    X(GUEST_GS_BASE,               0x6810, N) \
    X(GUEST_LDTR_BASE,             0x6812, N) \
    X(GUEST_TR_BASE,               0x6814, N) \
    X(GUEST_GDTR_BASE,             0x6816, N) \
    X(GUEST_IDTR_BASE,             0x6818, N) \
    X(GUEST_DR7,                   0x681A, N) \
    X(GUEST_RSP,                   0x681C, N) \
    X(GUEST_RIP,                   0x681E, N) \
    X(GUEST_RFLAGS,                0x6820, N) \
    X(GUEST_PENDING_DBG_EXCEPTIONS,0x6822, N) \
    X(GUEST_SYSENTER_ESP,          0x6824, N) \
    X(GUEST_SYSENTER_EIP,          0x6826, N) \
    /* B.4.4 natural-width host-state fields */ \
    X(HOST_CR0,                    0x6C00, N) \
    X(HOST_CR3,                    0x6C02, N) \
    X(HOST_CR4,                    0x6C04, N) \
    X(HOST_FS_BASE,                0x6C06, N) \
    X(HOST_GS_BASE,                0x6C08, N) \
    X(HOST_TR_BASE,                0x6C0A, N) \
    X(HOST_GDTR_BASE,              0x6C0C, N) \
    X(HOST_IDTR_BASE,              0x6C0E, N) \
    X(HOST_SYSENTER_ESP,           0x6C10, N) \
    X(HOST_SYSENTER_EIP,           0x6C12, N) \
    X(HOST_RSP,                    0x6C14, N) \
    X(HOST_RIP,                    0x6C16, N)

enum vmcs_field {
#define VMCS_ENUM(name, enc, width) VMCS_##name = enc,
    VMCS_FIELDS(VMCS_ENUM)
#undef VMCS_ENUM
};

/*
 * Basic exit reasons (SDM Vol. 3C Appendix C, Table C-1).
 * X(name, number, printable name).
 */
#define EXIT_REASONS(X) \
    X(EXCEPTION_NMI,      0, "exception or NMI") \
    X(EXTERNAL_INTR,      1, "external interrupt") \
    X(TRIPLE_FAULT,       2, "triple fault") \
    X(INIT_SIGNAL,        3, "INIT signal") \
    X(SIPI,               4, "start-up IPI") \
    X(IO_SMI,             5, "I/O SMI") \
    X(OTHER_SMI,          6, "other SMI") \
    X(INTR_WINDOW,        7, "interrupt window") \
    X(NMI_WINDOW,         8, "NMI window") \
    X(TASK_SWITCH,        9, "task switch") \
    X(CPUID,             10, "CPUID") \
    X(GETSEC,            11, "GETSEC") \
    X(HLT,               12, "HLT") \
    X(INVD,              13, "INVD") \
    X(INVLPG,            14, "INVLPG") \
    X(RDPMC,             15, "RDPMC") \
    X(RDTSC,             16, "RDTSC") \
    X(RSM,               17, "RSM") \
    X(VMCALL,            18, "VMCALL") \
    X(VMCLEAR,           19, "VMCLEAR") \
    X(VMLAUNCH,          20, "VMLAUNCH") \
    X(VMPTRLD,           21, "VMPTRLD") \
    X(VMPTRST,           22, "VMPTRST") \
    X(VMREAD,            23, "VMREAD") \
    X(VMRESUME,          24, "VMRESUME") \
    X(VMWRITE,           25, "VMWRITE") \
    X(VMXOFF,            26, "VMXOFF") \
    X(VMXON,             27, "VMXON") \
    X(CR_ACCESS,         28, "control-register access") \
    X(DR_ACCESS,         29, "MOV DR") \
    X(IO_INSTRUCTION,    30, "I/O instruction") \
    X(RDMSR,             31, "RDMSR") \
    X(WRMSR,             32, "WRMSR") \
    X(INVALID_GUEST_STATE, 33, "VM-entry failure: invalid guest state") \
    X(MSR_LOADING,       34, "VM-entry failure: MSR loading") \
    X(MWAIT,             36, "MWAIT") \
    X(MONITOR_TRAP_FLAG, 37, "monitor trap flag") \
    X(MONITOR,           39, "MONITOR") \
    X(PAUSE,             40, "PAUSE") \
    X(MACHINE_CHECK,     41, "VM-entry failure: machine-check event") \
    X(TPR_BELOW_THRESHOLD, 43, "TPR below threshold") \
    X(APIC_ACCESS,       44, "APIC access") \
    X(VIRTUALIZED_EOI,   45, "virtualized EOI") \
    X(GDTR_IDTR,         46, "access to GDTR or IDTR") \
    X(LDTR_TR,           47, "access to LDTR or TR") \
    X(EPT_VIOLATION,     48, "EPT violation") \
    X(EPT_MISCONFIG,     49, "EPT misconfiguration") \
    X(INVEPT,            50, "INVEPT") \
    X(RDTSCP,            51, "RDTSCP") \
    X(PREEMPTION_TIMER,  52, "VMX-preemption timer expired") \
    X(INVVPID,           53, "INVVPID") \
    X(WBINVD,            54, "WBINVD") \
    X(XSETBV,            55, "XSETBV") \
    X(APIC_WRITE,        56, "APIC write") \
    X(RDRAND,            57, "RDRAND") \
    X(INVPCID,           58, "INVPCID") \
    X(VMFUNC,            59, "VMFUNC") \
    X(ENCLS,             60, "ENCLS") \
    X(RDSEED,            61, "RDSEED") \
    X(PML_FULL,          62, "page-modification log full") \
    X(XSAVES,            63, "XSAVES") \
    X(XRSTORS,           64, "XRSTORS") \
    X(SPP,               66, "SPP-related event") \
    X(UMWAIT,            67, "UMWAIT") \
    X(TPAUSE,            68, "TPAUSE") \
    X(LOADIWKEY,         69, "LOADIWKEY")

enum exit_reason {
#define EXIT_ENUM(name, num, str) VMX_EXIT_##name = num,
    EXIT_REASONS(EXIT_ENUM)
#undef EXIT_ENUM
    VMX_EXIT_MAX = 70,
};

#endif
