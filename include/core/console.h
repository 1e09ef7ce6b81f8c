/*
 * The hypervisor console: every message goes to COM1 and, in a VGA text
 * mode, to the screen at the BIOS cursor.  Both keep no state of their own
 * (the cursor lives in the BIOS data area, the UART needs none), so the
 * console works from stage 3's first instruction on, before its data exists,
 * and on every CPU; a lock keeps lines whole.
 */
#ifndef PXHV_CONSOLE_H
#define PXHV_CONSOLE_H
#include "lib/types.h"

void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s, usize n);   /* in pxHV's format, whatever the guest set */
void serial_flush(void);      /* wait for the transmitter to drain (LSR bit 6) */
void vga_write(const char *s, usize n);
void vga_disable(void);      /* no text screen (UEFI): COM1 only */

void console_write(const char *s, usize n);
/* Text from the guest through pxHV (hypercalls, port 0xE9): a line of it that
 * starts like one of pxHV's own gets the prefix "[guest] ". */
void console_guest_write(const char *s, usize n);
int  kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
