/*
 * pxhv.efi: pxHV's entry from UEFI (UEFI 2.11, 4.1 "UEFI Image Entry
 * Point").  The firmware starts it from the ESP, in long mode with its own
 * page tables, interrupts on and boot services running.  In this build it
 * prepares what the UEFI path of stage 3 needs and hands the machine to the
 * next loader:
 *
 *   the boot lines on COM1 and the firmware's consoles (console.c);
 *   its configuration file beside it (config.c, files.c);
 *   the CPU's virtualization support, as stage 2 reports it on the BIOS path;
 *   the ACPI RSDP from the configuration table and the MADT's CPUs (acpi.c);
 *   the CPUs through the MP services protocol, each AP running a function of
 *   pxHV's (cpu.c);
 *   the hypervisor region, sized for stage 3 (carried inside pxhv.efi) and
 *   those CPUs, taken as EfiReservedMemoryType below 4 GiB (region.c);
 *   LoadImage + StartImage of the next loader (chain.c): grubx64.efi from
 *   pxhv.efi's own directory unless the configuration names another.
 *
 * Stage 3 is not launched yet: the next loader runs without pxHV beneath it,
 * and the region stays reserved, so the OS's memory map shows it as the
 * launched hypervisor's would.  Every failure prints why, gives the memory
 * back and returns its status to the firmware's boot manager, which goes on
 * with its next boot option.
 */
#include "efi/efi_app.h"
#include "efi/efi_cfg.h"
#include "efi/efi_runtime_services.h"
#include "boot/bootinfo.h"
#include "core/console.h"
#include "lib/lib.h"
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

/* Stage 2's check on the BIOS path (stage2/cpu.asm): VT-x, else AMD-V. */
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
    struct efi_cfg cfg;
    u64 region = 0, region_size = 0;
    efi_status s;

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

    if (!read_config(&cfg)) {
        s = EFI_LOAD_ERROR;
        goto stop;
    }

    u32 madt_cpus = efi_acpi_probe();
    u32 cpus = efi_mp_probe();
    if (madt_cpus && madt_cpus != cpus)
        eprintf("pxHV: the MADT lists %u CPUs, the MP services %u: sizing for %u\n", madt_cpus, cpus,
                madt_cpus > cpus ? madt_cpus : cpus);
    if (madt_cpus > cpus)
        cpus = madt_cpus;

    const struct stage3_header *h = efi_stage3();
    if (!h) {
        eprintf("Stage 3 image invalid\n");
        s = EFI_LOAD_ERROR;
        goto stop;
    }
    region_size = efi_region_size(h, cpus, virt);
    s = efi_region_alloc(region_size, &region);
    if (EFI_ERROR(s)) {
        eprintf("Not enough memory for the hypervisor region (%llu KiB below 4 GiB: %s)\n",
                region_size / 1024, efi_status_name(s));
        region_size = 0;
        goto stop;
    }
    eprintf("Hypervisor region at 0x%016llX\n", region);
    eprintf("pxHV: region %llx-%llx: %llu KiB for %u CPU%s (stage 3 %u KiB with data), "
            "EfiReservedMemoryType\n", region, region + region_size - 1, region_size / 1024, cpus,
            cpus == 1 ? "" : "s", h->mem_size / 1024);
    efi_region_check_map(region, region_size);
    if (!efi_region_taken(region, region_size)) {
        s = EFI_ACCESS_DENIED;
        goto stop;
    }

    char next[EFI_PATH_MAX];
    if (!efi_cfg_next_path(&cfg, app.dir, next, sizeof next)) {
        eprintf("pxHV: the next loader's path is too long\n");
        s = EFI_BAD_BUFFER_SIZE;
        goto stop;
    }
    eprintf("pxHV: the UEFI path does not launch stage 3 yet: the next loader runs without pxHV\n");
    s = efi_start_next(next, cfg.has_options ? cfg.options : NULL);

stop:
    if (region_size)
        efi_region_free(region, region_size);
    eprintf("pxHV: stopping: back to the firmware's boot manager (%s)\n", efi_status_name(s));
    serial_flush();
    return s;
}
