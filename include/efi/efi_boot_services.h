/*
 * EFI_BOOT_SERVICES (UEFI 2.11, 4.4 "EFI Boot Services Table"), every entry
 * typed after its description in chapter 7 "Services — Boot Services": 7.1
 * "Event, Timer, and Task Priority Services", 7.2 "Memory Allocation
 * Services", 7.3 "Protocol Handler Services", 7.4 "Image Services", 7.5
 * "Miscellaneous Boot Services".  Valid until ExitBootServices() (7.4.6).
 */
#ifndef PXHV_EFI_BOOT_SERVICES_H
#define PXHV_EFI_BOOT_SERVICES_H
#include "efi_types.h"
#include "efi_memory.h"
#include "efi_system_table.h"

struct efi_device_path;

/* 7.1 */
#define EFI_TPL_APPLICATION 4
#define EFI_TPL_CALLBACK    8
#define EFI_TPL_NOTIFY      16
#define EFI_TPL_HIGH_LEVEL  31
enum efi_timer_delay { EFI_TIMER_CANCEL = 0, EFI_TIMER_PERIODIC = 1, EFI_TIMER_RELATIVE = 2 };
typedef void (EFIAPI *efi_event_notify)(efi_event event, void *context);

/* 7.3.2 */
enum efi_interface_type { EFI_NATIVE_INTERFACE = 0 };
/* 7.3.6 */
enum efi_locate_search_type { EFI_ALL_HANDLES = 0, EFI_BY_REGISTER_NOTIFY = 1, EFI_BY_PROTOCOL = 2 };
/* 7.3.9: OpenProtocol() attributes */
#define EFI_OPEN_PROTOCOL_BY_HANDLE_PROTOCOL  0x01
#define EFI_OPEN_PROTOCOL_GET_PROTOCOL        0x02
#define EFI_OPEN_PROTOCOL_TEST_PROTOCOL       0x04
#define EFI_OPEN_PROTOCOL_BY_CHILD_CONTROLLER 0x08
#define EFI_OPEN_PROTOCOL_BY_DRIVER           0x10
#define EFI_OPEN_PROTOCOL_EXCLUSIVE           0x20
/* 7.3.11 */
struct efi_open_protocol_information_entry {
    efi_handle agent_handle, controller_handle;
    u32 attributes, open_count;
};

struct efi_boot_services {
    struct efi_table_header hdr;
    /* 7.1 task priority */
    efi_tpl (EFIAPI *raise_tpl)(efi_tpl new_tpl);
    void (EFIAPI *restore_tpl)(efi_tpl old_tpl);
    /* 7.2 memory */
    efi_status (EFIAPI *allocate_pages)(enum efi_allocate_type type, enum efi_memory_type mem,
                                        u64 pages, efi_phys_addr *memory);
    efi_status (EFIAPI *free_pages)(efi_phys_addr memory, u64 pages);
    efi_status (EFIAPI *get_memory_map)(u64 *map_size, struct efi_memory_descriptor *map,
                                        u64 *map_key, u64 *descriptor_size, u32 *descriptor_version);
    efi_status (EFIAPI *allocate_pool)(enum efi_memory_type pool, u64 size, void **buffer);
    efi_status (EFIAPI *free_pool)(void *buffer);
    /* 7.1 events and timers */
    efi_status (EFIAPI *create_event)(u32 type, efi_tpl notify_tpl, efi_event_notify notify,
                                      void *context, efi_event *event);
    efi_status (EFIAPI *set_timer)(efi_event event, enum efi_timer_delay type, u64 trigger_time);
    efi_status (EFIAPI *wait_for_event)(u64 number_of_events, efi_event *events, u64 *index);
    efi_status (EFIAPI *signal_event)(efi_event event);
    efi_status (EFIAPI *close_event)(efi_event event);
    efi_status (EFIAPI *check_event)(efi_event event);
    /* 7.3 protocol handlers */
    efi_status (EFIAPI *install_protocol_interface)(efi_handle *handle, const struct efi_guid *protocol,
                                                    enum efi_interface_type type, void *interface);
    efi_status (EFIAPI *reinstall_protocol_interface)(efi_handle handle, const struct efi_guid *protocol,
                                                      void *old_interface, void *new_interface);
    efi_status (EFIAPI *uninstall_protocol_interface)(efi_handle handle, const struct efi_guid *protocol,
                                                      void *interface);
    efi_status (EFIAPI *handle_protocol)(efi_handle handle, const struct efi_guid *protocol,
                                         void **interface);
    void *reserved;
    efi_status (EFIAPI *register_protocol_notify)(const struct efi_guid *protocol, efi_event event,
                                                  void **registration);
    efi_status (EFIAPI *locate_handle)(enum efi_locate_search_type search, const struct efi_guid *protocol,
                                       void *search_key, u64 *buffer_size, efi_handle *buffer);
    efi_status (EFIAPI *locate_device_path)(const struct efi_guid *protocol,
                                            struct efi_device_path **device_path, efi_handle *device);
    efi_status (EFIAPI *install_configuration_table)(const struct efi_guid *guid, void *table);
    /* 7.4 images */
    efi_status (EFIAPI *load_image)(efi_bool boot_policy, efi_handle parent_image,
                                    struct efi_device_path *device_path, void *source_buffer,
                                    u64 source_size, efi_handle *image_handle);
    efi_status (EFIAPI *start_image)(efi_handle image, u64 *exit_data_size, char16 **exit_data);
    efi_status (EFIAPI *exit)(efi_handle image, efi_status exit_status, u64 exit_data_size,
                              char16 *exit_data);
    efi_status (EFIAPI *unload_image)(efi_handle image);
    efi_status (EFIAPI *exit_boot_services)(efi_handle image, u64 map_key);
    /* 7.5 miscellaneous */
    efi_status (EFIAPI *get_next_monotonic_count)(u64 *count);
    efi_status (EFIAPI *stall)(u64 microseconds);
    efi_status (EFIAPI *set_watchdog_timer)(u64 timeout_seconds, u64 watchdog_code, u64 data_size,
                                            char16 *watchdog_data);
    /* 7.3 driver model */
    efi_status (EFIAPI *connect_controller)(efi_handle controller, efi_handle *driver_image,
                                            struct efi_device_path *remaining, efi_bool recursive);
    efi_status (EFIAPI *disconnect_controller)(efi_handle controller, efi_handle driver_image,
                                               efi_handle child);
    /* 7.3 open and close protocol */
    efi_status (EFIAPI *open_protocol)(efi_handle handle, const struct efi_guid *protocol, void **interface,
                                       efi_handle agent, efi_handle controller, u32 attributes);
    efi_status (EFIAPI *close_protocol)(efi_handle handle, const struct efi_guid *protocol,
                                        efi_handle agent, efi_handle controller);
    efi_status (EFIAPI *open_protocol_information)(efi_handle handle, const struct efi_guid *protocol,
                                                   struct efi_open_protocol_information_entry **entries,
                                                   u64 *count);
    /* 7.3 library services */
    efi_status (EFIAPI *protocols_per_handle)(efi_handle handle, struct efi_guid ***protocols, u64 *count);
    efi_status (EFIAPI *locate_handle_buffer)(enum efi_locate_search_type search,
                                              const struct efi_guid *protocol, void *search_key,
                                              u64 *no_handles, efi_handle **buffer);
    efi_status (EFIAPI *locate_protocol)(const struct efi_guid *protocol, void *registration,
                                         void **interface);
    efi_status (EFIAPI *install_multiple_protocol_interfaces)(efi_handle *handle, ...);
    efi_status (EFIAPI *uninstall_multiple_protocol_interfaces)(efi_handle handle, ...);
    /* 7.5 */
    efi_status (EFIAPI *calculate_crc32)(void *data, u64 size, u32 *crc32);
    void (EFIAPI *copy_mem)(void *dst, const void *src, u64 length);
    void (EFIAPI *set_mem)(void *buffer, u64 size, u8 value);
    efi_status (EFIAPI *create_event_ex)(u32 type, efi_tpl notify_tpl, efi_event_notify notify,
                                         const void *context, const struct efi_guid *event_group,
                                         efi_event *event);
};

/* 7.1.1: CreateEvent() types */
#define EFI_EVT_TIMER                         0x80000000u
#define EFI_EVT_RUNTIME                       0x40000000u
#define EFI_EVT_NOTIFY_WAIT                   0x00000100u
#define EFI_EVT_NOTIFY_SIGNAL                 0x00000200u
#define EFI_EVT_SIGNAL_EXIT_BOOT_SERVICES     0x00000201u
#define EFI_EVT_SIGNAL_VIRTUAL_ADDRESS_CHANGE 0x60000202u

#endif
