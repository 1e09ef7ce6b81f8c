/*
 * Memory as the boot services hand it out and describe it (UEFI 2.11, 7.2
 * "Memory Allocation Services": 7.2.1 "EFI_BOOT_SERVICES.AllocatePages()"
 * for the types, 7.2.3 "EFI_BOOT_SERVICES.GetMemoryMap()" for the
 * descriptor).  The OS builds its own memory map from GetMemoryMap() (Linux
 * turns it into its E820 table), so the type pxHV gives its region is what
 * the OS will believe about those pages.
 */
#ifndef PXHV_EFI_MEMORY_H
#define PXHV_EFI_MEMORY_H
#include "efi_types.h"

#define EFI_PAGE_SIZE 4096

/* EFI_ALLOCATE_TYPE */
enum efi_allocate_type {
    EFI_ALLOCATE_ANY_PAGES   = 0,
    EFI_ALLOCATE_MAX_ADDRESS = 1,   /* at or below *Memory, the highest that fits */
    EFI_ALLOCATE_ADDRESS     = 2,
};

/* EFI_MEMORY_TYPE.  The tables "Memory Type Usage before ExitBootServices()"
 * and "... after ExitBootServices()" of 7.2.1 say what the OS may do with
 * each: EfiReservedMemoryType and EfiUnusableMemory are the two it never uses. */
enum efi_memory_type {
    EFI_RESERVED_MEMORY_TYPE      = 0,
    EFI_LOADER_CODE               = 1,
    EFI_LOADER_DATA               = 2,
    EFI_BOOT_SERVICES_CODE        = 3,
    EFI_BOOT_SERVICES_DATA        = 4,
    EFI_RUNTIME_SERVICES_CODE     = 5,
    EFI_RUNTIME_SERVICES_DATA     = 6,
    EFI_CONVENTIONAL_MEMORY       = 7,
    EFI_UNUSABLE_MEMORY           = 8,
    EFI_ACPI_RECLAIM_MEMORY       = 9,
    EFI_ACPI_MEMORY_NVS           = 10,
    EFI_MEMORY_MAPPED_IO          = 11,
    EFI_MEMORY_MAPPED_IO_PORT_SPACE = 12,
    EFI_PAL_CODE                  = 13,
    EFI_PERSISTENT_MEMORY         = 14,
    EFI_UNACCEPTED_MEMORY_TYPE    = 15,
    EFI_MAX_MEMORY_TYPE           = 16,
};

/* EFI_MEMORY_DESCRIPTOR.  The firmware's descriptors may be larger than
 * this structure: step through a map by the DescriptorSize GetMemoryMap()
 * returns, never by sizeof. */
struct efi_memory_descriptor {
    u32 type;                   /* enum efi_memory_type     */
    u32 pad;
    efi_phys_addr physical_start;
    u64 virtual_start;
    u64 number_of_pages;        /* 4 KiB pages              */
    u64 attribute;              /* EFI_MEMORY_*             */
};
#define EFI_MEMORY_DESCRIPTOR_VERSION 1

/* Attribute bits of a descriptor (7.2.3). */
#define EFI_MEMORY_UC       BIT(0)
#define EFI_MEMORY_WC       BIT(1)
#define EFI_MEMORY_WT       BIT(2)
#define EFI_MEMORY_WB       BIT(3)
#define EFI_MEMORY_UCE      BIT(4)
#define EFI_MEMORY_WP       BIT(12)
#define EFI_MEMORY_RP       BIT(13)
#define EFI_MEMORY_XP       BIT(14)
#define EFI_MEMORY_NV       BIT(15)
#define EFI_MEMORY_MORE_RELIABLE BIT(16)
#define EFI_MEMORY_RO       BIT(17)
#define EFI_MEMORY_SP       BIT(18)
#define EFI_MEMORY_CPU_CRYPTO BIT(19)
#define EFI_MEMORY_RUNTIME  BIT(63)

#endif
