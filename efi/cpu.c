/*
 * The CPUs as the firmware leaves them, through EFI_MP_SERVICES_PROTOCOL
 * (UEFI PI 1.8, Volume 2, 13.4 "MP Services Protocol"): how many there are,
 * and for each AP whether the firmware can run a function of pxHV's on it,
 * which is how the UEFI path will put every AP under pxHV "in place".  The
 * function records the state a VM entry would have to reproduce (control
 * registers, EFER, PAT, the descriptor tables, segments, RFLAGS, RSP), so
 * the report shows what the firmware's APs run with.
 */
#include "efi/efi_app.h"
#include "efi/efi_mp_services.h"
#include "lib/lib.h"
#include "hw/x86.h"

#define AP_TIMEOUT_US 5000000     /* far more than a function of a few instructions needs */
#define MAX_PROBED    64

static const struct efi_guid mp_guid = EFI_MP_SERVICES_PROTOCOL_GUID;

void efi_cpu_capture(struct efi_cpu_state *s)
{
    u32 a, b, c, d;
    struct dtr g, i;
    u16 sel;

    cpuid(1, 0, &a, &b, &c, &d);
    s->apic_id = b >> 24;
    s->apic_base = rdmsr(MSR_IA32_APIC_BASE);
    if (s->apic_base & APIC_BASE_X2APIC) {       /* the 32-bit x2APIC ID (CPUID leaf 0Bh EDX) */
        cpuid(0xB, 0, &a, &b, &c, &d);
        s->apic_id = d;
    }
    s->cr0 = read_cr0();
    s->cr3 = read_cr3();
    s->cr4 = read_cr4();
    s->efer = rdmsr(MSR_EFER);
    s->pat = rdmsr(MSR_IA32_PAT);
    __asm__ volatile("sgdt %0" : "=m"(g));
    __asm__ volatile("sidt %0" : "=m"(i));
    s->gdt_base = g.base;
    s->gdt_limit = g.limit;
    s->idt_base = i.base;
    s->idt_limit = i.limit;
    __asm__ volatile("mov %%cs, %0" : "=r"(sel));
    s->cs = sel;
    __asm__ volatile("mov %%ss, %0" : "=r"(sel));
    s->ss = sel;
    __asm__ volatile("mov %%ds, %0" : "=r"(sel));
    s->ds = sel;
    __asm__ volatile("str %0" : "=r"(sel));
    s->tr = sel;
    __asm__ volatile("pushfq\n\tpopq %0" : "=r"(s->rflags));
    __asm__ volatile("mov %%rsp, %0" : "=r"(s->rsp));
}

void efi_print_cpu_state(const char *who, const struct efi_cpu_state *s)
{
    eprintf("pxHV: %s: CR0 %llx CR3 %llx CR4 %llx EFER %llx PAT %llx APIC_BASE %llx\n", who,
            s->cr0, s->cr3, s->cr4, s->efer, s->pat, s->apic_base);
    eprintf("pxHV: %s: GDTR %llx/%x IDTR %llx/%x CS %x SS %x DS %x TR %x RFLAGS %llx RSP %llx\n", who,
            s->gdt_base, s->gdt_limit, s->idt_base, s->idt_limit, s->cs, s->ss, s->ds, s->tr,
            s->rflags, s->rsp);
}

/* What an AP shares with the boot CPU, for phase 2's "same state" question. */
static void compare(u64 n, const struct efi_cpu_state *ap, const struct efi_cpu_state *bsp)
{
    char diff[160];
    usize k = 0;
    diff[0] = 0;
#define DIFF(cond, name) \
    if (cond) k += (usize)snprintf(diff + k, k < sizeof diff ? sizeof diff - k : 0, " %s", name)
    DIFF(ap->cr0 != bsp->cr0, "CR0");
    DIFF(ap->cr3 != bsp->cr3, "CR3");
    DIFF(ap->cr4 != bsp->cr4, "CR4");
    DIFF(ap->efer != bsp->efer, "EFER");
    DIFF(ap->pat != bsp->pat, "PAT");
    DIFF(ap->gdt_base != bsp->gdt_base || ap->gdt_limit != bsp->gdt_limit, "GDTR");
    DIFF(ap->idt_base != bsp->idt_base || ap->idt_limit != bsp->idt_limit, "IDTR");
    DIFF(ap->cs != bsp->cs || ap->ss != bsp->ss || ap->ds != bsp->ds, "segments");
    DIFF(ap->tr != bsp->tr, "TR");
#undef DIFF
    if (k)
        eprintf("pxHV: CPU %llu differs from the boot CPU in:%s\n", n, diff);
    else
        eprintf("pxHV: CPU %llu has the boot CPU's CR0, CR3, CR4, EFER, PAT, GDTR, IDTR and selectors\n", n);
}

struct ap_probe {
    struct efi_cpu_state st;
    volatile u32 ran;
};

/* Runs on the AP, called by the firmware's MP code: no UEFI service may be
 * called here, only the CPU's own instructions. */
static void EFIAPI ap_probe(void *arg)
{
    struct ap_probe *p = arg;
    efi_cpu_capture(&p->st);
    __atomic_store_n(&p->ran, 1, __ATOMIC_RELEASE);
}

u32 efi_mp_probe(void)
{
    struct efi_mp_services_protocol *mp;
    struct efi_cpu_state bsp;
    efi_status s = app.bs->locate_protocol(&mp_guid, NULL, (void **)&mp);
    efi_cpu_capture(&bsp);
    if (EFI_ERROR(s)) {
        eprintf("pxHV: no MP services protocol (%s): only this CPU is known to pxhv.efi\n",
                efi_status_name(s));
        efi_print_cpu_state("CPU 0 (this CPU)", &bsp);
        return 1;
    }
    u64 total = 0, enabled = 0, self = 0;
    s = mp->get_number_of_processors(mp, &total, &enabled);
    if (EFI_ERROR(s) || !total) {
        eprintf("pxHV: MP services: GetNumberOfProcessors failed (%s)\n", efi_status_name(s));
        efi_print_cpu_state("CPU 0 (this CPU)", &bsp);
        return 1;
    }
    if (EFI_ERROR(mp->who_am_i(mp, &self)))
        self = 0;
    eprintf("pxHV: MP services: %llu CPUs, %llu enabled; pxhv.efi runs on CPU %llu\n", total, enabled, self);

    char who[48];
    u32 started = 1;
    for (u64 n = 0; n < total && n < MAX_PROBED; n++) {
        struct efi_processor_information info;
        memset(&info, 0, sizeof info);
        s = mp->get_processor_info(mp, n, &info);
        if (EFI_ERROR(s)) {
            eprintf("pxHV: CPU %llu: GetProcessorInfo failed (%s)\n", n, efi_status_name(s));
            continue;
        }
        bool is_bsp = info.status_flag & EFI_PROCESSOR_AS_BSP_BIT;
        bool on = info.status_flag & EFI_PROCESSOR_ENABLED_BIT;
        bool healthy = info.status_flag & EFI_PROCESSOR_HEALTH_STATUS_BIT;
        if (n == self) {
            eprintf("pxHV: CPU %llu (APIC %llu): %s, %s, runs pxhv.efi\n", n, info.processor_id,
                    is_bsp ? "boot CPU" : "AP", healthy ? "healthy" : "unhealthy");
            snprintf(who, sizeof who, "CPU %llu state", n);
            efi_print_cpu_state(who, &bsp);
            continue;
        }
        if (!on) {
            eprintf("pxHV: CPU %llu (APIC %llu): disabled by the firmware, not started\n", n,
                    info.processor_id);
            continue;
        }
        struct ap_probe probe;
        memset(&probe, 0, sizeof probe);
        u64 t0 = rdtsc();
        s = mp->startup_this_ap(mp, ap_probe, n, NULL, AP_TIMEOUT_US, &probe, NULL);
        u64 t1 = rdtsc();
        u64 us = app.tsc_per_ms ? (t1 - t0) * 1000 / app.tsc_per_ms : 0;
        if (EFI_ERROR(s) || !__atomic_load_n(&probe.ran, __ATOMIC_ACQUIRE)) {
            eprintf("pxHV: CPU %llu (APIC %llu): StartupThisAP failed after %llu us (%s)\n", n,
                    info.processor_id, us, EFI_ERROR(s) ? efi_status_name(s) : "the function did not run");
            continue;
        }
        started++;
        eprintf("pxHV: CPU %llu (APIC %llu): ran pxHV's function in %llu us, which read APIC ID %u%s\n",
                n, info.processor_id, us, probe.st.apic_id,
                probe.st.apic_id == info.processor_id ? "" : " (not the firmware's ID)");
        snprintf(who, sizeof who, "CPU %llu state", n);
        efi_print_cpu_state(who, &probe.st);
        compare(n, &probe.st, &bsp);
    }
    eprintf("pxHV: %u of %llu CPUs ran pxHV's code\n", started, total);
    return (u32)enabled;
}
