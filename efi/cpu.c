/*
 * The CPUs as the firmware runs them, through EFI_MP_SERVICES_PROTOCOL
 * (UEFI PI 1.8, Volume 2, 13.4 "MP Services Protocol"): which there are,
 * and running a function of pxHV's on every AP, which is how each AP is put
 * under pxHV in place (launch.c).
 */
#include "efi/efi_app.h"
#include "efi/efi_mp_services.h"
#include "lib/lib.h"
#include "hw/x86.h"

/* Long enough for the slowest emulated AP to take its snapshot and be
 * launched (tens of milliseconds under TCG), short enough not to hang. */
#define AP_TIMEOUT_US 10000000

static const struct efi_guid mp_guid = EFI_MP_SERVICES_PROTOCOL_GUID;
static struct efi_mp_services_protocol *mp;

/* This CPU's APIC ID: CPUID.1:EBX[31:24], the 32-bit one of leaf 0Bh in
 * x2APIC mode (SDM Vol. 3A 10.4.6 "Local APIC ID"). */
static u32 my_apic_id(void)
{
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    u32 id = b >> 24;
    if (rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_X2APIC) {
        cpuid(0xB, 0, &a, &b, &c, &d);
        id = d;
    }
    return id;
}

u32 efi_mp_probe(u32 *apic_ids, u32 max)
{
    apic_ids[0] = my_apic_id();
    efi_status s = app.bs->locate_protocol(&mp_guid, NULL, (void **)&mp);
    if (EFI_ERROR(s)) {
        mp = NULL;
        eprintf("pxHV: no MP services protocol (%s): only this CPU, APIC %u, is known to pxhv.efi\n",
                efi_status_name(s), apic_ids[0]);
        return 1;
    }
    u64 total = 0, enabled = 0, self = 0;
    s = mp->get_number_of_processors(mp, &total, &enabled);
    if (EFI_ERROR(s) || !total) {
        eprintf("pxHV: MP services: GetNumberOfProcessors failed (%s)\n", efi_status_name(s));
        mp = NULL;
        return 1;
    }
    if (EFI_ERROR(mp->who_am_i(mp, &self)))
        self = 0;
    char list[256];
    usize k = 0;
    u32 n = 1;
    k += (usize)snprintf(list, sizeof list, "APIC %u (boot, runs pxhv.efi)", apic_ids[0]);
    for (u64 i = 0; i < total; i++) {
        struct efi_processor_information info;
        memset(&info, 0, sizeof info);
        if (i == self || EFI_ERROR(mp->get_processor_info(mp, i, &info)))
            continue;
        bool on = info.status_flag & EFI_PROCESSOR_ENABLED_BIT;
        bool healthy = info.status_flag & EFI_PROCESSOR_HEALTH_STATUS_BIT;
        if (k < sizeof list)
            k += (usize)snprintf(list + k, sizeof list - k, ", APIC %llu%s%s", info.processor_id,
                                 on ? "" : " (disabled)", healthy ? "" : " (unhealthy)");
        if (on && n < max)
            apic_ids[n++] = (u32)info.processor_id;
    }
    eprintf("pxHV: MP services: %llu CPUs, %llu enabled: %s\n", total, enabled, list);
    return n;
}

bool efi_mp_present(void)
{
    return mp != NULL;
}

/* StartupAllAPs, one AP after the other (SingleThread): each is woken by
 * the firmware on its own, so no wake-up of the firmware's can reach an AP
 * that is already pxHV's guest as a stray INIT, and the APs' lines come in
 * order.  Blocking (WaitEvent NULL), the only mode the PI specification
 * requires once the boot manager runs (13.4). */
efi_status efi_mp_run_aps(efi_ap_fn proc, void *arg)
{
    if (!mp)
        return EFI_NOT_STARTED;
    return mp->startup_all_aps(mp, proc, 1, NULL, AP_TIMEOUT_US, arg, NULL);
}
