/*
 * Text output (UEFI 2.11, 12.4 "Simple Text Output Protocol"): the System
 * Table's ConOut is the firmware's console splitter; every console device
 * (a graphics console on a GOP, a terminal on a UART) also carries its own
 * instance on a handle of its own (12.1 "Console I/O Protocol").  Strings are
 * UCS-2 and a line ends with CR LF.
 */
#ifndef PXHV_EFI_CONSOLE_H
#define PXHV_EFI_CONSOLE_H
#include "efi_types.h"

#define EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID \
    EFI_GUID_INIT(0x387477c2, 0x69c7, 0x11d2, 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b)

/* SIMPLE_TEXT_OUTPUT_MODE (12.4.1) */
struct efi_simple_text_output_mode {
    s32 max_mode, mode, attribute, cursor_column, cursor_row;
    efi_bool cursor_visible;
};

/* EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL (12.4.1) */
struct efi_simple_text_output_protocol {
    efi_status (EFIAPI *reset)(struct efi_simple_text_output_protocol *self, efi_bool extended_verification);
    efi_status (EFIAPI *output_string)(struct efi_simple_text_output_protocol *self, const char16 *s);
    efi_status (EFIAPI *test_string)(struct efi_simple_text_output_protocol *self, const char16 *s);
    efi_status (EFIAPI *query_mode)(struct efi_simple_text_output_protocol *self, u64 mode,
                                    u64 *columns, u64 *rows);
    efi_status (EFIAPI *set_mode)(struct efi_simple_text_output_protocol *self, u64 mode);
    efi_status (EFIAPI *set_attribute)(struct efi_simple_text_output_protocol *self, u64 attribute);
    efi_status (EFIAPI *clear_screen)(struct efi_simple_text_output_protocol *self);
    efi_status (EFIAPI *set_cursor_position)(struct efi_simple_text_output_protocol *self, u64 column, u64 row);
    efi_status (EFIAPI *enable_cursor)(struct efi_simple_text_output_protocol *self, efi_bool visible);
    struct efi_simple_text_output_mode *mode;
};

#endif
