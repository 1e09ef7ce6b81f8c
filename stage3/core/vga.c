/*
 * The VGA text screen as the BIOS left it: characters go at the cursor the
 * BIOS keeps in its data area (page 0), which is updated afterwards, so the
 * guest's BIOS output continues below pxHV's.  Nothing is written in a
 * graphics mode, nor under UEFI, where neither the text screen nor the BIOS
 * data area exists (the firmware's consoles are pxhv.efi's).
 */
#include "core/console.h"
#include "hw/x86.h"

#define VGA_TEXT   ((volatile u16 *)0xB8000)
#define VGA_COLS   80
#define VGA_ROWS   25
#define VGA_ATTR   0x0700
#define BDA_MODE   ((volatile u8 *)0x449)
#define BDA_CURSOR ((volatile u8 *)0x450) /* page 0: column, row */
#define BDA_CRTC   ((volatile u16 *)0x463) /* CRTC index port */

/* In .data: the early start prints before the bss exists. */
static __attribute__((section(".data"))) bool vga_off;

void vga_disable(void)
{
    vga_off = true;
}

static bool text_mode(void)
{
    if (vga_off)
        return false;
    u8 mode = *BDA_MODE & 0x7F;
    return mode <= 3 || mode == 7;
}

void vga_write(const char *s, usize n)
{
    if (!text_mode())
        return;
    u32 col = BDA_CURSOR[0], row = BDA_CURSOR[1];
    if (col >= VGA_COLS || row >= VGA_ROWS)
        col = row = 0;
    for (usize i = 0; i < n; i++) {
        char c = s[i];
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
            for (u32 j = 0; j < (VGA_ROWS - 1) * VGA_COLS; j++)
                VGA_TEXT[j] = VGA_TEXT[j + VGA_COLS];
            for (u32 j = 0; j < VGA_COLS; j++)
                VGA_TEXT[(VGA_ROWS - 1) * VGA_COLS + j] = VGA_ATTR | ' ';
            row--;
        }
    }
    BDA_CURSOR[0] = (u8)col;
    BDA_CURSOR[1] = (u8)row;
    u16 pos = (u16)(row * VGA_COLS + col), crtc = *BDA_CRTC ? *BDA_CRTC : 0x3D4;
    outb(crtc, 0x0F);
    outb(crtc + 1, (u8)pos);
    outb(crtc, 0x0E);
    outb(crtc + 1, (u8)(pos >> 8));
}
