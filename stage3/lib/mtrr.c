/*
 * MTRR memory-type resolution, SDM Vol. 3A 11.11 "Memory Type Range
 * Registers (MTRRs)".  Pure code working on saved MSR values; unit-tested
 * on the host (tests/unit/test_mtrr.c).
 */
#include "lib/mtrr.h"

#define FIXED_END    0x100000ULL
#define NONE         0xFFFFFFFFFFFFFFFFULL  /* "no further change point"   */

/*
 * Only UC, WC, WT, WP and WB exist (Table 11-8); the other encodings are
 * reserved and cannot be loaded into an MTRR.  Should a caller hand us one
 * anyway, UC is the type that can never do harm.
 */
static u8 valid_type(u64 t)
{
    t &= 0xFF;
    return (t == MT_UC || t == MT_WC || t == MT_WT || t == MT_WP || t == MT_WB)
               ? (u8)t : MT_UC;
}

static bool enabled(const struct mtrr_state *s)
{
    return (s->def_type & MTRR_DEF_TYPE_E) != 0;
}

/* Fixed ranges count only when enabled (FE) and implemented (MTRRCAP.FIX). */
static bool fixed_on(const struct mtrr_state *s)
{
    return enabled(s) && (s->def_type & MTRR_DEF_TYPE_FE) && (s->cap & MTRRCAP_FIX);
}

/* MAXPHYADDR; 36 is the architectural value when CPUID cannot tell. */
static u32 phys_bits(const struct mtrr_state *s)
{
    u32 pb = s->phys_bits;
    return (pb < 32 || pb > 52) ? 36 : pb;
}

static u32 var_count(const struct mtrr_state *s)
{
    u32 n = (u32)(s->cap & 0xFF);   /* MTRRCAP.VCNT */
    return n > MTRR_VAR_MAX ? MTRR_VAR_MAX : n;
}

/*
 * Fixed-range layout (11.11.2.2, Table 11-9): one byte per sub-range,
 *  0x00000-0x7FFFF:  8 x 64 KiB in FIX64K_00000            (fixed[0])
 *  0x80000-0xBFFFF: 16 x 16 KiB in FIX16K_80000/A0000      (fixed[1..2])
 *  0xC0000-0xFFFFF: 64 x  4 KiB in FIX4K_C0000..F8000      (fixed[3..10])
 */
static u8 fixed_type(const struct mtrr_state *s, u64 addr)
{
    u32 msr, byte;
    if (addr < 0x80000) {
        msr = 0;
        byte = (u32)(addr >> 16);
    } else if (addr < 0xC0000) {
        msr = 1 + (u32)((addr - 0x80000) >> 17);
        byte = (u32)((addr >> 14) & 7);
    } else {
        msr = 3 + (u32)((addr - 0xC0000) >> 15);
        byte = (u32)((addr >> 12) & 7);
    }
    return valid_type(s->fixed[msr] >> (byte * 8));
}

/* First address after the fixed sub-range holding addr. */
static u64 fixed_next(u64 addr)
{
    if (addr < 0x80000)
        return (addr | 0xFFFF) + 1;
    if (addr < 0xC0000)
        return (addr | 0x3FFF) + 1;
    return (addr | 0xFFF) + 1;
}

/* The address bits a variable range compares: PhysMask bits MAXPHYADDR-1:12. */
static u64 var_mask(const struct mtrr_state *s, u32 i)
{
    u64 pmask = (1ULL << phys_bits(s)) - 1;
    return s->var_mask[i] & pmask & ~0xFFFULL;
}

/* 11.11.2.3: a range matches when (addr AND mask) == (base AND mask). */
static bool var_match(const struct mtrr_state *s, u32 i, u64 addr)
{
    u64 m = var_mask(s, i);
    return ((addr ^ s->var_base[i]) & m) == 0;
}

/* Bit mask of one type, for collecting the set of matching types. */
#define TBIT(t) (1u << (t))

/* 11.11.4.1 precedence for addresses the fixed ranges do not decide. */
static u8 var_type(const struct mtrr_state *s, u64 addr)
{
    u32 seen = 0;
    u32 n = var_count(s);
    for (u32 i = 0; i < n; i++) {
        if (!(s->var_mask[i] & MTRR_PHYSMASK_V))
            continue;
        if (var_match(s, i, addr))
            seen |= TBIT(valid_type(s->var_base[i]));
    }
    if (seen == 0)
        return valid_type(s->def_type);
    if (seen & TBIT(MT_UC))
        return MT_UC;                  /* any UC wins                       */
    if ((seen & (seen - 1)) == 0) {    /* all matches agree                 */
        u8 t = 0;
        while (!(seen & TBIT(t)))
            t++;
        return t;
    }
    if (seen == (TBIT(MT_WT) | TBIT(MT_WB)))
        return MT_WT;                  /* WT with WB gives WT               */
    return MT_UC;                      /* undefined overlap: be safe        */
}

u8 mtrr_type_of(const struct mtrr_state *s, u64 addr)
{
    if (!enabled(s))
        return MT_UC;   /* 11.11.2.1: E clear -> all of memory is UC */
    if (addr < FIXED_END && fixed_on(s))
        return fixed_type(s, addr);
    return var_type(s, addr);
}

/* Is the mask "bits MAXPHYADDR-1 down to some k, all set"?  (Then the range
 * is one naturally aligned 2^k block, repeated every 2^MAXPHYADDR.) */
static bool contiguous(const struct mtrr_state *s, u32 i, u32 *k)
{
    u64 m = var_mask(s, i);
    if (m == 0)
        return false;
    u32 low = 12;
    while (!(m & (1ULL << low)))
        low++;
    u64 want = ((1ULL << phys_bits(s)) - 1) & ~((1ULL << low) - 1);
    *k = low;
    return m == want;
}

/*
 * Next address above p at which "range i matches" changes, NONE if it
 * never does.  For a contiguous mask the matched set is the aligned block
 * {x : x[pb-1:k] == base[pb-1:k]} in each 2^pb period (address bits above
 * MAXPHYADDR are not compared, so the block repeats).
 */
static u64 var_next_change(const struct mtrr_state *s, u32 i, u32 k, u64 p)
{
    u32 pb = phys_bits(s);
    u64 period = 1ULL << pb;
    u64 size = 1ULL << k;
    if (var_match(s, i, p)) {
        u64 end = (p | (size - 1)) + 1;
        return end == 0 ? NONE : end;
    }
    u64 start = (p & ~(period - 1)) | (s->var_base[i] & var_mask(s, i));
    if (start > p)
        return start;
    start += period;
    return start < p ? NONE : start;   /* wrapped past 2^64 */
}

/*
 * Can range i's match status change inside [a, last]?  Bits above the
 * highest bit in which a and last differ are the same for the whole span;
 * a mismatch there means "never matches", and if the mask has no bits in
 * the varying part, the status is constant too.
 */
static bool var_constant_over(const struct mtrr_state *s, u32 i, u64 a, u64 last)
{
    u64 m = var_mask(s, i);
    u64 diff = a ^ last;
    u64 varying = 0;
    while (diff) {          /* all bits at and below the highest differing one */
        varying = (varying << 1) | 1;
        diff >>= 1;
    }
    if (((a ^ s->var_base[i]) & m & ~varying) != 0)
        return true;
    return (m & varying) == 0;
}

/*
 * Variable-range part of mtrr_range_type over [a, last] (inclusive, so
 * the top of the address space needs no special case).  Walks only the
 * points where some range's match status changes: a handful per range,
 * however long the span.
 */
static u8 var_range_type(const struct mtrr_state *s, u64 a, u64 last)
{
    u32 n = var_count(s);
    u32 ks[MTRR_VAR_MAX];
    bool active[MTRR_VAR_MAX];

    for (u32 i = 0; i < n; i++) {
        active[i] = false;
        if (!(s->var_mask[i] & MTRR_PHYSMASK_V))
            continue;
        if (var_constant_over(s, i, a, last))
            continue;
        if (!contiguous(s, i, &ks[i]))
            return MT_MIXED;   /* conservative: callers split further */
        active[i] = true;
    }

    u64 p = a;
    u8 t = var_type(s, p);
    for (;;) {
        u64 q = NONE;
        for (u32 i = 0; i < n; i++) {
            if (!active[i])
                continue;
            u64 c = var_next_change(s, i, ks[i], p);
            if (c < q)
                q = c;
        }
        if (q == NONE || q > last)
            return t;
        if (var_type(s, q) != t)
            return MT_MIXED;
        p = q;
    }
}

u8 mtrr_range_type(const struct mtrr_state *s, u64 base, u64 len)
{
    if (len == 0)
        return mtrr_type_of(s, base);
    if (!enabled(s))
        return MT_UC;

    u64 last = base + len - 1;
    if (last < base)
        last = NONE;   /* clip at the top of the address space */

    u64 p = base;
    int t = -1;        /* type so far, -1 = none yet */
    if (p < FIXED_END && fixed_on(s)) {
        while (p < FIXED_END && p <= last) {
            u8 f = fixed_type(s, p);
            if (t >= 0 && f != t)
                return MT_MIXED;
            t = f;
            p = fixed_next(p);
        }
        if (p > last)
            return (u8)t;
    }
    u8 v = var_range_type(s, p, last);
    if (v == MT_MIXED || (t >= 0 && v != t))
        return MT_MIXED;
    return v;
}

const char *mtrr_type_name(u8 type)
{
    switch (type) {
    case MT_UC: return "UC";
    case MT_WC: return "WC";
    case MT_WT: return "WT";
    case MT_WP: return "WP";
    case MT_WB: return "WB";
    case MT_MIXED: return "mixed";
    default: return "??";
    }
}

u64 *mtrr_msr(struct mtrr_state *s, u32 msr)
{
    u32 vcnt = (u32)(s->cap & MTRRCAP_VCNT);
    if (msr == 0x2FF)                                   /* IA32_MTRR_DEF_TYPE */
        return &s->def_type;
    if (msr >= 0x200 && msr < 0x200 + 2 * vcnt && msr < 0x200 + 2 * MTRR_VAR_MAX)
        return msr & 1 ? &s->var_mask[(msr - 0x200) / 2] : &s->var_base[(msr - 0x200) / 2];
    if (!(s->cap & MTRRCAP_FIX))
        return NULL;
    if (msr == 0x250)
        return &s->fixed[0];
    if (msr == 0x258 || msr == 0x259)
        return &s->fixed[1 + msr - 0x258];
    if (msr >= 0x268 && msr <= 0x26F)
        return &s->fixed[3 + msr - 0x268];
    return NULL;
}

static bool type_ok(u64 t)
{
    return t == MT_UC || t == MT_WC || t == MT_WT || t == MT_WP || t == MT_WB;
}

bool mtrr_msr_value_ok(const struct mtrr_state *s, u32 msr, u64 v)
{
    u64 above = ~((1ULL << phys_bits(s)) - 1);
    if (msr == 0x2FF)
        return !(v & ~0xCFFULL) && type_ok(v & 0xFF);
    if (msr >= 0x200 && msr < 0x220)
        return msr & 1 ? !(v & (above | 0x7FF))                  /* PhysMask */
                       : !(v & (above | 0xF00)) && type_ok(v & 0xFF);   /* PhysBase */
    for (u32 i = 0; i < 8; i++)                          /* fixed: eight types */
        if (!type_ok((v >> (8 * i)) & 0xFF))
            return false;
    return true;
}
