// sources: stage3/lib/insn.c stage3/lib/insnlen.c
/*
 * Unit tests for the store decoder (stage3/lib/insn.c): the encodings
 * guests use to write local APIC registers, in 16-, 32- and 64-bit code,
 * with prefixes, SIB, displacements and immediates (SDM Vol. 2A ch. 2);
 * and the length decoder SVM uses without NRIP save (stage3/lib/insnlen.c),
 * with what the prefixes say (segment override, address size: SDM Vol. 1
 * Table 3-3).
 */
#include "unit.h"
#include "lib/insn.h"

static struct insn in;

static bool dec_with(bool (*fn)(const u8 *, u32, u32, struct insn *), u32 mode, const char *hex)
{
    u8 b[32];
    u32 n = 0;
    for (const char *p = hex; *p; ) {
        if (*p == ' ') { p++; continue; }
        unsigned v;
        sscanf(p, "%2x", &v);
        b[n++] = (u8)v;
        p += 2;
    }
    memset(&in, 0xEE, sizeof in);
    return fn(b, n, mode, &in);
}
static bool dec(u32 mode, const char *hex) { return dec_with(insn_decode_store, mode, hex); }
static bool decw(u32 mode, const char *hex) { return dec_with(insn_decode_write, mode, hex); }

#define RMW(mode, hex, len_, size_)                               \
    do {                                                          \
        CHECK(decw(mode, hex));                                   \
        CHECK_EQ(in.kind, INSN_RMW);                              \
        CHECK_EQ(in.len, len_);                                   \
        CHECK_EQ(in.size, size_);                                 \
    } while (0)

/* insn_decode_write: the stores above, then the read-modify-write forms
 * whose writes a page that drops them skips by length. */
static void test_write(void)
{
    CHECK(decw(32, "89 83 00 03 00 00"));                         /* a store stays a store  */
    CHECK_EQ(in.kind, INSN_STORE_REG);
    CHECK(decw(32, "87 03"));
    CHECK_EQ(in.kind, INSN_XCHG);
    RMW(32, "09 03", 2, 4);                                       /* or [ebx], eax          */
    RMW(32, "f0 09 03", 3, 4);                                    /* lock or                */
    RMW(32, "08 23", 2, 1);                                       /* or [ebx], ah           */
    RMW(32, "31 43 18", 3, 4);                                    /* xor [ebx+0x18], eax    */
    RMW(32, "83 4b 18 01", 4, 4);                                 /* or dword [ebx+0x18], 1 */
    RMW(32, "81 63 18 ff ff ff 7f", 7, 4);                        /* and dword [..], imm32  */
    RMW(32, "66 81 63 18 ff 7f", 6, 2);                           /* and word [..], imm16   */
    RMW(32, "80 0d 18 00 d9 fe 80", 7, 1);                        /* or byte [disp32], 0x80 */
    RMW(32, "ff 03", 2, 4);                                       /* inc dword [ebx]        */
    RMW(32, "fe 0b", 2, 1);                                       /* dec byte [ebx]         */
    RMW(32, "f7 13", 2, 4);                                       /* not dword [ebx]        */
    RMW(32, "f7 1b", 2, 4);                                       /* neg dword [ebx]        */
    RMW(32, "c1 23 04", 3, 4);                                    /* shl dword [ebx], 4     */
    RMW(32, "d1 2b", 2, 4);                                       /* shr dword [ebx], 1     */
    RMW(32, "d3 03", 2, 4);                                       /* rol dword [ebx], cl    */
    RMW(64, "48 83 0d 10 00 00 00 01", 8, 8);                     /* or qword [rip+0x10], 1 */
    u64 r[16] = { 0 };
    CHECK_EQ(insn_store_offset(&in, r, 0x1000), 0x1018);          /* after the imm8 */
    RMW(16, "83 0f 01", 3, 2);                                    /* or word [bx], 1        */
    /* Reads, register destinations and forms that are not here. */
    CHECK(!decw(32, "39 03"));                                    /* cmp [ebx], eax         */
    CHECK(!decw(32, "83 3b 01"));                                 /* cmp dword [ebx], 1     */
    CHECK(!decw(32, "f7 03 01 00 00 00"));                        /* test dword [ebx], 1    */
    CHECK(!decw(32, "09 c3"));                                    /* or ebx, eax            */
    CHECK(!decw(32, "0b 03"));                                    /* or eax, [ebx]: a load  */
    CHECK(!decw(32, "0f ab 03"));                                 /* bts [ebx], eax         */
    CHECK(!decw(32, "0f b1 0b"));                                 /* cmpxchg [ebx], ecx     */
    CHECK(!decw(32, "f3 ab"));                                    /* rep stosd              */
    CHECK(!decw(32, "ff 33"));                                    /* push dword [ebx]       */
    CHECK(!decw(32, "83 4b 18"));                                 /* truncated immediate    */
    CHECK(!decw(32, "09"));                                       /* no ModR/M              */
}


#define STORE(mode, hex, kind_, len_, size_, reg_)                 \
    do {                                                          \
        CHECK(dec(mode, hex));                                    \
        CHECK_EQ(in.kind, kind_);                                 \
        CHECK_EQ(in.len, len_);                                   \
        CHECK_EQ(in.size, size_);                                 \
        if (kind_ != INSN_STORE_IMM)                              \
            CHECK_EQ(in.reg, reg_);                               \
    } while (0)

static struct insn_prefixes pfx;

static u32 len(u32 mode, const char *hex)
{
    u8 b[32];
    u32 n = 0;
    for (const char *p = hex; *p; ) {
        if (*p == ' ') { p++; continue; }
        unsigned v;
        sscanf(p, "%2x", &v);
        b[n++] = (u8)v;
        p += 2;
    }
    memset(&pfx, 0xEE, sizeof pfx);
    return insn_length(b, n, mode, &pfx);
}

static void test_length(void)
{
    CHECK_EQ(len(16, "0f a2"), 2);                 /* CPUID */
    CHECK_EQ(pfx.seg, -1);
    CHECK_EQ(pfx.addr_bytes, 2);
    CHECK_EQ(len(32, "0f 32"), 2);                 /* RDMSR */
    CHECK_EQ(pfx.addr_bytes, 4);
    CHECK_EQ(len(64, "0f 01 d9"), 3);              /* VMMCALL */
    CHECK_EQ(pfx.addr_bytes, 8);
    CHECK_EQ(len(16, "f3 6e"), 2);                 /* REP OUTSB */
    CHECK_EQ(pfx.seg, -1);
    CHECK_EQ(pfx.addr_bytes, 2);
    CHECK_EQ(len(16, "f3 26 67 6f"), 4);           /* REP ES: a32 OUTSW/D */
    CHECK_EQ(pfx.seg, 0);
    CHECK_EQ(pfx.addr_bytes, 4);
    CHECK_EQ(len(32, "67 64 6e"), 3);              /* a16 FS: OUTSB */
    CHECK_EQ(pfx.seg, 4);
    CHECK_EQ(pfx.addr_bytes, 2);
    CHECK_EQ(len(32, "2e 3e 6e"), 3);              /* two overrides: the last counts */
    CHECK_EQ(pfx.seg, 3);
    CHECK_EQ(len(64, "67 48 6f"), 3);              /* a32, REX.W OUTS */
    CHECK_EQ(pfx.addr_bytes, 4);
    CHECK_EQ(len(64, "f3 65 48 6d"), 4);           /* REP GS: INS with REX */
    CHECK_EQ(pfx.seg, 5);
    CHECK_EQ(pfx.addr_bytes, 8);
    CHECK_EQ(len(16, "e6 80"), 2);                 /* OUT imm8, AL */
    CHECK_EQ(len(16, "ee"), 1);                    /* OUT DX, AL */
    CHECK_EQ(len(16, "f4"), 1);                    /* HLT */
    /* Not one it knows: 0, and the prefixes are still told. */
    CHECK_EQ(len(16, "67 26 90"), 0);
    CHECK_EQ(pfx.seg, 0);
    CHECK_EQ(pfx.addr_bytes, 4);
    CHECK_EQ(len(32, "66"), 0);                    /* cut short */
    CHECK_EQ(pfx.addr_bytes, 4);
    CHECK_EQ(len(16, "e6"), 0);                    /* imm8 missing */
}

static u32 any(u32 mode, const char *hex)
{
    u8 b[32];
    u32 n = 0;
    for (const char *p = hex; *p; ) {
        if (*p == ' ') { p++; continue; }
        unsigned v;
        sscanf(p, "%2x", &v);
        b[n++] = (u8)v;
        p += 2;
    }
    return insn_length_any(b, n, mode);
}

/* Any instruction's length, encodings from SDM Vol. 2 (as assemblers emit them). */
static void test_length_any(void)
{
    CHECK_EQ(any(16, "8b 07"), 2);                             /* mov ax, [bx]              */
    CHECK_EQ(any(16, "a1 34 12"), 3);                          /* mov ax, [0x1234]          */
    CHECK_EQ(any(16, "c7 06 00 03 34 12"), 6);                 /* mov word [0x300], 0x1234  */
    CHECK_EQ(any(16, "66 c7 06 00 03 78 56 34 12"), 9);        /* mov dword [0x300], imm32  */
    CHECK_EQ(any(16, "f6 06 00 03 01"), 5);                    /* test byte [0x300], 1      */
    CHECK_EQ(any(16, "f7 46 02 34 12"), 5);                    /* test word [bp+2], 0x1234  */
    CHECK_EQ(any(16, "f7 5e 02"), 3);                          /* neg word [bp+2]: no imm   */
    CHECK_EQ(any(16, "e8 00 00"), 3);                          /* call rel16                */
    CHECK_EQ(any(16, "ea 00 00 00 f0"), 5);                    /* jmp f000:0000             */
    CHECK_EQ(any(16, "c8 10 00 01"), 4);                       /* enter 16, 1               */
    CHECK_EQ(any(16, "0f b6 07"), 3);                          /* movzx ax, byte [bx]       */
    CHECK_EQ(any(16, "f3 a4"), 2);                             /* rep movsb                 */
    CHECK_EQ(any(16, "67 8b 04 24"), 4);                       /* mov ax, [esp]             */
    CHECK_EQ(any(16, "26 8a 86 00 10"), 5);                    /* mov al, es:[bp+0x1000]    */
    CHECK_EQ(any(32, "8b 83 00 03 00 00"), 6);                 /* mov eax, [ebx+0x300]      */
    CHECK_EQ(any(32, "a1 00 00 e0 fe"), 5);                    /* mov eax, [0xfee00000]     */
    CHECK_EQ(any(32, "c7 05 00 00 e0 fe 01 00 00 00"), 10);    /* mov dword [abs], 1        */
    CHECK_EQ(any(32, "8b 04 25 00 03 00 00"), 7);              /* mov eax, [disp32] via SIB */
    CHECK_EQ(any(32, "66 0f 3a 0f c1 08"), 6);                 /* palignr xmm0, xmm1, 8     */
    CHECK_EQ(any(32, "0f 38 00 c1"), 4);                       /* pshufb mm0, mm1           */
    CHECK_EQ(any(32, "c5 f8 77"), 3);                          /* vzeroupper                */
    CHECK_EQ(any(32, "c5 fa 6f 06"), 4);                       /* vmovdqu xmm0, [esi]       */
    CHECK_EQ(any(32, "c4 e3 79 0f c1 08"), 6);                 /* vpalignr xmm0, xmm0, xmm1, 8 */
    CHECK_EQ(any(32, "c4 06"), 2);                             /* les eax, [esi]            */
    CHECK_EQ(any(32, "0f 84 00 01 00 00"), 6);                 /* je rel32                  */
    CHECK_EQ(any(32, "69 c0 10 27 00 00"), 6);                 /* imul eax, eax, 10000      */
    CHECK_EQ(any(32, "6b c0 10"), 3);                          /* imul eax, eax, 16         */
    CHECK_EQ(any(32, "0f ba 20 05"), 4);                       /* bt dword [eax], 5         */
    CHECK_EQ(any(64, "48 8b 05 10 00 00 00"), 7);              /* mov rax, [rip+0x10]       */
    CHECK_EQ(any(64, "48 b8 88 77 66 55 44 33 22 11"), 10);    /* mov rax, imm64            */
    CHECK_EQ(any(64, "b8 01 00 00 00"), 5);                    /* mov eax, 1                */
    CHECK_EQ(any(64, "48 c7 c0 01 00 00 00"), 7);              /* mov rax, 1 (imm32)        */
    CHECK_EQ(any(64, "48 a1 00 00 00 00 00 00 00 00"), 10);    /* mov rax, [moffs64]        */
    CHECK_EQ(any(64, "67 a1 00 00 00 00"), 6);                 /* mov eax, [moffs32]        */
    CHECK_EQ(any(64, "62 f1 7c 48 10 06"), 6);                 /* vmovups zmm0, [rsi]       */
    CHECK_EQ(any(64, "0f 01 d9"), 3);                          /* vmmcall                   */
    CHECK_EQ(any(64, "f3 48 a5"), 3);                          /* rep movsq                 */
    CHECK_EQ(any(64, "66 89 04 24"), 4);                       /* mov [rsp], ax             */
    CHECK_EQ(any(64, "41 0f b7 44 24 08"), 6);                 /* movzx eax, word [r12+8]   */
    CHECK_EQ(any(64, "0f 05"), 2);                             /* syscall                   */
    CHECK_EQ(any(64, "f0 48 0f b1 0e"), 5);                    /* lock cmpxchg [rsi], rcx   */
    /* Cut short: 0. */
    CHECK_EQ(any(64, "48"), 0);
    CHECK_EQ(any(32, "c7 05 00 00"), 0);
    CHECK_EQ(any(64, "c4 e3"), 0);
    CHECK_EQ(any(16, "0f"), 0);
}

int main(void)
{
    test_length_any();
    test_length();
    /* 32-bit code: what Linux and the test guests emit for APIC writes. */
    STORE(32, "89 83 00 03 00 00", INSN_STORE_REG, 6, 4, 0);      /* mov [ebx+0x300], eax   */
    STORE(32, "89 10", INSN_STORE_REG, 2, 4, 2);                  /* mov [eax], edx         */
    STORE(32, "89 53 10", INSN_STORE_REG, 3, 4, 2);               /* mov [ebx+0x10], edx    */
    STORE(32, "89 04 8d 00 03 e0 fe", INSN_STORE_REG, 7, 4, 0);   /* mov [ecx*4+disp32], eax */
    STORE(32, "89 44 24 08", INSN_STORE_REG, 4, 4, 0);            /* mov [esp+8], eax (SIB) */
    STORE(32, "c7 05 00 03 e0 fe 00 45 00 00", INSN_STORE_IMM, 10, 4, 0);
    CHECK_EQ(in.imm, 0x4500);
    STORE(32, "87 03", INSN_XCHG, 2, 4, 0);                       /* xchg [ebx], eax        */
    STORE(32, "f0 87 03", INSN_XCHG, 3, 4, 0);                    /* lock xchg              */
    STORE(32, "66 89 03", INSN_STORE_REG, 3, 2, 0);               /* mov [ebx], ax          */
    STORE(32, "88 25 00 03 e0 fe", INSN_STORE_REG, 6, 1, 4);      /* mov [disp32], ah       */
    CHECK(in.high_byte);
    STORE(32, "c6 03 7f", INSN_STORE_IMM, 3, 1, 0);
    CHECK_EQ(in.imm, 0x7F);
    STORE(32, "3e 89 83 00 03 00 00", INSN_STORE_REG, 7, 4, 0);   /* ds: override           */
    STORE(32, "67 89 07", INSN_STORE_REG, 3, 4, 0);               /* mov [bx], eax (16-bit addr) */
    STORE(32, "67 89 87 00 03", INSN_STORE_REG, 5, 4, 0);         /* mov [bx+0x300], eax    */

    STORE(32, "a3 f0 00 e0 fe", INSN_STORE_REG, 5, 4, 0);         /* mov [0xfee000f0], eax  */
    STORE(32, "a2 f0 00 e0 fe", INSN_STORE_REG, 5, 1, 0);         /* mov [moffs], al        */
    STORE(32, "67 a3 f0 00", INSN_STORE_REG, 4, 4, 0);            /* 16-bit moffs           */
    CHECK(!dec(32, "a3 f0 00 e0"));                               /* truncated moffs        */

    /* 64-bit code: REX.R/B/W, RIP-relative, SIB without base. */
    STORE(64, "89 05 10 00 00 00", INSN_STORE_REG, 6, 4, 0);      /* mov [rip+0x10], eax    */
    STORE(64, "41 89 80 00 03 00 00", INSN_STORE_REG, 7, 4, 0);   /* mov [r8+0x300], eax    */
    STORE(64, "44 89 40 10", INSN_STORE_REG, 4, 4, 8);            /* mov [rax+0x10], r8d    */
    STORE(64, "89 0c 25 00 03 e0 fe", INSN_STORE_REG, 7, 4, 1);   /* mov [disp32], ecx      */
    STORE(64, "48 89 10", INSN_STORE_REG, 3, 8, 2);               /* mov [rax], rdx         */
    STORE(64, "48 c7 00 ff ff ff ff", INSN_STORE_IMM, 7, 8, 0);   /* mov qword [rax], -1    */
    CHECK_EQ(in.imm, 0xFFFFFFFFFFFFFFFFULL);
    STORE(64, "40 88 30", INSN_STORE_REG, 3, 1, 6);               /* mov [rax], sil (REX)   */
    CHECK(!in.high_byte);
    STORE(64, "67 89 03", INSN_STORE_REG, 3, 4, 0);               /* mov [ebx], eax         */
    STORE(64, "a3 f0 00 e0 fe 00 00 00 00", INSN_STORE_REG, 9, 4, 0);  /* movabs [moffs64], eax */
    STORE(64, "48 a3 f0 00 e0 fe 00 00 00 00", INSN_STORE_REG, 10, 8, 0);

    /* 16-bit code: 16-bit addressing unless 67h. */
    STORE(16, "89 07", INSN_STORE_REG, 2, 2, 0);                  /* mov [bx], ax           */
    STORE(16, "89 06 00 03", INSN_STORE_REG, 4, 2, 0);            /* mov [0x300], ax        */
    STORE(16, "66 67 89 07", INSN_STORE_REG, 4, 4, 0);            /* mov [edi], eax         */
    STORE(16, "66 c7 07 00 45 00 00", INSN_STORE_IMM, 7, 4, 0);   /* mov dword [bx], 0x4500 */
    CHECK_EQ(in.imm, 0x4500);

    /* Not stores to memory, or not whole: refused. */
    CHECK(!dec(32, "8b 03"));                                     /* a load                 */
    CHECK(!dec(32, "89 c3"));                                     /* register to register   */
    CHECK(!dec(32, "c7 c0 01 00 00 00"));                         /* mov eax, 1             */
    CHECK(!dec(32, "c7 08 01 00 00 00"));                         /* C7 /1 is not MOV       */
    CHECK(!dec(32, "89 83 00"));                                  /* truncated displacement */
    CHECK(!dec(32, "c7 05 00 03 e0 fe 00 45"));                   /* truncated immediate    */
    CHECK(!dec(32, "0f a2"));                                     /* CPUID                  */
    CHECK(!dec(32, ""));
    CHECK(!dec(32, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 89 03"));   /* > 15 bytes */
    CHECK(!dec(32, "48 89 03"));                                  /* no REX outside 64-bit: DEC EAX */

    /* Where the store goes: base + index * scale + displacement, wrapped to
     * the address size; the default segment SS for BP/SP bases; overrides. */
    u64 r[16];
    for (int i = 0; i < 16; i++)
        r[i] = 0x1000ULL * (u64)(i + 1);                          /* RAX 0x1000, RCX 0x2000... */
    CHECK(dec(32, "89 83 00 03 00 00"));                          /* [ebx+0x300] */
    CHECK_EQ(insn_store_offset(&in, r, 0), 0x4300);
    CHECK_EQ(in.mem.seg, 3);
    CHECK(dec(32, "89 04 8d 00 03 e0 fe"));                       /* [ecx*4+0xfee00300] */
    CHECK_EQ(insn_store_offset(&in, r, 0), (0xFEE00300ULL + 0x8000) & 0xFFFFFFFF);
    CHECK(dec(32, "89 44 24 08"));                                /* [esp+8]: SS */
    CHECK_EQ(insn_store_offset(&in, r, 0), 0x5008);
    CHECK_EQ(in.mem.seg, 2);
    CHECK(dec(32, "89 45 fc"));                                   /* [ebp-4]: SS */
    CHECK_EQ(insn_store_offset(&in, r, 0), 0x5FFC);
    CHECK_EQ(in.mem.seg, 2);
    CHECK(dec(32, "26 89 45 fc"));                                /* es: [ebp-4] */
    CHECK_EQ(in.mem.seg, 0);
    CHECK(dec(32, "a3 f0 00 e0 fe"));                             /* [moffs32] */
    CHECK_EQ(insn_store_offset(&in, r, 0), 0xFEE000F0);
    CHECK(dec(32, "64 a3 f0 00 e0 fe"));                          /* fs: [moffs32] */
    CHECK_EQ(in.mem.seg, 4);
    r[3] = 0xFFFFFFF0;                                            /* EBX near 4 GiB */
    CHECK(dec(32, "89 43 20"));                                   /* [ebx+0x20] wraps */
    CHECK_EQ(insn_store_offset(&in, r, 0), 0x10);
    CHECK(dec(16, "89 42 10"));                                   /* [bp+si+0x10]: SS, 16-bit */
    CHECK_EQ(insn_store_offset(&in, r, 0), (0x6000 + 0x7000 + 0x10) & 0xFFFF);
    CHECK_EQ(in.mem.seg, 2);
    r[3] = 0x4000;
    CHECK(dec(16, "89 07"));                                      /* [bx] */
    CHECK_EQ(insn_store_offset(&in, r, 0), 0x4000);
    CHECK(dec(16, "89 06 00 03"));                                /* [0x300] */
    CHECK_EQ(insn_store_offset(&in, r, 0), 0x300);
    CHECK(dec(16, "89 47 fe"));                                   /* [bx-2] */
    CHECK_EQ(insn_store_offset(&in, r, 0), 0x3FFE);
    CHECK(dec(64, "89 05 10 00 00 00"));                          /* [rip+0x10], 6 bytes */
    CHECK_EQ(insn_store_offset(&in, r, 0x400000), 0x400016);
    CHECK(dec(64, "67 89 05 10 00 00 00"));                       /* [eip+0x10] */
    CHECK(in.mem.rip_rel);
    CHECK(dec(64, "41 89 80 00 03 00 00"));                       /* [r8+0x300] */
    CHECK_EQ(insn_store_offset(&in, r, 0), 0x9300);
    CHECK(dec(64, "42 89 04 c5 00 03 00 00"));                    /* [r8*8+0x300] (REX.X) */
    CHECK_EQ(insn_store_offset(&in, r, 0), 0x48300);
    CHECK(dec(64, "89 0c 25 00 03 e0 fe"));                       /* [disp32]: sign-extended */
    CHECK_EQ(insn_store_offset(&in, r, 0), 0xFFFFFFFFFEE00300ULL);
    test_write();
    return unit_done("insn");
}
