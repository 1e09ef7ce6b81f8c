/*
 * The ACPI tables pxHV builds for a cell (docs/cells.md), pure: the caller
 * copies the result to the cell's guest-physical CELL_ACPI_ADDR.  The set is
 * the least an OS needs to find its CPUs and to power itself off (ACPI 6.5):
 *   RSDP (revision 2) at CELL_ACPI_ADDR, on the 16-byte boundary software
 *       scans for in 0xE0000-0xFFFFF (5.2.5.1 "Finding the RSDP on IA-PC
 *       Systems"), with the RSDT and the XSDT naming the same two tables;
 *   MADT: one enabled Processor Local APIC structure per cell CPU with its
 *       real APIC ID and UIDs 0..n-1 (a Processor Local x2APIC structure for
 *       an ID above 254), local APIC at 0xFEE00000, no I/O APIC, PCAT_COMPAT 0;
 *   FADT (revision 4): PM1a event block 0x600, control block 0x604, PM timer
 *       0x608 (24 bits), no SMI command port (ACPI mode is always on), SCI 9,
 *       no 8042, no VGA, no CMOS RTC; its FACS and DSDT;
 *   DSDT: only Name (\_S5, Package () { 5, 5, 0, 0 }): power-off is SLP_TYP 5.
 * OEM ID "PXHV  ", every checksum made good.
 */
#ifndef PXHV_CELLACPI_H
#define PXHV_CELLACPI_H
#include "lib/types.h"

#define CELL_ACPI_ADDR      0xE0000u   /* guest-physical home of the tables        */
#define CELL_ACPI_MAX       4096u      /* what the caller reserves for them        */
#define CELL_LAPIC_ADDR     0xFEE00000u
#define CELL_PM1A_EVT       0x600u     /* PM1a_EVT_BLK, 4 bytes                    */
#define CELL_PM1A_CNT       0x604u     /* PM1a_CNT_BLK, 2 bytes                    */
#define CELL_PM_TMR         0x608u     /* PM_TMR_BLK, 4 bytes, 24-bit counter      */
#define CELL_PM_TMR_HZ      3579545u
#define CELL_SCI_IRQ        9u
#define CELL_SLP_TYP_S5     5u         /* the \_S5 SLP_TYP the DSDT names          */
#define CELL_ACPI_OEM       "PXHV  "

/* Builds the tables for the CPUs `apic_ids[0..count)` (the first is the
 * cell's boot CPU) into buf[0..size), laid out for guest-physical `base`
 * (CELL_ACPI_ADDR).  Returns the bytes used, or 0 when there are no CPUs or
 * the tables do not fit in `size`. */
u32 cell_acpi_build(u8 *buf, u32 size, u32 base, const u32 *apic_ids, u32 count);

#endif
