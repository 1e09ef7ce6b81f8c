/*
 * A cell's ports (include/core/cell.h): every port exits on a cell's CPUs but
 * those passed to the cell.  pxHV answers for the cell's emulated UART at
 * 0x3F8 (its lines go to pxHV's console as "[NAME] line") and its ACPI PM
 * block at 0x600 (the power-off of the cell's FADT, a PM timer); a port
 * given to the cell is performed; anything else ends the cell, the machine's
 * reset paths by their name.
 */
#include "core/cell.h"
#include "core/apic.h"
#include "core/console.h"
#include "core/hv.h"
#include "hw/acpi.h"
#include "lib/lib.h"
#include "hw/x86.h"

static bool in_ranges(const struct pxhv_cell *k, u16 port)
{
    for (u32 r = 0; r < CELL_PORT_RANGES; r++)
        if (k->ports[r].count && port - (u32)k->ports[r].first < k->ports[r].count)
            return true;
    return false;
}

const struct cell *cell_owning_port(u16 port)
{
    for (u32 i = 0; i < g_ncells; i++)
        if (in_ranges(g_cells[i].cfg, port))
            return &g_cells[i];
    return NULL;
}

void cell_cpu_intercepts(struct cpu *c)
{
    if (!c->cell) {
        /* The root: the ports given to cells exit, and are refused. */
        for (u32 i = 0; i < g_ncells; i++)
            for (u32 r = 0; r < CELL_PORT_RANGES; r++)
                for (u32 n = 0; n < g_cells[i].cfg->ports[r].count; n++)
                    virt->io_intercept(c, (u16)(g_cells[i].cfg->ports[r].first + n), true);
        return;
    }
    virt->io_intercept_all(c);
    const struct pxhv_cell *k = c->cell->cfg;
    for (u32 r = 0; r < CELL_PORT_RANGES; r++)
        for (u32 n = 0; n < k->ports[r].count; n++)
            virt->io_intercept(c, (u16)(k->ports[r].first + n), false);
}

static void lock(volatile u32 *l)
{
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
        pause();
}

static void unlock(volatile u32 *l)
{
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* The UART's register at `off` (lib/uart.c); a completed line to the console. */
static void uart_out(struct cell *cl, u16 off, u8 v)
{
    const char *line = uart_write(&cl->uart, (u8)off, v);
    if (line)
        kprintf("[%s] %s\n", cl->name, line);
}

/* ---- the ACPI PM block (ACPI 6.5 4.8.3 "PM1 Event/Control Registers",
 * 4.8.3.3 "Power Management Timer") ---- */

#define PM_TMR_HZ ((u64)CELL_PM_TMR_HZ)

static u32 pm_timer(void)
{
    u64 tpm = tsc_per_millisecond(), t = rdtsc();
    if (!tpm)
        return 0;
    u64 ms = t / tpm, rest = t % tpm;
    return (u32)((ms * PM_TMR_HZ / 1000 + rest * PM_TMR_HZ / (tpm * 1000)) & 0xFFFFFF);
}

static u32 pm_in(struct cell *cl, u16 off, u8 size)
{
    u32 v = 0;
    if (off == 0)
        v = 0;                                  /* PM1_STS: nothing happened */
    else if (off == 2)
        v = cl->pm1_en;
    else if (off == 4)
        v = cl->pm1_cnt;
    else if (off == 8)
        v = pm_timer();
    return size == 4 ? v : size == 2 ? v & 0xFFFF : v & 0xFF;
}

static void pm_out(struct cpu *c, u16 off, u32 v)
{
    struct cell *cl = c->cell;
    if (off == 2) {
        cl->pm1_en = (u16)v;
    } else if (off == 4) {
        cl->pm1_cnt = (u16)((v & ~(u32)PM1_SLP_EN) | 1);
        if (v & PM1_SLP_EN) {
            u32 typ = (v >> PM1_SLP_TYP_SHIFT) & 7;
            if (typ == 5)
                cell_end(c, "powered off (ACPI S5 through its PM1a_CNT)");
            cell_end(c, "sleep state with SLP_TYP %u (only S5, power-off, is in its tables)", typ);
        }
    }
}

/* ---- ports ---- */

static NORETURN void outside(struct cpu *c, u16 port, bool out, u32 v)
{
    if (out && port == 0xCF9 && (v & 4))
        cell_end(c, "reset through port 0xCF9 (value 0x%x)", v & 0xFF);
    if (out && port == 0x64 && (v & 0xFF) == 0xFE)
        cell_end(c, "keyboard controller reset (0xFE to port 0x64)");
    if (out && port == 0x92 && (v & 1))
        cell_end(c, "fast reset through port 0x92");
    cell_end(c, "%s port 0x%x, outside the cell", out ? "OUT to" : "IN from", port);
}

u32 cell_port_in(struct cpu *c, u16 port, u8 size)
{
    struct cell *cl = c->cell;
    if (port - (u32)CELL_UART_PORT < 8) {
        u32 v = 0;
        lock(&cl->uart_lock);
        for (u8 i = 0; i < size; i++)
            v |= (u32)uart_read(&cl->uart, (u8)((port - CELL_UART_PORT + i) & 7)) << (8 * i);
        unlock(&cl->uart_lock);
        return v;
    }
    if (port - (u32)CELL_PM_PORT < CELL_PM_PORTS) {
        lock(&cl->uart_lock);
        u32 v = pm_in(cl, (u16)(port - CELL_PM_PORT), size);
        unlock(&cl->uart_lock);
        return v;
    }
    if (in_ranges(cl->cfg, port) && (size == 1 || in_ranges(cl->cfg, (u16)(port + size - 1))))
        return in_sized(port, size);
    outside(c, port, false, 0);
}

void cell_port_out(struct cpu *c, u16 port, u8 size, u32 v)
{
    struct cell *cl = c->cell;
    if (port - (u32)CELL_UART_PORT < 8) {
        lock(&cl->uart_lock);
        for (u8 i = 0; i < size; i++)
            uart_out(cl, (u16)((port - CELL_UART_PORT + i) & 7), (u8)(v >> (8 * i)));
        unlock(&cl->uart_lock);
        return;
    }
    if (port - (u32)CELL_PM_PORT < CELL_PM_PORTS) {
        pm_out(c, (u16)(port - CELL_PM_PORT), v);
        return;
    }
    if (in_ranges(cl->cfg, port) && (size == 1 || in_ranges(cl->cfg, (u16)(port + size - 1)))) {
        out_sized(port, size, v);
        return;
    }
    outside(c, port, true, v);
}
