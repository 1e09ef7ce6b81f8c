/*
 * Stage 3 entered from pxhv.efi (include/boot/uefi.h, docs/uefi.md): the
 * same modules as the BIOS path's start (core/main.c, core/smp.c) in the
 * order the firmware allows.  The firmware keeps running until every CPU is
 * under pxHV, so:
 *
 *   PREPARE, on the boot CPU: everything that can fail, with no CPU
 *     virtualized and nothing of the firmware's state left changed (its CR0,
 *     CR4, EFER and GS base are put back; pxhv.efi restores its CR3).  A
 *     refusal anywhere (hv_stop, a panic) comes back to pxhv.efi as
 *     UEFI_REFUSED through g_stop_return, and the firmware goes on without
 *     pxHV.  The steps the firmware cannot see changed, locking SMRAM and
 *     hiding the ACPI sleep states, come last.
 *   CHECK, on each AP (the MP services run it there): the same for that CPU.
 *   ENTER, on each AP, then on the boot CPU: the CPU continues as the guest
 *     from the snapshot pxhv.efi took of it (core/inplace.c).
 *
 * What the BIOS path does and this one does not: stage 3's own placement and
 * relocation (pxhv.efi placed it), the census's INIT-SIPI and the APs' start
 * through stage 2 (the firmware runs the APs), the INIT probe (its page is
 * low memory, the firmware's here: VT-x takes INIT and SIPI exits, real CPUs
 * do not keep an INIT pending), the INT 15h hook and the E801h/88h/INT 12h
 * answers (the firmware's GetMemoryMap is the guest's map), the VGA text
 * screen, the boot sector.
 */
#include "core/cpu.h"
#include "boot/uefi.h"
#include "core/apic.h"
#include "core/cmos.h"
#include "core/console.h"
#include "core/core.h"
#include "core/early.h"
#include "core/host.h"
#include "core/hv.h"
#include "core/inplace.h"
#include "core/ipi.h"
#include "core/power.h"
#include "core/smp.h"
#include "core/stop.h"
#include "core/virt.h"
#include "lib/lib.h"
#include "hw/x86.h"

static struct uefi_handoff *ho;     /* pxhv.efi's, during one call */

/* What PREPARE and CHECK change and give back. */
static struct {
    u64 cr0, cr4, efer, gs_base;
    struct cpu *on;                 /* in VMX/SVM operation: leave it */
} saved;

static void save_cpu(struct cpu *c)
{
    saved.cr0 = read_cr0();
    saved.cr4 = read_cr4();
    saved.efer = rdmsr(MSR_EFER);
    saved.gs_base = rdmsr(MSR_GS_BASE);
    saved.on = NULL;
    if (c)
        wrmsr(MSR_GS_BASE, (u64)(usize)c);      /* this_cpu() for what runs now */
}

static void restore_cpu(void)
{
    if (saved.on)
        virt->cpu_disable(saved.on);
    saved.on = NULL;
    write_cr4(saved.cr4);
    write_cr0(saved.cr0);
    wrmsr(MSR_EFER, saved.efer);
    wrmsr(MSR_GS_BASE, saved.gs_base);
}

static NORETURN void refuse(const char *why)
{
    if (why != ho->why)
        snprintf(ho->why, sizeof ho->why, "%s", why);
    restore_cpu();
    uefi_return(UEFI_REFUSED);
}

static NORETURN void stop_return(const char *why)
{
    refuse(why);
}

/* The firmware identity-maps memory while boot services run (UEFI 2.11,
 * 2.3.4 "x64 Platforms"), and so does pxHV's host map: a linear address of
 * the firmware is a physical one. */
static bool identity_read(void *ctx, u64 la, void *buf, u32 len)
{
    (void)ctx;
    if (la >= host_map_end || host_map_end - la < len)
        return false;
    memcpy(buf, (const void *)(usize)la, len);
    return true;
}

static bool listed(const struct acpi_cpus *l, u32 id)
{
    for (u32 i = 0; i < l->count; i++)
        if (l->apic_id[i] == id)
            return true;
    return false;
}

/* The CPU index of an APIC ID, as core/smp.c numbers them: the boot CPU 0,
 * then the others in the order of the list.  ~0u: not one of pxHV's. */
static u32 index_of(u32 apic)
{
    u32 bsp = ho->mp_apic_id[0], next = 1;
    if (apic == bsp)
        return 0;
    for (u32 i = 0; i < g_acpi.cpus.count; i++) {
        if (g_acpi.cpus.apic_id[i] == bsp)
            continue;
        if (g_acpi.cpus.apic_id[i] == apic)
            return next;
        next++;
    }
    return ~0u;
}

/* The CPUs: the MADT's, each of which the firmware must run (a CPU that no
 * one virtualizes could be started by the OS outside pxHV), and any the MP
 * services run that the MADT does not list. */
static void plan_cpus(void)
{
    char why[sizeof ho->why];
    for (u32 i = 0; i < g_acpi.cpus.count; i++) {
        bool run = false;
        for (u32 k = 0; k < ho->mp_cpus && k < PXHV_MAX_CPUS; k++)
            run |= ho->mp_apic_id[k] == g_acpi.cpus.apic_id[i];
        if (!run) {
            snprintf(why, sizeof why, "the MADT lists APIC %u, which the firmware's MP services do "
                     "not run: the OS could start it outside pxHV", g_acpi.cpus.apic_id[i]);
            kprintf("pxHV: %s\n", why);
            refuse(why);
        }
    }
    for (u32 k = 0; k < ho->mp_cpus && k < PXHV_MAX_CPUS; k++) {
        u32 id = ho->mp_apic_id[k];
        if (listed(&g_acpi.cpus, id))
            continue;
        kprintf("pxHV: APIC %u runs under the firmware's MP services but the MADT does not list it\n", id);
        g_acpi.cpus.listed++;
        if (g_acpi.cpus.count < PXHV_MAX_CPUS)
            g_acpi.cpus.apic_id[g_acpi.cpus.count++] = id;
    }
    if (ho->mp_cpus > g_acpi.cpus.listed)
        g_acpi.cpus.listed = ho->mp_cpus;
    if (!g_acpi.cpus_from)
        g_acpi.cpus_from = "UEFI MP services";
    if (g_acpi.cpus.listed > g_boot.cpus && g_acpi.cpus.listed <= PXHV_MAX_CPUS) {
        snprintf(why, sizeof why, "%u CPUs, but the region holds blocks for %u", g_acpi.cpus.listed,
                 g_boot.cpus);
        refuse(why);
    }
}

static void summary(void)
{
    kprintf("Stage 3 loaded at 0x%llx (image %llu KiB, %llu KiB with data, region %llu KiB)\n",
            g_hv_base, (u64)(__image_end - __image_start) / 1024,
            (u64)(__mem_end - __image_start) / 1024, g_hv_size / 1024);
    kprintf("E820: %u entries, usable RAM %llu KiB (from the UEFI memory map)\n", g_host_map.count,
            e820_ram_bytes(&g_host_map) / 1024);
    for (u32 i = 0; i < g_host_map.count; i++)
        kprintf("E820: %016llx-%016llx type %u\n", g_host_map.e[i].base,
                g_host_map.e[i].base + g_host_map.e[i].length, g_host_map.e[i].type);
    kprintf("pxHV: ACPI RSDP at 0x%llx (UEFI configuration table); guest memory mapped up to "
            "0x%llx\n", g_boot.rsdp, guest_map_top());
}

static u64 prepare(struct cpu_snapshot *sn)
{
    const struct boot_info *bi = (const struct boot_info *)(usize)ho->boot_info;
    vga_disable();
    memcpy(&g_boot, bi, sizeof g_boot);
    g_hv_base = g_boot.hv_base;
    g_hv_size = g_boot.hv_size;
    save_cpu(NULL);
    g_stop_return = stop_return;
    if (g_boot.magic != BOOTINFO_MAGIC || g_boot.version != BOOTINFO_VERSION ||
        !(g_boot.flags & BI_FLAG_UEFI) || !ho->mp_cpus)
        refuse("boot_info from pxhv.efi does not match this stage 3");
    e820_from_boot(&g_host_map, &g_boot);
    g_boot.mem_source = MEMSRC_UEFI;
    acpi_scan(&g_acpi, true, g_boot.rsdp);
    plan_cpus();
    host_init();                    /* CR3: pxHV's own tables from here on */
    struct cpu *c = cpu_alloc(0, ho->mp_apic_id[0]);
    wrmsr(MSR_GS_BASE, (u64)(usize)c);
    virt = virt_pick(g_boot.virt);
    if (!virt)
        refuse("neither VT-x nor AMD-V supported by this CPU");
    kprintf("Stage 3: C runtime ready (UEFI)\n");
    summary();
    smp_plan();

    struct vcpu_state st;
    char why[96];
    if (!inplace_state(sn, identity_read, NULL, &st, why, sizeof why))
        refuse(why);
    delay_calibrate();
    const char *no = virt->cpu_enable(c);
    if (no) {
        kprintf("pxHV: cannot run guests: %s\n", no);
        refuse(no);
    }
    saved.on = c;
    guest_plan_memory();            /* the A20 probe runs in VMX/SVM operation */
    ipi_setup();
    virt->setup();
    /* Nothing can fail from here: what follows changes the machine for good. */
    g_stop_return = NULL;
    restore_cpu();
    chipset_lock_smram();
    u32 sleep = acpi_hide_sleep();
    if (sleep)
        kprintf("pxHV: ACPI sleep states%s%s%s%s hidden from the guest: only S5, power-off, "
                "works under pxHV\n", sleep & BIT(1) ? " S1" : "", sleep & BIT(2) ? " S2" : "",
                sleep & BIT(3) ? " S3" : "", sleep & BIT(4) ? " S4" : "");
    ho->host_cr3 = host_cr3;
    ho->a20_alias = guest_a20_alias();
    kprintf("pxHV: ready to virtualize %u CPU%s in place, the boot CPU last\n", g_acpi.cpus.count,
            g_acpi.cpus.count == 1 ? "" : "s");
    return 0;
}

/* An AP, before any CPU is virtualized: could it be? */
static u64 check(struct cpu_snapshot *sn)
{
    u32 apic = cpu_apic_id(), idx = index_of(apic);
    char why[sizeof ho->why];
    save_cpu(NULL);
    g_stop_return = stop_return;
    if (idx == ~0u || idx >= g_boot.cpus) {
        snprintf(why, sizeof why, "APIC %u is not one of the CPUs pxHV planned for", apic);
        refuse(why);
    }
    struct vcpu_state st;
    char bad[96];
    if (!inplace_state(sn, identity_read, NULL, &st, bad, sizeof bad)) {
        snprintf(why, sizeof why, "CPU %u (APIC %u): %s", idx, apic, bad);
        refuse(why);
    }
    struct cpu *c = cpu_alloc(idx, apic);
    wrmsr(MSR_GS_BASE, (u64)(usize)c);
    const char *no = virt->cpu_enable(c);
    if (no) {
        snprintf(why, sizeof why, "CPU %u (APIC %u): %s", idx, apic, no);
        refuse(why);
    }
    saved.on = c;
    g_stop_return = NULL;
    restore_cpu();
    kprintf("pxHV: CPU %u (APIC %u) can be virtualized in place (the firmware's MP services run it "
            "at %04x:%llx)\n", idx, apic, sn->sel[SEG_CS], sn->rip);
    return 0;
}

static NORETURN void enter(struct cpu_snapshot *sn)
{
    g_stop_return = NULL;
    u32 apic = cpu_apic_id(), idx = index_of(apic);
    if (idx == ~0u || idx >= g_boot.cpus)
        panic("APIC %u entered pxHV but is not one of its CPUs", apic);
    struct vcpu_state st;
    char why[96];
    if (!inplace_state(sn, identity_read, NULL, &st, why, sizeof why))
        panic("CPU %u (APIC %u): %s", idx, apic, why);
    struct cpu *c = cpu_alloc(idx, apic);
    cpu_load(c);
    const char *no = virt->cpu_enable(c);
    if (no)
        panic("CPU %u (APIC %u): %s", idx, apic, no);
    virt->cpu_init(c);
    core_cpu_init(c);
    if (idx == 0)
        cmos_start();               /* the last CPU: the firmware touches the CMOS no more */
    ho->entered++;
    inplace_report(c, sn, &st);
    inplace_launch(c, &st, sn->gpr);
}

u64 stage3_uefi(struct uefi_handoff *h, u32 op, struct cpu_snapshot *s)
{
    /* The first call applies the relocations for the address pxhv.efi copied
     * the image to (linked at 0: the delta is that address).  Until then only
     * RIP-relative addressing, as in reloc_apply. */
    static __attribute__((section(".data"))) bool relocated;
    if (!relocated) {
        reloc_apply((u8 *)__image_start, (u64)(usize)__image_start);
        relocated = true;
    }
    ho = h;
    switch (op) {
    case UEFI_OP_PREPARE:
        return prepare(s);
    case UEFI_OP_CHECK:
        return check(s);
    case UEFI_OP_ENTER:
        enter(s);
    case UEFI_OP_STOP:
        /* The boot CPU, still the firmware's, with APs under pxHV already:
         * they cannot go back, so the machine stops (this_cpu() for it). */
        wrmsr(MSR_GS_BASE, (u64)(usize)cpu_get(0));
        hv_stop(h->why[0] ? h->why : "pxhv.efi could not put every CPU under pxHV");
    default:
        return ~0ULL;
    }
}
