/*
 * pxhv.efi's configuration file (efi/config.c): `key=value` lines in a small
 * ASCII file next to pxhv.efi on the ESP (\EFI\BOOT\pxhv.cfg beside
 * \EFI\BOOT\BOOTX64.EFI).  Pure logic, no UEFI call, so the host unit test
 * (tests/unit/test_efi_cfg.c) runs the parser that pxhv.efi runs.
 *
 *   # a comment; blank lines are ignored; spaces around keys and values too
 *   next=\EFI\BOOT\grubx64.efi   the loader to start: absolute on the volume
 *                                (leading \ or /), or relative to pxhv.efi's
 *                                directory; '/' may stand for '\'
 *   options=console=ttyS0 initrd=\initrd.gz
 *                                the next loader's LoadOptions (a Linux EFI
 *                                stub takes them as its command line)
 *   flags=trace-exits,no-poweroff   stage 3's configuration flags by name
 *                                (CFG_FLAG_*), or as a number (0x11)
 *
 * A key may appear once; an unknown key, a line without '=', a value too
 * long, a control or non-ASCII byte, or a UTF-16 file is an error naming the
 * line.
 */
#ifndef PXHV_EFI_CFG_H
#define PXHV_EFI_CFG_H
#include "lib/types.h"

#define EFI_CFG_NAME        "pxhv.cfg"
#define EFI_CFG_MAX_BYTES   4096
#define EFI_CFG_PATH_MAX    256   /* bytes with the NUL                        */
#define EFI_CFG_OPTIONS_MAX 512   /* bytes with the NUL                        */
#define EFI_CFG_ERR_MAX     160

struct efi_cfg {
    bool has_next, has_options, has_flags;
    char next[EFI_CFG_PATH_MAX];       /* with '\' separators, as written       */
    char options[EFI_CFG_OPTIONS_MAX];
    u32  flags;                        /* CFG_FLAG_* (include/boot/pxhv_config.h)     */
};

/* Parses `len` bytes of `text` into `cfg` (cleared first).  Returns 0, or the
 * number of the first bad line (1-based; 1 for a problem with the whole file)
 * with the reason in `err`. */
u32 efi_cfg_parse(const char *text, usize len, struct efi_cfg *cfg, char *err, usize err_size);

/* The flag names `flags` holds, comma-separated ("none" for 0, the number
 * for bits without a name), into buf; returns buf. */
const char *efi_cfg_flag_names(u32 flags, char *buf, usize size);

/* The path of the next loader: `next` as configured, made absolute against
 * `dir` (pxhv.efi's directory, "\EFI\BOOT"), or `dir`\grubx64.efi when
 * nothing is configured, as shim finds its second stage.  False if the
 * result does not fit `size`. */
#define EFI_DEFAULT_NEXT "grubx64.efi"
bool efi_cfg_next_path(const struct efi_cfg *cfg, const char *dir, char *out, usize size);

#endif
