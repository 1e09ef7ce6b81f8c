/*
 * The guest's first instruction: the boot sector stage 2 loaded, started as
 * a BIOS starts one (real mode at 0000:7C00, DL = the drive, DS:SI at the
 * partition entry when chained from a partition).  A guest stage 2 could not
 * load is refused here with the reason.
 */
#include "core/core.h"
#include "core/console.h"
#include "core/hv.h"
#include "lib/lib.h"
#include "core/power.h"

static const char *const source_names[] = {
    [GUEST_SRC_NONE] = "none", [GUEST_SRC_PARTITION] = "active partition",
    [GUEST_SRC_DRIVE] = "BIOS drive", [GUEST_SRC_BUILTIN] = "built-in",
    [GUEST_SRC_MBR] = "original MBR",
};

static const char *const status_msgs[] = {
    [GUEST_OK] = "ok",
    [GUEST_NOT_CONFIGURED] = "no guest configured (scripts/pxhv-config.sh --source ...)",
    [GUEST_READ_ERROR] = "disk read error while loading the guest boot sector",
    [GUEST_NO_DRIVE] = "the guest's BIOS drive is missing",
    [GUEST_EMPTY] = "the guest boot sector is empty (all zero)",
    [GUEST_UNSIGNED] = "the guest boot sector has no 0xAA55 signature",
    [GUEST_NO_ACTIVE_PART] = "no active partition on the boot disk",
    [GUEST_TOO_LARGE] = "the built-in guest is larger than 32 KiB",
};

/* pxHV's own boot sector as the guest (a configuration that points at
 * pxHV's disk) would start pxHV again inside itself, and again. */
static bool is_pxhv_boot_sector(const u8 *s)
{
    static const char mark[] = "pxHV: Pixel Hypervisor";
    for (u32 i = 0; i + sizeof mark - 1 <= MBR_CODE_BYTES; i++)
        if (!memcmp(s + i, mark, sizeof mark - 1))
            return true;
    return false;
}

void guest_boot_regs(struct guest_regs *regs)
{
    const struct boot_info *bi = &g_boot;
    u32 src = bi->config.guest_source;

    if (bi->guest_status != GUEST_OK) {
        const char *msg = bi->guest_status < ARRAY_SIZE(status_msgs) && status_msgs[bi->guest_status]
                              ? status_msgs[bi->guest_status] : "unknown guest status";
        kprintf("pxHV: no guest launched: %s", msg);
        if (bi->guest_status == GUEST_READ_ERROR)
            kprintf(" (drive 0x%02x, BIOS status 0x%02x)", bi->guest_drive, bi->guest_bios_err);
        else if (bi->guest_status == GUEST_NO_DRIVE)
            kprintf(" (drive 0x%02x)", bi->config.guest_drive);
        kprintf("\n");
        hv_stop("no guest");
    }
    if (src != GUEST_SRC_BUILTIN && is_pxhv_boot_sector((const u8 *)(usize)LOW_BOOT_SECTOR)) {
        kprintf("pxHV: no guest launched: the guest boot sector (drive 0x%02x) is pxHV's own: "
                "the configuration points at pxHV's disk\n", bi->guest_drive);
        hv_stop("no guest");
    }
    guest_install_hook();

    memset(regs, 0, sizeof *regs);
    regs->r[R_RDX] = bi->guest_drive;            /* DL = boot drive */
    regs->r[R_RSI] = bi->guest_si;               /* DS:SI = partition entry (MBR chain) */

    char name[CFG_GUEST_NAME_LEN + 1];
    memcpy(name, bi->config.guest_name, CFG_GUEST_NAME_LEN);
    name[CFG_GUEST_NAME_LEN] = 0;
    kprintf("pxHV: launching guest '%s' (%s) at 0000:7C00, DL=0x%02x",
            name[0] ? name : "guest", src < ARRAY_SIZE(source_names) ? source_names[src] : "?",
            bi->guest_drive);
    if (bi->guest_si)
        kprintf(", DS:SI=0000:%04x (partition at LBA %u)", bi->guest_si, bi->guest_part_lba);
    kprintf("\n");
}
