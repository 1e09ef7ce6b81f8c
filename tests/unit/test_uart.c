// sources: stage3/lib/uart.c stage3/lib/lib.c
/*
 * Unit tests for stage3/lib/uart.c, the 16550 a cell sees (PC16550D
 * datasheet, 8.0 "Registers"): reset values, the divisor latch behind DLAB,
 * IER's four bits, IIR with and without FIFOs, loopback (data to RBR with
 * DR, overrun, MSR from MCR with its delta bits), the scratch register, the
 * line collection for pxHV's console; and the probes of Linux's 8250 driver
 * (drivers/tty/serial/8250/8250_port.c autoconfig() and
 * autoconfig_16550a()), replayed register by register, which must find a
 * 16550A.
 */
#include "unit.h"
#include "lib/uart.h"

enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
       LSR = 5, MSR = 6, SCR = 7 };

static struct uart u;

static u8 in(u8 off) { return uart_read(&u, off); }
static void out(u8 off, u8 v) { CHECK(uart_write(&u, off, v) == NULL || off == THR); }

/* Writes `s` to THR; returns the last completed line (or NULL). */
static const char *say(const char *s)
{
    const char *line = NULL, *l;
    while (*s)
        if ((l = uart_write(&u, THR, (u8)*s++)))
            line = l;
    return line;
}

static void test_reset(void)
{
    uart_init(&u);
    CHECK_EQ(in(IER), 0);
    CHECK_EQ(in(IIR), 0x01);
    CHECK_EQ(in(LCR), 0);
    CHECK_EQ(in(MCR), 0);
    CHECK_EQ(in(LSR), 0x60);
    CHECK_EQ(in(MSR), 0xB0);          /* DCD, DSR, CTS; no delta */
    CHECK_EQ(in(MSR), 0xB0);
    out(LCR, 0x80);
    CHECK_EQ(in(DLL), 1);
    CHECK_EQ(in(DLM), 0);
}

static void test_registers(void)
{
    uart_init(&u);
    /* The divisor latch lives behind DLAB and is kept; IER is not touched. */
    out(IER, 0x05);
    out(LCR, 0x83);
    out(DLL, 0x0C);
    out(DLM, 0x00);
    CHECK_EQ(in(DLL), 0x0C);
    CHECK_EQ(in(DLM), 0);
    CHECK_EQ(in(LCR), 0x83);
    out(LCR, 0x03);
    CHECK_EQ(in(IER), 0x05);
    CHECK_EQ(in(LCR), 0x03);
    out(LCR, 0x80);
    CHECK_EQ(in(DLL), 0x0C);
    out(LCR, 0x03);
    /* IER keeps its four bits only. */
    out(IER, 0xFF);
    CHECK_EQ(in(IER), 0x0F);
    /* IIR: no interrupt ever pending, even with THRE enabled; FIFO bits
     * follow FCR bit 0; FCR bits 5:4 (reserved) never show. */
    out(IER, 0x02);
    CHECK_EQ(in(IIR), 0x01);
    out(FCR, 0x07);
    CHECK_EQ(in(IIR), 0xC1);
    out(FCR, 0xE7);
    CHECK_EQ(in(IIR), 0xC1);
    out(FCR, 0x00);
    CHECK_EQ(in(IIR), 0x01);
    /* MCR keeps five bits; scratch keeps eight. */
    out(MCR, 0xFF);
    CHECK_EQ(in(MCR), 0x1F);
    out(MCR, 0);
    CHECK_EQ(in(MSR), 0xB4);          /* out of loopback: RI fell (TERI) */
    out(SCR, 0xA5);
    CHECK_EQ(in(SCR), 0xA5);
    out(SCR, 0x5A);
    CHECK_EQ(in(SCR), 0x5A);
    /* LSR and MSR ignore writes; the transmitter is always empty. */
    out(LSR, 0x00);
    out(MSR, 0x0F);
    CHECK_EQ(in(LSR), 0x60);
    CHECK_EQ(in(MSR) & 0x0F, 0);
    /* Offsets wrap at 8 (the caller passes port - base). */
    CHECK_EQ(uart_read(&u, 8 + SCR), 0x5A);
}

static void test_loopback(void)
{
    uart_init(&u);
    in(MSR);
    out(MCR, 0x10);                   /* loop, all outputs off */
    CHECK_EQ(in(MSR), 0x0B);          /* CTS, DSR, DCD fell: their deltas */
    CHECK_EQ(in(MSR), 0x00);
    out(MCR, 0x1F);
    CHECK_EQ(in(MSR), 0xFB);          /* all on, deltas of CTS DSR DCD */
    out(MCR, 0x1B);                   /* OUT1 off: RI on -> off, TERI */
    CHECK_EQ(in(MSR), 0xB4);
    out(MCR, 0x1F);                   /* RI off -> on: no TERI */
    CHECK_EQ(in(MSR), 0xF0);
    out(MCR, 0x11);                   /* DTR only */
    CHECK_EQ(in(MSR) & 0xF0, 0x20);
    out(MCR, 0x12);                   /* RTS only */
    CHECK_EQ(in(MSR) & 0xF0, 0x10);

    /* Data goes to RBR, not to the line; DR while it waits. */
    CHECK(uart_write(&u, THR, 'A') == NULL);
    CHECK(uart_write(&u, THR, '\n') == NULL);   /* overruns the holding register */
    CHECK_EQ(in(LSR), 0x63);          /* DR, OE, THRE, TEMT */
    CHECK_EQ(in(LSR), 0x61);          /* OE cleared by the read */
    CHECK_EQ(in(RBR), 'A');
    CHECK_EQ(in(LSR), 0x60);
    CHECK_EQ(in(RBR), 'A');           /* nothing new: the last byte again */
    /* With FIFOs: 16 bytes, then overrun. */
    out(FCR, 0x01);
    for (int i = 0; i < 17; i++)
        uart_write(&u, THR, (u8)('a' + i));
    CHECK_EQ(in(LSR), 0x63);
    for (int i = 0; i < 16; i++)
        CHECK_EQ(in(RBR), 'a' + i);
    CHECK_EQ(in(LSR), 0x60);
    uart_write(&u, THR, 'x');
    out(FCR, 0x03);                   /* clear the receive FIFO */
    CHECK_EQ(in(LSR), 0x60);
    uart_write(&u, THR, 'y');
    out(FCR, 0x00);                   /* disabling the FIFOs clears them too */
    CHECK_EQ(in(LSR), 0x60);
    /* Leaving loopback: the terminal's lines again, and nothing was printed. */
    out(MCR, 0x00);
    CHECK_EQ(in(MSR), 0xB0 | 0x0A);   /* DSR and DCD rose; CTS stayed on */
    CHECK(uart_flush(&u) == NULL);
}

static void test_lines(void)
{
    uart_init(&u);
    CHECK(say("hello") == NULL);
    const char *l = say("\r\n");
    CHECK(l && !strcmp(l, "hello"));
    l = say("\n");                     /* an empty line is a line */
    CHECK(l && !strcmp(l, ""));
    l = say("tick 1000\n");
    CHECK(l && !strcmp(l, "tick 1000"));
    /* Control bytes and bytes above 0x7E cannot reach the console as such. */
    l = say("a\x1b[2Jb\x7f\xc3\xa9\tc\n");
    CHECK(l && !strcmp(l, "a?[2Jb???\tc"));
    /* DLAB set: offset 0 is the divisor, not THR. */
    out(LCR, 0x80);
    CHECK(uart_write(&u, 0, 'Z') == NULL);
    out(LCR, 0x03);
    CHECK(uart_flush(&u) == NULL);
    /* A full buffer is a line; the '\n' right after it ends nothing more. */
    char big[UART_LINE_MAX + 1];
    memset(big, 'x', UART_LINE_MAX);
    big[UART_LINE_MAX] = 0;
    l = say(big);
    CHECK(l && strlen(l) == UART_LINE_MAX);
    CHECK(say("\r\n") == NULL);
    l = say("next\n");
    CHECK(l && !strcmp(l, "next"));
    /* 121 bytes: one full line, then a line of one. */
    memset(big, 'y', UART_LINE_MAX);
    CHECK(say(big) != NULL);
    l = say("z\n");
    CHECK(l && !strcmp(l, "z"));
    /* The partial line at the cell's end, once. */
    say("half");
    l = uart_flush(&u);
    CHECK(l && !strcmp(l, "half"));
    CHECK(uart_flush(&u) == NULL);
    l = say("new\n");
    CHECK(l && !strcmp(l, "new"));
}

/* drivers/tty/serial/8250/8250_port.c, autoconfig() and autoconfig_16550a()
 * for a port without UPF_SKIP_TEST or UPF_BUGGY_UART (COM1 from the legacy
 * table); returns the type it settles on. */
static const char *linux_autoconfig(void)
{
    /* The IER existence test (0x80 port writes in between, not ours). */
    u8 scratch = in(IER);
    out(IER, 0);
    u8 scratch2 = in(IER) & 0x0F;
    out(IER, 0x0F);
    u8 scratch3 = in(IER) & 0x0F;
    out(IER, scratch);
    if (scratch2 != 0 || scratch3 != 0x0F)
        return "none (IER test)";

    u8 save_mcr = in(MCR), save_lcr = in(LCR);
    /* The loopback test: MCR = LOOP | 0x0A must read back DCD | CTS. */
    out(MCR, 0x10 | 0x0A);
    u8 status1 = in(MSR) & 0xF0;
    out(MCR, save_mcr);
    if (status1 != 0x90)
        return "none (loopback test)";

    /* EFR (at LCR 0xBF) cleared, FIFOs on, IIR bits 7:6 say the family. */
    out(LCR, 0xBF);
    out(2, 0);
    out(LCR, 0);
    out(FCR, 0x01);
    u8 iir = in(IIR);
    const char *type;
    switch (iir >> 6) {
    case 0:
        out(SCR, 0xA5);
        status1 = in(SCR);
        out(SCR, 0x5A);
        type = status1 == 0xA5 && in(SCR) == 0x5A ? "16450" : "8250";
        break;
    case 1: type = "unknown"; break;
    case 2: type = "16550"; break;
    default:
        /* autoconfig_16550a: EFR at DLAB (ST16C650V1)? */
        out(LCR, 0x80);
        if (in(2) == 0) { type = "16650"; break; }
        /* EFR at LCR 0xBF? */
        out(LCR, 0xBF);
        if (in(2) == 0) { type = "16650V2"; break; }
        /* National SuperIO: the LOOP bit mirrored in EXCR1 (bank 2)? */
        out(LCR, 0);
        status1 = in(MCR);
        out(LCR, 0xE0);
        u8 status2 = in(2);
        if (!((status2 ^ status1) & 0x10)) {
            out(LCR, 0);
            out(MCR, status1 ^ 0x10);
            out(LCR, 0xE0);
            status2 = in(2);
            out(LCR, 0);
            out(MCR, status1);
            if ((status2 ^ status1) & 0x10) { type = "NS16550A"; break; }
        }
        /* TI16750: IIR bit 5 with the 64-byte FIFO enabled under DLAB. */
        out(LCR, 0);
        out(FCR, 0x01 | 0x20);
        status1 = in(IIR) >> 5;
        out(FCR, 0x01);
        out(LCR, 0x80);
        out(FCR, 0x01 | 0x20);
        status2 = in(IIR) >> 5;
        out(FCR, 0x01);
        out(LCR, 0);
        if (status1 == 6 && status2 == 7) { type = "16750"; break; }
        /* Xscale: the UUE bit (IER bit 6) sticks? */
        u8 iersave = in(IER);
        out(IER, iersave & ~0x40);
        if (!(in(IER) & 0x40)) {
            out(IER, iersave | 0x40);
            if (in(IER) & 0x40) { type = "Xscale"; break; }
        }
        out(IER, iersave);
        type = "16550A";
    }
    out(LCR, save_lcr);
    /* The reset at the end: MCR back, FIFOs cleared, RX read. */
    out(MCR, save_mcr);
    out(FCR, 0x01);
    out(FCR, 0x07);
    out(FCR, 0);
    in(RBR);
    /* serial8250_startup: "LSR safety check engaged" if LSR reads 0xFF. */
    if (in(LSR) == 0xFF)
        return "none (LSR 0xFF)";
    return type;
}

static void test_linux(void)
{
    uart_init(&u);
    CHECK(!strcmp(linux_autoconfig(), "16550A"));
    /* What the console driver then does: 115200 8N1, FIFOs, DTR|RTS|OUT2,
     * the THRE interrupt test (no interrupt: it polls), then text. */
    out(LCR, 0x83);
    out(DLL, 1);
    out(DLM, 0);
    out(LCR, 0x03);
    out(FCR, 0xC7);
    out(MCR, 0x0B);
    out(IER, 0x02);
    CHECK_EQ(in(IIR) & 0x01, 0x01);
    out(IER, 0);
    CHECK_EQ(in(LSR) & 0x60, 0x60);
    const char *l = say("[    0.000000] Linux version\r\n");
    CHECK(l && !strcmp(l, "[    0.000000] Linux version"));
    /* A second probe finds the same. */
    CHECK(!strcmp(linux_autoconfig(), "16550A"));
}

int main(void)
{
    test_reset();
    test_registers();
    test_loopback();
    test_lines();
    test_linux();
    return unit_done("uart");
}
