/* Hypervisor output: every message goes to COM1 and the VGA text screen. */
#ifndef PXHV_CONSOLE_H
#define PXHV_CONSOLE_H
#include "types.h"

void serial_init(void);
void serial_putc(char c);
void serial_flush(void);      /* wait for the transmitter to drain (LSR bit 6) */

void vga_init(void);
void vga_putc(char c);

void console_init(void);
void console_write(const char *s, usize n);
int  kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
