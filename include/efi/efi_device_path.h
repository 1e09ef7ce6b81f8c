/*
 * Device paths (UEFI 2.11, 10.2 "EFI Device Path Protocol", 10.3 "Device Path
 * Nodes"): a packed sequence of variable-length nodes, each a type, a
 * subtype and a 16-bit little-endian length (10.3.1 "Generic Device Path
 * Structures"), ended by an End node.  pxhv.efi reads them to tell which
 * console is a terminal on COM1 and writes one to name the next loader: the
 * path of its own device followed by a File Path node (10.3.5.4 "File Path
 * Media Device Path").  Nodes are not aligned: read them bytewise.
 */
#ifndef PXHV_EFI_DEVICE_PATH_H
#define PXHV_EFI_DEVICE_PATH_H
#include "efi_types.h"

#define EFI_DEVICE_PATH_PROTOCOL_GUID \
    EFI_GUID_INIT(0x09576e91, 0x6d3f, 0x11d2, 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b)

/* EFI_DEVICE_PATH_PROTOCOL (10.2): the header of every node. */
struct efi_device_path {
    u8 type, subtype;
    u8 length[2];
} PACKED;

/* 10.3.1 "Generic Device Path Structures", Table "Device Path Types" */
enum {
    EFI_DP_HARDWARE = 0x01, EFI_DP_ACPI = 0x02, EFI_DP_MESSAGING = 0x03,
    EFI_DP_MEDIA = 0x04, EFI_DP_BBS = 0x05, EFI_DP_END = 0x7f,
};
#define EFI_DP_END_ENTIRE   0xff    /* End of Hardware Device Path: end of the whole path */
#define EFI_DP_END_INSTANCE 0x01    /* end of one instance of a multi-instance path       */

/* 10.3.3 "ACPI Device Path": _HID and _UID of the device. */
#define EFI_DP_ACPI_DP 0x01
struct efi_dp_acpi {
    struct efi_device_path h;
    u32 hid, uid;
} PACKED;
/* An EISA PNP ID as _HID holds it: "PNP" compressed in the low 16 bits. */
#define EFI_PNP_ID(id) (((u32)(id) << 16) | 0x41d0)
#define EFI_PNP_0501   EFI_PNP_ID(0x0501)   /* 16550-compatible serial port */

/* 10.3.4.15 "UART Device Path" */
#define EFI_DP_MSG_UART 0x0e

/* 10.3.5.4 "File Path Media Device Path": a NUL-terminated UCS-2 path. */
#define EFI_DP_MEDIA_FILE_PATH 0x04
struct efi_dp_file_path {
    struct efi_device_path h;
    char16 path_name[];
} PACKED;

static inline u16 efi_dp_length(const struct efi_device_path *n)
{
    return (u16)(n->length[0] | n->length[1] << 8);
}
static inline bool efi_dp_is_end(const struct efi_device_path *n)
{
    return n->type == EFI_DP_END && n->subtype == EFI_DP_END_ENTIRE;
}
static inline const struct efi_device_path *efi_dp_next(const struct efi_device_path *n)
{
    return (const struct efi_device_path *)((const u8 *)n + efi_dp_length(n));
}

#endif
