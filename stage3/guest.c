/*
 * The guest: its memory map (the firmware's minus what pxHV keeps), the
 * INT 15h hook that serves that map, its initial state (what a BIOS
 * leaves at 0000:7C00), and access to its memory on its behalf.
 */
#include "hv.h"
#include "vcpu.h"
#include "ept.h"
#include "console.h"
#include "hypercall.h"
#include "lib.h"
#include "x86.h"

#define BDA_BASE_MEM_KB ((volatile u16 *)0x413)
#define SMAP 0x534D4150u

static struct e820_map guest_map;
static struct e820_legacy legacy;
static u64 stub_base, conv_end;

extern const u8 int15_stub[], int15_stub_end[];
extern const u32 int15_old_off;

static const char *const source_names[] = {
    [GUEST_SRC_NONE] = "none", [GUEST_SRC_PARTITION] = "active partition",
    [GUEST_SRC_DRIVE] = "BIOS drive", [GUEST_SRC_BUILTIN] = "built-in",
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

/* ---- memory map ---- */

static void print_map(const char *who, const struct e820_map *m)
{
    for (u32 i = 0; i < m->count; i++)
        kprintf("%s %016llx-%016llx type %u\n", who, m->e[i].base,
                m->e[i].base + m->e[i].length, m->e[i].type);
}

/* Work out what the guest may use; must run before the EPT is built. */
void guest_plan_memory(void)
{
    guest_map = g_host_map;
    if (!e820_set_range(&guest_map, g_hv_base, g_hv_size, E820_RESERVED))
        panic("guest memory map overflow");

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
    if (!e820_set_range(&guest_map, stub_base, conv_end - stub_base, E820_RESERVED))
        panic("guest memory map overflow");
    e820_legacy(&guest_map, &legacy);

    ept_protect(g_hv_base, g_hv_size, 0);
    ept_protect(stub_base, 4096, EPT_R | EPT_X);

    kprintf("pxHV: hidden from the guest: %016llx-%016llx (hypervisor, %llu KiB), "
            "%06llx-%06llx (INT 15h hook, %llu KiB)\n",
            g_hv_base, g_hv_base + g_hv_size, g_hv_size / 1024, stub_base, conv_end,
            (conv_end - stub_base) / 1024);
    print_map("guest E820:", &guest_map);
    kprintf("pxHV: guest memory: %llu KiB usable, INT 12h %u KiB, E801 %u KiB + %u x 64 KiB\n",
            e820_ram_bytes(&guest_map) / 1024, legacy.conv_kb, legacy.e801_ax, legacy.e801_bx);
}

static void install_int15_hook(void)
{
    u8 *stub = (u8 *)stub_base;
    volatile u32 *ivt = (volatile u32 *)0;
    usize n = (usize)(int15_stub_end - int15_stub);

    memcpy(stub, int15_stub, n);
    *(u32 *)(stub + int15_old_off) = ivt[0x15];
    ivt[0x15] = (u32)((stub_base >> 4) << 16);          /* segment:0000 */
    *BDA_BASE_MEM_KB = (u16)(stub_base / 1024);
}

/* PXHV_HC_INT15 from the hook: ESI holds the caller's EAX. */
void guest_int15(void)
{
    struct guest_regs *r = g_vcpu.regs;
    u32 fn = (u32)r->r[R_RSI];
    bool carry = false;

    if (fn == 0xE820) {
        struct e820_entry e;
        u32 next = 0, n = 0;
        if ((u32)r->r[R_RDX] == SMAP)
            n = e820_bios_query(&guest_map, (u32)r->r[R_RBX], (u32)r->r[R_RCX], &e, &next);
        u64 dst = vmread(VMCS_GUEST_ES_BASE) + (r->r[R_RDI] & 0xFFFF);
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

/* ---- guest memory access ---- */

static bool overlaps(u64 a, u64 len, u64 b, u64 blen)
{
    return a < b + blen && b < a + len;
}

bool guest_read(u64 gpa, void *dst, u64 len)
{
    if (overlaps(gpa, len, g_hv_base, g_hv_size) || gpa + len < gpa)
        return false;
    memcpy(dst, (const void *)gpa, len);
    return true;
}

bool guest_write(u64 gpa, const void *src, u64 len)
{
    if (overlaps(gpa, len, g_hv_base, g_hv_size) || overlaps(gpa, len, stub_base, 4096) ||
        gpa + len < gpa)
        return false;
    memcpy((void *)gpa, src, len);
    return true;
}

/* Guest linear -> guest physical through the guest's own page tables
 * (SDM Vol. 3A 4.3 32-bit, 4.4 PAE, 4.5 4-level paging). */
bool guest_linear_to_phys(u64 gla, u64 *gpa)
{
    u64 cr0 = vmread(VMCS_GUEST_CR0), cr4 = vmread(VMCS_GUEST_CR4), cr3 = vmread(VMCS_GUEST_CR3);
    const u64 addr_mask = 0x000FFFFFFFFFF000ULL;

    if (!(cr0 & CR0_PG)) {
        *gpa = gla;
        return true;
    }
    if (!(cr4 & CR4_PAE)) {
        u32 pde, pte;
        if (!guest_read((cr3 & 0xFFFFF000) + ((gla >> 22) & 0x3FF) * 4, &pde, 4) || !(pde & 1))
            return false;
        if ((pde & 0x80) && (cr4 & CR4_PSE)) {
            *gpa = (pde & 0xFFC00000) | (gla & 0x3FFFFF);
            return true;
        }
        if (!guest_read((pde & 0xFFFFF000) + ((gla >> 12) & 0x3FF) * 4, &pte, 4) || !(pte & 1))
            return false;
        *gpa = (pte & 0xFFFFF000) | (gla & 0xFFF);
        return true;
    }
    bool lma = vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA;
    u64 e;
    int level;
    if (lma) {
        e = (cr3 & addr_mask) | 1;
        level = 4;
    } else {
        static const enum vmcs_field pdpte[4] = { VMCS_GUEST_PDPTE0, VMCS_GUEST_PDPTE1,
                                                  VMCS_GUEST_PDPTE2, VMCS_GUEST_PDPTE3 };
        e = vmread(pdpte[(gla >> 30) & 3]);
        level = 2;
        if (!(e & 1))
            return false;
    }
    for (; level >= 1; level--) {
        u64 idx = (gla >> (12 + 9 * (level - 1))) & 0x1FF;
        if (!guest_read((e & addr_mask) + idx * 8, &e, 8) || !(e & 1))
            return false;
        if (level > 1 && level < 4 && (e & 0x80)) {
            u64 span = 1ULL << (12 + 9 * (level - 1));
            *gpa = (e & addr_mask & ~(span - 1)) | (gla & (span - 1));
            return true;
        }
    }
    *gpa = (e & addr_mask) | (gla & 0xFFF);
    return true;
}

/* ---- initial state ---- */

static void set_seg(enum vmcs_field sel, enum vmcs_field base, enum vmcs_field limit,
                    enum vmcs_field ar, u16 s, u32 access)
{
    vmwrite(sel, s);
    vmwrite(base, (u64)s << 4);
    vmwrite(limit, 0xFFFF);
    vmwrite(ar, access);
}

void guest_prepare(struct guest_regs *regs)
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
    install_int15_hook();

    /* Real mode at 0000:7C00 as a BIOS leaves it (unrestricted guest:
     * SDM 26.3.1.1 lets CR0.PE/PG be 0).  Access rights: 0x9B = present
     * accessed code, 0x93 = present accessed data (SDM 24.4.1). */
    u64 cr0 = (CR0_ET | (g_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG))) & g_caps.cr0_fixed1;
    vmwrite(VMCS_GUEST_CR0, cr0);
    vmwrite(VMCS_CR0_READ_SHADOW, CR0_ET);
    vmwrite(VMCS_GUEST_CR3, 0);
    vmwrite(VMCS_GUEST_CR4, g_caps.cr4_fixed0);
    vmwrite(VMCS_CR4_READ_SHADOW, 0);
    vmwrite(VMCS_GUEST_DR7, 0x400);
    vmwrite(VMCS_GUEST_RSP, 0x7C00);
    vmwrite(VMCS_GUEST_RIP, 0x7C00);
    vmwrite(VMCS_GUEST_RFLAGS, 0x202);          /* IF=1, as the BIOS jumps to the boot sector */
    set_seg(VMCS_GUEST_CS_SEL, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_AR, 0, 0x9B);
    set_seg(VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR, 0, 0x93);
    set_seg(VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR, 0, 0x93);
    set_seg(VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR, 0, 0x93);
    set_seg(VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR, 0, 0x93);
    set_seg(VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR, 0, 0x93);
    set_seg(VMCS_GUEST_LDTR_SEL, VMCS_GUEST_LDTR_BASE, VMCS_GUEST_LDTR_LIMIT, VMCS_GUEST_LDTR_AR,
            0, 0x10000);                        /* unusable */
    set_seg(VMCS_GUEST_TR_SEL, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_AR, 0, 0x8B);
    vmwrite(VMCS_GUEST_GDTR_BASE, 0);
    vmwrite(VMCS_GUEST_GDTR_LIMIT, 0xFFFF);
    vmwrite(VMCS_GUEST_IDTR_BASE, 0);
    vmwrite(VMCS_GUEST_IDTR_LIMIT, 0x3FF);      /* the real-mode IVT */
    vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0);
    vmwrite(VMCS_GUEST_IA32_EFER, 0);
    if (g_caps.entry & ENTRY_LOAD_PAT)
        vmwrite(VMCS_GUEST_IA32_PAT, 0x0007040600070406ULL); /* power-on PAT (SDM 13.12.4) */
    vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
    vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
    vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
    vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);
    vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
    vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);

    memset(regs, 0, sizeof *regs);
    regs->r[R_RDX] = bi->guest_drive;            /* DL = boot drive */
    regs->r[R_RSI] = bi->guest_si;               /* DS:SI = partition entry (MBR chain) */

    char name[sizeof bi->config.guest_name + 1];
    memcpy(name, bi->config.guest_name, sizeof bi->config.guest_name);
    name[sizeof bi->config.guest_name] = 0;
    kprintf("pxHV: launching guest '%s' (%s) at 0000:7C00, DL=0x%02x",
            name[0] ? name : "guest", src < ARRAY_SIZE(source_names) ? source_names[src] : "?",
            bi->guest_drive);
    if (bi->guest_si)
        kprintf(", DS:SI=0000:%04x (partition at LBA %u)", bi->guest_si, bi->guest_part_lba);
    kprintf("\n");
}
