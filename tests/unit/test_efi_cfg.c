// sources: efi/config.c stage3/lib/printf.c stage3/lib/lib.c
/* Unit tests for pxhv.efi's configuration parser (efi/config.c). */
#include "unit.h"
#include "efi/efi_cfg.h"
#include "boot/pxhv_config.h"
#include "lib/lib.h"

static struct efi_cfg cfg;
static char err[EFI_CFG_ERR_MAX];

static u32 parse(const char *text)
{
    return efi_cfg_parse(text, strlen(text), &cfg, err, sizeof err);
}

#define ERR_IS(text, line, msg)                                            \
    do {                                                                   \
        CHECK_EQ(parse(text), line);                                       \
        CHECK(strcmp(err, msg) == 0);                                      \
        if (strcmp(err, msg))                                              \
            fprintf(stderr, "  got \"%s\"\n want \"%s\"\n", err, msg);     \
    } while (0)

static void check_next(const char *dir, const char *want)
{
    char out[EFI_CFG_PATH_MAX];
    CHECK(efi_cfg_next_path(&cfg, dir, out, sizeof out));
    CHECK(strcmp(out, want) == 0);
    if (strcmp(out, want))
        fprintf(stderr, "  next path \"%s\", want \"%s\"\n", out, want);
}

int main(void)
{
    /* Empty and comment-only files: defaults, grubx64.efi beside pxhv.efi. */
    CHECK_EQ(parse(""), 0);
    CHECK(!cfg.has_next && !cfg.has_options && !cfg.has_flags && cfg.flags == 0);
    check_next("\\EFI\\BOOT", "\\EFI\\BOOT\\grubx64.efi");
    check_next("\\", "\\grubx64.efi");
    check_next("", "\\grubx64.efi");
    CHECK_EQ(parse("# only a comment\n\n   \t\n"), 0);
    CHECK(!cfg.has_next);

    /* All keys, CR LF line ends, spaces around keys and values, '/' as '\'. */
    CHECK_EQ(parse("next = /EFI/debian/shimx64.efi \r\n"
                   "  options=console=ttyS0,115200 initrd=\\initrd.gz\r\n"
                   "flags=trace-exits, intercept-ipi\r\n"), 0);
    CHECK(cfg.has_next && strcmp(cfg.next, "\\EFI\\debian\\shimx64.efi") == 0);
    CHECK(cfg.has_options && strcmp(cfg.options, "console=ttyS0,115200 initrd=\\initrd.gz") == 0);
    CHECK_EQ(cfg.flags, CFG_FLAG_TRACE_EXITS | CFG_FLAG_INTERCEPT_IPI);
    check_next("\\EFI\\BOOT", "\\EFI\\debian\\shimx64.efi");

    /* A relative path is pxhv.efi's directory; a last line without LF counts. */
    CHECK_EQ(parse("next=vmlinuz"), 0);
    check_next("\\EFI\\BOOT", "\\EFI\\BOOT\\vmlinuz");
    /* A UTF-8 byte order mark is skipped. */
    CHECK_EQ(parse("\xEF\xBB\xBFnext=a.efi\n"), 0);
    CHECK(strcmp(cfg.next, "a.efi") == 0);

    /* Flags as numbers and by name. */
    CHECK_EQ(parse("flags=0x11"), 0);
    CHECK_EQ(cfg.flags, 0x11);
    CHECK_EQ(parse("flags=18"), 0);
    CHECK_EQ(cfg.flags, 18);
    CHECK_EQ(parse("flags=none"), 0);
    CHECK(cfg.has_flags && cfg.flags == 0);
    CHECK_EQ(parse("flags=no-poweroff,break-guest-state,break-controls"), 0);
    CHECK_EQ(cfg.flags, CFG_FLAG_NO_POWEROFF | CFG_FLAG_BREAK_GUEST_STATE | CFG_FLAG_BREAK_CONTROLS);
    char names[96];
    CHECK(strcmp(efi_cfg_flag_names(CFG_FLAG_TRACE_EXITS | CFG_FLAG_INTERCEPT_IPI, names, sizeof names),
                 "trace-exits,intercept-ipi") == 0);
    CHECK(strcmp(efi_cfg_flag_names(0, names, sizeof names), "none") == 0);
    CHECK(strcmp(efi_cfg_flag_names(CFG_FLAG_NO_POWEROFF | 0x100, names, sizeof names),
                 "no-poweroff,0x100") == 0);

    /* Errors name the line and the reason. */
    ERR_IS("# ok\nnxt=\\a.efi\n", 2, "unknown key 'nxt' (keys: next, options, flags)");
    ERR_IS("next=\\a.efi\nnext=\\b.efi\n", 2, "'next' appears a second time");
    ERR_IS("\n\njust words\n", 3, "'just words': not a key=value line");
    ERR_IS("next=\n", 1, "next: empty path");
    ERR_IS("next= \t\n", 1, "next: empty path");
    ERR_IS("flags=0x1ffffffff\n", 1, "flags: '0x1ffffffff' is not a 32-bit number");
    ERR_IS("flags=12abc\n", 1, "flags: '12abc' is not a 32-bit number");
    ERR_IS("flags=trace-exits,verbose\n", 1,
           "flags: unknown flag 'verbose' (flags: trace-exits, no-poweroff, intercept-ipi, "
           "break-guest-state, break-controls, or a number)");
    ERR_IS("next=a\x01.efi\n", 1, "byte 0x01 at column 7: only printable ASCII is allowed");
    ERR_IS("next=caf\xC3\xA9.efi\n", 1, "byte 0xc3 at column 9: only printable ASCII is allowed");
    CHECK_EQ(efi_cfg_parse("\xFF\xFEn\0e\0", 6, &cfg, err, sizeof err), 1);
    CHECK(strcmp(err, "the file is UTF-16: save it as plain ASCII") == 0);
    CHECK_EQ(efi_cfg_parse("next=a\0b", 8, &cfg, err, sizeof err), 1);   /* a NUL byte */
    CHECK(strcmp(err, "byte 0x00 at column 7: only printable ASCII is allowed") == 0);

    /* Limits: a path of 255 bytes fits, 256 does not; the file at most 4 KiB. */
    char big[EFI_CFG_MAX_BYTES + 16];
    memset(big, 0, sizeof big);
    strcpy(big, "next=");
    memset(big + 5, 'p', 255);
    CHECK_EQ(parse(big), 0);
    CHECK_EQ(strlen(cfg.next), 255);
    big[5 + 255] = 'p';
    ERR_IS(big, 1, "next: path longer than 255 bytes");
    memset(big, '#', EFI_CFG_MAX_BYTES + 1);
    big[EFI_CFG_MAX_BYTES + 1] = 0;
    ERR_IS(big, 1, "the file has 4097 bytes, more than 4096");
    memset(big, 0, sizeof big);
    strcpy(big, "options=");
    memset(big + 8, 'o', EFI_CFG_OPTIONS_MAX);
    ERR_IS(big, 1, "options: longer than 511 bytes");
    /* A long next path made absolute must still fit. */
    CHECK_EQ(parse("next=x.efi"), 0);
    char out[8];
    CHECK(!efi_cfg_next_path(&cfg, "\\EFI\\BOOT", out, sizeof out));

    return unit_done("efi_cfg");
}
