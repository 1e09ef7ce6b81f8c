/*
 * pxhv.efi's configuration file (include/efi/efi_cfg.h): a line-by-line
 * `key=value` parser that takes nothing on trust.  A mistyped key is an
 * error rather than a line to skip: a silently ignored `nxt=` would boot
 * something the user did not ask for.
 */
#include "efi/efi_cfg.h"
#include "lib/lib.h"
#include "boot/pxhv_config.h"

/* Flag names, in bit order of CFG_FLAG_* (include/pxhv_config.h). */
static const struct { const char *name; u32 bit; } flag_names[] = {
    { "trace-exits",       CFG_FLAG_TRACE_EXITS },
    { "no-poweroff",       CFG_FLAG_NO_POWEROFF },
    { "break-guest-state", CFG_FLAG_BREAK_GUEST_STATE },
    { "break-controls",    CFG_FLAG_BREAK_CONTROLS },
    { "intercept-ipi",     CFG_FLAG_INTERCEPT_IPI },
};

static bool is_space(char c) { return c == ' ' || c == '\t'; }

/* A span of the line as a string for a message (the printf of stage3/lib
 * has no "%.*s"), cut to the buffer. */
#define SPAN_MAX 64
static const char *span(char *buf, const char *s, usize n)
{
    if (n > SPAN_MAX - 1)
        n = SPAN_MAX - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    return buf;
}

static bool span_eq(const char *s, usize n, const char *word)
{
    usize w = strlen(word);
    return n == w && !memcmp(s, word, n);
}

/* A number in decimal or 0x-hexadecimal that fits 32 bits. */
static bool parse_u32(const char *s, usize n, u32 *out)
{
    u64 v = 0;
    unsigned base = 10;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        n -= 2;
    }
    if (!n)
        return false;
    for (usize i = 0; i < n; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        v = v * base + d;
        if (v > 0xFFFFFFFFu)
            return false;
    }
    *out = (u32)v;
    return true;
}

static bool parse_flags(const char *v, usize n, u32 *out, char *err, usize err_size)
{
    if (n && v[0] >= '0' && v[0] <= '9') {
        if (parse_u32(v, n, out))
            return true;
        char t[SPAN_MAX];
        snprintf(err, err_size, "flags: '%s' is not a 32-bit number", span(t, v, n));
        return false;
    }
    *out = 0;
    for (usize i = 0; i < n;) {
        usize j = i;
        while (j < n && v[j] != ',')
            j++;
        usize s = i, e = j;
        while (s < e && is_space(v[s]))
            s++;
        while (e > s && is_space(v[e - 1]))
            e--;
        bool found = false;
        for (usize k = 0; k < ARRAY_SIZE(flag_names); k++)
            if (span_eq(v + s, e - s, flag_names[k].name)) {
                *out |= flag_names[k].bit;
                found = true;
            }
        if (!found && !span_eq(v + s, e - s, "none")) {
            char t[SPAN_MAX];
            snprintf(err, err_size, "flags: unknown flag '%s' (flags: trace-exits, no-poweroff, "
                     "intercept-ipi, break-guest-state, break-controls, or a number)", span(t, v + s, e - s));
            return false;
        }
        i = j + 1;
    }
    return true;
}

/* Copies a path, '/' becoming '\'. */
static bool set_path(char *dst, usize size, const char *v, usize n, char *err, usize err_size)
{
    if (n >= size) {
        snprintf(err, err_size, "next: path longer than %u bytes", (unsigned)(size - 1));
        return false;
    }
    for (usize i = 0; i < n; i++)
        dst[i] = v[i] == '/' ? '\\' : v[i];
    dst[n] = 0;
    return true;
}

u32 efi_cfg_parse(const char *text, usize len, struct efi_cfg *cfg, char *err, usize err_size)
{
    memset(cfg, 0, sizeof *cfg);
    if (err_size)
        err[0] = 0;
    if (len >= 2 && (((u8)text[0] == 0xFF && (u8)text[1] == 0xFE) ||
                     ((u8)text[0] == 0xFE && (u8)text[1] == 0xFF))) {
        snprintf(err, err_size, "the file is UTF-16: save it as plain ASCII");
        return 1;
    }
    if (len > EFI_CFG_MAX_BYTES) {
        snprintf(err, err_size, "the file has %llu bytes, more than %u", (unsigned long long)len,
                 EFI_CFG_MAX_BYTES);
        return 1;
    }
    if (len >= 3 && (u8)text[0] == 0xEF && (u8)text[1] == 0xBB && (u8)text[2] == 0xBF) {
        text += 3;                       /* a UTF-8 byte order mark: harmless */
        len -= 3;
    }
    u32 line = 0;
    char t[SPAN_MAX];
    for (usize pos = 0; pos < len;) {
        line++;
        usize end = pos;
        while (end < len && text[end] != '\n')
            end++;
        usize s = pos, e = end;
        pos = end + 1;
        if (e > s && text[e - 1] == '\r')
            e--;
        for (usize i = s; i < e; i++) {
            u8 c = (u8)text[i];
            if ((c < 0x20 && c != '\t') || c >= 0x7F) {
                snprintf(err, err_size, "byte 0x%02x at column %u: only printable ASCII is allowed",
                         c, (unsigned)(i - s + 1));
                return line;
            }
        }
        while (s < e && is_space(text[s]))
            s++;
        while (e > s && is_space(text[e - 1]))
            e--;
        if (s == e || text[s] == '#')
            continue;
        usize eq = s;
        while (eq < e && text[eq] != '=')
            eq++;
        if (eq == e) {
            snprintf(err, err_size, "'%s': not a key=value line", span(t, text + s, e - s));
            return line;
        }
        usize ke = eq, vs = eq + 1;
        while (ke > s && is_space(text[ke - 1]))
            ke--;
        while (vs < e && is_space(text[vs]))
            vs++;
        const char *key = text + s, *val = text + vs;
        usize klen = ke - s, vlen = e - vs;
        bool *seen;
        if (span_eq(key, klen, "next"))
            seen = &cfg->has_next;
        else if (span_eq(key, klen, "options"))
            seen = &cfg->has_options;
        else if (span_eq(key, klen, "flags"))
            seen = &cfg->has_flags;
        else {
            snprintf(err, err_size, "unknown key '%s' (keys: next, options, flags)", span(t, key, klen));
            return line;
        }
        if (*seen) {
            snprintf(err, err_size, "'%s' appears a second time", span(t, key, klen));
            return line;
        }
        *seen = true;
        if (seen == &cfg->has_next) {
            if (!vlen) {
                snprintf(err, err_size, "next: empty path");
                return line;
            }
            if (!set_path(cfg->next, sizeof cfg->next, val, vlen, err, err_size))
                return line;
        } else if (seen == &cfg->has_options) {
            if (vlen >= sizeof cfg->options) {
                snprintf(err, err_size, "options: longer than %u bytes", (unsigned)sizeof cfg->options - 1);
                return line;
            }
            memcpy(cfg->options, val, vlen);
            cfg->options[vlen] = 0;
        } else if (!parse_flags(val, vlen, &cfg->flags, err, err_size)) {
            return line;
        }
    }
    return 0;
}

const char *efi_cfg_flag_names(u32 flags, char *buf, usize size)
{
    usize n = 0;
    if (!size)
        return buf;
    buf[0] = 0;
    if (!flags) {
        snprintf(buf, size, "none");
        return buf;
    }
    for (usize k = 0; k < ARRAY_SIZE(flag_names); k++)
        if (flags & flag_names[k].bit) {
            n += (usize)snprintf(buf + (n < size ? n : size), n < size ? size - n : 0, "%s%s",
                                 n ? "," : "", flag_names[k].name);
            flags &= ~flag_names[k].bit;
        }
    if (flags)
        snprintf(buf + (n < size ? n : size), n < size ? size - n : 0, "%s0x%x", n ? "," : "", flags);
    return buf;
}

bool efi_cfg_next_path(const struct efi_cfg *cfg, const char *dir, char *out, usize size)
{
    const char *name = cfg->has_next ? cfg->next : EFI_DEFAULT_NEXT;
    int n;
    if (name[0] == '\\')
        n = snprintf(out, size, "%s", name);
    else
        n = snprintf(out, size, "%s\\%s", dir[0] && !(dir[0] == '\\' && !dir[1]) ? dir : "", name);
    return n >= 0 && (usize)n < size;
}
