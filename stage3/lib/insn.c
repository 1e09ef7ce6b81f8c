/* The store decoder (include/lib/insn.h). */
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

u32 insn_length(const u8 *b, u32 avail, u32 mode, struct insn_prefixes *pfx)
{
    static const u8 seg_prefix[6] = { 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65 };
    u32 i = 0;
    bool addr_override = false;
    pfx->seg = -1;
    for (; i < avail && i < INSN_MAX_LEN; i++) {
        u8 p = b[i];
        bool prefix = p == 0x66 || p == 0x67 || p == 0xF0 || p == 0xF2 || p == 0xF3;
        addr_override |= p == 0x67;
        for (int s = 0; s < 6; s++)
            if (p == seg_prefix[s]) {
                pfx->seg = s;           /* the last one counts, as on the CPU */
                prefix = true;
            }
        if (!prefix)
            break;
    }
    /* SDM Vol. 1 3.6.1 "Operand Size and Address Size in 64-Bit Mode" and
     * Table 3-3: 67h toggles 16/32 bits, and selects 32 in 64-bit mode. */
    if (mode == 64)
        pfx->addr_bytes = addr_override ? 4 : 8;
    else
        pfx->addr_bytes = (mode == 32) != addr_override ? 4 : 2;
    if (mode == 64 && i < avail && (b[i] & 0xF0) == 0x40)
        i++;
    if (i >= avail)
        return 0;
    u8 op = b[i];
    u32 n = 0;
    if (op == 0xF4 || op == 0x6C || op == 0x6D || op == 0x6E || op == 0x6F ||
        op == 0xEC || op == 0xED || op == 0xEE || op == 0xEF)
        n = i + 1;                                  /* HLT, INS, OUTS, IN/OUT DX */
    else if (op == 0xE4 || op == 0xE5 || op == 0xE6 || op == 0xE7)
        n = i + 2;                                  /* IN/OUT imm8 */
    else if (op == 0x0F && i + 1 < avail) {
        u8 op2 = b[i + 1];
        if (op2 == 0xA2 || op2 == 0x30 || op2 == 0x32 || op2 == 0x08 || op2 == 0x09)
            n = i + 2;                              /* CPUID, WRMSR, RDMSR, INVD, WBINVD */
        else if (op2 == 0x01 && i + 2 < avail && b[i + 2] >= 0xD8 && b[i + 2] <= 0xDF)
            n = i + 3;                              /* VMRUN ... INVLPGA (0F 01 D8-DF) */
        else if (op2 == 0x01 && i + 2 < avail && (b[i + 2] == 0xC1 || b[i + 2] == 0xD1))
            n = i + 3;                              /* VMCALL, XSETBV */
    }
    return n <= INSN_MAX_LEN && n <= avail ? n : 0;
}

/*
 * The length of any instruction (SDM Vol. 2A ch. 2 "Instruction Format",
 * Appendix A "Opcode Map"): prefixes, REX, VEX/EVEX, the opcode, ModR/M,
 * SIB, displacement and immediate.  For stepping over an instruction pxHV
 * refuses (a root guest's access to a cell's memory): only the length is
 * needed, not the meaning.
 */
enum { L_M = 1, L_IB = 2, L_IW = 4, L_IZ = 8, L_IV = 16, L_MOFFS = 32, L_PTR = 64, L_NONE = 0 };

/* One-byte opcodes: ModR/M and immediate per Table A-2. */
static u8 one_byte(u8 op)
{
    if (op < 0x40) {
        u8 lo = op & 7;
        if ((op & 0xF) >= 8 && op == 0x0F)
            return 0;                               /* escape, handled by the caller */
        return lo < 4 ? L_M : lo == 4 ? L_IB : lo == 5 ? L_IZ : L_NONE;
    }
    if (op < 0x60)
        return L_NONE;                              /* INC/DEC, PUSH/POP */
    if (op >= 0x70 && op <= 0x7F)
        return L_IB;                                /* Jcc rel8 */
    if (op >= 0x84 && op <= 0x8F)
        return L_M;
    if (op >= 0x90 && op <= 0x99)
        return L_NONE;
    if (op >= 0xB0 && op <= 0xB7)
        return L_IB;
    if (op >= 0xB8 && op <= 0xBF)
        return L_IV;                                /* MOV r, imm16/32/64 */
    if (op >= 0xD8 && op <= 0xDF)
        return L_M;                                 /* x87 */
    if (op >= 0xE0 && op <= 0xE7)
        return L_IB;                                /* LOOP, JCXZ, IN/OUT imm8 */
    switch (op) {
    case 0x62: case 0x63: return L_M;
    case 0x68: return L_IZ;
    case 0x69: return L_M | L_IZ;
    case 0x6A: return L_IB;
    case 0x6B: return L_M | L_IB;
    case 0x80: case 0x82: case 0x83: return L_M | L_IB;
    case 0x81: return L_M | L_IZ;
    case 0x9A: case 0xEA: return L_PTR;
    case 0xA0: case 0xA1: case 0xA2: case 0xA3: return L_MOFFS;
    case 0xA8: return L_IB;
    case 0xA9: return L_IZ;
    case 0xC0: case 0xC1: case 0xC6: return L_M | L_IB;
    case 0xC2: case 0xCA: return L_IW;
    case 0xC4: case 0xC5: return L_M;                /* LES, LDS (VEX is the caller's) */
    case 0xC7: return L_M | L_IZ;
    case 0xC8: return L_IW | L_IB;                  /* ENTER */
    case 0xCD: case 0xD4: case 0xD5: case 0xEB: return L_IB;
    case 0xD0: case 0xD1: case 0xD2: case 0xD3: return L_M;
    case 0xE8: case 0xE9: return L_IZ;
    case 0xF6: case 0xF7: case 0xFE: case 0xFF: return L_M;   /* group 3's TEST: the caller */
    default: return L_NONE;
    }
}

/* Two-byte opcodes 0F xx (Table A-3). */
static u8 two_byte(u8 op)
{
    if (op >= 0x80 && op <= 0x8F)
        return L_IZ;                                /* Jcc rel16/32 */
    if ((op >= 0x30 && op <= 0x37) || (op >= 0xC8 && op <= 0xCF))
        return L_NONE;                              /* WRMSR..GETSEC, BSWAP */
    switch (op) {
    case 0x05: case 0x06: case 0x07: case 0x08: case 0x09: case 0x0B: case 0x0E:
    case 0x77: case 0xA0: case 0xA1: case 0xA2: case 0xA8: case 0xA9: case 0xAA:
        return L_NONE;
    case 0x0F: case 0x70: case 0x71: case 0x72: case 0x73: case 0xA4: case 0xAC:
    case 0xBA: case 0xC2: case 0xC4: case 0xC5: case 0xC6:
        return L_M | L_IB;
    default:
        return L_M;
    }
}

/* ModR/M, SIB and displacement: their length for the address size. */
static u32 modrm_len(const u8 *b, u32 avail, u32 addr)
{
    if (avail < 1)
        return 0;
    u8 mod = b[0] >> 6, rm = b[0] & 7;
    if (mod == 3)
        return 1;
    if (addr == 16)
        return 1 + (mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 6) ? 2 : 0);
    u32 n = 1;
    if (rm == 4) {
        if (avail < 2)
            return 0;
        n = 2;
        if (mod == 0 && (b[1] & 7) == 5)
            return n + 4;
    }
    if (mod == 0 && rm == 5)
        return n + 4;
    return n + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

u32 insn_length_any(const u8 *b, u32 avail, u32 mode)
{
    u32 i = 0, opsize = mode == 16 ? 2 : 4, addr = mode;
    bool w = false;
    if (avail > INSN_MAX_LEN)
        avail = INSN_MAX_LEN;
    for (; i < avail; i++) {
        u8 p = b[i];
        if (p == 0x66)
            opsize = mode == 16 ? 4 : 2;
        else if (p == 0x67)
            addr = mode == 64 ? 32 : mode == 32 ? 16 : 32;
        else if (!(p == 0xF0 || p == 0xF2 || p == 0xF3 || p == 0x26 || p == 0x2E ||
                   p == 0x36 || p == 0x3E || p == 0x64 || p == 0x65))
            break;
    }
    if (mode == 64 && i < avail && (b[i] & 0xF0) == 0x40)
        w = b[i++] & 0x08;                          /* REX, last before the opcode */
    if (i >= avail)
        return 0;
    if (w)
        opsize = 8;
    u8 op = b[i++], flags;
    u32 map = 0;                                    /* 0: one byte, 1: 0F, 2: 0F38, 3: 0F3A */
    /* VEX (C4, C5) and EVEX (62): outside 64-bit mode only where the next
     * byte could not be a ModR/M naming memory (LES, LDS, BOUND otherwise). */
    if ((op == 0xC4 || op == 0xC5 || op == 0x62) && i < avail &&
        (mode == 64 || (b[i] & 0xC0) == 0xC0)) {
        u32 payload = op == 0xC5 ? 1 : op == 0xC4 ? 2 : 3;
        if (i + payload >= avail)
            return 0;
        map = op == 0xC5 ? 1 : b[i] & (op == 0x62 ? 3 : 0x1F);
        i += payload;
        op = b[i++];
        if (map < 1 || map > 3)
            return 0;
        flags = map == 1 ? (op == 0x77 ? L_NONE : two_byte(op) | L_M) : map == 2 ? L_M : L_M | L_IB;
        if (map == 1 && (op >= 0x80 && op <= 0x8F))
            return 0;                               /* no VEX form */
    } else if (op == 0x0F) {
        if (i >= avail)
            return 0;
        op = b[i++];
        if (op == 0x38 || op == 0x3A) {
            if (i >= avail)
                return 0;
            flags = op == 0x38 ? L_M : L_M | L_IB;
            op = b[i++];
        } else {
            flags = two_byte(op);
        }
    } else {
        flags = one_byte(op);
        if ((op == 0xF6 || op == 0xF7) && i < avail && ((b[i] >> 3) & 7) < 2)
            flags |= op == 0xF6 ? L_IB : L_IZ;      /* TEST r/m, imm */
    }
    if (flags & L_M) {
        u32 n = modrm_len(b + i, avail - i, addr);
        if (!n)
            return 0;
        i += n;
    }
    u32 imm = 0;
    if (flags & L_IB)
        imm += 1;
    if (flags & L_IW)
        imm += 2;
    if (flags & L_IZ)
        imm += opsize == 2 ? 2 : 4;
    if (flags & L_IV)
        imm += opsize;
    if (flags & L_MOFFS)
        imm += addr / 8;
    if (flags & L_PTR)
        imm += (opsize == 2 ? 2 : 4) + 2;
    if (i + imm > avail)
        return 0;
    return i + imm;
}
