/* VMCALL: the pxHV hypercall ABI (include/boot/hypercall.h, docs/hypercalls.md). */
#include "core/core.h"
#include "core/cell.h"
#include "core/console.h"
#include "core/hv.h"
#include "core/iommu.h"
#include "boot/hypercall.h"
#include "lib/lib.h"
#include "core/smp.h"
#include "core/inplace.h"

static u32 hc_puts(u64 gpa, u64 len)
{
    char buf[256];

    if (len > PXHV_PUTS_MAX)
        return PXHV_HC_EINVAL;
    while (len) {
        u64 n = len < sizeof buf ? len : sizeof buf;
        if (!guest_read(gpa, buf, n))
            return PXHV_HC_EINVAL;
        console_guest_write(buf, n);
        gpa += n;
        len -= n;
    }
    return 0;
}

void core_hypercall(struct cpu *c)
{
    struct guest_regs *r = c->regs;
    u32 fn = (u32)r->r[R_RAX], ret = 0;
    u32 ebx = (u32)r->r[R_RBX];

    if (c->probing) {
        smp_probe_exit(c, false);
        return;
    }
    /* On hardware without a hypervisor VMCALL is #UD; a user-mode program
     * must not reach the hypervisor either. */
    if (virt->cpl(c) != 0) {
        inject_ud(c);
        return;
    }
    c->stats.event[EV_HYPERCALL]++;
    iommu_poll();           /* blocked DMAs reported before what the guest says next */
    /* A cell may ask what pxHV is and print; its shutdown and reset are its
     * own end; the statistics are the machine's.  Tested in those cases
     * only, so that the other hypercalls do not pay for it. */
    switch (fn) {
    case PXHV_HC_VERSION:
        ret = PXHV_VERSION_NUM;
        r->r[R_RBX] = PXHV_CPUID_SIG;
        break;
    case PXHV_HC_PUTS:
        ret = hc_puts(ebx, (u32)r->r[R_RCX]);
        break;
    case PXHV_HC_PUTC: {
        char ch = (char)ebx;
        console_guest_write(&ch, 1);
        break;
    }
    case PXHV_HC_EXIT_STATS:
        if (c->cell) {
            ret = PXHV_HC_ENOSYS;
            break;
        }
        stats_print();
        break;
    case PXHV_HC_PUTHEX:
        kprintf("0x%08x\n", ebx);
        break;
    case PXHV_HC_SHUTDOWN:
        if (c->cell)
            cell_end(c, "shutdown hypercall");
        kprintf("pxHV: guest requested shutdown, status %u\n", ebx);
        virt->skip(c, 0);
        guest_end(c, "shutdown hypercall", false);
    case PXHV_HC_TEST_RELAUNCH:
        core_relaunch(c);           /* returns only when refused, RAX saying why */
        ret = (u32)r->r[R_RAX];
        break;
    case PXHV_HC_RESET:
        if (c->cell)
            cell_end(c, "reset hypercall");
        /* pxHV's own stage 2, booted again by the BIOS after the guest jumped
         * to the reset vector: the guest asked for a reboot. */
        guest_end(c, "reboot through the BIOS reset vector (pxHV's boot sector ran again)", true);
    default:
        ret = PXHV_HC_ENOSYS;
        break;
    }
    r->r[R_RAX] = ret;
    virt->skip(c, 0);
}
