/*
 * Files on a FAT volume (UEFI 2.11, 13.4 "Simple File System Protocol",
 * 13.5 "File Protocol", 13.5.16 "EFI_FILE_INFO").  The firmware installs a
 * Simple File System protocol on every FAT partition it finds (13.3 "File
 * System Format"); paths are UCS-2 with backslashes, relative to the handle
 * they are opened from.
 */
#ifndef PXHV_EFI_FILE_H
#define PXHV_EFI_FILE_H
#include "efi_types.h"

#define EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID \
    EFI_GUID_INIT(0x964e5b22, 0x6459, 0x11d2, 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b)
#define EFI_FILE_INFO_ID \
    EFI_GUID_INIT(0x09576e92, 0x6d3f, 0x11d2, 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b)

/* 13.5.2: Open() modes and 13.5.16 attributes */
#define EFI_FILE_MODE_READ   BIT(0)
#define EFI_FILE_MODE_WRITE  BIT(1)
#define EFI_FILE_MODE_CREATE BIT(63)
#define EFI_FILE_READ_ONLY   BIT(0)
#define EFI_FILE_HIDDEN      BIT(1)
#define EFI_FILE_SYSTEM      BIT(2)
#define EFI_FILE_RESERVED    BIT(3)
#define EFI_FILE_DIRECTORY   BIT(4)
#define EFI_FILE_ARCHIVE     BIT(5)

struct efi_file_io_token;

/* EFI_FILE_PROTOCOL (13.5.1); revision 2 adds the asynchronous calls. */
struct efi_file_protocol {
    u64 revision;
    efi_status (EFIAPI *open)(struct efi_file_protocol *self, struct efi_file_protocol **new_handle,
                              const char16 *file_name, u64 open_mode, u64 attributes);
    efi_status (EFIAPI *close)(struct efi_file_protocol *self);
    efi_status (EFIAPI *delete)(struct efi_file_protocol *self);
    efi_status (EFIAPI *read)(struct efi_file_protocol *self, u64 *buffer_size, void *buffer);
    efi_status (EFIAPI *write)(struct efi_file_protocol *self, u64 *buffer_size, const void *buffer);
    efi_status (EFIAPI *get_position)(struct efi_file_protocol *self, u64 *position);
    efi_status (EFIAPI *set_position)(struct efi_file_protocol *self, u64 position);
    efi_status (EFIAPI *get_info)(struct efi_file_protocol *self, const struct efi_guid *type,
                                  u64 *buffer_size, void *buffer);
    efi_status (EFIAPI *set_info)(struct efi_file_protocol *self, const struct efi_guid *type,
                                  u64 buffer_size, void *buffer);
    efi_status (EFIAPI *flush)(struct efi_file_protocol *self);
    efi_status (EFIAPI *open_ex)(struct efi_file_protocol *self, struct efi_file_protocol **new_handle,
                                 const char16 *file_name, u64 open_mode, u64 attributes,
                                 struct efi_file_io_token *token);
    efi_status (EFIAPI *read_ex)(struct efi_file_protocol *self, struct efi_file_io_token *token);
    efi_status (EFIAPI *write_ex)(struct efi_file_protocol *self, struct efi_file_io_token *token);
    efi_status (EFIAPI *flush_ex)(struct efi_file_protocol *self, struct efi_file_io_token *token);
};

/* EFI_SIMPLE_FILE_SYSTEM_PROTOCOL (13.4.1) */
struct efi_simple_file_system_protocol {
    u64 revision;
    efi_status (EFIAPI *open_volume)(struct efi_simple_file_system_protocol *self,
                                     struct efi_file_protocol **root);
};

/* EFI_FILE_INFO (13.5.16): size includes the NUL-terminated name. */
struct efi_file_info {
    u64 size;
    u64 file_size;
    u64 physical_size;
    struct efi_time create_time, last_access_time, modification_time;
    u64 attribute;
    char16 file_name[];
};

#endif
