/*
 * Ending the run: ACPI S5 power-off (FADT PM1a control block, SLP_TYPa
 * from the DSDT's \_S5 package; ACPI spec 4.8.3.2 and 7.4.2), with the
 * Bochs shutdown port as a fallback; reset through port 0xCF9, the
 * keyboard controller, then a triple fault.
 */
#include "hv.h"
#include "console.h"
#include "lib.h"
#include "x86.h"

static u16 pm1a_cnt, pm1b_cnt;
static u16 slp_typa = 0xFFFF, slp_typb;

static bool checksum_ok(const u8 *p, u32 len)
{
    u8 sum = 0;
    for (u32 i = 0; i < len; i++)
        sum += p[i];
    return sum == 0;
}

static const u8 *find_rsdp(void)
{
    /* ACPI 5.2.5.1: first KiB of the EBDA, then 0xE0000-0xFFFFF, 16-byte aligned. */
    u64 ebda = (u64)*(volatile u16 *)0x40E << 4;
    u64 ranges[2][2] = { { ebda, ebda + 1024 }, { 0xE0000, 0x100000 } };

    for (int r = 0; r < 2; r++) {
        if (!ranges[r][0])
            continue;
        for (u64 a = ranges[r][0]; a + 20 <= ranges[r][1]; a += 16) {
            const u8 *p = (const u8 *)a;
            if (!memcmp(p, "RSD PTR ", 8) && checksum_ok(p, 20))
                return p;
        }
    }
    return NULL;
}

static const u8 *find_table(const u8 *rsdp, const char sig[4])
{
    u8 rev = rsdp[15];
    u64 xsdt = rev >= 2 ? *(const u64 *)(rsdp + 24) : 0;
    u64 root = xsdt ? xsdt : *(const u32 *)(rsdp + 16);
    u32 esize = xsdt ? 8 : 4;
    const u8 *t = (const u8 *)root;

    if (!root || root >= (1ULL << 32) || !checksum_ok(t, *(const u32 *)(t + 4)))
        return NULL;
    u32 len = *(const u32 *)(t + 4);
    for (u32 off = 36; off + esize <= len; off += esize) {
        u64 a = esize == 8 ? *(const u64 *)(t + off) : *(const u32 *)(t + off);
        if (a && a < (1ULL << 32) && !memcmp((const u8 *)a, sig, 4))
            return (const u8 *)a;
    }
    return NULL;
}

/* Scan the DSDT's AML for "_S5_" NameOp Package and read SLP_TYPa/b. */
static void parse_s5(const u8 *dsdt)
{
    u32 len = *(const u32 *)(dsdt + 4);

    for (u32 i = 36; i + 8 < len; i++) {
        if (memcmp(dsdt + i, "_S5_", 4) || (dsdt[i - 1] != 0x08 && dsdt[i - 2] != 0x08))
            continue;
        const u8 *p = dsdt + i + 4;
        if (*p++ != 0x12)           /* PackageOp */
            continue;
        p += ((*p >> 6) & 3) + 1;   /* PkgLength: lead byte + follow bytes */
        p++;                        /* NumElements */
        u16 v[2];
        for (int k = 0; k < 2; k++) {
            if (*p == 0x0A)         /* BytePrefix */
                p++;
            v[k] = *p == 0x01 ? 1 : *p == 0x00 ? 0 : *p; /* OneOp / ZeroOp / data */
            p++;
        }
        slp_typa = v[0];
        slp_typb = v[1];
        return;
    }
}

void acpi_init(void)
{
    const u8 *rsdp = find_rsdp();
    if (!rsdp)
        return;
    const u8 *fadt = find_table(rsdp, "FACP");
    if (!fadt)
        return;
    pm1a_cnt = (u16)*(const u32 *)(fadt + 64);
    pm1b_cnt = (u16)*(const u32 *)(fadt + 68);
    u64 dsdt = *(const u32 *)(fadt + 40);
    if (*(const u32 *)(fadt + 4) >= 148 && *(const u64 *)(fadt + 140))
        dsdt = *(const u64 *)(fadt + 140);
    if (dsdt && dsdt < (1ULL << 32) && !memcmp((const u8 *)dsdt, "DSDT", 4))
        parse_s5((const u8 *)dsdt);
}

u16 acpi_pm1a_cnt(void)
{
    return pm1a_cnt;
}

static void vmx_leave(void)
{
    /* INIT is blocked in VMX root operation (SDM 24.8); leave it so that a
     * reset line wired to INIT works.  VMXOFF outside VMX operation is #UD,
     * so only execute it when CR4.VMXE says we may be inside. */
    if (read_cr4() & CR4_VMXE && g_boot.vmx_status == VMX_OK)
        __asm__ volatile("vmxoff" ::: "cc", "memory");
}

NORETURN void machine_halt(void)
{
    serial_flush();
    for (;;) {
        cli();
        hlt();
    }
}

NORETURN void machine_poweroff(void)
{
    serial_flush();
    if (pm1a_cnt && slp_typa != 0xFFFF) {
        outw(pm1a_cnt, (u16)((slp_typa & 7) << 10 | BIT(13)));  /* SLP_TYPa | SLP_EN */
        if (pm1b_cnt)
            outw(pm1b_cnt, (u16)((slp_typb & 7) << 10 | BIT(13)));
    }
    /* Bochs and older QEMU: the string "Shutdown" on port 0x8900. */
    for (const char *s = "Shutdown"; *s; s++)
        outb(0x8900, (u8)*s);
    kprintf("pxHV: power-off did not take effect; halting\n");
    machine_halt();
}

NORETURN void machine_reset(void)
{
    serial_flush();
    vmx_leave();
    outb(0xCF9, 0x02);
    outb(0xCF9, 0x06);          /* full reset through the reset control register */
    for (int i = 0; i < 100000 && (inb(0x64) & 2); i++)
        ;
    outb(0x64, 0xFE);           /* keyboard-controller reset pulse */
    struct dtr none = { 0, 0 };
    lidt(&none);
    __asm__ volatile("int3");   /* no IDT: triple fault */
    machine_halt();
}

NORETURN void hv_stop(const char *why)
{
    kprintf("pxHV: stopping (%s)\n", why);
    if (g_boot.config.flags & CFG_FLAG_NO_POWEROFF)
        machine_halt();
    machine_poweroff();
}
