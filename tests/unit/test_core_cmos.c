// sources: stage3/core/cmos.c stage3/core/state.c tests/unit/fake_virt.c
/*
 * Unit tests for the CMOS ports (stage3/core/cmos.c, docs/security.md routes
 * 1 and 15) on the fake machine with two CPUs: which ports are pxHV's, the
 * shutdown byte (register 0Fh) never given a resume code, and the owner
 * model: a bank's data port passes through on one CPU at most, the CPU that
 * wrote its index last (not 0Fh), and a new index reaches the chip only
 * after the holder has intercepted its data port again.
 */
#include "unit.h"
#include "fake_virt.h"
#include "core/cmos.h"

static struct cpu *c0, *c1;

static void machine(void)
{
    fake_reset();
    c0 = fake_cpu[0];
    c1 = fake_cpu[1];
    /* Every CMOS port exits at first (the backends' cpu_init). */
    for (u32 i = 0; i < 2; i++)
        for (u16 p = 0x70; p <= 0x75; p++)
            fake.io_on[i][p] = true;
}

/* The kicked CPU takes its NMI exit, where it gives up what was asked. */
static void kicked_cpu_exits(struct cpu *t)
{
    cmos_serve(t);
}

/* At each index write that reaches the chip: how many CPUs had the data port
 * of that bank passing through, at most. */
static u32 worst_passing;
static void watch_index(u16 port, u32 v)
{
    (void)v;
    if (port != 0x70 && port != 0x72 && port != 0x74)
        return;
    u32 n = 0;
    for (u32 i = 0; i < 2; i++)
        n += !fake_io_intercepted(i, (u16)(port + 1));
    worst_passing = n > worst_passing ? n : worst_passing;
}

static void test_ports(void)
{
    CHECK(!cmos_port(0x6F));
    CHECK(cmos_port(0x70) && cmos_port(0x71) && cmos_port(0x72) && cmos_port(0x75));
    CHECK(!cmos_port(0x76));
    u16 ports[CMOS_PORTS];
    cmos_intercepts(ports);
    bool all = true;
    for (u16 i = 0; i < CMOS_PORTS; i++)
        all = all && ports[i] == 0x70 + i;
    CHECK(all);

    /* Before the guest: a harmless register selected in every bank. */
    machine();
    fake.cmos_index[0] = 0x0F;
    fake.cmos_index[1] = 0x0F;
    cmos_start();
    CHECK(fake.cmos_index[0] == 0x0D && fake.cmos_index[1] == 0x0D);
}

static void test_shutdown_byte(void)
{
    machine();
    cmos_start();
    /* Index 0Fh reaches the chip, but its data port keeps exiting. */
    cmos_out(c0, 0x70, 0x0F);
    CHECK_EQ(fake.cmos_index[0], 0x0F);
    CHECK(fake_io_intercepted(0, 0x71));
    CHECK_EQ(c0->cmos_held, 0);
    /* Resume codes are refused and 00h is written instead. */
    const u8 bad[] = { 0x01, 0x05, 0x0A, 0x0B, 0xFF };
    u32 refused = 0, zeroed = 0;
    for (u32 i = 0; i < sizeof bad; i++) {
        fake.cmos_ram[0][0x0F] = 0x04;
        u32 before = fake.refusals;
        cmos_out(c0, 0x71, bad[i]);
        refused += fake.refusals == before + 1;
        zeroed += fake.cmos_ram[0][0x0F] == 0x00;
    }
    CHECK_EQ(refused, sizeof bad);
    CHECK_EQ(zeroed, sizeof bad);
    CHECK(strstr(fake.refusal, "0x0a") || strstr(fake.refusal, "0xff"));
    /* 00h (start over) and 04h (INT 19h) are the guest's. */
    cmos_out(c0, 0x71, 0x04);
    CHECK_EQ(fake.cmos_ram[0][0x0F], 0x04);
    cmos_out(c0, 0x71, 0x00);
    CHECK_EQ(fake.cmos_ram[0][0x0F], 0x00);
    CHECK_EQ(fake.refusals, sizeof bad);
    /* Bit 7 of the index is the NMI mask: 8Fh selects the byte too. */
    cmos_out(c0, 0x70, 0x8F);
    CHECK(fake_io_intercepted(0, 0x71));
    cmos_out(c0, 0x71, 0x0A);
    CHECK_EQ(fake.cmos_ram[0][0x0F], 0x00);
    /* 0x74/0x75 reach the same registers on chipsets that alias them. */
    cmos_out(c0, 0x74, 0x0F);
    CHECK(fake_io_intercepted(0, 0x75));
    cmos_out(c0, 0x75, 0x0A);
    CHECK_EQ(fake.cmos_ram[0][0x0F], 0x00);
    CHECK_EQ(fake.refusals, sizeof bad + 2);
}

static void test_holder(void)
{
    machine();
    cmos_start();
    fake.on_kick = kicked_cpu_exits;
    fake.on_port_out = watch_index;
    worst_passing = 0;
    fake.cmos_ram[0][0x0A] = 0x26;
    fake.cmos_ram[0][0x0B] = 0x02;
    /* CPU 0 selects register 0Ah: it holds bank 0, its data port passes through. */
    cmos_out(c0, 0x70, 0x0A);
    CHECK_EQ(fake.cmos_index[0], 0x0A);
    CHECK(!fake_io_intercepted(0, 0x71));
    CHECK(fake_io_intercepted(1, 0x71));
    CHECK_EQ(c0->cmos_held, BIT(0));
    /* A data read that exits anyway (another CPU, say) reads the chip. */
    CHECK_EQ(cmos_in(c1, 0x71), 0x26);
    /* CPU 1 selects 0Bh: CPU 0 is asked and kicked, gives the bank up, and
     * only then does the index change; now CPU 1 holds it. */
    cmos_out(c1, 0x70, 0x0B);
    CHECK_EQ(fake.kicks, 1);
    CHECK(fake.kicked == c0);
    CHECK(fake_io_intercepted(0, 0x71));
    CHECK_EQ(c0->cmos_held, 0);
    CHECK(!fake_io_intercepted(1, 0x71));
    CHECK_EQ(c1->cmos_held, BIT(0));
    CHECK_EQ(fake.cmos_index[0], 0x0B);
    CHECK_EQ(worst_passing, 0);                  /* no index change under a passing port */
    /* CPU 1 selects 0Fh: it gives the bank up itself, nobody holds it. */
    cmos_out(c1, 0x70, 0x0F);
    CHECK(fake_io_intercepted(0, 0x71) && fake_io_intercepted(1, 0x71));
    CHECK_EQ(c1->cmos_held, 0);
    CHECK_EQ(fake.kicks, 1);
    CHECK_EQ(worst_passing, 0);
    /* The holder writes the index again: no kick for itself. */
    cmos_out(c0, 0x70, 0x0A);
    cmos_out(c0, 0x70, 0x0B);
    CHECK_EQ(fake.kicks, 1);
    CHECK(!fake_io_intercepted(0, 0x71));
}

static void test_banks_and_release(void)
{
    machine();
    cmos_start();
    fake.on_kick = kicked_cpu_exits;
    /* The banks are apart: CPU 0 holds bank 0, CPU 1 the extended bank. */
    cmos_out(c0, 0x70, 0x0A);
    cmos_out(c1, 0x72, 0x20);
    CHECK_EQ(fake.kicks, 0);
    CHECK(!fake_io_intercepted(0, 0x71) && fake_io_intercepted(0, 0x73));
    CHECK(!fake_io_intercepted(1, 0x73) && fake_io_intercepted(1, 0x71));
    CHECK(c0->cmos_held == BIT(0) && c1->cmos_held == BIT(1));
    /* The extended bank's data through its port. */
    cmos_out(c1, 0x73, 0x5A);
    CHECK_EQ(fake.cmos_ram[1][0x20], 0x5A);
    /* CPU 0 takes bank 2 as well, then leaves the guest: it holds nothing. */
    cmos_out(c0, 0x74, 0x0C);
    CHECK_EQ(c0->cmos_held, BIT(0) | BIT(2));
    cmos_release(c0);
    CHECK_EQ(c0->cmos_held, 0);
    CHECK(fake_io_intercepted(0, 0x71) && fake_io_intercepted(0, 0x75));
    CHECK(!fake_io_intercepted(1, 0x73));        /* CPU 1's bank is its own */
    /* Bank 0 has no holder now: CPU 1 takes it without kicking anyone. */
    cmos_out(c1, 0x70, 0x0A);
    CHECK_EQ(fake.kicks, 0);
    CHECK_EQ(c1->cmos_held, BIT(0) | BIT(1));
    /* A CPU holding nothing releases nothing. */
    u32 n = fake.nports;
    cmos_release(c0);
    CHECK_EQ(fake.nports, n);
}

int main(void)
{
    test_ports();
    test_shutdown_byte();
    test_holder();
    test_banks_and_release();
    return unit_done("core_cmos");
}
