/*
 * The DXE Services Table (UEFI PI 1.8, Volume 2 "Driver Execution Environment
 * Core Interface": the table in chapter 4 "UEFI System Table", found through
 * its configuration-table GUID), of which pxhv.efi uses one service of 7.2
 * "Global Coherency Domain Services":
 * GetMemorySpaceMap, the firmware's map of the whole physical address space,
 * memory-mapped I/O included (the 64-bit PCI apertures above 4 GiB that the
 * UEFI memory map does not list).  EDK II firmware has it; it is not part of
 * the UEFI specification, so pxhv.efi manages without it.
 */
#ifndef PXHV_EFI_DXE_SERVICES_H
#define PXHV_EFI_DXE_SERVICES_H
#include "efi_types.h"
#include "efi_system_table.h"

#define EFI_DXE_SERVICES_TABLE_GUID \
    EFI_GUID_INIT(0x05ad34ba, 0x6f02, 0x4214, 0x95, 0x2e, 0x4d, 0xa0, 0x39, 0x8e, 0x2b, 0xb9)
#define EFI_DXE_SERVICES_SIGNATURE 0x565245535f455844ULL   /* "DXE_SERV" */

/* EFI_GCD_MEMORY_TYPE (7.2, with AddMemorySpace()) */
enum efi_gcd_memory_type {
    EFI_GCD_NON_EXISTENT = 0, EFI_GCD_RESERVED = 1, EFI_GCD_SYSTEM_MEMORY = 2,
    EFI_GCD_MEMORY_MAPPED_IO = 3, EFI_GCD_PERSISTENT = 4, EFI_GCD_MORE_RELIABLE = 5,
};

/* EFI_GCD_MEMORY_SPACE_DESCRIPTOR (7.2, with GetMemorySpaceDescriptor()) */
struct efi_gcd_memory_space_descriptor {
    efi_phys_addr base_address;
    u64 length;
    u64 capabilities;
    u64 attributes;
    u32 gcd_memory_type;           /* enum efi_gcd_memory_type */
    efi_handle image_handle;
    efi_handle device_handle;
};

/* The table up to the service pxhv.efi calls; the rest is not typed. */
struct efi_dxe_services {
    struct efi_table_header hdr;
    void *add_memory_space, *allocate_memory_space, *free_memory_space, *remove_memory_space;
    void *get_memory_space_descriptor, *set_memory_space_attributes;
    /* GetMemorySpaceMap(): the map, in pool memory the caller frees. */
    efi_status (EFIAPI *get_memory_space_map)(u64 *number_of_descriptors,
                                              struct efi_gcd_memory_space_descriptor **map);
};

#endif
