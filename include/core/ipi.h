/*
 * The guest's INIT and SIPI (core/ipi.c).  Two ways (SDM Vol. 3C 25.2, 24.4.2):
 *  - VM exits: an AP waits for a SIPI in the wait-for-SIPI activity state, and
 *    INIT and SIPI reach the target CPU as INIT and SIPI exits;
 *  - intercepted ICR writes: the guest's writes to the interrupt command
 *    register (the xAPIC page, write-protected in the second-level tables, and
 *    x2APIC MSR 0x830) are emulated; INIT and SIPI become virtual, delivered to
 *    the target CPU by pxHV (an NMI to make it exit), and an AP waiting for a
 *    SIPI waits in pxHV.  For CPUs without wait-for-SIPI, for engines whose
 *    INIT exits misbehave (Bochs keeps a guest's INIT pending after its exit,
 *    so it fires again at every entry), and where the configuration asks.
 */
#ifndef PXHV_IPI_H
#define PXHV_IPI_H
#include "lib/types.h"
#include "core/cpu.h"

#define VIPI_INIT BIT(0)
#define VIPI_SIPI BIT(1)
#define VIPI_CELL BIT(2)            /* its cell is ending (core/cell.c)     */

extern bool g_ipi_intercept;        /* set while pxHV starts, before any guest runs */

void ipi_setup(void);               /* choose the way; before the second-level tables */
void ipi_intercept_now(void);       /* the probe says so (core/smp.c): intercept after all */
void ipi_cpu_init(struct cpu *c);   /* the guest's LDR/DFR as the firmware left them */
/* The guest's ICR write, sent as the local APICs would send it, to the
 * sender's cell only.  False: a cell's CPU aimed it at a CPU outside its
 * cell (the caller ends the cell); the root's such IPIs are refused here. */
bool ipi_icr_write(struct cpu *c, u32 dest, u32 low, bool x2apic);
extern u64 g_xapic_page;            /* the xAPIC page while its stores are intercepted, or 0 */
/* core/xapic.c: the guest's stores to the xAPIC page while the ICR is
 * intercepted; false: gpa is not in that page. */
bool xapic_write(struct cpu *c, u64 gpa);
void ipi_take(struct cpu *c);       /* this CPU's posted INIT/SIPI, before the next entry */
/* An AP in the INIT state: wait for its SIPI.  False: its cell is ending
 * instead (VIPI_CELL, left set for the caller). */
bool ipi_park(struct cpu *c);

#endif
