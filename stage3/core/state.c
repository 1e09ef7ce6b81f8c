/*
 * pxHV's start-up state (include/core/hv.h): what stage 2 and the firmware said,
 * where the region is, which backend runs.  Set once by the boot CPU while
 * pxHV starts, before any AP or guest runs; read-only afterwards, so it
 * needs no lock.  Its own file, below every other core file.
 */
#include "core/hv.h"
#include "core/virt.h"

struct boot_info g_boot;
struct e820_map g_host_map;
u64 g_hv_base, g_hv_size;
struct acpi_info g_acpi;
u32 g_cpus_unlisted;
/* The cells besides the root, set once while core/cellplan.c plans them: with
 * the start-up globals, so that the exit path's files below the cells' code
 * (core/kept.c, core/io.c) can ask whether there are any without calling up. */
u32 g_ncells;
const struct virt_ops *virt;
