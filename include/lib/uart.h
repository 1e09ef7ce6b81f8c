/*
 * The 16550 UART a cell sees at 0x3F8-0x3FF (pure: unit-tested in
 * tests/unit/test_uart.c), after the PC16550D datasheet (June 1995), section
 * 8.0 "Registers" and its table "Summary of Accessible Registers":
 *   0  DLAB=0: read RBR, write THR (the byte goes to the line buffer);
 *      DLAB=1: divisor latch LSB
 *   1  DLAB=0: IER (bits 3:0); DLAB=1: divisor latch MSB
 *   2  read IIR: never an interrupt pending (bit 0 set), bits 7:6 set while
 *      the FIFOs are enabled (FCR bit 0); write FCR
 *   3  LCR (bit 7 DLAB)   4  MCR (bits 4:0, bit 4 loopback)
 *   5  LSR: THRE and TEMT always (the transmitter is never busy), DR while
 *      looped-back data waits, OE after a looped-back byte was lost
 *   6  MSR: outside loopback DCD, DSR and CTS on (a terminal attached); in
 *      loopback CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2, with the delta bits
 *   7  SCR, the scratch register
 * The cell gets no interrupts from it: software that probes for a THRE
 * interrupt finds none and polls (Linux's 8250 driver marks UART_BUG_THRE).
 * Transmitted bytes are collected into lines for pxHV's console.
 */
#ifndef PXHV_UART_H
#define PXHV_UART_H
#include "lib/types.h"

#define UART_LINE_MAX 120            /* a longer line is cut into pieces   */
#define UART_LOOP_FIFO 16            /* the receive FIFO, in loopback only  */

struct uart {
    u8 ier, lcr, mcr, scr, dll, dlm, fcr;
    u8 lsr_err;                      /* OE, until LSR is read               */
    u8 msr_delta;                    /* MSR bits 3:0, until MSR is read     */
    u8 rbr;                          /* the last byte received              */
    u8 rx_head, rx_count;            /* looped-back bytes waiting           */
    u8 rx[UART_LOOP_FIFO];
    bool line_done;                  /* `line` was handed out: start anew   */
    bool cut;                        /* it was full: a '\n' next ends nothing */
    u32 len;
    char line[UART_LINE_MAX + 1];
};

/* The register values of a master reset (the datasheet's table "UART Reset
 * Configuration"); the divisor latch, which reset leaves alone, as 1
 * (115200 baud). */
void uart_init(struct uart *u);
/* A read of the register at offset `off` (0-7). */
u8 uart_read(struct uart *u, u8 off);
/* A write.  Returns a completed line (NUL-terminated, without its '\n';
 * valid until the next call) when this byte ended one: a '\n', or a byte
 * that filled the buffer; NULL otherwise.  '\r' is dropped, other control
 * bytes and bytes above 0x7E are shown as '?' so that a cell cannot move
 * the cursor or forge lines on pxHV's console. */
const char *uart_write(struct uart *u, u8 off, u8 val);
/* A line still being written (when the cell ends), or NULL if none. */
const char *uart_flush(struct uart *u);

#endif
