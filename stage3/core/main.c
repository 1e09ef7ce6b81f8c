/* Stage 3 on the boot CPU: from the early start to a running guest. */
#include "core/hv.h"
#include "core/iommu.h"
#include "hw/acpi.h"
#include "core/apic.h"
#include "core/cmos.h"
#include "core/census.h"
#include "core/cell.h"
#include "core/console.h"
#include "core/core.h"
#include "core/cpu.h"
#include "core/early.h"
#include "core/host.h"
#include "lib/lib.h"
#include "core/power.h"
#include "core/smp.h"
#include "core/ipi.h"
#include "core/virt.h"

ALIGNED(16) u8 boot_stack[BOOT_STACK_SIZE];

static void summary(void)
{
    u64 ram = e820_ram_bytes(&g_host_map);
    static const char *const src[] = { "?", "E820", "E801", "88h" };

    kprintf("Stage 3 loaded at 0x%llx (image %llu KiB, %llu KiB with data, region %llu KiB)\n",
            g_hv_base, (u64)(__image_end - __image_start) / 1024,
            (u64)(__mem_end - __image_start) / 1024, g_hv_size / 1024);
    kprintf("Boot drive 0x%02x, %u cylinders, %u heads, %u sectors/track%s, %llu sectors\n",
            g_boot.boot_drive, g_boot.disk_cyls, g_boot.disk_heads, g_boot.disk_spt,
            g_boot.flags & BI_FLAG_EDD ? ", EDD" : "", g_boot.disk_sectors);
    kprintf("E820: %u entries, usable RAM %llu KiB (from %s)\n", g_host_map.count, ram / 1024,
            g_boot.mem_source < 4 ? src[g_boot.mem_source] : "?");
    for (u32 i = 0; i < g_host_map.count; i++)
        kprintf("E820: %016llx-%016llx type %u\n", g_host_map.e[i].base,
                g_host_map.e[i].base + g_host_map.e[i].length, g_host_map.e[i].type);
}

NORETURN void stage3_main(struct boot_info *bi)
{
    /* Copy first: the boot_info lives in low memory the guest will own. */
    memcpy(&g_boot, bi, sizeof g_boot);
    g_hv_base = g_boot.hv_base;
    g_hv_size = g_boot.hv_size;
    g_boot.mem_source = e820_from_boot(&g_host_map, &g_boot);
    acpi_scan(&g_acpi, true, 0);
    g_cpus_unlisted = census_merge(&g_acpi.cpus, cpu_apic_id());
    host_init();
    struct cpu *c = cpu_alloc(0, cpu_apic_id());
    cpu_load(c);

    const char *refused = "neither VT-x nor AMD-V supported by this CPU";
    if (g_boot.virt & (VIRT_VMX | VIRT_SVM)) {
        virt = virt_pick(g_boot.virt);
        refused = virt->cpu_enable(c);
    }
    kprintf("Stage 3: C runtime ready\n");
    if (g_boot.magic != BOOTINFO_MAGIC || g_boot.version != BOOTINFO_VERSION)
        panic("boot_info magic/version mismatch (0x%x/%u)", g_boot.magic, g_boot.version);
    summary();
    if (refused) {
        kprintf("pxHV: cannot run guests: %s\n", refused);
        hv_stop(g_boot.virt & VIRT_SVM ? "no AMD-V" : "no VT-x");
    }

    delay_calibrate();
    smp_plan();
    cells_plan();
    chipset_lock_smram();
    cmos_start();
    u32 sleep = acpi_hide_sleep();
    if (sleep)
        kprintf("pxHV: ACPI sleep states%s%s%s%s hidden from the guest: only S5, power-off, "
                "works under pxHV\n", sleep & BIT(1) ? " S1" : "", sleep & BIT(2) ? " S2" : "",
                sleep & BIT(3) ? " S3" : "", sleep & BIT(4) ? " S4" : "");
    guest_plan_memory();
    cells_keep();
    iommu_setup();                  /* after the cells' memory is kept: no DMA into it */
    guest_report_memory();
    cells_hide_cpus();
    ipi_setup();
    virt->setup();
    cells_tables();
    virt->cpu_init(c);
    core_cpu_init(c);
    smp_start(bi);
    cells_go();

    virt->guest_start(c, START_BOOT_SECTOR, 0);
    guest_boot_regs(c->regs);
    virt->run(c);
}
