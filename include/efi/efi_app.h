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

/* acpi.c: the RSDP from the configuration table, the MADT's CPUs (0 if none). */
u32 efi_acpi_probe(void);

/* region.c: stage 3 inside pxhv.efi (NULL if its header is bad) and the
 * hypervisor region. */
struct stage3_header;
const struct stage3_header *efi_stage3(void);
u64  efi_region_size(const struct stage3_header *h, u32 cpus, u32 virt);
efi_status efi_region_alloc(u64 size, u64 *base);
void efi_region_free(u64 base, u64 size);
bool efi_region_taken(u64 base, u64 size);   /* the firmware refuses it to others */
void efi_region_check_map(u64 base, u64 size);

/* cpu.c: the CPUs through the MP services protocol. */
struct efi_cpu_state {
    u32 apic_id;
    u64 cr0, cr3, cr4, efer, pat, apic_base, rflags, rsp;
    u16 cs, ss, ds, tr;
    u16 gdt_limit, idt_limit;
    u64 gdt_base, idt_base;
};
void efi_cpu_capture(struct efi_cpu_state *s);
void efi_print_cpu_state(const char *who, const struct efi_cpu_state *s);
u32  efi_mp_probe(void);   /* CPUs found (1 without the protocol) */

/* chain.c */
efi_status efi_start_next(const char *path, const char *options);

#endif
