// sources: stage3/svm/decode.c
/*
 * Unit tests for stage3/svm/decode.c: exit codes to slots and names, and the
 * EXITINFO words of IOIO, NPF and task-switch exits as the APM lays them
 * out (Vol. 2 revision 3.41, 15.10.2 Figure 15-2, 15.25.6, Appendix C),
 * the values built bit by bit from those layouts.
 */
#include "unit.h"
#include "svm.h"
#include "decode.h"
#include "core/core.h"
#include "lib/pt.h"
#include "hw/x86.h"

/* IOIO EXITINFO1 from its fields (Figure 15-2). */
static u64 ioio(u16 port, int in, int str, int rep, int sz, int a, int seg)
{
    u64 v = (u64)port << 16 | (in ? 1 : 0) | (str ? 4 : 0) | (rep ? 8 : 0);
    v |= (u64)(sz == 1 ? 1 : sz == 2 ? 2 : sz == 4 ? 4 : 0) << 4;
    v |= (u64)(a == 16 ? 1 : a == 32 ? 2 : a == 64 ? 4 : 0) << 7;
    v |= (u64)(seg & 7) << 10;
    return v;
}

static void test_slots(void)
{
    CHECK_EQ(svm_exit_slot(SVM_EXIT_NPF), 0);
    CHECK_EQ(svm_exit_slot(SVM_EXIT_CPUID), 0x72 - 0x40);
    CHECK_EQ(svm_exit_slot(SVM_EXIT_IOIO), 0x7B - 0x40);
    CHECK_EQ(svm_exit_slot(SVM_EXIT_XSETBV), 0x8D - 0x40);
    CHECK_EQ(svm_exit_slot(0x40 + STAT_REASONS - 1), STAT_REASONS - 1);
    CHECK_EQ(svm_exit_slot(0x40 + STAT_REASONS), STAT_REASONS);   /* beyond the table */
    CHECK_EQ(svm_exit_slot(0x3F), STAT_REASONS);                  /* a CR/DR access    */
    CHECK_EQ(svm_exit_slot(0x00), STAT_REASONS);
    CHECK_EQ(svm_exit_slot(0x401), STAT_REASONS);                 /* AVIC, not pxHV's  */
    CHECK_EQ(svm_exit_slot(~0ULL), STAT_REASONS);                 /* VMEXIT_INVALID    */

    CHECK(strcmp(svm_exit_name(0), "nested page fault") == 0);
    CHECK(strcmp(svm_exit_name(svm_exit_slot(SVM_EXIT_CPUID)), "CPUID") == 0);
    CHECK(strcmp(svm_exit_name(svm_exit_slot(SVM_EXIT_IOIO)), "I/O instruction") == 0);
    CHECK(strcmp(svm_exit_name(svm_exit_slot(SVM_EXIT_SHUTDOWN)), "shutdown (triple fault)") == 0);
    CHECK(strcmp(svm_exit_name(svm_exit_slot(SVM_EXIT_VMMCALL)), "VMMCALL") == 0);
    CHECK(strcmp(svm_exit_name(1), "#DB") == 0);                   /* 0x41               */
    CHECK(strcmp(svm_exit_name(0x45 - 0x40), "other") == 0);       /* #BP: not pxHV's   */
    /* Every named exit below 0x90 round-trips through its slot. */
#define ROUND(name, code, text) \
    if ((code) < 0x40 + STAT_REASONS) CHECK(strcmp(svm_exit_name(svm_exit_slot(code)), text) == 0);
    SVM_EXITS(ROUND)
#undef ROUND
}

static void test_ioio(void)
{
    bool known;
    struct io_access io;

    /* OUT DX, AL to COM1: port 0x3F8, SZ8. */
    io = svm_decode_ioio(0x03F80010, false, &known);
    CHECK_EQ(io.port, 0x3F8);
    CHECK_EQ(io.size, 1);
    CHECK(!io.in && !io.string && !io.rep);
    CHECK(!known);

    /* IN EAX, 0x71 (CMOS data). */
    io = svm_decode_ioio(ioio(0x71, 1, 0, 0, 4, 32, 0), true, &known);
    CHECK_EQ(io.port, 0x71);
    CHECK_EQ(io.size, 4);
    CHECK(io.in && !io.string);
    CHECK(!known);              /* the segment field means nothing for IN */
    CHECK_EQ(io.seg, SEG_DS);

    /* IN AX, DX from 0xCFC. */
    io = svm_decode_ioio(ioio(0xCFC, 1, 0, 0, 2, 16, 0), false, &known);
    CHECK_EQ(io.size, 2);
    CHECK_EQ(io.port, 0xCFC);

    /* REP OUTSW with a 16-bit address and an ES override, decode assists on. */
    io = svm_decode_ioio(ioio(0x1F0, 0, 1, 1, 2, 16, SEG_ES), true, &known);
    CHECK(io.string && io.rep && !io.in);
    CHECK_EQ(io.size, 2);
    CHECK_EQ(io.addr_bytes, 2);
    CHECK(known);
    CHECK_EQ(io.seg, SEG_ES);

    /* The same without decode assists: the segment is left to the caller. */
    io = svm_decode_ioio(ioio(0x1F0, 0, 1, 1, 2, 16, SEG_ES), false, &known);
    CHECK(!known);
    CHECK_EQ(io.seg, SEG_DS);

    /* INSD with 64-bit addresses at the top port. */
    io = svm_decode_ioio(ioio(0xFFFF, 1, 1, 0, 4, 64, SEG_ES), true, &known);
    CHECK_EQ(io.port, 0xFFFF);
    CHECK_EQ(io.addr_bytes, 8);
    CHECK_EQ(io.size, 4);
    CHECK(io.in && io.string && !io.rep);
    CHECK_EQ(io.seg, SEG_ES);

    /* OUTSB, 32-bit addresses, FS. */
    io = svm_decode_ioio(ioio(0x80, 0, 1, 0, 1, 32, SEG_FS), true, &known);
    CHECK_EQ(io.addr_bytes, 4);
    CHECK_EQ(io.seg, SEG_FS);

    /* No size bit: 0 for the caller to refuse, not a guess. */
    io = svm_decode_ioio((u64)0x60 << 16, false, &known);
    CHECK_EQ(io.size, 0);
    CHECK_EQ(io.addr_bytes, 0);
    /* Bits above 31 (the next RIP lives in EXITINFO2, not here) change nothing. */
    io = svm_decode_ioio(0xFFFFFFFF00000000ULL | ioio(0x64, 1, 0, 0, 1, 16, 0), false, &known);
    CHECK_EQ(io.port, 0x64);
    CHECK_EQ(io.size, 1);
}

static void test_npf(void)
{
    struct mem_violation v;

    /* A write to a present, read-only page: P, W, U, and bit 32 (a final
     * guest-physical address, 15.25.6). */
    v = svm_decode_npf(0x100000007ULL, 0x1000000);
    CHECK_EQ(v.gpa, 0x1000000);
    CHECK_EQ(v.access, PT_W);
    CHECK_EQ(v.allowed, PT_R | PT_X);
    CHECK(v.qual_valid);
    CHECK_EQ(v.qual, 0x100000007ULL);
    CHECK(!v.gla_valid);

    /* A read of a page not present in the nested tables: U and bit 32. */
    v = svm_decode_npf(0x100000004ULL, 0xFEE00000);
    CHECK_EQ(v.access, PT_R);
    CHECK_EQ(v.allowed, 0);
    CHECK_EQ(v.gpa, 0xFEE00000);

    /* An instruction fetch from a present no-execute page. */
    v = svm_decode_npf(0x100000015ULL, 0xDF000);
    CHECK_EQ(v.access, PT_X);
    CHECK_EQ(v.allowed, PT_R | PT_W);

    /* A fetch that is also flagged a write is a fetch. */
    v = svm_decode_npf(SVM_NPF_ID | SVM_NPF_W, 0x5000);
    CHECK_EQ(v.access, PT_X);
    CHECK_EQ(v.allowed, 0);

    /* Addresses above 4 GiB keep every bit. */
    v = svm_decode_npf(SVM_NPF_P, 0xFFFFFFFFF000ULL);
    CHECK_EQ(v.gpa, 0xFFFFFFFFF000ULL);
    CHECK_EQ(v.access, PT_R);
    CHECK_EQ(v.allowed, PT_W | PT_X);
}

static void test_task_switch(void)
{
    const char *how;
    CHECK_EQ(svm_decode_task_switch(0x28, BIT(36), &how), 0x28);
    CHECK(strcmp(how, "IRET") == 0);
    CHECK_EQ(svm_decode_task_switch(0xFFFF0030, BIT(38), &how), 0x30);
    CHECK(strcmp(how, "JMP") == 0);
    CHECK_EQ(svm_decode_task_switch(0x38, 0, &how), 0x38);
    CHECK(strcmp(how, "CALL or a task gate") == 0);
    /* The error-code bits (44, 48) say nothing of the source. */
    svm_decode_task_switch(0x40, BIT(44) | BIT(48) | 0x0B, &how);
    CHECK(strcmp(how, "CALL or a task gate") == 0);
}

int main(void)
{
    test_slots();
    test_ioio();
    test_npf();
    test_task_switch();
    return unit_done("svm");
}
