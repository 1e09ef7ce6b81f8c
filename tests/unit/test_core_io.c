// sources: stage3/core/io.c stage3/core/cmos.c stage3/core/guestmem.c stage3/core/state.c tests/unit/fake_virt.c
/*
 * Unit tests for the I/O instructions that exit (stage3/core/io.c) on the
 * fake machine: IN/OUT to the ports pxHV handles (0xE9, 0x8900, PM1x_CNT,
 * CMOS) and to the rest, which reach the hardware unchanged; INS/OUTS with
 * and without REP through the guest's segments and paging, with the fault
 * the CPU gives and the registers showing the progress (SDM Vol. 2B INS,
 * OUTS, REP; Vol. 3A 5.3 limits, 4.7 #PF, 6.15 #AC).
 */
#include "unit.h"
#include "fake_virt.h"
#include "core/hv.h"
#include "hw/acpi.h"
#include "boot/hypercall.h"

static struct cpu *c;

static void machine(void)
{
    fake_reset();
    c = fake_cpu[0];
    memset(&g_acpi, 0, sizeof g_acpi);
}

static void out(u16 port, u8 size, u64 rax)
{
    fake.regs.r[R_RAX] = rax;
    struct io_access a = { .port = port, .size = size };
    core_io(c, &a);
}

static u64 in(u16 port, u8 size, u64 rax)
{
    fake.regs.r[R_RAX] = rax;
    struct io_access a = { .port = port, .size = size, .in = true };
    core_io(c, &a);
    return fake.regs.r[R_RAX];
}

static void ins(u16 port, u8 size, bool rep, u8 addr_bytes)
{
    struct io_access a = { .port = port, .size = size, .in = true, .string = true, .rep = rep,
                           .addr_bytes = addr_bytes, .seg = SEG_DS };
    core_io(c, &a);
}

static void outs(u16 port, u8 size, bool rep, u8 addr_bytes, enum seg_reg seg)
{
    struct io_access a = { .port = port, .size = size, .string = true, .rep = rep,
                           .addr_bytes = addr_bytes, .seg = (u8)seg };
    core_io(c, &a);
}

static bool event_is(u8 vector, u32 code)
{
    struct fake_event e = fake_last_event();
    return fake.nevents == 1 && e.vector == vector && e.has_code && e.code == code;
}

/* ---- IN and OUT ---- */

static void test_plain_ports(void)
{
    machine();
    out(0x80, 1, 0xFFFFFFFFFFFF1234ULL);
    CHECK(fake_port_count() == 1 && fake_port_at(0).port == 0x80 && fake_port_at(0).size == 1 &&
          !fake_port_at(0).in && fake_port_at(0).value == 0x34);
    CHECK_EQ(fake.skips, 1);
    CHECK_EQ(c->stats.event[EV_IO], 1);
    out(0x400, 2, 0xFFFF0000BEEFULL);
    CHECK(fake_port_at(1).size == 2 && fake_port_at(1).value == 0xBEEF);
    out(0xCFC, 4, 0xAAAAAAAA80000000ULL);
    CHECK(fake_port_at(2).size == 4 && fake_port_at(2).value == 0x80000000);

    /* IN to AL and AX keeps the rest of RAX; IN to EAX zero-extends. */
    fake.port_in_value = 0x12345678;
    CHECK_EQ(in(0x60, 1, ~0ULL), 0xFFFFFFFFFFFFFF78ULL);
    CHECK_EQ(in(0x1F0, 2, ~0ULL), 0xFFFFFFFFFFFF5678ULL);
    CHECK_EQ(in(0xCFC, 4, ~0ULL), 0x12345678);
    CHECK_EQ(fake.nevents, 0);
    CHECK_EQ(fake.skips, 6);
}

static void test_debug_port(void)
{
    machine();
    out(PXHV_DEBUG_PORT, 1, 'A');
    out(PXHV_DEBUG_PORT, 2, 0x4948);             /* "HI": low byte first        */
    out(PXHV_DEBUG_PORT, 4, 0x0A212121);         /* "!!!\n"                      */
    CHECK(fake.console_len == 7 && !memcmp(fake.console, "AHI!!!\n", 7));
    CHECK_EQ(fake_port_count(), 0);              /* never reaches a device       */
    CHECK_EQ(in(PXHV_DEBUG_PORT, 1, 0x1100), 0x11E9);   /* Bochs' answer     */
    CHECK_EQ(in(PXHV_DEBUG_PORT, 4, ~0ULL), 0xE9E9E9E9);
    CHECK_EQ(fake_port_count(), 0);
}

static bool shutdown_string(const char *s)
{
    return FAKE_ENDS(for (const char *p = s; *p; p++) out(0x8900, 1, (u8)*p));
}

static void test_emulator_shutdown(void)
{
    machine();
    CHECK(shutdown_string("Shutdown"));
    CHECK(!fake.end_reset);
    machine();
    CHECK(shutdown_string("SShutdown"));         /* a new start at the second S  */
    machine();
    CHECK(!shutdown_string("ShutXdown"));
    CHECK(!shutdown_string("hutdown"));          /* the count started over       */
    CHECK_EQ(fake_port_count(), 0);
}

static void test_pm1(void)
{
    machine();
    g_acpi.pm1a_cnt = 0x404;
    g_acpi.pm1b_cnt = 0x1004;
    g_acpi.s5 = true;
    g_acpi.slp_typa = 5;
    g_acpi.slp_typb = 7;
    /* S5 through PM1a ends the run (a power-off, not a reset). */
    CHECK(FAKE_ENDS(out(0x404, 2, PM1_SLP_EN | 5 << PM1_SLP_TYP_SHIFT)));
    CHECK(!fake.end_reset);
    /* Another sleep state is refused and ignored: nothing reaches the port. */
    machine();
    g_acpi.pm1a_cnt = 0x404, g_acpi.pm1b_cnt = 0x1004, g_acpi.s5 = true;
    g_acpi.slp_typa = 5, g_acpi.slp_typb = 7;
    CHECK(!FAKE_ENDS(out(0x404, 2, PM1_SLP_EN | 1 << PM1_SLP_TYP_SHIFT)));
    CHECK_EQ(fake.refusals, 1);
    CHECK_EQ(fake_port_count(), 0);
    CHECK_EQ(fake.skips, 1);
    /* PM1b has its own SLP_TYP for S5. */
    CHECK(!FAKE_ENDS(out(0x1004, 2, PM1_SLP_EN | 5 << PM1_SLP_TYP_SHIFT)));
    CHECK_EQ(fake.refusals, 2);
    CHECK(FAKE_ENDS(out(0x1004, 2, PM1_SLP_EN | 7 << PM1_SLP_TYP_SHIFT)));
    /* Without SLP_EN the write is the guest's (SCI_EN, say). */
    machine();
    g_acpi.pm1a_cnt = 0x404, g_acpi.s5 = true, g_acpi.slp_typa = 5;
    out(0x404, 2, 1 | 5 << PM1_SLP_TYP_SHIFT);
    CHECK(fake_port_count() == 1 && fake_port_at(0).port == 0x404 && fake_port_at(0).size == 2);
    /* SLP_TYP and SLP_EN are the register's high byte: a byte OUT to it, or
     * a dword from two ports below, is the same request (and exits, below). */
    CHECK(!FAKE_ENDS(out(0x405, 1, (PM1_SLP_EN | 1 << PM1_SLP_TYP_SHIFT) >> 8)));
    CHECK_EQ(fake.refusals, 1);
    CHECK(FAKE_ENDS(out(0x405, 1, (PM1_SLP_EN | 5 << PM1_SLP_TYP_SHIFT) >> 8)));
    CHECK(!FAKE_ENDS(out(0x402, 4, (u32)(PM1_SLP_EN | 1 << PM1_SLP_TYP_SHIFT) << 16 | 0x0101)));
    CHECK_EQ(fake.refusals, 2);
    CHECK_EQ(fake_port_count(), 1);
    /* The low byte alone, or the high byte without SLP_EN, is the guest's. */
    out(0x404, 1, 0x01);
    out(0x405, 1, (5 << PM1_SLP_TYP_SHIFT) >> 8);
    out(0x403, 2, 0xFF00);                       /* ends below the high byte */
    CHECK_EQ(fake_port_count(), 4);
    u16 ports[16];
    u32 n = io_intercepted(ports, 16), pm1 = 0;
    for (u32 i = 0; i < n; i++)
        pm1 += ports[i] == 0x404 || ports[i] == 0x405;
    CHECK_EQ(pm1, 2);
    /* No \_S5: no sleep state at all. */
    g_acpi.s5 = false;
    CHECK(!FAKE_ENDS(out(0x404, 2, PM1_SLP_EN | 5 << PM1_SLP_TYP_SHIFT)));
    CHECK_EQ(fake.refusals, 3);
}

static void test_cmos_through_io(void)
{
    machine();
    out(0x70, 1, 0x0F);
    out(0x71, 1, 0x0A);                          /* a resume code: refused       */
    CHECK_EQ(fake.cmos_ram[0][0x0F], 0x00);
    CHECK_EQ(fake.refusals, 1);
    fake.cmos_ram[0][0x0F] = 0x04;
    /* A word OUT to 0x70: index then data, each through the filter. */
    out(0x70, 2, 0x050F);
    CHECK_EQ(fake.cmos_index[0], 0x0F);
    CHECK_EQ(fake.cmos_ram[0][0x0F], 0x00);
    CHECK_EQ(fake.refusals, 2);
    /* A word OUT to 0x6F: its first byte is not a CMOS port, its second is. */
    fake.nports = 0;
    out(0x6F, 2, 0x0A99);
    CHECK(fake_port_at(0).port == 0x6F && fake_port_at(0).size == 1 &&
          fake_port_at(0).value == 0x99);
    CHECK_EQ(fake.cmos_index[0], 0x0A);
    /* A word IN from 0x71: the data byte, then the extended bank's index. */
    fake.cmos_ram[0][0x0A] = 0x26;
    CHECK_EQ(in(0x71, 2, 0), 0xFF26);
    CHECK_EQ(fake.skips, 5);
}

/* ---- INS and OUTS ---- */

static void test_string_real_mode(void)
{
    machine();
    fake_set_seg(SEG_DS, fake_seg_real(0x100));
    fake_set_seg(SEG_ES, fake_seg_real(0x200));
    memcpy(fake_mem + 0x1010, "abc", 3);
    fake.regs.r[R_RSI] = 0x10;
    fake.regs.r[R_RCX] = 3;
    outs(0x80, 1, true, 2, SEG_DS);              /* REP OUTSB                    */
    CHECK(fake_port_count() == 3 && fake_port_at(0).value == 'a' &&
          fake_port_at(1).value == 'b' && fake_port_at(2).value == 'c');
    CHECK(fake.regs.r[R_RSI] == 0x13 && fake.regs.r[R_RCX] == 0);
    CHECK_EQ(fake.skips, 1);

    /* EFLAGS.DF: downwards. */
    fake.nports = 0;
    fake.reg[GR_RFLAGS] |= RFLAGS_DF;
    fake.regs.r[R_RSI] = 0x11;
    fake.regs.r[R_RCX] = 2;
    outs(0x80, 1, true, 2, SEG_DS);
    CHECK(fake_port_at(0).value == 'b' && fake_port_at(1).value == 'a');
    CHECK_EQ(fake.regs.r[R_RSI], 0x0F);
    fake.reg[GR_RFLAGS] &= ~RFLAGS_DF;

    /* REP INSW to ES:DI. */
    fake.port_in_value = 0xCAFE;
    fake.regs.r[R_RDI] = 0x20;
    fake.regs.r[R_RCX] = 2;
    ins(0x1F0, 2, true, 2);
    CHECK_EQ(fake_r32(0x2020), 0xCAFECAFE);
    CHECK(fake.regs.r[R_RDI] == 0x24 && fake.regs.r[R_RCX] == 0);

    /* A 16-bit address keeps the bits above and wraps at 64 KiB. */
    fake.regs.r[R_RDI] = 0xABCD00000000FFFFULL;
    fake.regs.r[R_RCX] = 0x5555000000000001ULL;
    ins(0x60, 1, true, 2);
    CHECK_EQ(fake.regs.r[R_RDI], 0xABCD000000000000ULL);
    CHECK_EQ(fake.regs.r[R_RCX], 0x5555000000000000ULL);
    CHECK_EQ(fake_r8(0x2000 + 0xFFFF), 0xFE);

    /* A word at offset FFFFh is past the limit: #GP(0) (SDM Vol. 2B INS,
     * real-address mode exceptions), nothing written, no progress, no skip. */
    u32 skips = fake.skips;
    fake.regs.r[R_RDI] = 0xFFFF;
    fake.regs.r[R_RCX] = 1;
    ins(0x1F0, 2, true, 2);
    CHECK(event_is(VEC_GP, 0));
    CHECK(fake.regs.r[R_RDI] == 0xFFFF && fake.regs.r[R_RCX] == 1);
    CHECK_EQ(fake.skips, skips);
    /* Through SS: #SS(0). */
    fake.nevents = 0;
    fake.regs.r[R_RSI] = 0xFFFF;
    outs(0x80, 2, false, 2, SEG_SS);
    CHECK(event_is(VEC_SS, 0));

    /* REP with a count of 0 does nothing but move on. */
    fake.nports = 0;
    fake.regs.r[R_RCX] = 0;
    ins(0x1F0, 2, true, 2);
    CHECK(fake_port_count() == 0 && fake.skips == skips + 1);
}

static void test_string_segments(void)
{
    machine();
    fake_mode_prot32();
    fake.port_in_value = 0x77;
    /* REP INSB running into ES's limit: two bytes, then #GP(0). */
    fake_set_seg(SEG_ES, fake_seg_data(0x10000, 0x1001, true));
    fake.regs.r[R_RDI] = 0x1000;
    fake.regs.r[R_RCX] = 4;
    ins(0x60, 1, true, 4);
    CHECK(event_is(VEC_GP, 0));
    CHECK(fake_r8(0x11000) == 0x77 && fake_r8(0x11001) == 0x77 && fake_r8(0x11002) == 0);
    CHECK(fake.regs.r[R_RDI] == 0x1002 && fake.regs.r[R_RCX] == 2);
    CHECK_EQ(fake.skips, 0);

    /* A dword whose last byte is past the limit. */
    fake.nevents = 0;
    fake.regs.r[R_RSI] = 0x0FFE;
    fake_set_seg(SEG_FS, fake_seg_data(0, 0x1000, true));
    outs(0x80, 4, false, 4, SEG_FS);
    CHECK(event_is(VEC_GP, 0));
    fake.nevents = 0;
    fake.regs.r[R_RSI] = 0x0FFD;
    outs(0x80, 4, false, 4, SEG_FS);
    CHECK_EQ(fake.nevents, 0);

    /* INS into a read-only data segment, or through a null ES: #GP(0). */
    struct segment ro = fake_seg_data(0, 0xFFFFFFFF, true);
    ro.type = 1;
    fake_set_seg(SEG_ES, ro);
    fake.nevents = 0;
    fake.regs.r[R_RDI] = 0x100;
    ins(0x60, 1, false, 4);
    CHECK(event_is(VEC_GP, 0));
    struct segment null = { .unusable = true };
    fake_set_seg(SEG_ES, null);
    fake.nevents = 0;
    ins(0x60, 1, false, 4);
    CHECK(event_is(VEC_GP, 0));
    /* OUTS may read a readable code segment, not an execute-only one. */
    struct segment xo = fake_seg_code(0, 0xFFFFFFFF, true, false);
    xo.type = 0x8;
    fake_set_seg(SEG_CS, xo);
    fake.nevents = 0;
    outs(0x80, 1, false, 4, SEG_CS);
    CHECK(event_is(VEC_GP, 0));
    fake_set_seg(SEG_CS, fake_seg_code(0, 0xFFFFFFFF, true, false));
    fake.nevents = 0;
    outs(0x80, 1, false, 4, SEG_CS);
    CHECK_EQ(fake.nevents, 0);

    /* Expand-down ES (limit 0FFFh, B = 1): offsets 1000h-FFFFFFFFh only. */
    struct segment down = fake_seg_data(0, 0x0FFF, true);
    down.type = 0x7;
    fake_set_seg(SEG_ES, down);
    fake.nevents = 0;
    fake.regs.r[R_RDI] = 0x0FFF;
    ins(0x60, 1, false, 4);
    CHECK(event_is(VEC_GP, 0));
    fake.nevents = 0;
    fake.regs.r[R_RDI] = 0x1000;
    ins(0x60, 1, false, 4);
    CHECK(fake.nevents == 0 && fake_r8(0x1000) == 0x77);

    /* Base + offset wraps at 4 GiB: FFFFF000h + 1000h is linear 0. */
    fake_set_seg(SEG_ES, fake_seg_data(0xFFFFF000, 0xFFFFFFFF, true));
    fake.regs.r[R_RDI] = 0x1000;
    ins(0x60, 1, false, 4);
    CHECK(fake.nevents == 0 && fake_r8(0) == 0x77);
}

/* 32-bit paging: page directory at 0x10000, one page table at 0x11000 for
 * linear [0, 4 MiB). */
#define PG_PD 0x10000
#define PG_PT 0x11000
static void paging32(void)
{
    fake_mode_prot32();
    fake.reg[GR_CR0] |= CR0_PG;
    fake.reg[GR_CR3] = PG_PD;
    fake_w32(PG_PD, PG_PT | PTE_P | PTE_W | PTE_U);
}

static void test_string_paging(void)
{
    machine();
    paging32();
    fake_w32(PG_PT + 1 * 4, 0x20000 | PTE_P | PTE_W);      /* linear 0x1000: supervisor */
    /* linear 0x2000: not present */
    fake.port_in_value = 0x11223344;

    /* A dword INS across into the missing page: #PF(W), CR2 at that page,
     * and the part on the present page not written. */
    fake.regs.r[R_RDI] = 0x1FFE;
    ins(0x1F0, 4, false, 4);
    CHECK(event_is(VEC_PF, PF_W));
    CHECK_EQ(fake.reg[GR_CR2], 0x2000);
    CHECK(fake_r8(0x20FFE) == 0 && fake_r8(0x20FFF) == 0);
    CHECK_EQ(fake.regs.r[R_RDI], 0x1FFE);

    /* REP INSW: two words fit, the third faults; ECX and EDI show it. */
    fake.nevents = 0;
    fake.regs.r[R_RDI] = 0x1FFC;
    fake.regs.r[R_RCX] = 3;
    ins(0x1F0, 2, true, 4);
    CHECK(event_is(VEC_PF, PF_W));
    CHECK_EQ(fake_r32(0x20FFC), 0x33443344);
    CHECK(fake.regs.r[R_RDI] == 0x2000 && fake.regs.r[R_RCX] == 1);
    CHECK_EQ(fake.skips, 0);

    /* OUTS at CPL 3 from a supervisor page: #PF(P|U), nothing sent. */
    fake.nevents = 0;
    fake.nports = 0;
    fake.cpl = 3;
    fake.regs.r[R_RSI] = 0x1800;
    outs(0x80, 1, false, 4, SEG_DS);
    CHECK(event_is(VEC_PF, PF_P | PF_U));
    CHECK_EQ(fake.reg[GR_CR2], 0x1800);
    CHECK_EQ(fake_port_count(), 0);
}

static void test_string_alignment(void)
{
    machine();
    fake_mode_prot32();
    fake_w32(0x3001, 0xA5A5);
    fake.cpl = 3;
    fake.reg[GR_CR0] |= CR0_AM;
    fake.reg[GR_RFLAGS] |= RFLAGS_AC;
    /* An unaligned word at CPL 3 with CR0.AM and EFLAGS.AC: #AC(0), nothing sent. */
    fake.regs.r[R_RSI] = 0x3001;
    outs(0x80, 2, false, 4, SEG_DS);
    CHECK(event_is(VEC_AC, 0));
    CHECK_EQ(fake_port_count(), 0);
    /* Aligned, or bytes: no check. */
    fake.nevents = 0;
    fake.regs.r[R_RSI] = 0x3002;
    outs(0x80, 2, false, 4, SEG_DS);
    fake.regs.r[R_RSI] = 0x3001;
    outs(0x80, 1, false, 4, SEG_DS);
    CHECK_EQ(fake.nevents, 0);
    /* Without EFLAGS.AC, or at CPL 0, an unaligned word is fine. */
    fake.reg[GR_RFLAGS] &= ~RFLAGS_AC;
    outs(0x80, 2, false, 4, SEG_DS);
    fake.reg[GR_RFLAGS] |= RFLAGS_AC;
    fake.cpl = 0;
    outs(0x80, 2, false, 4, SEG_DS);
    CHECK_EQ(fake.nevents, 0);
    CHECK_EQ(fake_port_count(), 4);
}

/* 4-level paging: [0, 2 MiB) identity-mapped by one 2-MiB page. */
static void paging64(void)
{
    fake_w64(0x30000, 0x31000 | PTE_P | PTE_W | PTE_U);
    fake_w64(0x31000, 0x32000 | PTE_P | PTE_W | PTE_U);
    fake_w64(0x32000, 0 | PTE_PS | PTE_P | PTE_W | PTE_U);
    fake_mode_long64(0x30000);
}

static void test_string_64(void)
{
    machine();
    paging64();
    fake.port_in_value = 0x5A;
    /* A 32-bit address size in 64-bit mode: RDI and RCX are written as
     * 32-bit registers, zero-extended. */
    fake.regs.r[R_RDI] = 0xFFFFFFFF00003000ULL;
    fake.regs.r[R_RCX] = 0xAAAAAAAA00000001ULL;
    ins(0x60, 1, true, 4);
    CHECK_EQ(fake_r8(0x3000), 0x5A);
    CHECK_EQ(fake.regs.r[R_RDI], 0x3001);
    CHECK_EQ(fake.regs.r[R_RCX], 0);
    /* 64-bit addresses: ES's base does not count. */
    fake_set_seg(SEG_ES, fake_seg_data(0x100000, 0, true));
    fake.regs.r[R_RDI] = 0x3008;
    ins(0x60, 1, false, 8);
    CHECK(fake_r8(0x3008) == 0x5A && fake.regs.r[R_RDI] == 0x3009);
    CHECK_EQ(fake.nevents, 0);

    /* A non-canonical RSI: #GP(0); through an SS override too, which 64-bit
     * mode ignores for a reference not through RSP/RBP (SDM Vol. 1 3.3.7.1). */
    fake.regs.r[R_RSI] = 0x0000800000000000ULL;
    outs(0x80, 1, false, 8, SEG_DS);
    CHECK(event_is(VEC_GP, 0));
    fake.nevents = 0;
    outs(0x80, 1, false, 8, SEG_SS);
    CHECK(event_is(VEC_GP, 0));
    CHECK_EQ(fake.regs.r[R_RSI], 0x0000800000000000ULL);
}

static void test_string_beyond(void)
{
    machine();
    fake_mode_prot32();
    /* OUTS from guest-physical memory beyond the map: refused, the run ends. */
    fake.regs.r[R_RSI] = FAKE_MEM_SIZE + 0x1000;
    CHECK(FAKE_ENDS(outs(0x80, 1, false, 4, SEG_DS)));
    CHECK(strstr(fake.refusal, "beyond the guest's map") != NULL);
    CHECK_EQ(fake_port_count(), 0);
    /* INS into memory pxHV keeps (readable, not writable): the same, named. */
    machine();
    fake_mode_prot32();
    fake.kept_base = 0x400000, fake.kept_len = 0x100000;
    fake.kept_perms = PT_R, fake.kept_name = "pxHV's region";
    fake.regs.r[R_RDI] = 0x400010;
    CHECK(FAKE_ENDS(ins(0x60, 1, false, 4)));
    CHECK(strstr(fake.refusal, "pxHV's region") != NULL);
    CHECK(!strcmp(fake.end_why, "access to memory pxHV keeps"));
}

int main(void)
{
    test_plain_ports();
    test_debug_port();
    test_emulator_shutdown();
    test_pm1();
    test_cmos_through_io();
    test_string_real_mode();
    test_string_segments();
    test_string_paging();
    test_string_alignment();
    test_string_64();
    test_string_beyond();
    return unit_done("core_io");
}
