/*
 * The guest events that end in a decision rather than an answer: HLT,
 * INVD, XSETBV, a triple fault, INIT, an access the second-level tables
 * refused (the end of the guest and refusals: core/report.c).
 */
#include "core/core.h"
#include "core/cell.h"
#include "core/cmos.h"
#include "core/console.h"
#include "core/hv.h"
#include "lib/lib.h"
#include "core/power.h"
#include "lib/pt.h"
#include "lib/insn.h"
#include "core/smp.h"
#include "core/stop.h"
#include "core/ipi.h"
#include "core/iommu.h"
#include "hw/x86.h"

void core_hlt(struct cpu *c)
{
    c->stats.event[EV_HLT]++;
    bool if_set = virt->get(c, GR_RFLAGS) & RFLAGS_IF;
    if (!if_set && c->index == 0) {
        /* As on hardware the CPU waits for an NMI, INIT or SMI; on the boot
         * CPU that is mostly the end of the guest, so say it, with the
         * statistics.  (APs stopped with CLI; HLT are an OS's parked CPUs.) */
        struct segment cs;
        virt->get_seg(c, SEG_CS, &cs);
        kprintf("pxHV: CPU 0 halted with interrupts disabled at %04x:%llx; only an NMI, INIT "
                "or SMI wakes it\n", cs.sel, virt->get(c, GR_RIP));
        stats_print();
    }
    virt->halt(c, if_set);
}

void core_invd(struct cpu *c)
{
    /* INVD would drop the hypervisor's own dirty lines; WBINVD is safe. */
    wbinvd();
    virt->skip(c, 0);
}

void core_xsetbv(struct cpu *c)
{
    struct guest_regs *r = c->regs;
    u64 v = (r->r[R_RDX] << 32) | (u32)r->r[R_RAX];
    u32 a, b, ecx, d;

    c->stats.event[EV_XSETBV]++;
    if (!(virt->get(c, GR_CR4) & CR4_OSXSAVE)) {
        inject_ud(c);
        return;
    }
    if (virt->cpl(c) != 0) {                   /* also virtual-8086 mode */
        inject_gp0(c);
        return;
    }
    cpuid(0xD, 0, &a, &b, &ecx, &d);
    u64 supported = ((u64)d << 32) | a;
    /* SDM Vol. 2D XSETBV and Vol. 1 13.3: the XCR0 rules, else #GP(0). */
    bool ok = (u32)r->r[R_RCX] == 0 && (v & 1) && !(v & ~supported) &&
              (!(v & BIT(2)) || (v & BIT(1))) &&
              ((v & 0xE0) == 0 || ((v & 0xE0) == 0xE0 && (v & BIT(2)))) &&
              (!!(v & BIT(17)) == !!(v & BIT(18)));
    if (!ok) {
        inject_gp0(c);
        return;
    }
    xsetbv(0, v);
    virt->skip(c, 0);
}

NORETURN void core_triple_fault(struct cpu *c)
{
    if (c->cell)
        cell_end(c, "triple fault (shutdown)");
    guest_end(c, "triple fault", true);
}

/*
 * INIT (SDM Vol. 3A 8.4.2, Table 9-1): the boot CPU restarts at the reset
 * vector, an AP waits for a SIPI; both in the INIT state.  A CPU waiting for
 * a SIPI holds an INIT pending instead of exiting (SDM Vol. 3C 25.2 "Other
 * Causes of VM Exits"), so the INIT of an INIT-SIPI sequence exits right
 * after the SIPI started the CPU: it came first, and is done with.
 */
void core_init_signal(struct cpu *c)
{
    if (c->probing) {
        smp_probe_exit(c, true);
        return;
    }
    if (c->cell)                     /* no INIT reaches a cell's CPU but from pxHV's own IPIs */
        cell_end(c, "INIT signal");
    /* An INIT exit again as the next exit: the engine kept the INIT pending
     * (the first AP's probe picks the intercept path where it does; with one
     * CPU there is no AP to probe with).  The CPU would exit at every entry
     * from now on and can leave the INIT only by leaving VMX operation,
     * which resets it: reset the machine, which boots pxHV again. */
    bool again = c->init_seen && c->stats.total == c->init_exit + 1;
    c->init_seen = true;
    c->init_exit = c->stats.total;
    if (again) {
        kprintf("pxHV: CPU %u: the guest's INIT exited again at the next VM entry: this engine "
                "keeps INIT pending, and the CPU cannot return to its guest\n", c->index);
        guest_end(c, "INIT kept pending by the engine", true);
    }
    if (c->index != 0 && c->stats.total == c->sipi_exit + 1)
        return;
    cmos_release(c);
    virt->guest_start(c, c->index == 0 ? START_RESET_VECTOR : START_WAIT_FOR_SIPI, 0);
}

/* A SIPI reaches only a CPU waiting for one: real mode at vector * 4 KiB. */
void core_sipi(struct cpu *c, u8 vector)
{
    c->sipi_exit = c->stats.total;
    virt->guest_start(c, START_SIPI, vector);
}

void core_mem_violation(struct cpu *c, const struct mem_violation *v)
{
    if (v->access == PT_W && (xapic_write(c, v->gpa) || iommu_write(c, v->gpa)))
        return;
    struct segment cs;
    const char *kept = guest_kept_name(v->gpa);
    const char *access = v->access == PT_W ? "write" : v->access == PT_X ? "instruction fetch" : "read";
    if (c->cell)
        cell_end(c, "%s of guest-physical 0x%llx, outside the cell's memory and devices", access,
                 v->gpa);
    const struct cell *owner = cell_owning_gpa(v->gpa);
    if (owner && v->access != PT_X) {
        /* The root reaching into a cell: refused, and the instruction stepped
         * over (the cell runs on; nothing there changed or was read). */
        u8 bytes[INSN_MAX_LEN];
        u32 mode, n = guest_fetch(c, bytes, sizeof bytes, &mode), len = insn_length_any(bytes, n, mode);
        if (len) {
            guest_refuse(c, "a %s of cell %s's memory at GPA 0x%llx; not performed", access,
                         owner->name, v->gpa);
            virt->skip(c, len);
            return;
        }
    }

    virt->get_seg(c, SEG_CS, &cs);
    kprintf("pxHV: %s violation: guest %s at GPA 0x%llx", virt->second_level, access, v->gpa);
    if (v->gla_valid)
        kprintf(" (GLA 0x%llx)", v->gla);
    kprintf(", RIP %04x:%llx", cs.sel, virt->get(c, GR_RIP));
    if (v->qual_valid)
        kprintf(", qualification 0x%llx", v->qual);
    kprintf("\npxHV: the page is %s (%s permissions %c%c%c)\n",
            kept ? kept : "not accessible to the guest", virt->second_level,
            v->allowed & PT_R ? 'r' : '-', v->allowed & PT_W ? 'w' : '-', v->allowed & PT_X ? 'x' : '-');
    char why[16];
    snprintf(why, sizeof why, "%s violation", virt->second_level);
    guest_end(c, why, false);
}
