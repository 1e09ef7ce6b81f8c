/*
 * stamp.efi: the benchmark's stand-in for a guest loader (scripts/bench-efi.sh).
 * Its first instruction reads the TSC, which the machine's reset set to 0, so
 * the value is the time from the firmware's start to the loader's start: with
 * pxhv.efi in front of it (pxhv.cfg next=\stamp.efi) and without (stamp.efi as
 * BOOTX64.EFI).  It then measures the TSC over the firmware's Stall(100 ms)
 * (UEFI 2.11, 7.5 "Miscellaneous Boot Services"), prints both and powers the
 * machine off through ResetSystem (8.5.1 "Reset System"): under pxHV, its
 * ACPI power-off, which ends the run with pxHV's exit statistics.
 */
#include "efi/efi_app.h"
#include "efi/efi_runtime_services.h"
#include "core/console.h"
#include "lib/lib.h"
#include "hw/x86.h"

struct efi_app app;

efi_status EFIAPI efi_main(efi_handle image, struct efi_system_table *st)
{
    u64 t0 = rdtsc();
    app.image = image;
    app.st = st;
    app.bs = st->boot_services;
    efi_console_init();
    u64 a = rdtsc();
    app.bs->stall(100000);
    u64 per_ms = (rdtsc() - a) / 100;
    /* Leaf 40000000h names the hypervisor beneath: pxHV's, or the
     * emulator's own (QEMU sets the hypervisor bit for every CPU model). */
    u32 ea, sig[4] = { 0, 0, 0, 0 };
    cpuid(0x40000000, 0, &ea, &sig[0], &sig[1], &sig[2]);
    eprintf("stamp.efi: TSC at the loader's first instruction %llu, %llu per ms (Stall), "
            "hypervisor '%s'\n", t0, per_ms, (const char *)sig);
    serial_flush();
    st->runtime_services->reset_system(EFI_RESET_SHUTDOWN, EFI_SUCCESS, 0, NULL);
    return EFI_SUCCESS;
}
