/*
 * Every CPU under pxHV.  The boot CPU starts each AP the firmware lists
 * (SDM Vol. 3A 8.4.4.1 "Typical BSP Initialization Sequence": INIT, 10 ms,
 * SIPI, 200 us, SIPI) at stage 2's entry, which is still in memory: stage 2
 * takes it to long mode with pxHV's page tables and jumps to ap_main on the
 * AP's own stack.  There the AP turns virtualization on with its own host
 * area and control block and is launched into the guest in the wait-for-SIPI
 * activity state, so the guest finds its APs as the firmware left them;
 * the guest's INIT and SIPI then arrive as VM exits (core/events.c).
 */
#include "core/smp.h"
#include "core/cell.h"
#include "core/stop.h"
#include "core/apic.h"
#include "core/console.h"
#include "core/core.h"
#include "core/early.h"
#include "core/host.h"
#include "core/hv.h"
#include "core/ipi.h"
#include "lib/lib.h"
#include "core/power.h"
#include "core/virt.h"
#include "hw/x86.h"

/*
 * The INIT probe.  Where VMX can keep an AP waiting for a SIPI in its guest,
 * the guest's INIT and SIPI reach the APs as VM exits (SDM Vol. 3C 25.2
 * "Other Causes of VM Exits").  An INIT exit must end that INIT, but an
 * engine may keep it pending (Bochs does): then every VM entry of that CPU
 * exits again, and it never runs its guest.  So before the guest runs, the
 * first AP runs a loop as its guest (a long PAUSE loop, then a VMCALL), the
 * boot CPU sends it an INIT, and the AP answers by going back where it was:
 * if its next exit is the INIT again, before the loop's VMCALL, the engine
 * keeps it, and the guest's INIT and SIPI go through intercepted ICR writes
 * instead (core/ipi.c).  That AP can only lose its pending INIT by leaving
 * VMX operation, which resets it (the INIT is taken, SDM Vol. 3C 30.3 VMXOFF
 * "unblocks INIT"): the boot CPU starts it again.  (Bochs also drops an INIT
 * that arrives while the CPU is in VMX root operation, where a CPU holds it
 * blocked: the loop keeps the AP in its guest most of the time, and the boot
 * CPU sends the INIT again until one exits.)
 */
enum { PROBE_OFF, PROBE_ARMED, PROBE_READY, PROBE_INIT, PROBE_FINE, PROBE_KEPT };
static volatile u32 probe;
static const u8 probe_code[] = {
    0xB9, 0x00, 0x40,                   /* 0: MOV CX, 4000h   */
    0xF3, 0x90,                         /* 3: PAUSE           */
    0xE2, 0xFC,                         /*    LOOP 3          */
    0x0F, 0x01, 0xC1,                   /*    VMCALL          */
    0xEB, 0xF4,                         /*    JMP 0           */
};
#define PROBE_PAGE LOW_STAGE3_BOUNCE    /* free memory once stage 3 runs in its region */

static void start_ap(struct boot_info *bi, struct cpu *c)
{
    /* Stage 2's switch to long mode, this time for the AP (stage2/cpu.asm). */
    bi->lm_cr3 = (u32)read_cr3();
    bi->lm_stack = cpu_stack_top(c) - 256;       /* its exit frame stays untouched */
    bi->lm_entry = (u64)(usize)ap_main;
    bi->lm_arg = (u64)(usize)c;

    apic_ipi(c->apic_id, ICR_INIT | ICR_ASSERT);
    udelay(10000);
    for (int i = 0; i < 2 && !c->online; i++) {
        apic_ipi(c->apic_id, ICR_STARTUP | ICR_ASSERT | (LOW_STAGE2 >> 12));
        udelay(200);
    }
    for (u32 ms = 0; ms < 1000 && !c->online; ms++)
        udelay(1000);
}

/* An exit of the probing AP: `init` an INIT exit, else its VMCALL. */
void smp_probe_exit(struct cpu *c, bool init)
{
    if (!init) {
        virt->skip(c, 0);
        if (!c->probe_init) {
            __atomic_store_n(&probe, PROBE_READY, __ATOMIC_RELEASE);
            return;
        }
        /* One INIT exit, then the guest ran on: the INIT was taken. */
        c->probing = false;
        virt->guest_start(c, START_WAIT_FOR_SIPI, 0);
        __atomic_store_n(&probe, PROBE_FINE, __ATOMIC_RELEASE);
        return;
    }
    if (!c->probe_init) {
        c->probe_init = true;           /* back where it was, RIP unchanged */
        __atomic_store_n(&probe, PROBE_INIT, __ATOMIC_RELEASE);
        return;
    }
    __atomic_store_n(&probe, PROBE_KEPT, __ATOMIC_RELEASE);
    virt->cpu_disable(c);               /* the pending INIT resets this CPU now */
    for (;;) {
        cli();
        hlt();
    }
}

static bool probe_wait(u32 want)
{
    for (u32 ms = 0; ms < 2000; ms++) {
        u32 p = __atomic_load_n(&probe, __ATOMIC_ACQUIRE);
        if (p == want || (want == PROBE_FINE && p == PROBE_KEPT))
            return true;
        udelay(1000);
    }
    return false;
}

/* On the boot CPU, with CPU c probing in its guest. */
static void probe_init(struct boot_info *bi, struct cpu *c)
{
    if (!probe_wait(PROBE_READY))
        panic("CPU %u (APIC %u) did not run the INIT probe", c->index, c->apic_id);
    for (u32 i = 0; i < 100 && __atomic_load_n(&probe, __ATOMIC_ACQUIRE) == PROBE_READY; i++) {
        apic_ipi(c->apic_id, ICR_INIT | ICR_ASSERT);
        for (u32 ms = 0; ms < 20 && __atomic_load_n(&probe, __ATOMIC_ACQUIRE) == PROBE_READY; ms++)
            udelay(1000);
    }
    if (!probe_wait(PROBE_FINE))
        panic("CPU %u (APIC %u) did not answer the INIT probe", c->index, c->apic_id);
    if (probe == PROBE_FINE) {
        kprintf("pxHV: CPU %u (APIC %u): the INIT probe's INIT exited once and the guest ran on: "
                "INIT and SIPI exits for the guest\n", c->index, c->apic_id);
        probe = PROBE_OFF;
        return;
    }
    kprintf("pxHV: CPU %u (APIC %u): the INIT probe's INIT exited again at the next VM entry: "
            "this engine keeps INIT pending, so the guest's INIT and SIPI go through intercepted "
            "ICR writes\n", c->index, c->apic_id);
    probe = PROBE_OFF;
    ipi_intercept_now();
    udelay(1000);                       /* the AP resets as it leaves VMX operation */
    c = cpu_alloc(c->index, c->apic_id);
    start_ap(bi, c);
}

void smp_plan(void)
{
    const struct acpi_cpus *l = &g_acpi.cpus;
    u32 bsp = cpu_get(0)->apic_id;

    u32 n = l->listed ? l->listed : 1;
    kprintf("pxHV: %u CPU%s (%s", n, n == 1 ? "" : "s",
            g_acpi.cpus_from ? g_acpi.cpus_from : "no MADT or MP table");
    if (g_cpus_unlisted)
        kprintf(", and %u it does not list that answered INIT-SIPI", g_cpus_unlisted);
    kprintf("):");
    for (u32 i = 0; i < l->count; i++)
        kprintf(" APIC %u%s", l->apic_id[i], l->apic_id[i] == bsp ? " (boot)" : "");
    kprintf("%s\n", l->listed > l->count ? " ..." : "");
    if (l->listed > PXHV_MAX_CPUS) {
        kprintf("pxHV: %u CPUs, more than the %u this build supports (PXHV_MAX_CPUS): refusing to run, "
                "since a CPU outside VMX could reach pxHV's memory\n", l->listed, PXHV_MAX_CPUS);
        hv_stop("too many CPUs");
    }
    struct region_parts p;
    region_parts_of(g_boot.virt, g_boot.cpus, &g_boot.cells, &p);
    kprintf("pxHV: memory per CPU %llu KiB; region %llu KiB for %u CPU%s\n", p.cpu_bytes / 1024,
            g_hv_size / 1024, g_boot.cpus, g_boot.cpus == 1 ? "" : "s");
}

void smp_start(struct boot_info *bi)
{
    const struct acpi_cpus *l = &g_acpi.cpus;
    u32 bsp = cpu_get(0)->apic_id;
    u32 next = 1;
    for (u32 i = 0; i < l->count; i++) {
        if (l->apic_id[i] == bsp)
            continue;
        struct cpu *c = cpu_alloc(next++, l->apic_id[i]);
        if (!c)
            panic("APIC %u has no per-CPU block (%u planned)", l->apic_id[i], g_boot.cpus);
        struct cell *cl = cell_of_apic(c->apic_id);
        if (cl) {
            c->cell = cl;
            c->slat = cl->slat;
            for (u32 k = 0; k < cl->ncpus; k++)
                if (cl->apic_id[k] == c->apic_id)
                    cl->cpu[k] = c;
        }
        u64 t0 = rdtsc();
        bool probing = next == 2 && !g_ipi_intercept;
        if (probing)
            probe = PROBE_ARMED;
        start_ap(bi, c);
        if (probing && c->online) {
            probe_init(bi, c);
            c = cpu_get(c->index);
        }
        if (!c->online) {
            kprintf("pxHV: CPU %u (APIC %u) did not start\n", c->index, c->apic_id);
            hv_stop("a CPU did not start");
        }
        if (c->cell) {
            kprintf("pxHV: CPU %u (APIC %u) for cell %s (%llu TSC ticks to start)\n", c->index,
                    c->apic_id, c->cell->name, rdtsc() - t0);
            continue;
        }
        kprintf("pxHV: CPU %u (APIC %u) %s (%llu TSC ticks to start)\n", c->index, c->apic_id,
                !g_ipi_intercept ? "in VMX root, waiting for SIPI in its guest"
                : virt->can_wait_for_sipi() ? "in VMX root, waiting in pxHV for the guest's SIPI"
                                            : "under SVM, waiting in pxHV for the guest's SIPI",
                rdtsc() - t0);
    }
}

void core_cpu_init(struct cpu *c)
{
    ipi_cpu_init(c);
    msr_cpu_init(c);
    cell_cpu_intercepts(c);
}

NORETURN void ap_main(struct cpu *c)
{
    cpu_load(c);
    const char *why = virt->cpu_enable(c);
    if (why) {
        /* The boot CPU times out and stops the machine. */
        kprintf("pxHV: CPU %u (APIC %u): %s\n", c->index, c->apic_id, why);
        cpu_park();
    }
    virt->cpu_init(c);
    core_cpu_init(c);
    if (c->cell)
        cell_cpu_start(c);
    virt->guest_start(c, START_WAIT_FOR_SIPI, 0);
    if (__atomic_load_n(&probe, __ATOMIC_ACQUIRE) == PROBE_ARMED) {
        c->probing = true;
        memcpy((void *)(usize)PROBE_PAGE, probe_code, sizeof probe_code);
        virt->guest_start(c, START_SIPI, PROBE_PAGE >> 12);
        __atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
        virt->run(c);
    }
    __atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
    if (g_ipi_intercept)
        ipi_park(c);                  /* the guest's first SIPI starts it */
    virt->run(c);
}
