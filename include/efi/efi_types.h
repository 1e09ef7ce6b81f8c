/*
 * The base types of UEFI as pxhv.efi uses them (UEFI Specification 2.11,
 * 2.3.1 "Data Types" and 2.3.4 "x64 Platforms"): every service is called with
 * the Microsoft x64 convention, so each function pointer in the tables carries
 * EFIAPI (GCC's ms_abi) while pxHV's own C keeps the System V convention; the
 * status codes of Appendix D "Status Codes".
 *
 * One header per concern under include/efi/: efi_system_table.h,
 * efi_boot_services.h, efi_runtime_services.h, efi_memory.h, efi_console.h,
 * efi_loaded_image.h, efi_device_path.h, efi_file.h, efi_config_table.h and,
 * from the Platform Initialization specification, efi_mp_services.h.
 */
#ifndef PXHV_EFI_TYPES_H
#define PXHV_EFI_TYPES_H
#include "lib/types.h"

#define EFIAPI __attribute__((ms_abi))

typedef u64   efi_status;       /* EFI_STATUS: UINTN, the top bit set for errors */
typedef void *efi_handle;       /* EFI_HANDLE                                     */
typedef void *efi_event;        /* EFI_EVENT                                      */
typedef u16   char16;           /* CHAR16: UCS-2                                  */
typedef u8    efi_bool;         /* BOOLEAN: one byte, 0 or 1                      */
typedef u64   efi_tpl;          /* EFI_TPL                                        */
typedef u64   efi_phys_addr;    /* EFI_PHYSICAL_ADDRESS                           */

/* EFI_GUID: 128 bits, 64-bit aligned, the first three fields little endian. */
struct efi_guid {
    u32 data1;
    u16 data2, data3;
    u8  data4[8];
};
#define EFI_GUID_INIT(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7) \
    { (a), (b), (c), { (d0), (d1), (d2), (d3), (d4), (d5), (d6), (d7) } }

static inline bool efi_guid_eq(const struct efi_guid *x, const struct efi_guid *y)
{
    if (x->data1 != y->data1 || x->data2 != y->data2 || x->data3 != y->data3)
        return false;
    for (int i = 0; i < 8; i++)
        if (x->data4[i] != y->data4[i])
            return false;
    return true;
}

/* EFI_TIME (8.3.1 "GetTime()"), as the file protocol reports it. */
struct efi_time {
    u16 year;
    u8  month, day, hour, minute, second, pad1;
    u32 nanosecond;
    s16 time_zone;
    u8  daylight, pad2;
};

/* Appendix D "Status Codes": errors have the high bit set. */
#define EFI_ERROR_BIT            BIT(63)
#define EFI_ERROR(s)             (((efi_status)(s) & EFI_ERROR_BIT) != 0)
#define EFI_ERR(n)               (EFI_ERROR_BIT | (n))
#define EFI_SUCCESS              0
#define EFI_LOAD_ERROR           EFI_ERR(1)
#define EFI_INVALID_PARAMETER    EFI_ERR(2)
#define EFI_UNSUPPORTED          EFI_ERR(3)
#define EFI_BAD_BUFFER_SIZE      EFI_ERR(4)
#define EFI_BUFFER_TOO_SMALL     EFI_ERR(5)
#define EFI_NOT_READY            EFI_ERR(6)
#define EFI_DEVICE_ERROR         EFI_ERR(7)
#define EFI_WRITE_PROTECTED      EFI_ERR(8)
#define EFI_OUT_OF_RESOURCES     EFI_ERR(9)
#define EFI_VOLUME_CORRUPTED     EFI_ERR(10)
#define EFI_VOLUME_FULL          EFI_ERR(11)
#define EFI_NO_MEDIA             EFI_ERR(12)
#define EFI_MEDIA_CHANGED        EFI_ERR(13)
#define EFI_NOT_FOUND            EFI_ERR(14)
#define EFI_ACCESS_DENIED        EFI_ERR(15)
#define EFI_NO_RESPONSE          EFI_ERR(16)
#define EFI_NO_MAPPING           EFI_ERR(17)
#define EFI_TIMEOUT              EFI_ERR(18)
#define EFI_NOT_STARTED          EFI_ERR(19)
#define EFI_ALREADY_STARTED      EFI_ERR(20)
#define EFI_ABORTED              EFI_ERR(21)
#define EFI_ICMP_ERROR           EFI_ERR(22)
#define EFI_TFTP_ERROR           EFI_ERR(23)
#define EFI_PROTOCOL_ERROR       EFI_ERR(24)
#define EFI_INCOMPATIBLE_VERSION EFI_ERR(25)
#define EFI_SECURITY_VIOLATION   EFI_ERR(26)
#define EFI_CRC_ERROR            EFI_ERR(27)
#define EFI_END_OF_MEDIA         EFI_ERR(28)
#define EFI_END_OF_FILE          EFI_ERR(31)
#define EFI_INVALID_LANGUAGE     EFI_ERR(32)
#define EFI_COMPROMISED_DATA     EFI_ERR(33)
#define EFI_IP_ADDRESS_CONFLICT  EFI_ERR(34)
#define EFI_HTTP_ERROR           EFI_ERR(35)

#endif
