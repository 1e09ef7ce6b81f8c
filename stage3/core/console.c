/*
 * The console (include/console.h): kprintf formats into a buffer on the
 * stack and writes it under one lock, so lines from several CPUs do not mix.
 */
#include "console.h"
#include "lib.h"
#include "x86.h"

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

void console_write(const char *s, usize n)
{
    lock();
    for (usize i = 0; i < n; i++)
        serial_putc(s[i]);
    vga_write(s, n);
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
