/*
 * hostile.efi: a 64-bit UEFI application started by pxhv.efi as its guest
 * (tests/test_efi_hostile.sh, next=\hostile.efi in pxhv.cfg), which tries to
 * reach pxHV's region the ways a UEFI program has, while boot services run:
 *
 *   every run: it finds the region (CPUID 40000001h, as the BIOS-path test
 *     guests do), looks for it in the firmware's memory map (GetMemoryMap,
 *     UEFI 2.11, 7.2.3 "EFI_BOOT_SERVICES.GetMemoryMap()") and asks the
 *     firmware for its first and last page (AllocatePages with
 *     AllocateAddress, 7.2.1 "EFI_BOOT_SERVICES.AllocatePages()");
 *   then the one route its load options name, each of which must end in
 *   pxHV's nested-page-fault report and stop, the region never read:
 *     read   a load from the region through the firmware's identity map;
 *     free   FreePages over the region (7.2.2 "EFI_BOOT_SERVICES.FreePages()"):
 *            the firmware's bookkeeping cannot tell pxHV's pages from any
 *            other allocation and takes them back; where it does not write
 *            into them itself (OVMF does), AllocatePages then hands the
 *            first one out, and the application writes into it;
 *     cr3    CR3 pointing into the region: the CPU's own page walk reads it;
 *     alias  a load from the region's A20 alias, 1 MiB higher, which pxHV
 *            keeps from the guest where the A20 gate reaches VMX/SVM operation.
 * A line "hostile.efi: still running" after the route means the region was
 * reached: the test fails on it.
 *
 * Its lines go to COM1 and the firmware's screen through pxhv.efi's console
 * code (efi/console.c), so each appears once on COM1.
 */
#include "efi/efi_app.h"
#include "efi/efi_console.h"
#include "efi/efi_memory.h"
#include "lib/lib.h"
#include "hw/x86.h"

struct efi_app app;

static bool streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static const struct efi_guid li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;

/* The route, from the UCS-2 load options pxhv.efi passed. */
static void route_of(char *out, usize size)
{
    out[0] = 0;
    if (app.self && app.self->load_options && app.self->load_options_size >= 2)
        efi_ucs2_to_ascii(app.self->load_options, out, size);
}

/* The descriptor of the firmware's memory map that holds `pa`. */
static void map_check(u64 base, u64 size)
{
    static u8 buf[32768];
    u64 len = sizeof buf, key, dsize;
    u32 dver;
    efi_status s = app.bs->get_memory_map(&len, (struct efi_memory_descriptor *)buf, &key, &dsize, &dver);
    if (EFI_ERROR(s)) {
        eprintf("hostile.efi: GetMemoryMap: %s\n", efi_status_name(s));
        return;
    }
    u64 free_pages = 0;
    for (u64 off = 0; off + dsize <= len; off += dsize) {
        const struct efi_memory_descriptor *d = (const void *)(buf + off);
        u64 b = d->physical_start, e = b + d->number_of_pages * EFI_PAGE_SIZE;
        if (b <= base && base < e)
            eprintf("hostile.efi: the memory map holds the region's first page in %s %llx-%llx\n",
                    efi_memory_type_name(d->type), b, e - 1);
        if (d->type == EFI_CONVENTIONAL_MEMORY && b < base + size && base < e)
            free_pages += (e < base + size ? e : base + size) - (b > base ? b : base);
    }
    eprintf("hostile.efi: free memory (EfiConventionalMemory) over the region in the map: %llu KiB\n",
            free_pages / 1024);
}

static void try_allocate(const char *what, u64 pa)
{
    efi_phys_addr a = pa;
    efi_status s = app.bs->allocate_pages(EFI_ALLOCATE_ADDRESS, EFI_LOADER_DATA, 1, &a);
    eprintf("hostile.efi: AllocatePages at the region's %s page %llx: %s\n", what, pa, efi_status_name(s));
    if (!EFI_ERROR(s))
        app.bs->free_pages(a, 1);
}

efi_status EFIAPI efi_main(efi_handle image, struct efi_system_table *st)
{
    app.image = image;
    app.st = st;
    app.bs = st->boot_services;
    app.bs->handle_protocol(image, &li_guid, (void **)&app.self);
    efi_console_init();

    char route[32];
    route_of(route, sizeof route);
    u32 a, b, c, d;
    cpuid(0x40000000, 0, &a, &b, &c, &d);
    char sig[13];
    memcpy(sig, &b, 4);
    memcpy(sig + 4, &c, 4);
    memcpy(sig + 8, &d, 4);
    sig[12] = 0;
    cpuid(0x40000001, 0, &a, &b, &c, &d);
    u64 base = a | (u64)b << 32, size = c;
    eprintf("hostile.efi: route '%s', hypervisor '%s', region %llx-%llx (CPUID 40000001h)\n", route,
            sig, base, base + size - 1);
    if (!size) {
        eprintf("hostile.efi: FAIL: no region to aim at\n");
        return EFI_UNSUPPORTED;
    }
    map_check(base, size);
    try_allocate("first", base);
    try_allocate("last", base + size - EFI_PAGE_SIZE);

    volatile u64 *p = (volatile u64 *)(usize)base;
    if (streq(route, "read")) {
        eprintf("hostile.efi: reading the region's first byte\n");
        eprintf("hostile.efi: still running, read %llx\n", *p);
    } else if (streq(route, "free")) {
        /* OVMF's FreePages writes into the pages it takes back (a write at
         * the region's first page from the firmware's own code, before it
         * returns), so the firmware itself touches the region for the
         * application, and that write is the one pxHV stops. */
        eprintf("hostile.efi: FreePages over the region\n");
        efi_status s = app.bs->free_pages(base, size / EFI_PAGE_SIZE);
        eprintf("hostile.efi: FreePages over the region: %s\n", efi_status_name(s));
        efi_phys_addr q = base;
        s = app.bs->allocate_pages(EFI_ALLOCATE_ADDRESS, EFI_LOADER_DATA, 1, &q);
        eprintf("hostile.efi: AllocatePages at the region's first page again: %s\n", efi_status_name(s));
        eprintf("hostile.efi: writing the page the firmware handed out\n");
        *p = 0x686f7374696c65ULL;
        eprintf("hostile.efi: still running, wrote %llx\n", *p);
    } else if (streq(route, "cr3")) {
        eprintf("hostile.efi: CR3 into the region\n");
        app.bs->raise_tpl(EFI_TPL_HIGH_LEVEL);
        u64 old, x;
        /* MOV to CR3 flushes the TLB: the load after it walks from the new CR3. */
        __asm__ volatile("mov %%cr3, %0\n\tmov %2, %%cr3\n\tmov (%3), %1\n\tmov %0, %%cr3"
                         : "=&r"(old), "=&r"(x) : "r"(base), "r"(base + 0x1000) : "memory");
        eprintf("hostile.efi: still running, read %llx\n", x);
    } else if (streq(route, "alias")) {
        volatile u64 *q = (volatile u64 *)(usize)(base + (1u << 20));
        eprintf("hostile.efi: reading the region's A20 alias at %llx\n", base + (1u << 20));
        eprintf("hostile.efi: still running, read %llx\n", *q);
    } else {
        eprintf("hostile.efi: FAIL: unknown route '%s' (read, free, cr3, alias)\n", route);
    }
    return EFI_SUCCESS;
}
