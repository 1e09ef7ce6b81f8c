/*
 * The guest events that end in a decision rather than an answer: HLT,
 * INVD, XSETBV, a triple fault, INIT, an access the second-level tables
 * refused, and the end of the guest.
 */
#include "core.h"
#include "console.h"
#include "hv.h"
#include "power.h"
#include "pt.h"
#include "x86.h"

NORETURN void guest_end(struct cpu *c, const char *why, bool reset)
{
    struct segment cs;
    virt->get_seg(c, SEG_CS, &cs);
    kprintf("pxHV: guest ended: %s at %04x:%llx\n", why, cs.sel, virt->get(c, GR_RIP));
    stats_print();
    if (reset && !(g_boot.config.flags & CFG_FLAG_NO_POWEROFF)) {
        kprintf("pxHV: resetting the machine\n");
        machine_reset();
    }
    hv_stop(reset ? "guest reset" : "guest finished");
}

void core_hlt(struct cpu *c)
{
    c->stats.event[EV_HLT]++;
    if (!(virt->get(c, GR_RFLAGS) & RFLAGS_IF)) {
        /* Nothing but NMI/SMI/INIT can wake this CPU: the guest is done. */
        kprintf("pxHV: guest executed HLT with interrupts disabled\n");
        guest_end(c, "HLT with interrupts disabled", false);
    }
    virt->skip(c);
}

void core_invd(struct cpu *c)
{
    /* INVD would drop the hypervisor's own dirty lines; WBINVD is safe. */
    wbinvd();
    virt->skip(c);
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
    virt->skip(c);
}

NORETURN void core_triple_fault(struct cpu *c)
{
    guest_end(c, "triple fault", true);
}

NORETURN void core_init_signal(struct cpu *c)
{
    guest_end(c, "INIT signal", true);
}

NORETURN void core_mem_violation(struct cpu *c, const struct mem_violation *v)
{
    struct segment cs;
    bool hv = v->gpa >= g_hv_base && v->gpa < g_hv_base + g_hv_size;
    const char *access = v->access == PT_W ? "write" : v->access == PT_X ? "instruction fetch" : "read";

    virt->get_seg(c, SEG_CS, &cs);
    kprintf("pxHV: EPT violation: guest %s at GPA 0x%llx", access, v->gpa);
    if (v->gla_valid)
        kprintf(" (GLA 0x%llx)", v->gla);
    kprintf(", RIP %04x:%llx", cs.sel, virt->get(c, GR_RIP));
    if (v->qual_valid)
        kprintf(", qualification 0x%llx", v->qual);
    kprintf("\npxHV: the page is %s (EPT permissions %c%c%c)\n",
            hv ? "hypervisor memory" : "not accessible to the guest",
            v->allowed & PT_R ? 'r' : '-', v->allowed & PT_W ? 'w' : '-', v->allowed & PT_X ? 'x' : '-');
    guest_end(c, "EPT violation", false);
}
