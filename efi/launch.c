/*
 * Every CPU under pxHV, in place (include/boot/uefi.h, docs/uefi.md): stage 3
 * copied into the region, its boot_info filled from UEFI, then
 *
 *   PREPARE on this CPU, with pxHV's first page tables: stage 3 checks and
 *     builds everything that can fail; a refusal returns here and pxhv.efi
 *     stops with the region given back, the firmware untouched;
 *   CHECK on every AP (the MP services run it there): the same, per CPU;
 *   ENTER on every AP, then on this CPU: each continues as pxHV's guest
 *     where efi_stage3_call (switch.S) took its snapshot, and the call
 *     returns in VMX non-root operation (or as an SVM guest).
 *
 * Only ENTER cannot be undone: before the first one everything has been
 * checked, and a failure after it stops the machine (UEFI_OP_STOP), since
 * the firmware cannot go on with some CPUs under pxHV and others not.
 */
#include "efi/efi_app.h"
#include "efi/efi_memory.h"
#include "efi/efi_mp_services.h"
#include "boot/bootinfo.h"
#include "boot/stage3_header.h"
#include "boot/uefi.h"
#include "lib/e820.h"
#include "lib/lib.h"
#include "lib/pt.h"
#include "hw/x86.h"

u64 efi_stage3_call(struct cpu_snapshot *s, u64 cr3, u64 entry, struct uefi_handoff *h, u32 op);

static struct uefi_handoff ho;
static struct boot_info bi;
static u64 entry;

/* ---- pxHV's first page tables, for PREPARE ---- */

struct early_pool { u64 base, next, end; };

static u64 *early_alloc(void *ctx)
{
    struct early_pool *p = ctx;
    if (p->next >= p->end)
        return NULL;
    u64 *page = (u64 *)(usize)p->next;
    p->next += 4096;
    memset(page, 0, 4096);
    return page;
}

static struct early_pool early;

/* An identity map of [0, top) that also executes the region: the firmware's
 * own tables may map EfiReservedMemoryType without execute rights (EDK II's
 * NX memory protection policy), and stage 3 builds its own host tables in
 * PREPARE, from which on the CPUs use those. */
static u64 early_tables(u64 top)
{
    bool g1 = has_1g_pages();
    u64 pages = 1 + ((top + (1ULL << 39) - 1) >> 39) + (g1 ? 0 : (top + (1ULL << 30) - 1) >> 30);
    efi_phys_addr a = 0xFFFFFFFF;
    if (EFI_ERROR(app.bs->allocate_pages(EFI_ALLOCATE_MAX_ADDRESS, EFI_LOADER_DATA, pages, &a)))
        return 0;
    early = (struct early_pool){ a, a, a + pages * 4096 };
    struct pt_builder b = {
        .fmt = &pt_host, .classify = pt_all_rw, .alloc = early_alloc, .ctx = &early,
        .allow_1g = g1, .allow_2m = true,
    };
    u64 *root = pt_build(&b, top);
    if (!root) {
        app.bs->free_pages(early.base, pages);
        early.end = 0;
        return 0;
    }
    return (u64)(usize)root;
}

static void early_free(void)
{
    if (early.end)
        app.bs->free_pages(early.base, (early.end - early.base) / 4096);
    early.end = 0;
}

/* ---- boot_info from UEFI ---- */

static void guest_name(const char *next, char *name)
{
    const char *base = next;
    for (const char *p = next; *p; p++)
        if (*p == '\\')
            base = p + 1;
    memset(name, 0, CFG_GUEST_NAME_LEN);
    for (u32 i = 0; i < CFG_GUEST_NAME_LEN && base[i]; i++)
        name[i] = base[i];
}

bool efi_fill_boot_info(const struct efi_launch *l)
{
    static struct e820_map map;
    u32 devices;
    memset(&bi, 0, sizeof bi);
    bool ok = efi_address_map(&map, &devices);
    if (!ok || map.count > BOOTINFO_E820_MAX) {
        eprintf("pxHV: the firmware's memory map does not fit stage 3's %u entries\n", BOOTINFO_E820_MAX);
        return false;
    }
    bi.magic = BOOTINFO_MAGIC;
    bi.version = BOOTINFO_VERSION;
    bi.flags = BI_FLAG_UEFI;
    bi.virt = l->virt;
    bi.mem_source = MEMSRC_UEFI;
    bi.e820_count = map.count;
    memcpy(bi.e820, map.e, map.count * sizeof map.e[0]);
    bi.hv_base = l->region->base;
    bi.hv_size = l->region->size;
    bi.cpus = l->cpus;
    bi.guest_status = GUEST_OK;
    memcpy(bi.config.magic, PXHV_CONFIG_MAGIC, 8);
    bi.config.version = PXHV_CONFIG_VERSION;
    bi.config.guest_source = GUEST_SRC_UEFI;
    bi.config.flags = l->flags;
    guest_name(l->next, bi.config.guest_name);
    bi.rsdp = l->rsdp;
    bi.phys_top = l->phys_top;
    bi.pool_extra = l->pool_extra;
    ho.boot_info = (u64)(usize)&bi;
    eprintf("pxHV: boot_info: %u E820 ranges from the firmware's memory map and %u device range%s, "
            "RSDP 0x%llx, address space to 0x%llx\n", map.count, devices, devices == 1 ? "" : "s",
            bi.rsdp, bi.phys_top);
    return true;
}

/* ---- the calls ---- */

struct ap_run {
    u64 cr3;
    u32 op;
    volatile u32 ran, refused;
};

/* On each AP, from the firmware's MP code: no UEFI service may be called
 * here (PI 1.8 Vol. 2, 13.4), only stage 3, which calls none. */
static void EFIAPI ap_proc(void *arg)
{
    struct ap_run *a = arg;
    struct cpu_snapshot sn;
    u64 r = efi_stage3_call(&sn, a->cr3, entry, &ho, a->op);
    __atomic_add_fetch(r ? &a->refused : &a->ran, 1, __ATOMIC_ACQ_REL);
}

static bool run_aps(u32 op, u32 aps, const char *what)
{
    struct ap_run a = { ho.host_cr3, op, 0, 0 };
    efi_status s = efi_mp_run_aps(ap_proc, &a);
    if (!EFI_ERROR(s) && a.ran == aps && !a.refused)
        return true;
    eprintf("pxHV: %s: %u of %u APs did%s (StartupAllAPs: %s)%s%s\n", what, a.ran, aps,
            a.refused ? ", one refused" : "", efi_status_name(s), ho.why[0] ? ": " : "", ho.why);
    return false;
}

efi_status efi_launch(struct efi_launch *l)
{
    const struct stage3_header *h = l->stage3;
    u8 *base = (u8 *)(usize)l->region->base;
    memset(&ho, 0, sizeof ho);
    ho.mp_cpus = l->mp_cpus;
    memcpy(ho.mp_apic_id, l->mp_apic_id, sizeof ho.mp_apic_id);
    memcpy(base, h, h->image_size);
    memset(base + h->image_size, 0, h->mem_size - h->image_size);
    entry = l->region->base + h->uefi_entry_offset;
    if (!efi_fill_boot_info(l))
        return EFI_OUT_OF_RESOURCES;

    /* Memory, as stage 3's host map: the device ranges above 4 GiB are the guest's only. */
    u64 top = 1ULL << 32;
    for (u32 i = 0; i < bi.e820_count; i++)
        if (bi.e820[i].type != E820_RESERVED && bi.e820[i].base + bi.e820[i].length > top)
            top = bi.e820[i].base + bi.e820[i].length;
    u64 cr3 = early_tables(top);
    if (!cr3) {
        eprintf("pxHV: no memory for the first page tables\n");
        return EFI_OUT_OF_RESOURCES;
    }
    struct cpu_snapshot sn;
    eprintf("pxHV: stage 3 at 0x%llx prepares (its lines on COM1)\n", l->region->base);
    u64 r = efi_stage3_call(&sn, cr3, entry, &ho, UEFI_OP_PREPARE);
    early_free();
    if (r) {
        eprintf("pxHV: stage 3 refused: %s\n", r == UEFI_REFUSED ? ho.why : "an unknown status");
        return EFI_UNSUPPORTED;
    }
    if (ho.a20_alias)
        eprintf("pxHV: the A20 gate reaches VMX/SVM operation here: the region's A20 alias stays "
                "pxHV's\n");
    else
        efi_region_free_alias(l->region);

    u32 aps = l->mp_cpus - 1;
    if (aps && !run_aps(UEFI_OP_CHECK, aps, "checking the APs"))
        return EFI_UNSUPPORTED;
    eprintf("pxHV: putting %u CPU%s under pxHV in place: %s\n", l->mp_cpus, l->mp_cpus == 1 ? "" : "s",
            aps ? "the APs, then this CPU" : "this CPU");
    if (aps && !run_aps(UEFI_OP_ENTER, aps, "virtualizing the APs")) {
        /* Some APs may be pxHV's guests already: no way back to the firmware. */
        efi_stage3_call(&sn, ho.host_cr3, entry, &ho, UEFI_OP_STOP);
        return EFI_ABORTED;
    }
    efi_tpl old = app.bs->raise_tpl(EFI_TPL_HIGH_LEVEL);
    r = efi_stage3_call(&sn, ho.host_cr3, entry, &ho, UEFI_OP_ENTER);
    app.bs->restore_tpl(old);

    u32 a, b, c, d;
    char sig[13];
    cpuid(0x40000000, 0, &a, &b, &c, &d);
    memcpy(sig, &b, 4);
    memcpy(sig + 4, &c, 4);
    memcpy(sig + 8, &d, 4);
    sig[12] = 0;
    cpuid(1, 0, &a, &b, &c, &d);
    eprintf("pxHV: %u of %u CPUs under pxHV; pxhv.efi goes on as its guest (CPUID: hypervisor bit %u, "
            "leaf 40000000h '%s')\n", ho.entered, l->mp_cpus, (c >> 31) & 1, sig);
    return EFI_SUCCESS;
}
