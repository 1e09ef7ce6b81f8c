/*
 * Pure VMX decoding: names of fields, exit reasons and VM-instruction
 * errors, control adjustment from capability MSRs, exit-qualification
 * decoding.  No privileged instructions: also built for the host tests.
 */
#include "vmx.h"
#include "x86.h"

u32 vmx_adjust_controls(u64 cap, u32 want, u32 *missing)
{
    u32 must_be_one = (u32)cap;
    u32 may_be_one = (u32)(cap >> 32);

    if (missing)
        *missing = want & ~may_be_one;
    return (want | must_be_one) & may_be_one;
}

u64 vmx_cr_owned_bits(u64 fixed0, u64 fixed1, u64 free_bits)
{
    return (fixed0 | ~fixed1) & 0xFFFFFFFFULL & ~free_bits;
}

u32 vmx_ctl_msr(u64 vmx_basic, u32 plain_msr)
{
    /* SDM A.2: with basic bit 55 set, the TRUE_* MSRs report which of the
     * "default1" controls may be 0; their numbers are plain + 0xC. */
    if (!(vmx_basic & VMX_BASIC_TRUE_CTLS))
        return plain_msr;
    switch (plain_msr) {
    case MSR_IA32_VMX_PINBASED_CTLS:  return MSR_IA32_VMX_TRUE_PINBASED_CTLS;
    case MSR_IA32_VMX_PROCBASED_CTLS: return MSR_IA32_VMX_TRUE_PROCBASED_CTLS;
    case MSR_IA32_VMX_EXIT_CTLS:      return MSR_IA32_VMX_TRUE_EXIT_CTLS;
    case MSR_IA32_VMX_ENTRY_CTLS:     return MSR_IA32_VMX_TRUE_ENTRY_CTLS;
    default:                          return plain_msr;
    }
}

struct field_name { u32 enc; const char *name; };

static const struct field_name field_names[] = {
#define FIELD_NAME(name, enc, width) { enc, #name },
    VMCS_FIELDS(FIELD_NAME)
#undef FIELD_NAME
};

const char *vmcs_field_name(u32 encoding)
{
    for (usize i = 0; i < ARRAY_SIZE(field_names); i++)
        if (field_names[i].enc == encoding)
            return field_names[i].name;
    return "unknown field";
}

static const char *const exit_names[EXIT_REASON_MAX] = {
#define EXIT_NAME(name, num, str) [num] = str,
    EXIT_REASONS(EXIT_NAME)
#undef EXIT_NAME
};

const char *exit_reason_name(u32 reason)
{
    reason &= 0xFFFF; /* bits 15:0 are the basic exit reason (SDM 24.9.1) */
    if (reason < EXIT_REASON_MAX && exit_names[reason])
        return exit_names[reason];
    return "unknown exit reason";
}

/* SDM Vol. 3C 30.4, Table 30-1 "VM-Instruction Error Numbers". */
static const char *const vm_errors[] = {
    [1]  = "VMCALL executed in VMX root operation",
    [2]  = "VMCLEAR with invalid physical address",
    [3]  = "VMCLEAR with VMXON pointer",
    [4]  = "VMLAUNCH with non-clear VMCS",
    [5]  = "VMRESUME with non-launched VMCS",
    [6]  = "VMRESUME after VMXOFF (VMXOFF and VMXON between VMLAUNCH and VMRESUME)",
    [7]  = "VM entry with invalid control field(s)",
    [8]  = "VM entry with invalid host-state field(s)",
    [9]  = "VMPTRLD with invalid physical address",
    [10] = "VMPTRLD with VMXON pointer",
    [11] = "VMPTRLD with incorrect VMCS revision identifier",
    [12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
    [13] = "VMWRITE to read-only VMCS component",
    [15] = "VMXON executed in VMX root operation",
    [16] = "VM entry with invalid executive-VMCS pointer",
    [17] = "VM entry with non-launched executive VMCS",
    [18] = "VM entry with executive-VMCS pointer not VMXON pointer",
    [19] = "VMCALL with non-clear VMCS",
    [20] = "VMCALL with invalid VM-exit control fields",
    [22] = "VMCALL with incorrect MSEG revision identifier",
    [23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
    [24] = "VMCALL with invalid SMM-monitor features",
    [25] = "VM entry with invalid VM-execution control fields in executive VMCS",
    [26] = "VM entry with events blocked by MOV SS",
    [28] = "Invalid operand to INVEPT/INVVPID",
};

const char *vm_instruction_error_str(u32 err)
{
    if (err < ARRAY_SIZE(vm_errors) && vm_errors[err])
        return vm_errors[err];
    return "unknown VM-instruction error";
}

struct io_qual vmx_decode_io(u64 qual)
{
    struct io_qual q;

    q.size = (u8)((qual & 7) + 1);          /* 0 = 1 byte, 1 = 2, 3 = 4 */
    q.in = (qual >> 3) & 1;
    q.string = (qual >> 4) & 1;
    q.rep = (qual >> 5) & 1;
    q.imm = (qual >> 6) & 1;
    q.port = (u16)(qual >> 16);
    return q;
}

struct cr_qual vmx_decode_cr(u64 qual)
{
    struct cr_qual q;

    q.cr = qual & 0xF;
    q.type = (qual >> 4) & 3;
    q.gpr = (qual >> 8) & 0xF;
    q.lmsw_src = (u16)(qual >> 16);
    return q;
}
