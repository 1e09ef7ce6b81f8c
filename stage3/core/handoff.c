/*
 * What stage 2 did in real mode, reported and checked by stage 3's early
 * start (core/early.c) before it places the hypervisor.  Stage 2 prints only
 * its banner and the failures that must stop it there (stage2/load.asm);
 * what C can do once in long mode is done here, with stage 2's words: the
 * lines saying what was loaded, the checks of the cells' table, what the
 * guest's boot sector holds, the CPU's virtualization support, and which of
 * E801h's pairs to believe.
 *
 * Runs before the bss exists: nothing here writes static data.
 */
#include "core/early.h"
#include "core/console.h"
#include "hw/x86.h"
#include "lib/lib.h"

/* The guest sources as these lines name them (core/boot.c names them at the launch). */
static const char *const source_names[] = {
    [GUEST_SRC_NONE] = "none", [GUEST_SRC_PARTITION] = "partition", [GUEST_SRC_DRIVE] = "drive",
    [GUEST_SRC_BUILTIN] = "builtin", [GUEST_SRC_MBR] = "original MBR",
};

/* The names' lengths in the formats below: %.16s and %.8s. */
STATIC_ASSERT(CFG_GUEST_NAME_LEN == 16 && CELL_NAME_LEN == 8, "name lengths");

static const char *source_name(u32 src)
{
    return src < ARRAY_SIZE(source_names) ? source_names[src] : "unknown";
}

/* The cells' table, and stage 2's reads of their images: to CELL_STAGING
 * and up, each at a 4 KiB boundary, as far as the table fits and until a
 * read fails; the first cell without `staged` is that one, the failure is
 * boot_info.cell_status.  False with the refusal in `why`. */
static bool cells_staged(const struct boot_info *bi, char *why, usize n)
{
    const struct pxhv_cells *t = &bi->cells;
    if (t->count > CELLS_MAX) {
        snprintf(why, n, "more cells than CELLS_MAX");
        return false;
    }
    u64 at = CELL_STAGING;
    for (u32 i = 0; i < t->count; i++) {
        const struct pxhv_cell *k = &t->cell[i];
        u64 bytes = (u64)k->image_sectors * SECTOR_SIZE;
        /* A whole sector more than the image is a mismatch too. */
        if (!k->image_bytes || k->image_bytes > bytes || k->image_bytes + SECTOR_SIZE <= bytes) {
            snprintf(why, n, "Config block invalid: Cell %.8s: its image's size does not match "
                     "its sectors", k->name);
            return false;
        }
        if (at + bytes > CELL_STAGING_END) {
            snprintf(why, n, "Config block invalid: Cell %.8s: the cells' images together are "
                     "larger than the staging area", k->name);
            return false;
        }
        kprintf("Cell %.8s: image %u bytes from LBA %u\n", k->name, k->image_bytes, k->image_lba);
        if (!k->staged) {
            if (bi->cell_status == CELL_MOVE_ERROR)
                snprintf(why, n, "Cell %.8s: the BIOS could not move it above 1 MiB (INT 15h "
                         "AH=87h), status 0x%02X", k->name, bi->cell_bios_err);
            else
                snprintf(why, n, "Cell %.8s: image read error 0x%02X", k->name, bi->cell_bios_err);
            return false;
        }
        at = (at + bytes + 4095) & ~4095ULL;
    }
    return true;
}

/* VT-x (CPUID.1:ECX.VMX, SDM Vol. 3C 23.6 "Discovering Support for VMX"),
 * else AMD-V (CPUID.80000001h:ECX.SVM, AMD APM Vol. 2 15.4 "Enabling SVM");
 * stage 2 has seen leaf 80000001h (long mode). */
static u32 virt_support(void)
{
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (c & CPUID_1_ECX_VMX) {
        kprintf("VT-x supported\n");
        return VIRT_VMX;
    }
    cpuid(0x80000001, 0, &a, &b, &c, &d);
    if (c & CPUID_80000001_ECX_SVM) {
        kprintf("AMD-V supported\n");
        return VIRT_SVM;
    }
    kprintf("VT-x not supported by this CPU\nAMD-V not supported by this CPU\n");
    return 0;
}

bool handoff_check(struct boot_info *bi, char *why, usize n)
{
    /* E801h's two pairs: some BIOSes fill only one (stage2/memory.asm). */
    if (bi->e801_cx | bi->e801_dx) {
        bi->e801_ax = bi->e801_cx;
        bi->e801_bx = bi->e801_dx;
    }
    const struct pxhv_config *cfg = &bi->config;
    kprintf("Config: guest %s '%.16s'\n", source_name(cfg->guest_source), cfg->guest_name);
    kprintf("Stage 3: %u sectors from LBA %u\n", cfg->stage3_sectors, cfg->stage3_lba);
    if (!cells_staged(bi, why, n))
        return false;

    /* The guest's boot sector at 0000:7C00, as stage 2 read it. */
    const u8 *s = (const u8 *)(usize)LOW_BOOT_SECTOR;
    if (bi->guest_status == GUEST_OK) {
        u32 i = 0;
        while (i < SECTOR_SIZE && !s[i])
            i++;
        if (i == SECTOR_SIZE)
            bi->guest_status = GUEST_EMPTY;
        else if (s[510] != 0x55 || s[511] != 0xAA)
            bi->guest_status = GUEST_UNSIGNED;
    }
    kprintf("Guest: %s", source_name(cfg->guest_source));
    if (bi->guest_status == GUEST_OK)
        kprintf(", %u bytes at 0x7C00\n", bi->guest_load_bytes);
    else
        kprintf(", not loaded, status %u\n", bi->guest_status);

    bi->virt = virt_support();
    return true;
}
