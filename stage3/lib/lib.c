/* The few libc routines the freestanding build needs (GCC may emit calls
 * to memset/memcpy/memcmp itself, so the names are the standard ones).
 * The string instructions make copies and fills, large fills eight bytes a
 * step. */
#include "lib/lib.h"

void *memset(void *d, int c, usize n)
{
    void *p = d;
    if (n >= 64 && !((usize)d & 7)) {
        /* Eight bytes a step: a cell's memory is cleared in a quarter of a
         * second under an emulator counting instructions, not two. */
        usize q = n / 8;
        u64 v = 0x0101010101010101ULL * (u8)c;
        __asm__ volatile("rep stosq" : "+D"(p), "+c"(q) : "a"(v) : "memory");
        n &= 7;
    }
    __asm__ volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(c) : "memory");
    return d;
}

void *memcpy(void *d, const void *s, usize n)
{
    void *dp = d;
    __asm__ volatile("rep movsb" : "+D"(dp), "+S"(s), "+c"(n) :: "memory");
    return d;
}

int memcmp(const void *a, const void *b, usize n)
{
    const u8 *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

usize strlen(const char *s)
{
    usize n = 0;
    while (s[n])
        n++;
    return n;
}

const char *str_nth(const char *blob, usize blob_size, u32 n, const char *dflt)
{
    const char *p = blob, *end = blob + blob_size;
    for (; n && p < end; n--)
        p += strlen(p) + 1;
    return p < end && *p ? p : dflt;
}
