/*
 * Cells (docs/cells.md): the machine split into guests side by side.  The
 * root cell is the guest that would have booted, with the BIOS and every
 * device not given away; each further cell, from the configuration
 * (struct pxhv_cell), has CPUs, RAM carved below pxHV's region, ports and an
 * image of its own, and reaches nothing else: its memory from guest-physical
 * 0 through its own second-level tables, its CPUs' local APICs, an emulated
 * UART and ACPI PM block, the ports passed to it.  Whatever else a cell
 * does ends that cell only (stop or restart, per its policy), with a line
 * naming the cell, the cause and CS:RIP.
 *
 * Owners: core/cellplan.c writes a cell's fixed part while pxHV starts; it
 * is read-only afterwards.  core/cell.c: its run state (state, generation,
 * restarts) changes under the cell's own lock; core/cellio.c: its console
 * line under its uart_lock, as its CPUs write it at once.
 */
#ifndef PXHV_CELL_H
#define PXHV_CELL_H
#include "lib/types.h"
#include "boot/pxhv_config.h"
#include "core/cpu.h"
#include "core/core.h"
#include "lib/pt.h"
#include "lib/uart.h"
#include "lib/multiboot.h"
#include "lib/cellacpi.h"
#include "hw/multiboot.h"

/* A cell's guest-physical layout (docs/cells.md "What a cell sees"): the
 * ACPI tables at CELL_ACPI_ADDR and the PM block at CELL_PM1A_EVT
 * (lib/cellacpi.h), the Multiboot information at MB_INFO_ADDR
 * (lib/multiboot.h), and: */
#define CELL_FLAT_END       0x100000ULL   /* a flat image ends here              */
#define CELL_FLAT_MAX       0x10000ULL    /* and is at most 64 KiB               */
#define CELL_UART_PORT      0x3F8         /* its emulated 16550                 */
#define CELL_PM_PORT        CELL_PM1A_EVT /* PM1a_EVT (4), PM1a_CNT (2), PM_TMR (4) */
#define CELL_PM_PORTS       12
#define CELL_APIC_GPA       CELL_LAPIC_ADDR /* its CPU's own local APIC, read-only */

enum cell_state { CELL_RUNNING, CELL_ENDING, CELL_STOPPED };

struct cell {
    /* ---- Fixed once pxHV has started. ---- */
    u32 index;                       /* 1..: its place in the configuration + 1   */
    char name[CELL_NAME_LEN + 1];
    const struct pxhv_cell *cfg;     /* in g_boot.cells                           */
    u64 mem_base, mem_size;          /* host-physical RAM, 2 MiB-aligned          */
    u64 image;                       /* pxHV's copy of its image, in the region   */
    u32 ncpus;
    struct cpu *cpu[CELL_CPUS_MAX];  /* [0] starts the cell; the rest wait for SIPI */
    u32 apic_id[CELL_CPUS_MAX];
    u64 slat;                        /* its second-level root (virt_ops.slat_build) */
    struct mb_plan mb;               /* a Multiboot image's load plan               */
    char what[32];                   /* "cell NAME's memory", for the root's reports */
    /* ---- Changed while it runs, under `lock`. ---- */
    volatile u32 lock;
    volatile u32 state;              /* enum cell_state                           */
    volatile u32 generation;         /* +1 at every restart: parked CPUs rejoin    */
    u32 restarts;                    /* in all                                     */
    u64 restart_tsc[3];              /* the last three, for the rate limit         */
    /* ---- Its devices: its CPUs, under `uart_lock`. ---- */
    volatile u32 uart_lock;
    struct uart uart;                /* lines to pxHV's console as "[NAME] line"   */
    u16 pm1_en, pm1_cnt;
};

extern struct cell g_cells[CELLS_MAX];
extern u32 g_ncells;                 /* cells besides the root                     */

/* While pxHV starts, on the boot CPU, in this order (core/cellplan.c;
 * cells_go: core/cell.c): */
void cells_plan(void);               /* check the configuration, CPUs, memory, images */
void cells_keep(void);               /* their memory gone from the root's view        */
void cells_hide_cpus(void);          /* their CPUs gone from the root's ACPI/MP tables */
void cells_tables(void);             /* each cell's second-level tables               */
struct cell *cell_of_apic(u32 apic_id);   /* NULL: the root's                        */
void cells_go(void);                 /* the cells may start now                        */

/* On a cell's CPU, once it is in VMX/SVM operation (core/smp.c ap_main). */
NORETURN void cell_cpu_start(struct cpu *c);

/* The cell of c ends: the line with its cause and CS:RIP, its other CPUs
 * stopped, then the policy: its CPUs halted in pxHV, or the cell started
 * again from pxHV's copy of its image.  Never returns to the caller. */
NORETURN void cell_end(struct cpu *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Another CPU of c's cell is ending it (VIPI_CELL): stop here until the
 * cell runs again, then rejoin it. */
NORETURN void cell_join(struct cpu *c);
/* What other CPUs posted to c, a CPU of a cell, before ipi_take (core/exit.c). */
void cell_posted(struct cpu *c);

/* Guest-physical -> host-physical for pxHV's own accesses on the cell's
 * behalf (within one page): its RAM only. */
static inline bool cell_hpa(const struct cell *cl, u64 gpa, u64 len, u64 *hpa)
{
    if (gpa >= cl->mem_size || len > cl->mem_size - gpa)
        return false;
    *hpa = cl->mem_base + gpa;
    return true;
}
/* The cell's ports (core/cellio.c): its UART, its PM block, the ports given to
 * it; anything else ends the cell. */
u32  cell_port_in(struct cpu *c, u16 port, u8 size);
void cell_port_out(struct cpu *c, u16 port, u8 size, u32 v);
/* Which CPU's port accesses exit: every port but the cell's own. */
void cell_cpu_intercepts(struct cpu *c);
/* The cell whose RAM holds host-physical gpa (the root's view), or NULL. */
const struct cell *cell_owning_gpa(u64 gpa);
/* A port some cell owns (its passed-through ranges), or NULL. */
const struct cell *cell_owning_port(u16 port);

#endif
