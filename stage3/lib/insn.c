/* The store decoder (include/lib/insn.h); instruction lengths: lib/insnlen.c. */
#include "lib/insn.h"

enum { SEG_ES_, SEG_CS_, SEG_SS_, SEG_DS_, SEG_FS_, SEG_GS_ };

/* The ModR/M (and SIB, and displacement) of a memory operand for the address
 * size, SDM Vol. 2A Tables 2-1 to 2-3: its length, or 0 when it does not
 * name memory (mod = 3) or is cut short.  Fills m's base, index, scale,
 * displacement, RIP-relative flag and default segment (SS for BP/SP bases). */
static u32 modrm_mem(const u8 *b, u32 avail, u32 addr, bool mode64, u8 rex, struct insn_mem *m)
{
    static const s8 base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };    /* BX BX BP BP SI DI BP BX */
    static const s8 index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 }; /* SI DI SI DI */
    if (avail < 1)
        return 0;
    u8 modrm = b[0], mod = modrm >> 6, rm = modrm & 7;
    u32 n = 1, disp = 0;
    if (mod == 3)
        return 0;
    m->base = m->index = -1;
    m->scale = 1;
    m->rip_rel = false;
    m->seg = SEG_DS_;
    if (addr == 16) {
        if (mod == 0 && rm == 6) {
            disp = 2;                                   /* [disp16] */
        } else {
            m->base = base16[rm];
            m->index = index16[rm];
            if (m->base == 5)
                m->seg = SEG_SS_;
            disp = mod == 1 ? 1 : mod == 2 ? 2 : 0;
        }
    } else {
        if (rm == 4) {                                  /* SIB */
            if (avail < 2)
                return 0;
            u8 sib = b[1], base = sib & 7, idx = (u8)(((sib >> 3) & 7) | (rex & 0x02 ? 8 : 0));
            n++;
            m->scale = (u8)(1u << (sib >> 6));
            m->index = idx == 4 ? -1 : (s8)idx;         /* 100b without REX.X: none */
            if (mod == 0 && base == 5) {
                disp = 4;                               /* no base: disp32 */
            } else {
                m->base = (s8)(base | (rex & 0x01 ? 8 : 0));
                disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;
            }
        } else if (mod == 0 && rm == 5) {
            m->rip_rel = mode64;                        /* 64-bit mode: RIP + disp32 */
            disp = 4;
        } else {
            m->base = (s8)(rm | (rex & 0x01 ? 8 : 0));
            disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;
        }
        if (m->base == 4 || m->base == 5)
            m->seg = SEG_SS_;
    }
    if (n + disp > avail)
        return 0;
    s64 d = 0;
    if (disp == 1)
        d = (s8)b[n];
    else if (disp == 2)
        d = (s16)(b[n] | b[n + 1] << 8);
    else if (disp == 4)
        d = (s32)((u32)b[n] | (u32)b[n + 1] << 8 | (u32)b[n + 2] << 16 | (u32)b[n + 3] << 24);
    m->disp = d;
    return n + disp;
}

bool insn_decode_store(const u8 *b, u32 avail, u32 mode, struct insn *out)
{
    u32 i = 0, opsize = mode == 16 ? 2 : 4, addr = mode;
    s8 seg = -1;
    u8 rex = 0;
    static const u8 seg_prefix[6] = { 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65 };

    for (; i < avail && i < INSN_MAX_LEN; i++) {    /* legacy prefixes */
        u8 p = b[i];
        bool prefix = true;
        if (p == 0x66)
            opsize = mode == 16 ? 4 : 2;
        else if (p == 0x67)
            addr = mode == 64 ? 32 : mode == 32 ? 16 : 32;
        else if (p == 0xF0 || p == 0xF2 || p == 0xF3)
            ;
        else
            prefix = false;
        for (s8 k = 0; k < 6; k++)
            if (p == seg_prefix[k]) {
                seg = k;
                prefix = true;
            }
        if (!prefix)
            break;
    }
    if (mode == 64 && i < avail && (b[i] & 0xF0) == 0x40)
        rex = b[i++];                               /* REX must come last */
    if (i >= avail)
        return false;
    if (rex & 0x08)
        opsize = 8;

    out->mem.addr = (u8)addr;
    out->mem.moffs = false;
    u8 op = b[i++];
    u32 size;
    if (op == 0xA2 || op == 0xA3) {                 /* MOV moffs, AL / eAX: an address, no ModR/M */
        u32 moffs = addr / 8;
        if (i + moffs > avail)
            return false;
        u64 a = 0;
        for (u32 k = 0; k < moffs; k++)
            a |= (u64)b[i + k] << (8 * k);
        out->mem = (struct insn_mem){ .addr = (u8)addr, .seg = seg >= 0 ? seg : SEG_DS_,
                                      .moffs = true, .base = -1, .index = -1, .scale = 1,
                                      .disp = (s64)a };
        out->kind = INSN_STORE_REG;
        out->size = (u8)(op == 0xA2 ? 1 : opsize);
        out->reg = 0;
        out->high_byte = false;
        out->imm = 0;
        out->len = (u8)(i + moffs);
        return out->len <= INSN_MAX_LEN;
    }
    switch (op) {
    case 0x88: case 0xC6: size = 1; break;          /* MOV r/m8, r8 / imm8  */
    case 0x89: case 0xC7: case 0x87: size = opsize; break;
    case 0x86: size = 1; break;                     /* XCHG r/m8, r8        */
    default: return false;
    }
    if (i >= avail)
        return false;
    u8 modrm = b[i];
    u32 m = modrm_mem(b + i, avail - i, addr, mode == 64, rex, &out->mem);
    if (!m || i + m > avail)
        return false;
    if (seg >= 0)
        out->mem.seg = seg;
    u8 reg = (u8)(((modrm >> 3) & 7) | (rex & 0x04 ? 8 : 0));
    out->kind = op == 0x86 || op == 0x87 ? INSN_XCHG : op == 0xC6 || op == 0xC7 ? INSN_STORE_IMM
                                                                               : INSN_STORE_REG;
    out->size = (u8)size;
    out->reg = reg;
    out->high_byte = size == 1 && !rex && reg >= 4 && reg < 8;
    out->imm = 0;
    i += m;
    if (out->kind == INSN_STORE_IMM) {
        if ((modrm >> 3) & 7)                       /* C6/C7 are /0 only */
            return false;
        u32 isz = size == 8 ? 4 : size;             /* imm32 sign-extended in 64-bit */
        if (i + isz > avail)
            return false;
        u64 v = 0;
        for (u32 k = 0; k < isz; k++)
            v |= (u64)b[i + k] << (8 * k);
        if (size == 8 && (v & 0x80000000u))
            v |= 0xFFFFFFFF00000000ULL;
        out->imm = v;
        i += isz;
    }
    if (i > INSN_MAX_LEN)
        return false;
    out->len = (u8)i;
    return true;
}

/*
 * The read-modify-write forms with a memory destination, for a page whose
 * writes are dropped (insn_decode_write): only their length, operand size
 * and memory operand matter.  SDM Vol. 2A/2B "ADD", "OR", "ADC", "SBB",
 * "AND", "SUB", "XOR" (00-31h, 80h/81h/83h /0-/6), "SAL/SAR/SHL/SHR",
 * "RCL/RCR/ROL/ROR" (C0h/C1h/D0h-D3h), "NOT", "NEG" (F6h/F7h /2 /3), "INC",
 * "DEC" (FEh/FFh /0 /1).  CMP and TEST only read; the bit-test forms with a
 * register offset (0F AB/B3/BB) may write outside the operand, and
 * CMPXCHG/XADD return the old value in a register: none of them is here.
 */
static bool decode_rmw(const u8 *b, u32 avail, u32 mode, struct insn *out)
{
    u32 i = 0, opsize = mode == 16 ? 2 : 4, addr = mode;
    s8 seg = -1;
    u8 rex = 0;
    static const u8 seg_prefix[6] = { 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65 };

    for (; i < avail && i < INSN_MAX_LEN; i++) {    /* legacy prefixes, as above */
        u8 p = b[i];
        bool prefix = p == 0xF0 || p == 0xF2 || p == 0xF3;
        if (p == 0x66) {
            opsize = mode == 16 ? 4 : 2;
            prefix = true;
        } else if (p == 0x67) {
            addr = mode == 64 ? 32 : mode == 32 ? 16 : 32;
            prefix = true;
        }
        for (s8 k = 0; k < 6; k++)
            if (p == seg_prefix[k]) {
                seg = k;
                prefix = true;
            }
        if (!prefix)
            break;
    }
    if (mode == 64 && i < avail && (b[i] & 0xF0) == 0x40)
        rex = b[i++];
    if (i + 1 >= avail)
        return false;
    if (rex & 0x08)
        opsize = 8;
    u8 op = b[i++], sub = (u8)((b[i] >> 3) & 7);
    u32 size, imm = 0;
    if (op < 0x40 && (op & 7) <= 1 && (op >> 3) != 7)
        size = op & 1 ? opsize : 1;                 /* ALU r/m, reg (not CMP)  */
    else if ((op == 0x80 || op == 0x81 || op == 0x83) && sub != 7) {
        size = op == 0x80 ? 1 : opsize;             /* ALU r/m, imm (not CMP)  */
        imm = op == 0x81 ? (opsize == 2 ? 2 : 4) : 1;
    } else if ((op == 0xC0 || op == 0xC1 || (op >= 0xD0 && op <= 0xD3)) && sub != 6) {
        size = op & 1 ? opsize : 1;                 /* shifts and rotates      */
        imm = op <= 0xC1 ? 1 : 0;
    } else if ((op == 0xF6 || op == 0xF7) && (sub == 2 || sub == 3))
        size = op & 1 ? opsize : 1;                 /* NOT, NEG                */
    else if ((op == 0xFE || op == 0xFF) && sub <= 1)
        size = op & 1 ? opsize : 1;                 /* INC, DEC                */
    else
        return false;
    out->mem.addr = (u8)addr;
    out->mem.moffs = false;
    u32 m = modrm_mem(b + i, avail - i, addr, mode == 64, rex, &out->mem);
    if (!m || i + m + imm > avail || i + m + imm > INSN_MAX_LEN)
        return false;
    if (seg >= 0)
        out->mem.seg = seg;
    out->kind = INSN_RMW;
    out->size = (u8)size;
    out->reg = 0;
    out->high_byte = false;
    out->imm = 0;
    out->len = (u8)(i + m + imm);
    return true;
}

bool insn_decode_write(const u8 *bytes, u32 avail, u32 mode, struct insn *out)
{
    return insn_decode_store(bytes, avail, mode, out) || decode_rmw(bytes, avail, mode, out);
}

u64 insn_store_offset(const struct insn *in, const u64 gpr[16], u64 rip)
{
    const struct insn_mem *m = &in->mem;
    u64 mask = m->addr == 16 ? 0xFFFF : m->addr == 32 ? 0xFFFFFFFFULL : ~0ULL;
    if (m->moffs)
        return (u64)m->disp & mask;
    u64 a = (u64)m->disp;
    if (m->rip_rel)
        a += rip + in->len;
    if (m->base >= 0)
        a += gpr[m->base];
    if (m->index >= 0)
        a += gpr[m->index] * m->scale;
    return a & mask;
}
