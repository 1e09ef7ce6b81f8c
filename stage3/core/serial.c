/*
 * COM1 16550, polled, 115200 8N1.  The LCR is written explicitly because
 * some firmware (and Bochs) leave it at 5 data bits; every byte waits for
 * THR empty (LSR bit 5), and shutdown waits for the transmitter to drain
 * (LSR bit 6), or the last bytes are lost.  Every wait is bounded, and a
 * missing UART reads as 0xFF (THR empty): a machine without COM1 neither
 * hangs nor needs a flag.
 */
#include "console.h"
#include "x86.h"

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
