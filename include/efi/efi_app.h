/*
 * pxhv.efi's own modules (efi/): the state of the running application and
 * what each file offers the others.  The UEFI types are those of the other
 * headers in include/efi/.
 */
#ifndef PXHV_EFI_APP_H
#define PXHV_EFI_APP_H
#include "efi_types.h"
#include "efi_system_table.h"
#include "efi_boot_services.h"
#include "efi_loaded_image.h"
#include "efi_file.h"
#include "boot/layout.h"

#define EFI_PATH_MAX 256

struct efi_app {
    efi_handle image;
    struct efi_system_table *st;
    struct efi_boot_services *bs;
    struct efi_loaded_image_protocol *self;  /* pxhv.efi's own loaded image           */
    struct efi_file_protocol *volume;        /* root of the volume it was loaded from */
    char path[EFI_PATH_MAX];                 /* its file path, "\EFI\BOOT\BOOTX64.EFI" */
    char dir[EFI_PATH_MAX];                  /* its directory, "\EFI\BOOT"             */
    u64  tsc_per_ms;                         /* TSC ticks per millisecond (Stall)      */
};
extern struct efi_app app;

/* console.c: every line goes to COM1 (pxHV's own 16550 driver) and to each
 * firmware text console that is not COM1 itself. */
void efi_console_init(void);
int  eprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *efi_status_name(efi_status s);
const char *efi_memory_type_name(u32 type);
/* UCS-2 to ASCII ('?' for anything else), always NUL-terminated. */
void efi_ucs2_to_ascii(const char16 *s, char *out, usize size);

/* files.c: the volume pxhv.efi came from. */
efi_status efi_files_init(void);
/* Reads a whole file (at most max bytes) into pool memory; *buf must be
 * freed with FreePool.  EFI_BAD_BUFFER_SIZE when larger than max,
 * EFI_ACCESS_DENIED for a directory. */
efi_status efi_read_file(const char *path, u64 max, void **buf, u64 *size);
/* Size and attributes of a file; EFI_NOT_FOUND when it does not exist. */
efi_status efi_file_size(const char *path, u64 *size, u64 *attributes);
/* The device path of pxhv.efi's device followed by a File Path node. */
efi_status efi_file_device_path(const char *path, struct efi_device_path **out);

/* acpi.c: the RSDP from the configuration table (*rsdp, 0 if none) and the
 * MADT's CPUs (0 if none). */
u32 efi_acpi_probe(u64 *rsdp);

/* memmap.c: the firmware's memory map (GetMemoryMap), in pool memory. */
struct efi_memory_descriptor;
struct e820_map;
struct efi_memmap { void *buf; u64 size, desc_size, entries; };
efi_status efi_memory_map(struct efi_memmap *m);
void efi_memory_map_free(struct efi_memmap *m);
const struct efi_memory_descriptor *efi_map_desc(const struct efi_memmap *m, u64 i);
/* As E820 ranges (ACPI 6.5 Table 15.6), merged; free_only: the free memory
 * (EfiConventionalMemory) as RAM.  False when the map does not fit. */
bool efi_map_e820(const struct efi_memmap *m, struct e820_map *out, bool free_only);
/* The memory map as E820 with the device ranges above 4 GiB of the GCD
 * memory space map as reserved (*devices: how many); false: too many. */
bool efi_address_map(struct e820_map *out, u32 *devices);
/* The end of what that map reaches, in whole GiB, at least 4 GiB. */
u64 efi_phys_top(const struct e820_map *map);

/* region.c: stage 3 inside pxhv.efi (NULL if its header is bad) and the
 * hypervisor region. */
struct stage3_header;
struct region_parts;
struct efi_region {
    u64 base, size;              /* the region: boot_info hv_base, hv_size           */
    u64 alloc_size;              /* taken at base: size, or with the alias within it */
    u64 alias_base, alias_size;  /* its A20 alias, taken on its own (0: none)        */
};
const struct stage3_header *efi_stage3(void);
u32  efi_pool_extra(const struct e820_map *map, bool has_1g);
bool efi_region_parts(const struct stage3_header *h, u32 virt, u32 cpus, u32 pool_extra,
                      struct region_parts *p);
efi_status efi_region_place(u64 span, struct efi_region *r);
void efi_region_free(struct efi_region *r);
void efi_region_free_alias(struct efi_region *r);
bool efi_region_taken(u64 base, u64 size);   /* the firmware refuses it to others */
void efi_region_check_map(u64 base, u64 size);

/* cpu.c: the CPUs through the MP services protocol: the enabled CPUs' APIC
 * IDs, this one first; how many (1 without the protocol). */
u32  efi_mp_probe(u32 *apic_ids, u32 max);
bool efi_mp_present(void);
typedef void (EFIAPI *efi_ap_fn)(void *argument);
efi_status efi_mp_run_aps(efi_ap_fn proc, void *arg);

/* launch.c: every CPU under pxHV. */
struct efi_launch {
    const struct stage3_header *stage3;
    struct efi_region *region;
    u32 virt, cpus, flags, pool_extra;
    u64 rsdp, phys_top;
    const char *next;                /* the next loader's path: the guest's name */
    u32 mp_cpus;
    u32 mp_apic_id[PXHV_MAX_CPUS];
};
efi_status efi_launch(struct efi_launch *l);

/* chain.c */
/* LoadImage of the next loader with its options (before pxHV starts, so a
 * missing or broken loader stops pxhv.efi cleanly), then StartImage. */
efi_status efi_load_next(const char *path, const char *options);
void efi_unload_next(void);
efi_status efi_start_next(const char *path);

#endif
