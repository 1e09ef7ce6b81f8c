/*
 * The hypervisor console: kprintf writes to COM1 and to the VGA text
 * screen.  The VGA writer starts at the BIOS cursor (BDA 0x450) and leaves
 * the cursor after its text, so a guest's BIOS output continues below.
 */
#include "console.h"
#include "lib.h"
#include "x86.h"

#define VGA_TEXT   ((volatile u16 *)0xB8000)
#define VGA_COLS   80
#define VGA_ROWS   25
#define VGA_ATTR   0x0700
#define BDA_MODE   ((volatile u8 *)0x449)
#define BDA_CURSOR ((volatile u8 *)0x450) /* page 0: column, row */

static u32 col, row;

void vga_init(void)
{
    col = BDA_CURSOR[0];
    row = BDA_CURSOR[1];
    if (col >= VGA_COLS || row >= VGA_ROWS)
        col = row = 0;
}

static bool vga_text_mode(void)
{
    u8 mode = *BDA_MODE & 0x7F;
    return mode <= 3 || mode == 7;
}

static void vga_sync_cursor(void)
{
    u16 pos = (u16)(row * VGA_COLS + col);

    BDA_CURSOR[0] = (u8)col;
    BDA_CURSOR[1] = (u8)row;
    outb(0x3D4, 0x0F);
    outb(0x3D5, (u8)pos);
    outb(0x3D4, 0x0E);
    outb(0x3D5, (u8)(pos >> 8));
}

void vga_putc(char c)
{
    if (c == '\n') {
        col = 0;
        row++;
    } else if (c == '\r') {
        col = 0;
    } else {
        VGA_TEXT[row * VGA_COLS + col] = VGA_ATTR | (u8)c;
        if (++col == VGA_COLS) {
            col = 0;
            row++;
        }
    }
    if (row == VGA_ROWS) {
        for (u32 i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
            VGA_TEXT[i] = VGA_TEXT[i + VGA_COLS];
        for (u32 i = 0; i < VGA_COLS; i++)
            VGA_TEXT[(VGA_ROWS - 1) * VGA_COLS + i] = VGA_ATTR | ' ';
        row--;
    }
}

void console_init(void)
{
    serial_init();
    vga_init();
}

void console_write(const char *s, usize n)
{
    bool vga = vga_text_mode();

    for (usize i = 0; i < n; i++) {
        serial_putc(s[i]);
        if (vga)
            vga_putc(s[i]);
    }
    if (vga)
        vga_sync_cursor();
}

int kprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console_write(buf, n < (int)sizeof buf ? (usize)n : sizeof buf - 1);
    return n;
}
