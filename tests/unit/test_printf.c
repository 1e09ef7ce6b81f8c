// sources: stage3/lib/printf.c stage3/lib/lib.c
/* Unit tests for the freestanding vsnprintf (stage3/printf.c). */
#include "unit.h"
#include "lib/lib.h"

/* Through a wrapper without a format attribute: the compiler must not
 * check or fold these calls as the C library's snprintf. */
static int fmt(char *buf, usize size, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(buf, size, f, ap);
    va_end(ap);
    return n;
}

#define FMT(expect, ...)                                       \
    do {                                                       \
        char b_[128];                                          \
        int n_ = fmt(b_, sizeof b_, __VA_ARGS__);              \
        CHECK(strcmp(b_, expect) == 0);                        \
        CHECK_EQ(n_, strlen(expect));                          \
        if (strcmp(b_, expect))                                \
            fprintf(stderr, "  got \"%s\" want \"%s\"\n", b_, expect); \
    } while (0)

int main(void)
{
    FMT("42", "%d", 42);
    FMT("-42", "%d", -42);
    FMT("-2147483648", "%d", (int)0x80000000);
    FMT("4294967295", "%u", 0xFFFFFFFFu);
    FMT("18446744073709551615", "%llu", ~0ULL);
    FMT("-9223372036854775808", "%lld", (long long)0x8000000000000000ULL);
    FMT("ff", "%x", 255);
    FMT("FF", "%X", 255);
    FMT("00ff", "%04x", 255);
    FMT("  ff", "%4x", 255);
    FMT("ff  |", "%-4x|", 255);
    FMT("0x00007c00", "0x%08x", 0x7C00);
    FMT("00000000fee00000", "%016llx", 0xFEE00000ULL);
    FMT("123456789abcdef0", "%llx", 0x123456789ABCDEF0ULL);
    FMT("-0042", "%05d", -42);
    FMT("  -42", "%5d", -42);
    FMT("hello", "%s", "hello");
    FMT("  hi", "%4s", "hi");
    FMT("hi  |", "%-4s|", "hi");
    FMT("hel", "%.3s", "hello");
    FMT("(null)", "%s", (char *)0);
    FMT("A", "%c", 'A');
    FMT("100%", "%d%%", 100);
    FMT("0x1000", "%p", (void *)0x1000);
    FMT("255 ffff", "%hhu %hx", 0x1FF, 0x1FFFF);
    FMT("7", "%zu", (unsigned long)7);
    FMT("%q", "%q"); /* unknown conversions print verbatim */

    /* Truncation: always NUL-terminated, returns the full length. */
    char small[5];
    int n = fmt(small, sizeof small, "%s", "abcdefgh");
    CHECK_EQ(n, 8);
    CHECK(strcmp(small, "abcd") == 0);
    n = fmt(small, 0, "%d", 12345);
    CHECK_EQ(n, 5);
    return unit_done("printf");
}
