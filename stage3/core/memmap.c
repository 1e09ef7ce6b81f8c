/*
 * The guest's memory map: the firmware's E820 map minus the hypervisor region
 * (and, where the A20 gate reaches VMX/SVM operation, the region's A20
 * alias), answered through pxHV's INT 15h hook for E820, E801 and 88h
 * (core/int15.c).  The second-level tables enforce it: the ranges kept from
 * the guest and the classifier are core/kept.c.
 *
 * pxHV takes no conventional memory: INT 12h, the BDA's memory size and the
 * map below 1 MiB stay what the firmware reported.  The INT 15h hook is a
 * page of the upper memory area that nothing occupies (no option ROM, no
 * firmware range), which only the second-level tables give contents to: a
 * page of the region that reads like a 4 KiB option ROM and holds a BIOS
 * handler of pxHV's with the map (core/int15.c), which the guest executes.
 */
#include "core/core.h"
#include "core/memmap.h"
#include "core/console.h"
#include "core/hv.h"
#include "lib/lib.h"
#include "lib/pt.h"
#include "lib/region.h"
#include "hw/x86.h"

static struct e820_legacy legacy;
static bool a20_alias;              /* the A20 gate reaches VMX/SVM operation */

/* Where the second-level tables end: all of the first 4 GiB (memory and the
 * devices below 4 GiB), and every range above that the firmware reports as
 * memory (RAM, ACPI, NVS), in whole GiB.  Reserved ranges far above (AMD's
 * HyperTransport hole at 1012 GiB) are no memory to map.  Under UEFI the
 * devices above 4 GiB too (64-bit BARs): pxhv.efi found their end in the
 * firmware's memory space map (boot_info.phys_top). */
u64 guest_map_top(void)
{
    u64 top = 1ULL << 32;
    if (g_boot.phys_top > top)
        top = g_boot.phys_top;
    for (u32 i = 0; i < g_host_map.count; i++) {
        const struct e820_entry *e = &g_host_map.e[i];
        if (e->type != E820_RESERVED && e->base + e->length > top)
            top = e->base + e->length;
    }
    return (top + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);
}

/*
 * Does the A20 gate reach this CPU in VMX/SVM operation?  Intel's VMXON
 * disables A20M (SDM Vol. 3C 30.3), emulators may not.  With the gate off
 * (port 92h, the fast gate) a read of the probe's alias returns the probe's
 * own value where it does.  pxHV reads only while the gate is off, and only
 * addresses with bit 20 clear besides the alias (include/lib/region.h); the
 * alias lies in RAM the guest has not been given yet.
 */
static volatile u32 a20_probe;

static bool a20_reaches_vmx(void)
{
    volatile u32 *alias = (volatile u32 *)((usize)&a20_probe | REGION_WINDOW);
    u32 saved = *alias;
    a20_probe = 0xA20A20A2;
    *alias = 0x5A5A5A5A;
    if (a20_probe != 0xA20A20A2)
        panic("the A20 gate is off while pxHV starts");
    u8 gate = inb(0x92) & (u8)~1;                /* bit 0 would reset the machine */
    outb(0x92, gate & (u8)~2);
    u32 seen = *alias;
    outb(0x92, gate);
    *alias = saved;
    return seen == 0xA20A20A2;
}

/* ---- the INT 15h page ---- */

#define UMA_FIRST 0xC0000
#define UMA_END   0xF0000                 /* the system BIOS's 64 KiB above */
static u64 hook_gpa;
static u8 *hook_page;                  /* the region page shown there */

/* A 2 KiB-aligned block of the upper memory area that holds an option ROM
 * (signature 55AAh, size in 512-byte units at offset 2): `end` gets its end. */
static bool option_rom(u64 a, u64 *end)
{
    const volatile u8 *p = (const volatile u8 *)(usize)a;
    if (p[0] != 0x55 || p[1] != 0xAA || !p[2])
        return false;
    *end = a + (u64)p[2] * 512;
    return true;
}

/* The option ROMs of the upper memory area. */
#define ROMS_MAX 16
static struct { u64 start, end; } roms[ROMS_MAX];
static u32 nroms;

/* A page nothing uses: outside option ROMs and every range the firmware
 * reports, reading all zero or all ones (no firmware data in it). */
static bool free_uma_page(u64 a)
{
    for (u32 i = 0; i < nroms; i++)
        if (a < roms[i].end && roms[i].start < a + 4096)
            return false;
    for (u32 i = 0; i < g_host_map.count; i++) {
        const struct e820_entry *e = &g_host_map.e[i];
        if (a < e->base + e->length && e->base < a + 4096)
            return false;
    }
    const volatile u8 *p = (const volatile u8 *)(usize)a;
    u8 first = p[0];
    if (first != 0x00 && first != 0xFF)
        return false;
    for (u32 i = 1; i < 4096; i++)
        if (p[i] != first)
            return false;
    return true;
}

/* The highest free page below 0xE0000 (where the classic upper memory blocks
 * are; the E segment holds system BIOS code on many machines), else below
 * 0xF0000. */
static u64 choose_hook_page(void)
{
    u64 end;
    for (u64 a = UMA_FIRST; a < UMA_END; a += 2048)
        if (option_rom(a, &end)) {
            if (nroms < ROMS_MAX)
                roms[nroms++].start = a, roms[nroms - 1].end = end;
            else
                return 0;                      /* too many to be sure of any gap */
            a = ((end + 2047) & ~2047ULL) - 2048;
        }
    for (u64 limit = 0xE0000; limit <= UMA_END; limit += UMA_END - 0xE0000) {
        for (u64 a = limit - 4096; a >= UMA_FIRST; a -= 4096)
            if (free_uma_page(a))
                return a;
    }
    return 0;
}

u8 *guest_hook_page(void)
{
    return hook_page;                           /* none under UEFI */
}

u64 guest_hook_gpa(void)
{
    return hook_gpa;
}

bool guest_a20_alias(void)
{
    return a20_alias;
}

/* Work out what the guest may use; must run before the second-level tables are built. */
void guest_plan_memory(void)
{
    g_guest_map = g_host_map;
    read_mtrrs();

    u64 start[2], len[2];
    a20_alias = a20_reaches_vmx();
    u32 n = region_hidden(g_hv_base, g_hv_size, a20_alias, start, len);
    guest_keep(start[0], len[0], 0, true, "hypervisor memory");
    if (n > 1)
        guest_keep(start[1], len[1], 0, true, "the A20 alias of hypervisor memory");
    kprintf("pxHV: region %016llx-%016llx: every page has address bit 20 clear, so the guest's "
            "A20 gate cannot move pxHV's own accesses\n", g_hv_base, g_hv_base + g_hv_size);
    kprintf("pxHV: A20 gate %s\n", a20_alias ? "applies in VMX/SVM operation on this CPU: the "
            "region's A20 alias is kept from the guest too"
            : "does not apply in VMX/SVM operation on this CPU (SDM Vol. 3C 30.3 VMXON)");

    kprintf("pxHV: hidden from the guest: %016llx-%016llx (hypervisor, %llu KiB)", start[0],
            start[0] + len[0], len[0] / 1024);
    if (n > 1)
        kprintf(", %016llx-%016llx (its A20 alias, %llu KiB)", start[1], start[1] + len[1],
                len[1] / 1024);
    kprintf("\n");
    if (g_boot.flags & BI_FLAG_UEFI) {
        /* The firmware's own map is the guest's (GetMemoryMap, and the OS's
         * E820 made from it): pxhv.efi took the region, and its alias where
         * it is kept, as EfiReservedMemoryType.  No INT 15h, no INT 12h. */
        kprintf("pxHV: the guest's memory map is the firmware's, in which pxhv.efi took these "
                "ranges as EfiReservedMemoryType\n");
        return;
    }
    hook_gpa = choose_hook_page();
    if (!hook_gpa)
        panic("no free page in the upper memory area for the INT 15h hook");
    if (!(hook_page = (u8 *)page_alloc(NULL)))
        panic("out of pages for the INT 15h hook");
    /* Executable: the guest runs the handler there (core/int15.c); writable
     * as the RAM that upper memory is, into pxHV's page, which serves only
     * the guest. */
    guest_keep_shown(hook_gpa, 4096, PT_R | PT_W | PT_X, (u64)(usize)hook_page,
                     "pxHV's INT 15h page");
    e820_legacy(&g_guest_map, &legacy);

    kprintf("pxHV: INT 15h hook at %04llx:%04x, a page of the upper memory area that only the "
            "second-level tables fill; conventional memory untouched (INT 12h %u KiB)\n",
            hook_gpa >> 4, HOOK_ENTRY, *(volatile u16 *)0x413);
}

/* The guest's memory as planned (after the cells took theirs). */
void guest_report_memory(void)
{
    if (g_boot.flags & BI_FLAG_UEFI)
        return;                     /* the firmware's map: nothing pxHV makes of its own */
    e820_legacy(&g_guest_map, &legacy);
    for (u32 i = 0; i < g_guest_map.count; i++)
        kprintf("guest E820: %016llx-%016llx type %u\n", g_guest_map.e[i].base,
                g_guest_map.e[i].base + g_guest_map.e[i].length, g_guest_map.e[i].type);
    kprintf("pxHV: guest memory: %llu KiB usable, INT 12h %u KiB, E801 %u KiB + %u x 64 KiB\n",
            e820_ram_bytes(&g_guest_map) / 1024, *(volatile u16 *)0x413, legacy.e801_ax,
            legacy.e801_bx);
}

const struct e820_map *guest_memory_map(void)
{
    return &g_guest_map;
}

const struct e820_legacy *guest_legacy_sizes(void)
{
    return &legacy;
}
