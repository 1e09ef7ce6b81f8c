/*
 * The guest's memory map: the firmware's E820 map minus what pxHV keeps (the
 * hypervisor region and the page of the INT 15h hook), answered through the
 * hook for E820, E801 and 88h, and enforced by the second-level tables,
 * whose classifier lives here: access rights from the kept ranges, memory
 * types from the MTRRs (with EPT or NPT the CPU no longer applies the MTRRs
 * to guest accesses, SDM Vol. 3C 28.2.6 "EPT and Memory Typing").
 */
#include "core.h"
#include "console.h"
#include "hv.h"
#include "hypercall.h"
#include "lib.h"
#include "mtrr.h"
#include "pt.h"
#include "x86.h"

#define BDA_BASE_MEM_KB ((volatile u16 *)0x413)
#define SMAP 0x534D4150u

static struct e820_map guest_map;
static struct e820_legacy legacy;
static u64 stub_base, conv_end;
static struct mtrr_state mtrr;

/* Ranges the guest may not use as RAM, with the access it keeps. */
#define KEPT_MAX 8
static struct { u64 base, len; u8 perms; } kept[KEPT_MAX];
static u32 nkept;

void guest_keep(u64 base, u64 len, u8 perms, bool in_map)
{
    if (nkept == KEPT_MAX)
        panic("too many protected ranges");
    if ((base | len) & 0xFFF)            /* the tables protect whole pages */
        panic("protected range 0x%llx+0x%llx not page-aligned", base, len);
    kept[nkept].base = base;
    kept[nkept].len = len;
    kept[nkept].perms = perms;
    nkept++;
    if (in_map && !e820_set_range(&guest_map, base, len, E820_RESERVED))
        panic("guest memory map overflow");
}

static void read_mtrrs(void)
{
    u32 a, b, c, d;

    cpuid(1, 0, &a, &b, &c, &d);
    if (!(d & CPUID_1_EDX_MTRR))    /* no MTRRs: everything is UC (SDM Vol. 3A 11.11.1) */
        return;
    mtrr.cap = rdmsr(MSR_IA32_MTRRCAP);
    mtrr.def_type = rdmsr(MSR_IA32_MTRR_DEF_TYPE);
    if (mtrr.cap & MTRRCAP_FIX) {
        /* The order of struct mtrr_state: 64K, 16K x 2, then the eight 4K MSRs. */
        mtrr.fixed[0] = rdmsr(MSR_IA32_MTRR_FIX64K_00000);
        mtrr.fixed[1] = rdmsr(MSR_IA32_MTRR_FIX16K_80000);
        mtrr.fixed[2] = rdmsr(MSR_IA32_MTRR_FIX16K_A0000);
        for (u32 i = 0; i < 8; i++)
            mtrr.fixed[3 + i] = rdmsr(MSR_IA32_MTRR_FIX4K_C0000 + i);
    }
    u32 n = mtrr.cap & MTRRCAP_VCNT;
    for (u32 i = 0; i < n && i < MTRR_VAR_MAX; i++) {
        mtrr.var_base[i] = rdmsr(MSR_IA32_MTRR_PHYSBASE0 + 2 * i);
        mtrr.var_mask[i] = rdmsr(MSR_IA32_MTRR_PHYSBASE0 + 2 * i + 1);
    }
    cpuid(0x80000000, 0, &a, &b, &c, &d);
    mtrr.phys_bits = 36;
    if (a >= 0x80000008) {
        cpuid(0x80000008, 0, &a, &b, &c, &d);
        mtrr.phys_bits = a & 0xFF;
    }
}

const struct mtrr_state *host_mtrrs(void)
{
    return &mtrr;
}

/* Where the second-level tables end: all of the first 4 GiB (memory and the
 * devices below 4 GiB), and every range above that the firmware reports as
 * memory (RAM, ACPI, NVS), in whole GiB.  Reserved ranges far above (AMD's
 * HyperTransport hole at 1012 GiB) are no memory to map. */
u64 guest_map_top(void)
{
    u64 top = 1ULL << 32;
    for (u32 i = 0; i < g_host_map.count; i++) {
        const struct e820_entry *e = &g_host_map.e[i];
        if (e->type != E820_RESERVED && e->base + e->length > top)
            top = e->base + e->length;
    }
    return (top + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);
}

/* The real MTRRs must still be as the firmware set them: the guest's writes
 * go to its own copy (core/msr.c). */
void mtrr_report(void)
{
    if (!mtrr.cap)
        return;
    bool same = rdmsr(MSR_IA32_MTRR_DEF_TYPE) == mtrr.def_type;
    for (u32 i = 0; i < (mtrr.cap & MTRRCAP_VCNT) && i < MTRR_VAR_MAX; i++)
        same &= rdmsr(MSR_IA32_MTRR_PHYSBASE0 + 2 * i) == mtrr.var_base[i] &&
                rdmsr(MSR_IA32_MTRR_PHYSBASE0 + 2 * i + 1) == mtrr.var_mask[i];
    kprintf("pxHV: the machine's MTRRs: %s\n", same ? "as the firmware set them" : "CHANGED");
}

/* Work out what the guest may use; must run before the second-level tables are built. */
void guest_plan_memory(void)
{
    guest_map = g_host_map;
    read_mtrrs();
    guest_keep(g_hv_base, g_hv_size, 0, true);

    /* The INT 15h hook takes the last whole page of conventional memory,
     * the way option ROMs and boot-time drivers do: INT 12h and BDA 0x413
     * shrink, and the map marks the rest of conventional memory reserved. */
    conv_end = (u64)*BDA_BASE_MEM_KB * 1024;
    for (u32 i = 0; i < guest_map.count; i++)
        if (guest_map.e[i].type == E820_RAM && guest_map.e[i].base == 0 &&
            guest_map.e[i].length < conv_end)
            conv_end = guest_map.e[i].length;
    if (conv_end < 0x20000)
        panic("conventional memory too small (%llu KiB)", conv_end / 1024);
    stub_base = (conv_end - 4096) & ~0xFFFULL;
    /* The second-level tables protect the hook's page; the map reports up to
     * the BIOS's top as reserved, though the rest of the last page (the EBDA
     * at 0x9FC00 on most machines) stays the guest's to use as before. */
    guest_keep(stub_base, 4096, PT_R | PT_X, false);
    if (!e820_set_range(&guest_map, stub_base, conv_end - stub_base, E820_RESERVED))
        panic("guest memory map overflow");
    e820_legacy(&guest_map, &legacy);

    kprintf("pxHV: hidden from the guest: %016llx-%016llx (hypervisor, %llu KiB), "
            "%06llx-%06llx (INT 15h hook, %llu KiB)\n",
            g_hv_base, g_hv_base + g_hv_size, g_hv_size / 1024, stub_base, conv_end,
            (conv_end - stub_base) / 1024);
    for (u32 i = 0; i < guest_map.count; i++)
        kprintf("guest E820: %016llx-%016llx type %u\n", guest_map.e[i].base,
                guest_map.e[i].base + guest_map.e[i].length, guest_map.e[i].type);
    kprintf("pxHV: guest memory: %llu KiB usable, INT 12h %u KiB, E801 %u KiB + %u x 64 KiB\n",
            e820_ram_bytes(&guest_map) / 1024, legacy.conv_kb, legacy.e801_ax, legacy.e801_bx);
}

struct pt_attr guest_classify(void *ctx, u64 base, u64 len)
{
    (void)ctx;
    struct pt_attr a = { .mixed = false, .perms = PT_RWX, .memtype = MT_UC };

    for (u32 i = 0; i < nkept; i++) {
        u64 kb = kept[i].base, ke = kb + kept[i].len;
        if (base >= ke || base + len <= kb)
            continue;
        if (base < kb || base + len > ke) {
            a.mixed = true;           /* straddles a kept range: split */
            return a;
        }
        a.perms = kept[i].perms;
    }
    a.memtype = mtrr_range_type(&mtrr, base, len);
    a.mixed = a.memtype == MT_MIXED;
    return a;
}

bool guest_may_write(u64 gpa, u64 len)
{
    if (gpa + len < gpa)
        return false;
    for (u32 i = 0; i < nkept; i++)
        if (!(kept[i].perms & PT_W) && gpa < kept[i].base + kept[i].len && kept[i].base < gpa + len)
            return false;
    return true;
}

bool guest_may_read(u64 gpa, u64 len)
{
    if (gpa + len < gpa)
        return false;
    for (u32 i = 0; i < nkept; i++)
        if (!(kept[i].perms & PT_R) && gpa < kept[i].base + kept[i].len && kept[i].base < gpa + len)
            return false;
    return true;
}

void guest_install_hook(void)
{
    u8 *stub = (u8 *)(usize)stub_base;
    volatile u32 *ivt = (volatile u32 *)0;

    memcpy(stub, int15_stub, (usize)(int15_stub_end - int15_stub));
    memcpy(stub + (int15_hypercall - int15_stub), virt->hypercall_insn, 3);  /* VMCALL/VMMCALL */
    *(u32 *)(stub + (int15_old - int15_stub)) = ivt[0x15];
    ivt[0x15] = (u32)((stub_base >> 4) << 16);          /* segment:0000 */
    *BDA_BASE_MEM_KB = (u16)(stub_base / 1024);
}

/* PXHV_HC_INT15 from the hook: ESI holds the caller's EAX, ES:DI the buffer. */
void guest_int15(struct cpu *c)
{
    struct guest_regs *r = c->regs;
    u32 fn = (u32)r->r[R_RSI];
    bool carry = false;

    c->stats.event[EV_INT15]++;
    if (fn == 0xE820) {
        struct e820_entry e;
        struct segment es;
        u32 next = 0, n = 0;
        if ((u32)r->r[R_RDX] == SMAP)
            n = e820_bios_query(&guest_map, (u32)r->r[R_RBX], (u32)r->r[R_RCX], &e, &next);
        virt->get_seg(c, SEG_ES, &es);
        u64 dst = es.base + (r->r[R_RDI] & 0xFFFF);
        if (!n || !guest_write(dst, &e, n)) {
            carry = true;
            r->r[R_RAX] = 0x8600;                        /* AH = 86h: unsupported */
        } else {
            r->r[R_RAX] = SMAP;
            r->r[R_RCX] = n;
            r->r[R_RBX] = next;
        }
    } else if ((fn & 0xFFFF) == 0xE801) {
        r->r[R_RAX] = r->r[R_RCX] = legacy.e801_ax;
        r->r[R_RBX] = r->r[R_RDX] = legacy.e801_bx;
    } else if (((fn >> 8) & 0xFF) == 0x88) {
        r->r[R_RAX] = legacy.ext88_kb;
    } else {
        carry = true;
    }
    r->r[R_RSI] = carry;
}
