/* Stage 3: from stage 2's hand-over to a running guest. */
#include "hv.h"
#include "vcpu.h"
#include "console.h"
#include "lib.h"
#include "x86.h"

struct boot_info g_boot;
struct e820_map g_host_map;
u64 g_hv_base, g_hv_size;

void guest_plan_memory(void);

static const char *const vmx_msgs[] = {
    [VMX_OK] = "ok",
    [VMX_NO_CPU_SUPPORT] = "VT-x not supported by this CPU",
    [VMX_FW_LOCKED_OFF] = "VT-x disabled by firmware (IA32_FEATURE_CONTROL locked)",
    [VMX_VMXON_FAIL_INVALID] = "VMXON failed: VMfailInvalid (CF=1)",
    [VMX_VMXON_FAIL_VALID] = "VMXON failed: VMfailValid (ZF=1)",
    [VMX_CR_FIXED_BAD] = "CR0/CR4 cannot meet the VMX fixed-bit requirements",
};

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

NORETURN void stage3_main(const struct boot_info *bi)
{
    /* Copy first: the boot_info lives in low memory the guest will own. */
    memcpy(&g_boot, bi, sizeof g_boot);
    g_hv_base = g_boot.hv_base;
    g_hv_size = g_boot.hv_size;
    console_init();
    kprintf("Stage 3: C runtime ready\n");
    if (g_boot.magic != BOOTINFO_MAGIC || g_boot.version != BOOTINFO_VERSION)
        panic("boot_info magic/version mismatch (0x%x/%u)", g_boot.magic, g_boot.version);

    e820_from_bios(&g_host_map, g_boot.e820,
                   g_boot.e820_count < BOOTINFO_E820_MAX ? g_boot.e820_count : BOOTINFO_E820_MAX);
    summary();
    acpi_init();

    if (g_boot.vmx_status != VMX_OK) {
        u32 s = g_boot.vmx_status;
        kprintf("pxHV: cannot run guests: %s\n",
                s < ARRAY_SIZE(vmx_msgs) && vmx_msgs[s] ? vmx_msgs[s] : "unknown VMX status");
        if (s == VMX_VMXON_FAIL_INVALID || s == VMX_VMXON_FAIL_VALID)
            kprintf("pxHV: VMXON RFLAGS 0x%llx, IA32_FEATURE_CONTROL 0x%llx\n",
                    g_boot.vmxon_rflags, g_boot.feature_control);
        hv_stop("no VT-x");
    }

    host_init();
    guest_plan_memory();
    vmx_setup();

    static struct guest_regs regs;
    guest_prepare(&regs);
    vmx_run(&regs);
}
