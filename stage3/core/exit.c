/*
 * The one exit path.  Each backend's stub pushes the guest's registers and
 * calls core_exit; the backend's own part is to say which kind of exit it
 * was (its slot) and to decode it in the slot's handler, which calls the
 * core's policy (include/core/core.h).  Everything after that - counting,
 * tracing, what other CPUs posted to this one, a pending NMI - is here, once
 * for both backends, before the backend writes back for the next entry.
 */
#include "core/core.h"
#include "core/cell.h"
#include "core/cmos.h"
#include "core/console.h"
#include "core/hv.h"
#include "core/ipi.h"
#include "hw/x86.h"

static COLD void trace(struct cpu *c, u32 slot)
{
    struct segment cs;
    virt->get_seg(c, SEG_CS, &cs);
    kprintf("exit: %s at %04x:%llx qual 0x%llx on CPU %u\n", virt->exit_name(slot), cs.sel,
            virt->get(c, GR_RIP), virt->exit_info(c), c->index);
}

void core_exit(struct guest_regs *regs)
{
    struct cpu *c = this_cpu();
    c->regs = regs;
    u32 slot = virt->exit_begin(c);
    c->stats.total++;
    if (slot < STAT_REASONS)
        c->stats.reason[slot]++;
    if (g_boot.config.flags & CFG_FLAG_TRACE_EXITS)
        trace(c, slot);
    void (*h)(struct cpu *) = slot < virt->exit_slots ? virt->exit_handlers[slot] : NULL;
    if (!h)
        virt->exit_unexpected(c, "no handler");
    h(c);
    if (c->cmos_revoke)
        cmos_serve(c);
    if (c->vipi) {
        if (c->cell)
            cell_posted(c);              /* its cell's end; an INIT that ends it */
        ipi_take(c);
        if (c->cell && c->vipi)
            cell_posted(c);              /* ended while it waited for a SIPI */
    }
    if (c->nmi_pending)
        virt->deliver_nmi(c);
    virt->exit_end(c);
}
