/*
 * Cells at run time (include/core/cell.h, docs/cells.md): each cell's start
 * from pxHV's copy of its image once the root is launched, and its end by
 * its policy: stopped, or restarted at most three times a minute.  What the
 * cells are and where they live was planned while pxHV started
 * (core/cellplan.c).
 */
#include "core/cell.h"
#include "core/apic.h"
#include "core/console.h"
#include "core/hv.h"
#include "core/ipi.h"
#include "core/stop.h"
#include "lib/lib.h"
#include "hw/x86.h"

static volatile u32 started;        /* the boot CPU says the cells may start */

void cells_go(void)
{
    __atomic_store_n(&started, 1, __ATOMIC_RELEASE);
}

/* ---- starting ---- */

static void lock(struct cell *cl)
{
    while (__atomic_exchange_n(&cl->lock, 1, __ATOMIC_ACQUIRE))
        pause();
}

static void unlock(struct cell *cl)
{
    __atomic_store_n(&cl->lock, 0, __ATOMIC_RELEASE);
}

/* The cell's memory as it starts: zero, its image, its ACPI tables, a
 * Multiboot kernel's information page; its devices as after a reset. */
static void load(struct cell *cl)
{
    u8 *mem = (u8 *)(usize)cl->mem_base;
    const struct pxhv_cell *k = cl->cfg;
    const u8 *image = (const u8 *)(usize)cl->image;
    memset(mem, 0, cl->mem_size);
    if (k->format == CELL_FMT_FLAT) {
        memcpy(mem + CELL_FLAT_END - k->image_bytes, image, k->image_bytes);
    } else {
        for (u32 s = 0; s < cl->mb.nseg; s++)
            memcpy(mem + cl->mb.seg[s].load_addr, image + cl->mb.seg[s].file_off,
                   cl->mb.seg[s].file_bytes);          /* the rest of mem_bytes is zero */
        char cmdline[CELL_CMDLINE_LEN + 1];
        memcpy(cmdline, k->cmdline, CELL_CMDLINE_LEN);
        cmdline[CELL_CMDLINE_LEN] = 0;
        struct mb_boot boot = { .mem = cl->mem_size, .cmdline = cmdline };
        const char *why = mb_build_info(mem + MB_INFO_ADDR, &boot);
        if (why)
            panic("cell %s: the Multiboot information: %s", cl->name, why);
    }
    if (!cell_acpi_build(mem + CELL_ACPI_ADDR, CELL_ACPI_MAX, CELL_ACPI_ADDR, cl->apic_id, cl->ncpus))
        panic("cell %s: its ACPI tables do not fit %u bytes", cl->name, CELL_ACPI_MAX);
    uart_init(&cl->uart);
    cl->pm1_en = 0;
    cl->pm1_cnt = 1;                                /* SCI_EN: ACPI mode, always */
}

/* This CPU's part in the cell's (re)start: the first CPU runs the image, the
 * others wait for its INIT-SIPI-SIPI in pxHV. */
static NORETURN void begin(struct cpu *c)
{
    struct cell *cl = c->cell;
    __atomic_store_n(&c->cell_parked, false, __ATOMIC_RELEASE);
    if (c == cl->cpu[0]) {
        __atomic_store_n(&c->vipi, 0, __ATOMIC_RELEASE);
        if (cl->cfg->format == CELL_FMT_MULTIBOOT) {
            /* Multiboot 0.6.96 3.2 "Machine state". */
            virt->guest_start(c, START_FLAT32, 0);
            virt->set(c, GR_RIP, cl->mb.entry);
            c->regs->r[R_RAX] = MB_BOOTLOADER_MAGIC;
            c->regs->r[R_RBX] = MB_INFO_ADDR;
            virt->run(c);
        }
        /* A flat image as a CPU after INIT, but at F000:FFF0 with CS base
         * F0000 (where the image's last 16 bytes are). */
        virt->guest_start(c, START_RESET_VECTOR, 0);
        struct segment cs;
        virt->get_seg(c, SEG_CS, &cs);
        cs.base = 0xF0000;
        virt->set_seg(c, SEG_CS, &cs);
        virt->run(c);
    }
    /* What the first CPU posted already (its INIT and SIPI) stays posted. */
    __atomic_and_fetch(&c->vipi, ~(u32)VIPI_CELL, __ATOMIC_ACQ_REL);
    virt->guest_start(c, START_WAIT_FOR_SIPI, 0);
    if (!ipi_park(c))
        cell_join(c);
    virt->run(c);
}

NORETURN void cell_cpu_start(struct cpu *c)
{
    struct cell *cl = c->cell;
    __atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&started, __ATOMIC_ACQUIRE)) {
        if (cpus_stopping())
            cpu_park();
        pause();
    }
    if (c == cl->cpu[0]) {
        load(cl);
        kprintf("pxHV: cell %s: starting on CPU %u (APIC %u)\n", cl->name, c->index, c->apic_id);
    }
    begin(c);
}

/* ---- ending ---- */

/* At most three restarts a minute, then the cell stops. */
static bool may_restart(struct cell *cl)
{
    u64 now = rdtsc(), minute = tsc_per_millisecond() * 60000;
    if (cl->restart_tsc[0] && now - cl->restart_tsc[0] < minute)
        return false;
    cl->restart_tsc[0] = cl->restart_tsc[1];
    cl->restart_tsc[1] = cl->restart_tsc[2];
    cl->restart_tsc[2] = now;
    return true;
}

/* Wait in pxHV, halted, until the cell runs again (a restart) or the
 * machine ends. */
static NORETURN void wait_generation(struct cpu *c, u32 gen)
{
    struct cell *cl = c->cell;
    for (;;) {
        if (cpus_stopping())
            cpu_park();
        if (__atomic_load_n(&cl->generation, __ATOMIC_ACQUIRE) != gen &&
            __atomic_load_n(&cl->state, __ATOMIC_ACQUIRE) == CELL_RUNNING)
            begin(c);
        __atomic_and_fetch(&c->vipi, ~(u32)VIPI_CELL, __ATOMIC_ACQ_REL);
        __atomic_store_n(&c->cell_parked, true, __ATOMIC_RELEASE);
        hlt();                               /* an NMI ends it: the restart's kick */
    }
}

NORETURN void cell_join(struct cpu *c)
{
    u32 gen = __atomic_load_n(&c->cell->generation, __ATOMIC_ACQUIRE);
    wait_generation(c, gen);
}

NORETURN void cell_end(struct cpu *c, const char *fmt, ...)
{
    struct cell *cl = c->cell;
    char why[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);

    lock(cl);
    if (cl->state != CELL_RUNNING) {
        unlock(cl);                          /* another of its CPUs is ending it */
        cell_join(c);
    }
    cl->state = CELL_ENDING;
    u32 gen = cl->generation;
    unlock(cl);

    struct segment cs;
    virt->get_seg(c, SEG_CS, &cs);
    kprintf("pxHV: cell %s: %s at %04x:%llx (CPU %u)\n", cl->name, why, cs.sel,
            virt->get(c, GR_RIP), c->index);
    /* Its other CPUs out of the cell's code before anything changes. */
    for (u32 k = 0; k < cl->ncpus; k++) {
        struct cpu *t = cl->cpu[k];
        if (t == c)
            continue;
        __atomic_or_fetch(&t->vipi, VIPI_CELL, __ATOMIC_ACQ_REL);
        for (u32 n = 0; n < 1000 && !__atomic_load_n(&t->cell_parked, __ATOMIC_ACQUIRE); n++) {
            cpu_kick(t);
            udelay(100);
        }
    }
    bool restart = cl->cfg->policy == CELL_POLICY_RESTART && may_restart(cl);
    if (!restart && cl->cfg->policy == CELL_POLICY_RESTART)
        kprintf("pxHV: cell %s: 3 restarts in the last minute already: no more\n", cl->name);
    if (!restart) {
        kprintf("pxHV: cell %s stopped: its CPU%s halt%s in pxHV; the rest of the machine runs on\n",
                cl->name, cl->ncpus > 1 ? "s" : "", cl->ncpus > 1 ? "" : "s");
        lock(cl);
        cl->state = CELL_STOPPED;
        unlock(cl);
        wait_generation(c, gen);             /* for good: a stopped cell has no next generation */
    }
    cl->restarts++;
    load(cl);
    kprintf("pxHV: cell %s: restarting (restart %u)\n", cl->name, cl->restarts);
    lock(cl);
    cl->state = CELL_RUNNING;
    __atomic_store_n(&cl->generation, gen + 1, __ATOMIC_RELEASE);
    unlock(cl);
    for (u32 k = 0; k < cl->ncpus; k++)
        if (cl->cpu[k] != c)
            cpu_kick(cl->cpu[k]);
    begin(c);
}

/* What another CPU posted to a CPU of a cell, before ipi_take: the cell's
 * end (join it), or an INIT to the CPU that starts the cell, which on a
 * machine would restart the firmware: here it ends the cell. */
void cell_posted(struct cpu *c)
{
    u32 v = __atomic_load_n(&c->vipi, __ATOMIC_ACQUIRE);
    if (v & VIPI_CELL)
        cell_join(c);
    if ((v & VIPI_INIT) && c == c->cell->cpu[0])
        cell_end(c, "INIT to the CPU that starts the cell (a reset)");
}
