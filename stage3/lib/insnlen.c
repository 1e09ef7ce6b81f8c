/*
 * Instruction lengths (include/lib/insn.h): of the instructions an SVM exit
 * reports without one (insn_length), and of any instruction (insn_length_any).
 * The store decoder is lib/insn.c.
 */
#include "lib/insn.h"

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
