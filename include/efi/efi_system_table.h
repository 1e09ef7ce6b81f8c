/*
 * The tables a UEFI image receives at its entry point (UEFI 2.11, 4.1 "UEFI
 * Image Entry Point", 4.2 "EFI Table Header", 4.3 "EFI System Table"): the
 * consoles, the boot and runtime service tables and the configuration
 * tables (efi_config_table.h).
 */
#ifndef PXHV_EFI_SYSTEM_TABLE_H
#define PXHV_EFI_SYSTEM_TABLE_H
#include "efi_types.h"

/* EFI_TABLE_HEADER (4.2.1) */
struct efi_table_header {
    u64 signature;
    u32 revision;               /* major << 16 | minor (2.70 = 0x00020046) */
    u32 header_size;
    u32 crc32;
    u32 reserved;
};

#define EFI_SYSTEM_TABLE_SIGNATURE   0x5453595320494249ULL /* "IBI SYST" */
#define EFI_BOOT_SERVICES_SIGNATURE  0x56524553544f4f42ULL /* "BOOTSERV" */
#define EFI_RUNTIME_SERVICES_SIGNATURE 0x56524553544e5552ULL /* "RUNTSERV" */

struct efi_simple_text_input_protocol;
struct efi_simple_text_output_protocol;
struct efi_runtime_services;
struct efi_boot_services;
struct efi_configuration_table;

/* EFI_SYSTEM_TABLE (4.3.1).  The console handles and protocols are those of
 * the firmware's console splitter, which feeds every console device. */
struct efi_system_table {
    struct efi_table_header hdr;
    char16 *firmware_vendor;
    u32 firmware_revision;
    efi_handle console_in_handle;
    struct efi_simple_text_input_protocol *con_in;
    efi_handle console_out_handle;
    struct efi_simple_text_output_protocol *con_out;
    efi_handle standard_error_handle;
    struct efi_simple_text_output_protocol *std_err;
    struct efi_runtime_services *runtime_services;
    struct efi_boot_services *boot_services;
    u64 number_of_table_entries;
    struct efi_configuration_table *configuration_table;
};

/* EFI_IMAGE_ENTRY_POINT (4.1.1) */
typedef efi_status (EFIAPI *efi_image_entry_point)(efi_handle image, struct efi_system_table *st);

#endif
