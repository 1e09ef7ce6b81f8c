/*
 * EFI_RUNTIME_SERVICES (UEFI 2.11, 4.5 "EFI Runtime Services Table"), typed
 * after chapter 8 "Services — Runtime Services": 8.2 "Variable Services",
 * 8.3 "Time Services", 8.4 "Virtual Memory Services", 8.5 "Miscellaneous
 * Runtime Services".  They stay callable after ExitBootServices(), so the
 * firmware code and data behind them (EfiRuntimeServicesCode/Data) must stay
 * reachable by the OS: a hypervisor's region must never overlap them.
 */
#ifndef PXHV_EFI_RUNTIME_SERVICES_H
#define PXHV_EFI_RUNTIME_SERVICES_H
#include "efi_types.h"
#include "efi_memory.h"
#include "efi_system_table.h"

/* 8.3.1 */
struct efi_time_capabilities { u32 resolution, accuracy; efi_bool sets_to_zero; };
/* 8.5.1.1 */
enum efi_reset_type {
    EFI_RESET_COLD = 0, EFI_RESET_WARM = 1, EFI_RESET_SHUTDOWN = 2, EFI_RESET_PLATFORM_SPECIFIC = 3,
};
/* 8.5.3.2 */
struct efi_capsule_header {
    struct efi_guid capsule_guid;
    u32 header_size, flags, capsule_image_size;
};

/* 8.2: GetVariable()/SetVariable() attributes */
#define EFI_VARIABLE_NON_VOLATILE       BIT(0)
#define EFI_VARIABLE_BOOTSERVICE_ACCESS BIT(1)
#define EFI_VARIABLE_RUNTIME_ACCESS     BIT(2)
/* 3.3 "Globally Defined Variables": BootOrder, Boot####, ConOut... */
#define EFI_GLOBAL_VARIABLE_GUID \
    EFI_GUID_INIT(0x8be4df61, 0x93ca, 0x11d2, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c)

struct efi_runtime_services {
    struct efi_table_header hdr;
    /* 8.3 time */
    efi_status (EFIAPI *get_time)(struct efi_time *time, struct efi_time_capabilities *caps);
    efi_status (EFIAPI *set_time)(struct efi_time *time);
    efi_status (EFIAPI *get_wakeup_time)(efi_bool *enabled, efi_bool *pending, struct efi_time *time);
    efi_status (EFIAPI *set_wakeup_time)(efi_bool enable, struct efi_time *time);
    /* 8.4 virtual memory */
    efi_status (EFIAPI *set_virtual_address_map)(u64 map_size, u64 descriptor_size, u32 descriptor_version,
                                                 struct efi_memory_descriptor *virtual_map);
    efi_status (EFIAPI *convert_pointer)(u64 debug_disposition, void **address);
    /* 8.2 variables */
    efi_status (EFIAPI *get_variable)(const char16 *name, const struct efi_guid *vendor, u32 *attributes,
                                      u64 *data_size, void *data);
    efi_status (EFIAPI *get_next_variable_name)(u64 *name_size, char16 *name, struct efi_guid *vendor);
    efi_status (EFIAPI *set_variable)(const char16 *name, const struct efi_guid *vendor, u32 attributes,
                                      u64 data_size, const void *data);
    /* 8.5 miscellaneous */
    efi_status (EFIAPI *get_next_high_monotonic_count)(u32 *high_count);
    void (EFIAPI *reset_system)(enum efi_reset_type type, efi_status status, u64 data_size,
                                const void *reset_data);
    efi_status (EFIAPI *update_capsule)(struct efi_capsule_header **headers, u64 count,
                                        efi_phys_addr scatter_gather_list);
    efi_status (EFIAPI *query_capsule_capabilities)(struct efi_capsule_header **headers, u64 count,
                                                    u64 *maximum_capsule_size, enum efi_reset_type *reset);
    efi_status (EFIAPI *query_variable_info)(u32 attributes, u64 *maximum_storage, u64 *remaining_storage,
                                             u64 *maximum_variable_size);
};

#endif
