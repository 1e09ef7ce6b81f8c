/*
 * pxhv.efi: pxHV's entry from UEFI (UEFI 2.11, 4.1 "UEFI Image Entry
 * Point").  The firmware starts it from the ESP, in long mode with its own
 * page tables, interrupts on and boot services running.  It puts every CPU
 * under pxHV and hands the machine to the next loader as pxHV's guest:
 *
 *   the boot lines on COM1 and the firmware's consoles (console.c);
 *   its configuration file beside it (config.c, files.c);
 *   the CPU's virtualization support, as stage 3 reports it on the BIOS path;
 *   the ACPI RSDP from the configuration table and the MADT's CPUs (acpi.c);
 *   the CPUs the firmware runs, through the MP services protocol (cpu.c);
 *   how far the physical address space reaches (memmap.c);
 *   the hypervisor region, sized for stage 3 (carried inside pxhv.efi) and
 *   those CPUs, placed as stage 3 places it and taken as
 *   EfiReservedMemoryType below 4 GiB (region.c);
 *   stage 3 loaded into it, every CPU virtualized in place, the boot CPU
 *   last (launch.c, switch.S);
 *   LoadImage + StartImage of the next loader (chain.c): grubx64.efi from
 *   pxhv.efi's own directory unless the configuration names another.
 *
 * Until the first CPU is virtualized, every failure prints why, gives the
 * memory back and returns its status to the firmware's boot manager, which
 * goes on with its next boot option.
 */
#include "efi/efi_app.h"
#include "efi/efi_cfg.h"
#include "efi/efi_runtime_services.h"
#include "boot/bootinfo.h"
#include "boot/layout.h"
#include "core/console.h"
#include "lib/lib.h"
#include "lib/e820.h"
#include "lib/region.h"
#include "boot/stage3_header.h"
#include "hw/x86.h"

struct efi_app app;

static const struct efi_guid li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;

/* The TSC rate, to turn the MP services' latency into microseconds. */
static void calibrate_tsc(void)
{
    u64 t0 = rdtsc();
    app.bs->stall(10000);
    app.tsc_per_ms = (rdtsc() - t0) / 10;
}

/* Stage 3's check on the BIOS path (core/handoff.c): VT-x, else AMD-V. */
static u32 virt_support(void)
{
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (c & CPUID_1_ECX_VMX) {
        eprintf("VT-x supported\n");
        return VIRT_VMX;
    }
    cpuid(0x80000000, 0, &a, &b, &c, &d);
    if (a >= 0x80000001) {
        cpuid(0x80000001, 0, &a, &b, &c, &d);
        if (c & CPUID_80000001_ECX_SVM) {
            eprintf("AMD-V supported\n");
            return VIRT_SVM;
        }
    }
    eprintf("VT-x not supported by this CPU\n");
    eprintf("AMD-V not supported by this CPU\n");
    return 0;
}

/* UEFI revisions are major << 16 | minor, where minor 70 is "7" and 31 "3.1". */
static void print_firmware(void)
{
    char vendor[64];
    u32 rev = app.st->hdr.revision, minor = rev & 0xFFFF;
    efi_ucs2_to_ascii(app.st->firmware_vendor, vendor, sizeof vendor);
    char spec[16];
    if (minor % 10)
        snprintf(spec, sizeof spec, "%u.%u.%u", rev >> 16, minor / 10, minor % 10);
    else
        snprintf(spec, sizeof spec, "%u.%u", rev >> 16, minor / 10);
    eprintf("UEFI: %s firmware revision 0x%x, UEFI %s, %llu configuration tables\n", vendor,
            app.st->firmware_revision, spec, app.st->number_of_table_entries);
}

/* The configuration file beside pxhv.efi; false on an error, already reported. */
static bool read_config(struct efi_cfg *cfg)
{
    char path[EFI_PATH_MAX], err[EFI_CFG_ERR_MAX], flags[96];
    void *text;
    u64 size;
    memset(cfg, 0, sizeof *cfg);
    snprintf(path, sizeof path, "%s\\%s", app.dir[1] ? app.dir : "", EFI_CFG_NAME);
    efi_status s = efi_read_file(path, EFI_CFG_MAX_BYTES, &text, &size);
    if (s == EFI_NOT_FOUND) {
        eprintf("Config: no %s: the defaults\n", path);
        return true;
    }
    if (EFI_ERROR(s)) {
        if (s == EFI_BAD_BUFFER_SIZE)
            eprintf("Config: %s: %llu bytes, more than %u\n", path, size, EFI_CFG_MAX_BYTES);
        else if (s == EFI_ACCESS_DENIED)
            eprintf("Config: %s: a directory, not a file\n", path);
        else
            eprintf("Config: %s: cannot be read (%s)\n", path, efi_status_name(s));
        return false;
    }
    u32 line = efi_cfg_parse(text, size, cfg, err, sizeof err);
    app.bs->free_pool(text);
    if (line) {
        eprintf("Config: %s line %u: %s\n", path, line, err);
        return false;
    }
    eprintf("Config: %s: next=%s flags=%s%s%s\n", path, cfg->has_next ? cfg->next : "(default)",
            efi_cfg_flag_names(cfg->flags, flags, sizeof flags), cfg->has_options ? " options=" : "",
            cfg->has_options ? cfg->options : "");
    return true;
}

efi_status EFIAPI efi_main(efi_handle image, struct efi_system_table *st)
{
    static struct efi_launch l;          /* the CPU list: not on the stack */
    struct efi_cfg cfg;
    struct efi_region region;
    efi_status s;

    memset(&region, 0, sizeof region);
    app.image = image;
    app.st = st;
    app.bs = st->boot_services;
    efi_console_init();
    eprintf("pxHV: Pixel Hypervisor v0.1 (UEFI)\n");
    print_firmware();
    s = app.bs->handle_protocol(image, &li_guid, (void **)&app.self);
    if (EFI_ERROR(s)) {
        eprintf("pxHV: no Loaded Image protocol on pxhv.efi's handle (%s)\n", efi_status_name(s));
        goto stop;
    }
    s = efi_files_init();
    eprintf("UEFI: pxhv.efi is %s at 0x%llx (%llu KiB)\n", app.path[0] ? app.path : "(no file path)",
            (u64)(usize)app.self->image_base, app.self->image_size / 1024);
    if (EFI_ERROR(s)) {
        eprintf("pxHV: the device pxhv.efi was loaded from has no file system (%s)\n", efi_status_name(s));
        goto stop;
    }
    calibrate_tsc();

    u32 virt = virt_support();
    eprintf("Long mode enabled (by the firmware)\n");
    if (!virt) {
        s = EFI_UNSUPPORTED;
        goto stop;
    }
    if (!read_config(&cfg)) {
        s = EFI_LOAD_ERROR;
        goto stop;
    }
    char next[EFI_PATH_MAX];
    if (!efi_cfg_next_path(&cfg, app.dir, next, sizeof next)) {
        eprintf("pxHV: the next loader's path is too long\n");
        s = EFI_BAD_BUFFER_SIZE;
        goto stop;
    }

    memset(&l, 0, sizeof l);
    u32 madt_cpus = efi_acpi_probe(&l.rsdp);
    l.mp_cpus = efi_mp_probe(l.mp_apic_id, PXHV_MAX_CPUS);
    u32 cpus = madt_cpus > l.mp_cpus ? madt_cpus : l.mp_cpus;
    if (madt_cpus && madt_cpus != l.mp_cpus)
        eprintf("pxHV: the MADT lists %u CPUs, the MP services run %u: sizing for %u\n", madt_cpus,
                l.mp_cpus, cpus);
    if (!l.rsdp) {
        eprintf("pxHV: no ACPI tables: pxHV needs the RSDP for the CPUs and power-off\n");
        s = EFI_UNSUPPORTED;
        goto stop;
    }
    if (cpus > PXHV_MAX_CPUS) {
        eprintf("pxHV: %u CPUs, more than the %u this build supports (PXHV_MAX_CPUS)\n", cpus,
                PXHV_MAX_CPUS);
        s = EFI_UNSUPPORTED;
        goto stop;
    }

    const struct stage3_header *h = efi_stage3();
    if (!h) {
        eprintf("Stage 3 image invalid\n");
        s = EFI_LOAD_ERROR;
        goto stop;
    }
    static struct e820_map amap;
    u32 devices;
    if (!efi_address_map(&amap, &devices)) {
        eprintf("pxHV: the firmware's memory and memory space maps do not fit %u ranges\n", E820_MAP_MAX);
        s = EFI_OUT_OF_RESOURCES;
        goto stop;
    }
    l.phys_top = efi_phys_top(&amap);
    l.pool_extra = efi_pool_extra(&amap, has_1g_pages());
    eprintf("UEFI: the guest's address space reaches 0x%llx (%u device range%s above 4 GiB in the GCD "
            "memory space map): %u page-table pages for it above 4 GiB\n", l.phys_top, devices,
            devices == 1 ? "" : "s", l.pool_extra);
    struct region_parts parts;
    if (!efi_region_parts(h, virt, cpus, l.pool_extra, &parts)) {
        eprintf("pxHV: a piece of the region is larger than 1 MiB (page-table pool %u pages)\n",
                HV_PT_POOL_PAGES + l.pool_extra);
        s = EFI_UNSUPPORTED;
        goto stop;
    }
    u64 span = region_span(&parts);
    s = efi_region_place(span, &region);
    if (EFI_ERROR(s)) {
        eprintf("Not enough memory for the hypervisor region (%llu KiB and its A20 alias below 4 GiB: "
                "%s)\n", span / 1024, efi_status_name(s));
        goto stop;
    }
    eprintf("Hypervisor region at 0x%016llX\n", region.base);
    eprintf("pxHV: region %llx-%llx: %llu KiB for %u CPU%s (stage 3 %u KiB with data, %llu KiB per CPU, "
            "%llu page-table pages), EfiReservedMemoryType\n", region.base, region.base + span - 1,
            span / 1024, cpus, cpus == 1 ? "" : "s", h->mem_size / 1024, parts.cpu_bytes / 1024,
            parts.pool / 4096);
    if (region.alias_size)
        eprintf("pxHV: its A20 alias %llx-%llx too, until stage 3 knows whether the A20 gate reaches "
                "VMX/SVM operation\n", region.alias_base, region.alias_base + region.alias_size - 1);
    efi_region_check_map(region.base, span);
    if (!efi_region_taken(region.base, span)) {
        s = EFI_ACCESS_DENIED;
        goto stop;
    }

    s = efi_load_next(next, cfg.has_options ? cfg.options : NULL);
    if (EFI_ERROR(s))
        goto stop;
    l.stage3 = h;
    l.region = &region;
    l.virt = virt;
    l.cpus = cpus;
    l.flags = cfg.flags;
    l.next = next;
    s = efi_launch(&l);
    if (EFI_ERROR(s)) {
        efi_unload_next();
        goto stop;
    }
    /* The region is pxHV's for good: never given back from here on. */
    memset(&region, 0, sizeof region);

    s = efi_start_next(next);
    eprintf("pxHV: the firmware's boot manager goes on, as pxHV's guest (%s)\n", efi_status_name(s));
    serial_flush();
    return s;

stop:
    efi_region_free(&region);
    eprintf("pxHV: stopping: back to the firmware's boot manager (%s)\n", efi_status_name(s));
    serial_flush();
    return s;
}
