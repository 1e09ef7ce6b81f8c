/*
 * Pure SVM decoding: exit codes to statistics slots and names, and the
 * EXITINFO words of the exits whose meaning the core needs (APM Vol. 2
 * revision 3.41, Appendix C "SVM Intercept Exit Codes").  Reads no VMCB and
 * runs no privileged instruction: also built for the host tests.
 */
#include "svm.h"
#include "core/core.h"
#include "lib/pt.h"
#include "hw/x86.h"

/* Slots: exit codes 0x40-0x8F as they are less 0x40; the NPF (0x400) takes
 * slot 0, which no intercept pxHV sets uses (0x40 is #DE). */
u32 svm_exit_slot(u64 code)
{
    if (code == SVM_EXIT_NPF)
        return 0;
    return code >= 0x40 && code < 0x40 + STAT_REASONS ? (u32)(code - 0x40) : STAT_REASONS;
}

const char *svm_exit_name(u32 slot)
{
#define SVM_EXIT_CASE(name, code, text) case code: return text;
    switch (slot ? (u64)slot + 0x40 : SVM_EXIT_NPF) {
    SVM_EXITS(SVM_EXIT_CASE)
    default: return "other";
    }
#undef SVM_EXIT_CASE
}

/* One-hot fields: bit 0 of the field the smallest of three sizes. */
static u8 one_hot(u64 field, u8 a, u8 b, u8 c)
{
    return field & 1 ? a : field & 2 ? b : field & 4 ? c : 0;
}

/* IOIO EXITINFO1 (15.10.2 "IN and OUT Behavior", Figure 15-2): the port in
 * bits 31:16, the operand size one-hot in 6:4 (8, 16, 32 bits), the address
 * size one-hot in 9:7 (16, 32, 64 bits), the segment in 12:10 only with
 * decode assists.  A size field without a bit comes back 0 (QEMU's SVM
 * leaves the address size out in real mode): the caller takes it from the
 * instruction.  *seg_known says whether the segment field was meaningful. */
struct io_access svm_decode_ioio(u64 info1, bool decode_assists, bool *seg_known)
{
    struct io_access io = {
        .port = (u16)(info1 >> 16),
        .in = info1 & SVM_IOIO_IN,
        .string = info1 & SVM_IOIO_STR,
        .rep = info1 & SVM_IOIO_REP,
        .size = one_hot(info1 >> SVM_IOIO_SZ_SHIFT, 1, 2, 4),
        .addr_bytes = one_hot(info1 >> SVM_IOIO_A_SHIFT, 2, 4, 8),
        .seg = SEG_DS,
    };
    *seg_known = decode_assists && io.string;
    if (*seg_known)
        io.seg = (u8)((info1 >> SVM_IOIO_SEG_SHIFT) & 7);
    return io;
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
