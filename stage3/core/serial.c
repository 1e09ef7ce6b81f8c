/*
 * COM1 16550, polled, 115200 8N1.  The LCR is written explicitly because
 * some firmware (and Bochs) leave it at 5 data bits; every byte waits for
 * THR empty (LSR bit 5), and shutdown waits for the transmitter to drain
 * (LSR bit 6), or the last bytes are lost.  Every wait is bounded, and a
 * missing UART reads as 0xFF (THR empty): a machine without COM1 neither
 * hangs nor needs a flag.
 */
#include "core/console.h"
#include "hw/x86.h"

#define COM1 0x3F8
enum { THR = 0, DLL = 0, IER = 1, DLM = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
#define LSR_THRE BIT(5)
#define LSR_TEMT BIT(6)
#define SERIAL_SPIN_MAX 2000000

void serial_init(void)
{
    outb(COM1 + IER, 0x00);
    outb(COM1 + LCR, 0x80);     /* DLAB: divisor 1 = 115200 baud */
    outb(COM1 + DLL, 0x01);
    outb(COM1 + DLM, 0x00);
    outb(COM1 + LCR, 0x03);     /* 8 data bits, no parity, 1 stop bit */
    outb(COM1 + FCR, 0xC7);     /* FIFO on, cleared, 14-byte threshold */
    outb(COM1 + MCR, 0x03);     /* DTR, RTS; OUT2 off: no interrupts from us */
}

static void wait_lsr(u8 bit)
{
    for (u32 i = 0; i < SERIAL_SPIN_MAX; i++)
        if (inb(COM1 + LSR) & bit)
            return;
}

void serial_putc(char c)
{
    if (c == '\n')
        serial_putc('\r');
    wait_lsr(LSR_THRE);
    outb(COM1 + THR, (u8)c);
}

void serial_flush(void)
{
    wait_lsr(LSR_TEMT);
}

/* The guest owns COM1 and may leave it in another format, with the divisor
 * latch selected (DLAB) or in loopback: pxHV's lines would vanish.  Around
 * each of its writes pxHV sets its own format and then puts the guest's back. */
struct uart_state { u8 lcr, mcr, dll, dlm; };

static struct uart_state uart_take(void)
{
    struct uart_state g = { inb(COM1 + LCR), inb(COM1 + MCR), 0, 0 };
    outb(COM1 + LCR, g.lcr | 0x80);
    g.dll = inb(COM1 + DLL);
    g.dlm = inb(COM1 + DLM);
    if (g.dll != 1 || g.dlm != 0) {
        outb(COM1 + DLL, 0x01);
        outb(COM1 + DLM, 0x00);
    }
    outb(COM1 + LCR, 0x03);
    if (g.mcr & 0x10)
        outb(COM1 + MCR, g.mcr & ~0x10);   /* loopback off */
    return g;
}

static void uart_give_back(struct uart_state g)
{
    wait_lsr(LSR_TEMT);                    /* sent at pxHV's rate */
    if (g.dll != 1 || g.dlm != 0) {
        outb(COM1 + LCR, 0x80);
        outb(COM1 + DLL, g.dll);
        outb(COM1 + DLM, g.dlm);
    }
    outb(COM1 + LCR, g.lcr);
    if (g.mcr & 0x10)
        outb(COM1 + MCR, g.mcr);
}

void serial_write(const char *s, usize n)
{
    struct uart_state g = uart_take();
    for (usize i = 0; i < n; i++)
        serial_putc(s[i]);
    if (g.lcr != 0x03 || g.dll != 1 || g.dlm != 0 || (g.mcr & 0x10))
        uart_give_back(g);
}
