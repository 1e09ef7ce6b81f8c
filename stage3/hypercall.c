/* VMCALL: the pxHV hypercall ABI (include/hypercall.h, docs/vmx.md). */
#include "hv.h"
#include "vcpu.h"
#include "console.h"
#include "hypercall.h"
#include "lib.h"
#include "x86.h"

static u32 guest_cpl(void)
{
    if (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_VM)
        return 3;
    if (!(vmread(VMCS_GUEST_CR0) & CR0_PE))
        return 0;
    return (vmread(VMCS_GUEST_SS_AR) >> 5) & 3;     /* CPL = SS.DPL (SDM 24.4.1) */
}

static u32 hc_puts(u64 gpa, u64 len)
{
    char buf[256];

    if (len > 4096)
        return PXHV_HC_EINVAL;
    while (len) {
        u64 n = len < sizeof buf ? len : sizeof buf;
        if (!guest_read(gpa, buf, n))
            return PXHV_HC_EINVAL;
        console_write(buf, n);
        gpa += n;
        len -= n;
    }
    return 0;
}

void handle_vmcall(void)
{
    struct guest_regs *r = g_vcpu.regs;
    u32 fn = (u32)r->r[R_RAX], ret = 0;
    u32 ebx = (u32)r->r[R_RBX];

    /* On hardware without a hypervisor VMCALL is #UD; a user-mode program
     * must not reach the hypervisor either. */
    if (guest_cpl() != 0) {
        exit_inject_ud();
        return;
    }
    g_vcpu.hypercalls++;
    switch (fn) {
    case PXHV_HC_VERSION:
        ret = PXHV_VERSION_NUM;
        r->r[R_RBX] = PXHV_CPUID_SIG;
        break;
    case PXHV_HC_PUTS:
        ret = hc_puts(ebx, (u32)r->r[R_RCX]);
        break;
    case PXHV_HC_PUTC: {
        char c = (char)ebx;
        console_write(&c, 1);
        break;
    }
    case PXHV_HC_EXIT_STATS:
        exit_stats_print();
        break;
    case PXHV_HC_PUTHEX:
        kprintf("0x%08x\n", ebx);
        break;
    case PXHV_HC_SHUTDOWN:
        kprintf("pxHV: guest requested shutdown, status %u\n", ebx);
        exit_skip_instruction();
        guest_end("shutdown hypercall", false);
    case PXHV_HC_RESET:
        /* pxHV's own stage 2, booted again by the BIOS after the guest jumped
         * to the reset vector: the guest asked for a reboot. */
        guest_end("reboot through the BIOS reset vector (pxHV's boot sector ran again)", true);
    case PXHV_HC_INT15:
        guest_int15();
        exit_skip_instruction();
        return;
    default:
        ret = PXHV_HC_ENOSYS;
        break;
    }
    r->r[R_RAX] = ret;
    exit_skip_instruction();
}
