/* Stage 3's start-up state: set once while it starts, read-only afterwards. */
#ifndef PXHV_HV_H
#define PXHV_HV_H
#include "lib/types.h"
#include "boot/bootinfo.h"
#include "lib/e820.h"
#include "hw/x86.h"
#include "hw/acpi.h"

#define PXHV_VERSION_NUM 0x0001 /* major << 8 | minor */

extern struct boot_info g_boot;        /* copy of stage 2's boot_info        */
extern struct e820_map  g_host_map;    /* the firmware's map, sanitized       */
extern u64 g_hv_base, g_hv_size;       /* the hypervisor region               */
extern struct acpi_info g_acpi;        /* the firmware's tables; the CPUs with
                                          those that answered pxHV's census    */
extern u32 g_cpus_unlisted;            /* CPUs no table listed (core/census.c) */

/* Linker symbols (stage3/linker.ld). */
extern char __image_start[], __image_end[], __mem_end[];
extern const struct extable_entry __extable_start[], __extable_end[];

/* Fatal: report, then stop the machine (core/panic.c). */
NORETURN void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Pages for page tables, from the region's pool (core/host.c); NULL when out.
 * A pt_alloc_fn (pt.h): the argument is not used. */
u64 *page_alloc(void *unused);

#endif
