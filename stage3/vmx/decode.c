/*
 * Pure VMX decoding: names of fields, exit reasons and VM-instruction
 * errors, control adjustment from capability MSRs, exit-qualification
 * decoding.  No privileged instructions: also built for the host tests.
 */
#include "vmx.h"
#include "lib/lib.h"
#include "hw/x86.h"

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

/* The names as string blobs with the numbers beside them (lib.h str_nth). */
#define FIELD_STR(name, enc, width) #name "\0"
#define FIELD_ENC(name, enc, width) enc,
static const char field_names[] =
    VMCS_FIELDS(FIELD_STR);
static const u16 field_encs[] = { VMCS_FIELDS(FIELD_ENC) };
#define EXIT_STR(name, num, str) str "\0"
#define EXIT_NUM(name, num, str) num,
static const char exit_names[] =
    EXIT_REASONS(EXIT_STR);
static const u8 exit_nums[] = { EXIT_REASONS(EXIT_NUM) };

static u32 index_of_u16(const u16 *a, usize n, u32 v)
{
    u32 i = 0;
    while (i < n && a[i] != v)
        i++;
    return i;
}

const char *vmcs_field_name(u32 encoding)
{
    return str_nth(field_names, sizeof field_names,
                   index_of_u16(field_encs, ARRAY_SIZE(field_encs), encoding), "unknown field");
}

const char *exit_reason_name(u32 reason)
{
    reason &= 0xFFFF; /* bits 15:0 are the basic exit reason (SDM 24.9.1) */
    u32 i = 0;
    while (i < sizeof exit_nums && exit_nums[i] != reason)
        i++;
    return str_nth(exit_names, sizeof exit_names, i, "unknown exit reason");
}

/* SDM Vol. 3C 30.4, Table 30-1 "VM-Instruction Error Numbers", by number. */
static const char vm_errors[] =
    "\0"                                            /* 0: none */
    "VMCALL executed in VMX root operation\0"
    "VMCLEAR with invalid physical address\0"
    "VMCLEAR with VMXON pointer\0"
    "VMLAUNCH with non-clear VMCS\0"
    "VMRESUME with non-launched VMCS\0"
    "VMRESUME after VMXOFF (VMXOFF and VMXON between VMLAUNCH and VMRESUME)\0"
    "VM entry with invalid control field(s)\0"
    "VM entry with invalid host-state field(s)\0"
    "VMPTRLD with invalid physical address\0"
    "VMPTRLD with VMXON pointer\0"
    "VMPTRLD with incorrect VMCS revision identifier\0"
    "VMREAD/VMWRITE from/to unsupported VMCS component\0"
    "VMWRITE to read-only VMCS component\0"
    "\0"                                            /* reserved */
    "VMXON executed in VMX root operation\0"
    "VM entry with invalid executive-VMCS pointer\0"
    "VM entry with non-launched executive VMCS\0"
    "VM entry with executive-VMCS pointer not VMXON pointer\0"
    "VMCALL with non-clear VMCS\0"
    "VMCALL with invalid VM-exit control fields\0"
    "\0"                                            /* reserved */
    "VMCALL with incorrect MSEG revision identifier\0"
    "VMXOFF under dual-monitor treatment of SMIs and SMM\0"
    "VMCALL with invalid SMM-monitor features\0"
    "VM entry with invalid VM-execution control fields in executive VMCS\0"
    "VM entry with events blocked by MOV SS\0"
    "\0"                                            /* reserved */
    "Invalid operand to INVEPT/INVVPID\0";

const char *vm_instruction_error_str(u32 err)
{
    return str_nth(vm_errors, sizeof vm_errors, err, "unknown VM-instruction error");
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
