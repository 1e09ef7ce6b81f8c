/*
 * A decoder for the few instructions pxHV emulates after an access the
 * second-level tables stopped, where the CPU reports no instruction length:
 * stores to the local APIC's registers (MOV r/m, reg; MOV r/m, imm; MOV moffs,
 * AL/eAX; XCHG).
 * Pure code (lib/insn.c; the instruction lengths below: lib/insnlen.c),
 * unit-tested on the host (tests/unit/test_insn.c).
 * SDM Vol. 2A 2.1 "Instruction Format", 2.2.1 "REX Prefixes", Tables 2-1
 * to 2-3 (ModR/M and SIB), "MOV", "XCHG".
 */
#ifndef PXHV_INSN_H
#define PXHV_INSN_H
#include "lib/types.h"

#define INSN_MAX_LEN 15

enum insn_kind { INSN_STORE_REG, INSN_STORE_IMM, INSN_XCHG, INSN_RMW };

/* The memory operand: where the store goes (Tables 2-1 to 2-3). */
struct insn_mem {
    u8  addr;         /* address size: 16, 32 or 64                      */
    s8  seg;          /* segment (enum seg_reg order: ES CS SS DS FS GS) */
    bool rip_rel;     /* 64-bit mode [RIP + disp32]                      */
    bool moffs;       /* MOV moffs: the address is `disp`                */
    s8  base, index;  /* register numbers (0-15), -1 for none            */
    u8  scale;        /* 1, 2, 4 or 8                                    */
    s64 disp;
};

struct insn {
    u8  len;          /* bytes, prefixes included                        */
    u8  kind;         /* enum insn_kind                                  */
    u8  size;         /* operand bytes: 1, 2, 4 or 8                     */
    u8  reg;          /* INSN_STORE_REG/XCHG: register number (0-15)     */
    bool high_byte;   /* size 1 without REX, reg 4-7: AH, CH, DH, BH     */
    u64 imm;          /* INSN_STORE_IMM: the value (sign-extended to size) */
    struct insn_mem mem;
};

/*
 * Decode the instruction in bytes[0..avail) for a CPU whose default operand
 * and address size is `mode` (16, 32 or 64; 64 means 64-bit mode, where REX
 * prefixes exist).  Returns false for anything that is not one of the
 * stores above with a memory destination, or that needs more bytes.
 */
bool insn_decode_store(const u8 *bytes, u32 avail, u32 mode, struct insn *out);

/*
 * For a page whose writes pxHV drops (the IOMMU's registers, stage3/iommu):
 * what insn_decode_store decodes, and the read-modify-write instructions
 * with a memory destination (ALU operations, shifts and rotates, NOT, NEG,
 * INC, DEC), as kind INSN_RMW with their length, operand size and memory
 * operand.  A dropped RMW changes neither memory nor the flags.
 */
bool insn_decode_write(const u8 *bytes, u32 avail, u32 mode, struct insn *out);

/* The offset in its segment that the decoded store writes, from the
 * registers (`gpr` in RAX..R15 order) and the address of the instruction
 * (`rip`, for RIP-relative operands), wrapped to the address size. */
u64 insn_store_offset(const struct insn *in, const u64 gpr[16], u64 rip);

/* What the legacy prefixes of an instruction say (insn_length). */
struct insn_prefixes {
    int seg;          /* a segment override: enum seg_reg (ES CS SS DS FS GS), or -1 */
    u8  addr_bytes;   /* the effective address size: 2, 4 or 8, with 67h applied    */
};

/*
 * The length of an instruction an SVM exit reports without its length (no
 * NRIP save, APM Vol. 2 15.7.1): CPUID, RDMSR, WRMSR, INVD, HLT, VMMCALL,
 * IN, OUT, INS, OUTS and the other SVM instructions, with any legacy
 * prefixes (and REX in 64-bit mode), in a code segment of `mode` (16, 32
 * or 64) bits.  `pfx` gets what the prefixes say even when the opcode is
 * not one of these.  Returns 0 for anything else.
 */
u32 insn_length(const u8 *bytes, u32 avail, u32 mode, struct insn_prefixes *pfx);

/* The length of any instruction in a `mode`-bit code segment (prefixes,
 * REX, VEX/EVEX, opcode, ModR/M, SIB, displacement, immediate); 0 when the
 * bytes end first.  Its meaning is not decoded. */
u32 insn_length_any(const u8 *bytes, u32 avail, u32 mode);

#endif
