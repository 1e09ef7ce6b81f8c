/*
 * The configuration tables of the System Table (UEFI 2.11, 4.6 "EFI
 * Configuration Table & Properties Table": 4.6.1 "EFI_CONFIGURATION_TABLE",
 * 4.6.1.1 "Industry Standard Configuration Tables").  On a UEFI machine this
 * is how the ACPI RSDP is found: there is no legacy BIOS area to scan.
 */
#ifndef PXHV_EFI_CONFIG_TABLE_H
#define PXHV_EFI_CONFIG_TABLE_H
#include "efi_types.h"

/* EFI_CONFIGURATION_TABLE (4.6.1) */
struct efi_configuration_table {
    struct efi_guid vendor_guid;
    void *vendor_table;
};

/* 4.6.1.1: the RSDP of ACPI 2.0 and later (XSDT), and of ACPI 1.0 (RSDT only). */
#define EFI_ACPI_20_TABLE_GUID \
    EFI_GUID_INIT(0x8868e871, 0xe4f1, 0x11d3, 0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81)
#define EFI_ACPI_10_TABLE_GUID \
    EFI_GUID_INIT(0xeb9d2d30, 0x2d88, 0x11d3, 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d)
/* 4.6.1.1: the SMBIOS 2.x and 3.x entry points. */
#define EFI_SMBIOS_TABLE_GUID \
    EFI_GUID_INIT(0xeb9d2d31, 0x2d88, 0x11d3, 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d)
#define EFI_SMBIOS3_TABLE_GUID \
    EFI_GUID_INIT(0xf2fd1544, 0x9794, 0x4a2c, 0x99, 0x2e, 0xe5, 0xbb, 0xcf, 0x20, 0xe3, 0x94)

#endif
