/* The 16550 as a cell sees it (include/lib/uart.h): PC16550D datasheet, 8.0 "Registers". */
#include "lib/uart.h"
#include "lib/lib.h"

enum { RBR_THR_DLL, IER_DLM, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

#define LCR_DLAB     0x80
#define MCR_DTR      0x01
#define MCR_RTS      0x02
#define MCR_OUT1     0x04
#define MCR_OUT2     0x08
#define MCR_LOOP     0x10
#define LSR_DR       0x01
#define LSR_OE       0x02
#define LSR_THRE     0x20
#define LSR_TEMT     0x40
#define MSR_DCTS     0x01
#define MSR_DDSR     0x02
#define MSR_TERI     0x04
#define MSR_DDCD     0x08
#define MSR_CTS      0x10
#define MSR_DSR      0x20
#define MSR_RI       0x40
#define MSR_DCD      0x80
#define FCR_ENABLE   0x01
#define FCR_CLR_RX   0x02
#define IIR_NO_INT   0x01
#define IIR_FIFO_ON  0xC0

void uart_init(struct uart *u)
{
    memset(u, 0, sizeof *u);
    u->dll = 1;
}

/* The modem inputs (MSR bits 7:4): a terminal that is always ready, or in
 * loopback the outputs fed back, as the Modem Control Register's
 * description says. */
static u8 msr_lines(const struct uart *u)
{
    u8 m = u->mcr;
    if (!(m & MCR_LOOP))
        return MSR_DCD | MSR_DSR | MSR_CTS;
    return (m & MCR_RTS ? MSR_CTS : 0) | (m & MCR_DTR ? MSR_DSR : 0) |
           (m & MCR_OUT1 ? MSR_RI : 0) | (m & MCR_OUT2 ? MSR_DCD : 0);
}

/* The delta bits an input change sets: DCTS, DDSR, DDCD on any change,
 * TERI when RI goes from on to off (the Modem Status Register's
 * description). */
static u8 msr_changes(u8 before, u8 after)
{
    u8 d = 0, x = before ^ after;
    if (x & MSR_CTS) d |= MSR_DCTS;
    if (x & MSR_DSR) d |= MSR_DDSR;
    if (x & MSR_DCD) d |= MSR_DDCD;
    if ((before & MSR_RI) && !(after & MSR_RI)) d |= MSR_TERI;
    return d;
}

u8 uart_read(struct uart *u, u8 off)
{
    switch (off & 7) {
    case RBR_THR_DLL:
        if (u->lcr & LCR_DLAB)
            return u->dll;
        if (u->rx_count) {
            u->rbr = u->rx[u->rx_head];
            u->rx_head = (u8)((u->rx_head + 1) % UART_LOOP_FIFO);
            u->rx_count--;
        }
        return u->rbr;
    case IER_DLM:
        return u->lcr & LCR_DLAB ? u->dlm : u->ier;
    case IIR_FCR:
        return IIR_NO_INT | (u->fcr & FCR_ENABLE ? IIR_FIFO_ON : 0);
    case LCR:
        return u->lcr;
    case MCR:
        return u->mcr;
    case LSR: {
        u8 v = LSR_THRE | LSR_TEMT | u->lsr_err | (u->rx_count ? LSR_DR : 0);
        u->lsr_err = 0;
        return v;
    }
    case MSR: {
        u8 v = msr_lines(u) | u->msr_delta;
        u->msr_delta = 0;
        return v;
    }
    default:
        return u->scr;
    }
}

/* A received byte in loopback: the FIFO holds 16 when enabled, the holding
 * register one; a byte that finds no room is lost and sets OE. */
static void loop_receive(struct uart *u, u8 val)
{
    u8 room = u->fcr & FCR_ENABLE ? UART_LOOP_FIFO : 1;
    if (u->rx_count >= room) {
        u->lsr_err |= LSR_OE;
        return;
    }
    u->rx[(u->rx_head + u->rx_count) % UART_LOOP_FIFO] = val;
    u->rx_count++;
}

static const char *transmit(struct uart *u, u8 c)
{
    if (c == '\r')
        return NULL;
    if (u->line_done) {
        bool cut = u->cut;
        u->line_done = u->cut = false;
        u->len = 0;
        if (cut && c == '\n')
            return NULL;     /* the end of the line just handed out full */
    }
    if (c == '\n') {
        u->line[u->len] = 0;
        u->line_done = true;
        return u->line;
    }
    u->line[u->len++] = c == '\t' || (c >= 0x20 && c <= 0x7E) ? (char)c : '?';
    if (u->len < UART_LINE_MAX)
        return NULL;
    u->line[u->len] = 0;
    u->line_done = u->cut = true;
    return u->line;
}

const char *uart_write(struct uart *u, u8 off, u8 val)
{
    switch (off & 7) {
    case RBR_THR_DLL:
        if (u->lcr & LCR_DLAB)
            u->dll = val;
        else if (u->mcr & MCR_LOOP)
            loop_receive(u, val);
        else
            return transmit(u, val);
        break;
    case IER_DLM:
        if (u->lcr & LCR_DLAB)
            u->dlm = val;
        else
            u->ier = val & 0x0F;
        break;
    case IIR_FCR:
        /* Enabling or disabling the FIFOs clears them, as does bit 1. */
        if ((val ^ u->fcr) & FCR_ENABLE || val & FCR_CLR_RX)
            u->rx_count = 0;
        u->fcr = val & (FCR_ENABLE | 0xC0);
        break;
    case LCR:
        u->lcr = val;
        break;
    case MCR: {
        u8 before = msr_lines(u);
        u->mcr = val & 0x1F;
        u->msr_delta |= msr_changes(before, msr_lines(u));
        break;
    }
    case LSR:
    case MSR:
        break;               /* read-only here: the factory-test writes do nothing */
    default:
        u->scr = val;
    }
    return NULL;
}

const char *uart_flush(struct uart *u)
{
    if (u->line_done || !u->len)
        return NULL;
    u->line[u->len] = 0;
    u->line_done = true;
    return u->line;
}
