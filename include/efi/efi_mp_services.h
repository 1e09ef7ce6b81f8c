/*
 * EFI_MP_SERVICES_PROTOCOL: the firmware's interface to the other CPUs
 * during boot services.  It is not in the UEFI specification but in the
 * Platform Initialization specification (UEFI PI 1.8, Volume 2 "Driver
 * Execution Environment Core Interface", 13.4 "MP Services Protocol").
 * After EFI_EVENT_GROUP_READY_TO_BOOT, which the boot manager signals before
 * it starts a boot option, only blocking calls (WaitEvent = NULL) are
 * required to work; an AP procedure may not call UEFI services.
 */
#ifndef PXHV_EFI_MP_SERVICES_H
#define PXHV_EFI_MP_SERVICES_H
#include "efi_types.h"

#define EFI_MP_SERVICES_PROTOCOL_GUID \
    EFI_GUID_INIT(0x3fdda605, 0xa76e, 0x4f46, 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08)

/* 13.4.3 "EFI_MP_SERVICES_PROTOCOL.GetProcessorInfo()": StatusFlag bits */
#define EFI_PROCESSOR_AS_BSP_BIT        BIT(0)
#define EFI_PROCESSOR_ENABLED_BIT       BIT(1)
#define EFI_PROCESSOR_HEALTH_STATUS_BIT BIT(2)
/* ProcessorNumber with this bit also fills ExtendedInformation (PI 1.7 on). */
#define EFI_CPU_V2_EXTENDED_TOPOLOGY    BIT(24)

struct efi_cpu_physical_location { u32 package, core, thread; };
struct efi_cpu_physical_location2 { u32 package, die, tile, module, core, thread; };

/* EFI_PROCESSOR_INFORMATION.  ProcessorId is the local APIC ID on x86. */
struct efi_processor_information {
    u64 processor_id;
    u32 status_flag;
    struct efi_cpu_physical_location location;
    union { struct efi_cpu_physical_location2 location2; } extended_information;
};

/* EFI_AP_PROCEDURE: runs on the AP, with the firmware's AP stack and state. */
typedef void (EFIAPI *efi_ap_procedure)(void *argument);

struct efi_mp_services_protocol {
    efi_status (EFIAPI *get_number_of_processors)(struct efi_mp_services_protocol *self,
                                                  u64 *number_of_processors,
                                                  u64 *number_of_enabled_processors);
    efi_status (EFIAPI *get_processor_info)(struct efi_mp_services_protocol *self, u64 processor_number,
                                            struct efi_processor_information *info);
    efi_status (EFIAPI *startup_all_aps)(struct efi_mp_services_protocol *self, efi_ap_procedure procedure,
                                         efi_bool single_thread, efi_event wait_event,
                                         u64 timeout_us, void *argument, u64 **failed_cpu_list);
    efi_status (EFIAPI *startup_this_ap)(struct efi_mp_services_protocol *self, efi_ap_procedure procedure,
                                         u64 processor_number, efi_event wait_event, u64 timeout_us,
                                         void *argument, efi_bool *finished);
    efi_status (EFIAPI *switch_bsp)(struct efi_mp_services_protocol *self, u64 processor_number,
                                    efi_bool enable_old_bsp);
    efi_status (EFIAPI *enable_disable_ap)(struct efi_mp_services_protocol *self, u64 processor_number,
                                           efi_bool enable_ap, u32 *health_flag);
    efi_status (EFIAPI *who_am_i)(struct efi_mp_services_protocol *self, u64 *processor_number);
};

#endif
