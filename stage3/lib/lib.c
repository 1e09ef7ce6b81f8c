/* The few libc routines the freestanding build needs (GCC may emit calls
 * to memset/memcpy/memcmp itself, so the names are the standard ones).
 * The string instructions make copies and fills one step per byte. */
#include "lib/lib.h"

void *memset(void *d, int c, usize n)
{
    void *p = d;
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
