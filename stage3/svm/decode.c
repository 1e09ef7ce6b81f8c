/*
 * Pure SVM decoding: exit codes to statistics slots and names, and the
 * EXITINFO words of the exits whose meaning the core needs (APM Vol. 2
 * revision 3.41, Appendix C "SVM Intercept Exit Codes").  Reads no VMCB and
 * runs no privileged instruction: also built for the host tests.  What every
 * exit or every port I/O exit needs (the slot, the IOIO decoder) is inline in
 * decode.h.
 */
#include "svm.h"
#include "core/core.h"
#include "lib/pt.h"
#include "hw/x86.h"

const char *svm_exit_name(u32 slot)
{
#define SVM_EXIT_CASE(name, code, text) case code: return text;
    switch (slot ? (u64)slot + 0x40 : SVM_EXIT_NPF) {
    SVM_EXITS(SVM_EXIT_CASE)
    default: return "other";
    }
#undef SVM_EXIT_CASE
}

/* NPF (15.25.6 "Nested versus Guest Page Faults, Fault Ordering"):
 * EXITINFO1 is a #PF error code for the nested walk, EXITINFO2 the guest
 * physical address.  A present entry refused exactly the access that
 * faulted; a missing one allowed nothing. */
struct mem_violation svm_decode_npf(u64 info1, u64 info2)
{
    u8 access = info1 & SVM_NPF_ID ? PT_X : info1 & SVM_NPF_W ? PT_W : PT_R;
    struct mem_violation v = {
        .gpa = info2,
        .access = access,
        .allowed = info1 & SVM_NPF_P ? (u8)((PT_R | PT_W | PT_X) & ~access) : 0,
        .qual_valid = true,
        .qual = info1,
    };
    return v;
}

/* VMEXIT_TASK_SWITCH: EXITINFO1[15:0] the new TSS selector; EXITINFO2
 * bit 36 set for an IRET, bit 38 for a far JMP, neither for a CALL or a
 * task gate in the IDT. */
u16 svm_decode_task_switch(u64 info1, u64 info2, const char **how)
{
    *how = info2 & BIT(36) ? "IRET" : info2 & BIT(38) ? "JMP" : "CALL or a task gate";
    return (u16)info1;
}
