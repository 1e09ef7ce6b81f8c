/*
 * EFI_LOADED_IMAGE_PROTOCOL (UEFI 2.11, 9.1 "EFI Loaded Image Protocol"):
 * installed on every image's handle.  pxhv.efi reads its own (the device it
 * came from, its file path) and fills the next loader's LoadOptions (the
 * command line a Linux EFI stub reads) between LoadImage() and StartImage().
 */
#ifndef PXHV_EFI_LOADED_IMAGE_H
#define PXHV_EFI_LOADED_IMAGE_H
#include "efi_types.h"
#include "efi_memory.h"
#include "efi_system_table.h"

#define EFI_LOADED_IMAGE_PROTOCOL_GUID \
    EFI_GUID_INIT(0x5b1b31a1, 0x9562, 0x11d2, 0x8e, 0x3f, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b)
#define EFI_LOADED_IMAGE_PROTOCOL_REVISION 0x1000

struct efi_device_path;

struct efi_loaded_image_protocol {
    u32 revision;
    efi_handle parent_handle;
    struct efi_system_table *system_table;
    /* Source location of the image */
    efi_handle device_handle;           /* the volume it was read from            */
    struct efi_device_path *file_path;  /* the path on that device               */
    void *reserved;
    /* The image's load options */
    u32 load_options_size;              /* bytes                                  */
    void *load_options;
    /* Location where the image was loaded */
    void *image_base;
    u64 image_size;
    enum efi_memory_type image_code_type;
    enum efi_memory_type image_data_type;
    efi_status (EFIAPI *unload)(efi_handle image);
};

#endif
