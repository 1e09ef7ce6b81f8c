/*
 * The console (include/core/console.h): kprintf formats into a buffer on the
 * stack and writes it under one lock, so lines from several CPUs do not mix.
 */
#include "core/console.h"
#include "lib/lib.h"
#include "hw/x86.h"

/* In .data, not .bss: the early start prints before the bss exists. */
static __attribute__((section(".data"))) volatile u32 console_lock;

static void lock(void)
{
    while (__atomic_exchange_n(&console_lock, 1, __ATOMIC_ACQUIRE))
        while (console_lock)
            pause();
}

static void unlock(void)
{
    __atomic_store_n(&console_lock, 0, __ATOMIC_RELEASE);
}

static void out(const char *s, usize n)
{
    serial_write(s, n);
    vga_write(s, n);
}

void console_write(const char *s, usize n)
{
    lock();
    out(s, n);
    unlock();
}

/* The start of the guest's current line, held back while it could still
 * become "pxHV"; -1: the line is past that. */
static __attribute__((section(".data"))) int guest_held;
static __attribute__((section(".data"))) char guest_start[4];

void console_guest_write(const char *s, usize n)
{
    static const char mark[4] = "pxHV";
    lock();
    for (usize i = 0; i < n; i++) {
        char ch = s[i];
        if (guest_held < 0) {
            out(&ch, 1);
        } else {
            guest_start[guest_held++] = ch;
            if (guest_held == 4 && !memcmp(guest_start, mark, 4)) {
                out("[guest] ", 8);
                out(guest_start, 4);
                guest_held = -1;
            } else if (guest_held == 4 || ch != mark[guest_held - 1]) {
                out(guest_start, (usize)guest_held);
                guest_held = -1;
            }
        }
        if (ch == '\n')
            guest_held = 0;
    }
    unlock();
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
