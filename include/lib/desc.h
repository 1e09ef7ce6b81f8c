/*
 * Segment descriptors as the CPU reads them from a descriptor table (pure;
 * unit-tested in tests/unit/test_desc.c): what loading a selector puts in a
 * segment register's hidden part (SDM Vol. 3A 3.4.5 "Segment Descriptors",
 * 3.5 "System Descriptor Types", 7.2.3 "TSS Descriptor in 64-bit mode").
 * The in-place launch (core/inplace.c) rebuilds the hidden parts of a CPU
 * it cannot read them from this way.
 */
#ifndef PXHV_DESC_H
#define PXHV_DESC_H
#include "lib/types.h"

struct desc {
    u64 base;
    u32 limit;               /* in bytes - 1, granularity applied        */
    u8  type, dpl;           /* type: descriptor bits 43:40              */
    bool s, present, avl, l, db, g;
};

/* The descriptor at `raw` (8 bytes, or 16 for a system descriptor in
 * IA-32e mode: `long_mode` with S = 0) as a segment register holds it once
 * loaded: the limit scaled by G, and for a code or data segment the accessed
 * bit set, as the CPU sets it when it loads the selector (3.4.5.1). */
void desc_decode(const u64 raw[2], bool long_mode, struct desc *out);

/* Where selector `sel`'s descriptor lies in its table (the GDT, or the LDT
 * with TI = 1) of limit + 1 bytes: bits 15:3 index it.  False for a null
 * selector (index 0 of the GDT; the LDT's index 0 is a descriptor) or when
 * `bytes` of it do not fit under the limit (3.4.2 "Segment Selectors"). */
bool desc_offset(u16 sel, u32 table_limit, u32 bytes, u32 *offset);

#endif
