/*
 * Every CPU, whatever the firmware's tables say (core/census.c).  A CPU that
 * no MADT or MP table lists, but that answers INIT-SIPI, would otherwise stay
 * outside VMX and could be started natively by the guest, with all of
 * memory in reach: pxHV wakes every AP with a broadcast INIT-SIPI-SIPI while
 * it starts, and takes each one that answers.
 */
#ifndef PXHV_CENSUS_H
#define PXHV_CENSUS_H
#include "lib/types.h"
#include "hw/acpi.h"

/* The broadcast; the answers stay in low memory (LOW_CENSUS) until the guest
 * runs.  Returns how many APs answered.  Uses no static data: it runs in
 * stage 3's early start, before the region exists. */
u32 census_take(void);

/* The tables' CPUs and those that answered: added to `cpus`, with `self`
 * (the boot CPU); returns how many APs the tables did not list. */
u32 census_merge(struct acpi_cpus *cpus, u32 self);

/* The APs' real-mode start code (core/census_entry.asm), copied to low memory. */
extern const u8 census_code[], census_code_end[];

#endif
