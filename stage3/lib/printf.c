/* A small vsnprintf: enough for diagnostics, pure C (host-tested). */
#include "lib/lib.h"

struct out {
    char *buf;
    usize size;
    usize len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_num(struct out *o, u64 v, unsigned base, bool upper, bool neg,
                    int width, bool zero, bool left)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int total = n + (neg ? 1 : 0);
    if (!left && !zero)
        for (; width > total; width--)
            put(o, ' ');
    if (neg)
        put(o, '-');
    if (!left && zero)
        for (; width > total; width--)
            put(o, '0');
    while (n)
        put(o, tmp[--n]);
    if (left)
        for (; width > total; width--)
            put(o, ' ');
}

int vsnprintf(char *buf, usize size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        bool left = false, zero = false;
        for (;; fmt++) {
            if (*fmt == '-')
                left = true;
            else if (*fmt == '0')
                zero = true;
            else
                break;
        }
        int width = 0, prec = -1;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        if (*fmt == '.') {
            prec = 0;
            fmt++;
            while (*fmt >= '0' && *fmt <= '9')
                prec = prec * 10 + (*fmt++ - '0');
        }
        int lng = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long / size_t */
        for (;; fmt++) {
            if (*fmt == 'l')
                lng = lng < 0 ? 1 : lng + 1;
            else if (*fmt == 'h')
                lng--;
            else if (*fmt == 'z')
                lng = 2;
            else
                break;
        }
        switch (*fmt) {
        case 'd':
        case 'i': {
            s64 v = lng >= 1 ? va_arg(ap, s64) : va_arg(ap, int);
            if (lng == -1)
                v = (s16)v;
            else if (lng <= -2)
                v = (s8)v;
            put_num(&o, v < 0 ? -(u64)v : (u64)v, 10, false, v < 0, width, zero, left);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            u64 v = lng >= 1 ? va_arg(ap, u64) : va_arg(ap, unsigned);
            if (lng == -1)
                v = (u16)v;
            else if (lng <= -2)
                v = (u8)v;
            put_num(&o, v, *fmt == 'u' ? 10 : 16, *fmt == 'X', false, width, zero, left);
            break;
        }
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_num(&o, (u64)(usize)va_arg(ap, void *), 16, false, false, width, zero, left);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int n = 0;
            while (s[n] && (prec < 0 || n < prec))
                n++;
            if (!left)
                for (int w = width; w > n; w--)
                    put(&o, ' ');
            for (int i = 0; i < n; i++)
                put(&o, s[i]);
            if (left)
                for (int w = width; w > n; w--)
                    put(&o, ' ');
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--; /* lone '%' at the end: stop at the NUL */
            break;
        default: /* unknown conversion: print it verbatim so the bug shows */
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, usize size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
