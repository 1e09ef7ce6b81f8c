/* Fatal errors: say what happened, then stop the machine cleanly. */
#include "core/hv.h"
#include "core/console.h"
#include "core/cpu.h"
#include "core/host.h"
#include "core/core.h"
#include "lib/lib.h"
#include "core/power.h"
#include "core/smp.h"
#include "core/stop.h"
#include "hw/x86.h"

NORETURN void panic(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    cli();
    cpus_stop_others();
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    kprintf("PANIC: %s\n", buf);
    hv_stop("panic");
}

static const char exc_names[] =
    "#DE divide error\0#DB debug\0NMI\0#BP breakpoint\0#OF overflow\0"
    "#BR bound range\0#UD invalid opcode\0#NM device not available\0"
    "#DF double fault\0coprocessor segment overrun\0#TS invalid TSS\0"
    "#NP segment not present\0#SS stack fault\0#GP general protection\0"
    "#PF page fault\0reserved\0#MF x87 error\0#AC alignment check\0"
    "#MC machine check\0#XM SIMD error\0#VE virtualization exception\0"
    "#CP control protection";

void host_exception(struct host_frame *f)
{
    if (f->vector == VEC_NMI) {
        /* In VMX root operation: another CPU stopping the machine, or one
         * for the guest, delivered at the next VM entry. */
        core_nmi(this_cpu());
        return;
    }
    if (f->vector == VEC_GP) {
        /* An instruction listed in .extable (x86.h) resumes at its fix-up. */
        for (const struct extable_entry *e = __extable_start; e < __extable_end; e++) {
            if (f->rip == e->insn) {
                f->rip = e->fixup;
                return;
            }
        }
    }
    cli();
    cpus_stop_others();
    const char *name = str_nth(exc_names, sizeof exc_names, (u32)f->vector, "exception");
    kprintf("PANIC: host exception %llu (%s), error code 0x%llx\n", f->vector, name, f->error);
    kprintf("  RIP %016llx (stage 3 offset 0x%llx)  CS %04llx  RFLAGS %016llx\n",
            f->rip, f->rip - g_hv_base, f->cs, f->rflags);
    kprintf("  RSP %016llx  SS %04llx  CR2 %016llx  CR3 %016llx\n", f->rsp, f->ss, read_cr2(), read_cr3());
    kprintf("  RAX %016llx  RBX %016llx  RCX %016llx  RDX %016llx\n", f->rax, f->rbx, f->rcx, f->rdx);
    kprintf("  RSI %016llx  RDI %016llx  RBP %016llx  R8  %016llx\n", f->rsi, f->rdi, f->rbp, f->r8);
    kprintf("  R9  %016llx  R10 %016llx  R11 %016llx  R12 %016llx\n", f->r9, f->r10, f->r11, f->r12);
    kprintf("  R13 %016llx  R14 %016llx  R15 %016llx\n", f->r13, f->r14, f->r15);
    hv_stop("host exception");
}
