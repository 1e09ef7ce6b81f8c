/*
 * The exit's slot and the IOIO exit's EXITINFO1, decoded inline: they run on
 * every exit and every port I/O exit, where a call (and, for IOIO, the access
 * returned packed in a register and unpacked by the caller) costs more than
 * the decoding.  decode.c has the other, rarer decoders; all are host-tested
 * in tests/unit/test_svm.c.
 */
#ifndef PXHV_SVM_DECODE_H
#define PXHV_SVM_DECODE_H
#include "svm.h"
#include "core/core.h"

/* Slots: exit codes 0x40-0x8F as they are less 0x40; the NPF (0x400) takes
 * slot 0, which no intercept pxHV sets uses (0x40 is #DE). */
static inline u32 svm_exit_slot(u64 code)
{
    if (code == SVM_EXIT_NPF)
        return 0;
    return code >= 0x40 && code < 0x40 + STAT_REASONS ? (u32)(code - 0x40) : STAT_REASONS;
}

/*
 * IOIO EXITINFO1 (15.10.2 "IN and OUT Behavior", Figure 15-2): the port in
 * bits 31:16, the operand size one-hot in 6:4 (8, 16, 32 bits), the address
 * size one-hot in 9:7 (16, 32, 64 bits), the segment in 12:10 only with
 * decode assists.  A one-hot field decodes to its lowest set bit's size (the
 * tables below, indexed by the 3-bit field); a field without a bit comes
 * back 0 (QEMU's SVM leaves the address size out in real mode): the caller
 * takes it from the instruction.  *seg_known says whether the segment field
 * was meaningful.
 */
static inline struct io_access svm_decode_ioio(u64 info1, bool decode_assists, bool *seg_known)
{
    static const u8 op_bytes[8] = { 0, 1, 2, 1, 4, 1, 2, 1 };
    static const u8 addr_bytes[8] = { 0, 2, 4, 2, 8, 2, 4, 2 };
    struct io_access io = {
        .port = (u16)(info1 >> 16),
        .in = info1 & SVM_IOIO_IN,
        .string = info1 & SVM_IOIO_STR,
        .rep = info1 & SVM_IOIO_REP,
        .size = op_bytes[(info1 >> SVM_IOIO_SZ_SHIFT) & 7],
        .addr_bytes = addr_bytes[(info1 >> SVM_IOIO_A_SHIFT) & 7],
        .seg = SEG_DS,
    };
    *seg_known = decode_assists && io.string;
    if (*seg_known)
        io.seg = (u8)((info1 >> SVM_IOIO_SEG_SHIFT) & 7);
    return io;
}
#endif
