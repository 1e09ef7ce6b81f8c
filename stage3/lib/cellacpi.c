/* A cell's ACPI tables (include/lib/cellacpi.h); section numbers: ACPI 6.5. */
#include "lib/cellacpi.h"
#include "lib/lib.h"
#include "hw/acpi.h"

/* Where each table sits in the block.  The FACS must be 64-byte aligned
 * (5.2.10 "Firmware ACPI Control Structure (FACS)"); the MADT comes last
 * because it is the one that grows with the CPUs. */
enum {
    OFF_RSDP = 0x000,
    OFF_FACS = 0x040,
    OFF_RSDT = 0x080,
    OFF_XSDT = 0x0C0,
    OFF_FADT = 0x100,
    OFF_DSDT = 0x200,
    OFF_MADT = 0x240,
};

/* The DSDT's AML (20.2 "AML Grammar Definition"): NameOp, the name with
 * its root prefix, "\_S5_", PackageOp, PkgLength (8: itself to the end),
 * NumElements (4), BytePrefix 5, BytePrefix 5, ZeroOp, ZeroOp: SLP_TYPa =
 * SLP_TYPb = 5 (7.4.2 "\_Sx (System States)").  The root prefix changes
 * nothing in the DSDT's root scope, but simple scanners (the one in
 * stage3/core/acpi.c among them) look for the name two bytes or more into
 * the AML, with NameOp one or two bytes before it. */
static const u8 dsdt_aml[] = {
    0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
    0x0A, CELL_SLP_TYP_S5, 0x0A, CELL_SLP_TYP_S5, 0x00, 0x00,
};

static u8 sum8(const void *p, u32 len)
{
    const u8 *b = p;
    u8 s = 0;
    while (len--)
        s += *b++;
    return s;
}

/* 5.2.6 "System Description Table Header"; the checksum is set by seal(). */
static void header(struct acpi_header *h, const char sig[4], u32 length, u8 revision)
{
    memcpy(h->sig, sig, 4);
    h->length = length;
    h->revision = revision;
    memcpy(h->oem, CELL_ACPI_OEM, 6);
    memcpy(h->oem_table, "PXHVCELL", 8);
    h->oem_revision = 1;
    memcpy(&h->creator, "PXHV", 4);
    h->creator_revision = 1;
}

static void seal(struct acpi_header *h)
{
    h->checksum = 0;
    h->checksum = (u8)-sum8(h, h->length);
}

static struct acpi_gas io_gas(u32 port, u8 bytes)
{
    return (struct acpi_gas){ .space = ACPI_GAS_IO, .bit_width = (u8)(bytes * 8), .address = port };
}

u32 cell_acpi_build(u8 *buf, u32 size, u32 base, const u32 *apic_ids, u32 count)
{
    u32 madt_len = sizeof(struct acpi_madt);
    if (!count || count > 4096)
        return 0;
    for (u32 i = 0; i < count; i++)
        madt_len += apic_ids[i] < 0xFF ? sizeof(struct madt_lapic) : sizeof(struct madt_x2apic);
    u32 used = OFF_MADT + madt_len;
    if (used > size)
        return 0;
    memset(buf, 0, used);

    /* 5.2.5.3 "Root System Description Pointer (RSDP) Structure" */
    struct acpi_rsdp *rsdp = (struct acpi_rsdp *)(buf + OFF_RSDP);
    memcpy(rsdp->sig, "RSD PTR ", 8);
    memcpy(rsdp->oem, CELL_ACPI_OEM, 6);
    rsdp->revision = 2;
    rsdp->rsdt = base + OFF_RSDT;
    rsdp->length = sizeof *rsdp;
    rsdp->xsdt = base + OFF_XSDT;
    rsdp->checksum = (u8)-sum8(rsdp, 20);
    rsdp->ext_checksum = (u8)-sum8(rsdp, sizeof *rsdp);

    /* 5.2.7 "Root System Description Table (RSDT)", 5.2.8 "Extended System
     * Description Table (XSDT)": the FADT and the MADT. */
    const u32 tables[2] = { base + OFF_FADT, base + OFF_MADT };
    struct acpi_header *rsdt = (struct acpi_header *)(buf + OFF_RSDT);
    header(rsdt, "RSDT", sizeof *rsdt + 2 * 4, 1);
    memcpy(rsdt + 1, tables, sizeof tables);
    seal(rsdt);
    struct acpi_header *xsdt = (struct acpi_header *)(buf + OFF_XSDT);
    header(xsdt, "XSDT", sizeof *xsdt + 2 * 8, 1);
    for (int i = 0; i < 2; i++) {
        u64 pa = tables[i];
        memcpy((u8 *)(xsdt + 1) + 8 * i, &pa, 8);
    }
    seal(xsdt);

    /* 5.2.10 "Firmware ACPI Control Structure (FACS)": nothing to wake, no lock. */
    struct acpi_facs *facs = (struct acpi_facs *)(buf + OFF_FACS);
    memcpy(facs->sig, "FACS", 4);
    facs->length = sizeof *facs;
    facs->version = 2;

    /* 5.2.11.1 "Differentiated System Description Table (DSDT)"; revision 2:
     * integers are 64 bits wide. */
    struct acpi_header *dsdt = (struct acpi_header *)(buf + OFF_DSDT);
    header(dsdt, "DSDT", sizeof *dsdt + sizeof dsdt_aml, 2);
    memcpy(dsdt + 1, dsdt_aml, sizeof dsdt_aml);
    seal(dsdt);

    /* 5.2.9 "Fixed ACPI Description Table (FADT)", revision 4 (244 bytes).
     * SMI_CMD 0: no SMM, the hardware is in ACPI mode from the start.  C2/C3
     * latencies above 100/1000 us: those states are not supported. */
    struct acpi_fadt *fadt = (struct acpi_fadt *)(buf + OFF_FADT);
    header(&fadt->h, "FACP", sizeof *fadt, 4);
    fadt->firmware_ctrl = base + OFF_FACS;
    fadt->dsdt = base + OFF_DSDT;
    fadt->x_dsdt = base + OFF_DSDT;
    fadt->sci_int = CELL_SCI_IRQ;
    fadt->pm1a_evt_blk = CELL_PM1A_EVT;
    fadt->pm1a_cnt_blk = CELL_PM1A_CNT;
    fadt->pm_tmr_blk = CELL_PM_TMR;
    fadt->pm1_evt_len = 4;
    fadt->pm1_cnt_len = 2;
    fadt->pm_tmr_len = 4;
    fadt->p_lvl2_lat = 101;
    fadt->p_lvl3_lat = 1001;
    fadt->iapc_boot_arch = FADT_BOOT_VGA_NOT_PRESENT | FADT_BOOT_CMOS_RTC_NOT_PRESENT;
    fadt->flags = FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON;
    fadt->x_pm1a_evt_blk = io_gas(CELL_PM1A_EVT, 4);
    fadt->x_pm1a_cnt_blk = io_gas(CELL_PM1A_CNT, 2);
    fadt->x_pm_tmr_blk = io_gas(CELL_PM_TMR, 4);
    seal(&fadt->h);

    /* 5.2.12 "Multiple APIC Description Table (MADT)": the cell's CPUs only. */
    struct acpi_madt *madt = (struct acpi_madt *)(buf + OFF_MADT);
    header(&madt->h, "APIC", madt_len, 3);
    madt->lapic_addr = CELL_LAPIC_ADDR;
    u8 *p = (u8 *)(madt + 1);
    for (u32 i = 0; i < count; i++) {
        if (apic_ids[i] < 0xFF) {
            /* 5.2.12.2 "Processor Local APIC Structure" */
            struct madt_lapic *l = (struct madt_lapic *)p;
            l->e = (struct madt_entry){ MADT_LAPIC, sizeof *l };
            l->uid = (u8)i;
            l->apic_id = (u8)apic_ids[i];
            l->flags = MADT_ENABLED;
            p += sizeof *l;
        } else {
            /* 5.2.12.12 "Processor Local x2APIC Structure": IDs 255 and up */
            struct madt_x2apic *x = (struct madt_x2apic *)p;
            x->e = (struct madt_entry){ MADT_X2APIC, sizeof *x };
            x->x2apic_id = apic_ids[i];
            x->flags = MADT_ENABLED;
            x->uid = i;
            p += sizeof *x;
        }
    }
    seal(&madt->h);
    return used;
}
