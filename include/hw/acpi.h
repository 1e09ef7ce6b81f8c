/*
 * The ACPI tables pxHV reads (ACPI Specification 6.5): the RSDP, the root
 * tables, the FADT (power-management ports, the reset register), the DSDT's
 * \_S5 package (the power-off sleep type) and the MADT (the CPUs).  The
 * parsers take pointers and touch no global state, so the host unit tests
 * (tests/unit/test_acpi.c) feed them synthetic tables; acpi_scan() runs them
 * over the firmware's memory.
 */
#ifndef PXHV_ACPI_H
#define PXHV_ACPI_H
#include "lib/types.h"
#include "boot/layout.h"

/* 5.2.5.3 "Root System Description Pointer (RSDP) Structure" */
struct acpi_rsdp {
    char sig[8];             /* "RSD PTR "                          */
    u8   checksum;           /* of the first 20 bytes               */
    char oem[6];
    u8   revision;           /* 0: ACPI 1.0 (RSDT only), 2: XSDT    */
    u32  rsdt;
    u32  length;
    u64  xsdt;
    u8   ext_checksum;
    u8   reserved[3];
} PACKED;

/* 5.2.6 "System Description Table Header" */
struct acpi_header {
    char sig[4];
    u32  length;
    u8   revision, checksum;
    char oem[6], oem_table[8];
    u32  oem_revision, creator, creator_revision;
} PACKED;

/* 5.2.3.2 "Generic Address Structure (GAS)" */
struct acpi_gas {
    u8  space;               /* 0 memory, 1 I/O                     */
    u8  bit_width, bit_offset, access_size;
    u64 address;
} PACKED;
enum { ACPI_GAS_MEMORY = 0, ACPI_GAS_IO = 1 };

/* 5.2.9 "Fixed ACPI Description Table (FADT)", up to X_DSDT */
struct acpi_fadt {
    struct acpi_header h;
    u32 firmware_ctrl, dsdt;
    u8  reserved0, pm_profile;
    u16 sci_int;
    u32 smi_cmd;
    u8  acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
    u32 pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
    u32 pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
    u8  pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
    u8  gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
    u16 p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
    u8  duty_offset, duty_width, day_alrm, mon_alrm, century;
    u16 iapc_boot_arch;
    u8  reserved1;
    u32 flags;
    struct acpi_gas reset_reg;
    u8  reset_value;
    u16 arm_boot_arch;
    u8  minor_version;
    u64 x_firmware_ctrl, x_dsdt;
    struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
    struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
} PACKED;
STATIC_ASSERT(sizeof(struct acpi_fadt) == 244, "FADT through X_GPE1_BLK: 244 bytes");
/* Table 5.10 "Fixed ACPI Description Table Fixed Feature Flags" */
#define FADT_WBINVD        BIT(0)
#define FADT_PROC_C1       BIT(2)
#define FADT_PWR_BUTTON    BIT(4)    /* set: no fixed-feature power button */
#define FADT_SLP_BUTTON    BIT(5)    /* set: no fixed-feature sleep button */
#define FADT_RESET_REG_SUP BIT(10)
/* Table 5.11 "IA-PC Boot Architecture Flags" */
#define FADT_BOOT_VGA_NOT_PRESENT BIT(2)
#define FADT_BOOT_CMOS_RTC_NOT_PRESENT BIT(5)

/* 5.2.10 "Firmware ACPI Control Structure (FACS)": 64 bytes, 64-byte aligned. */
struct acpi_facs {
    char sig[4];             /* "FACS"                              */
    u32  length;
    u32  hardware_signature, firmware_waking_vector, global_lock, flags;
    u64  x_firmware_waking_vector;
    u8   version, reserved0[3];
    u32  ospm_flags;
    u8   reserved1[24];
} PACKED;
STATIC_ASSERT(sizeof(struct acpi_facs) == 64, "FACS: 64 bytes");

/* 5.2.12 "Multiple APIC Description Table (MADT)" */
struct acpi_madt {
    struct acpi_header h;
    u32 lapic_addr;
    u32 flags;               /* bit 0 PCAT_COMPAT: dual 8259s present */
} PACKED;
#define MADT_PCAT_COMPAT BIT(0)
struct madt_entry { u8 type, length; } PACKED;
enum { MADT_LAPIC = 0, MADT_X2APIC = 9 };
struct madt_lapic {              /* 5.2.12.2 "Processor Local APIC Structure" */
    struct madt_entry e;
    u8  uid, apic_id;
    u32 flags;
} PACKED;
struct madt_x2apic {             /* 5.2.12.12 "Processor Local x2APIC Structure" */
    struct madt_entry e;
    u16 reserved;
    u32 x2apic_id, flags, uid;
} PACKED;
#define MADT_ENABLED        BIT(0)
#define MADT_ONLINE_CAPABLE BIT(1)

/* The MP table (Intel MultiProcessor Specification 1.4, 4.1 "MP Floating
 * Pointer Structure", 4.2 "MP Configuration Table Header", 4.3.1 "Processor
 * Entries"): where firmware has no MADT. */
struct mp_floating {
    char sig[4];             /* "_MP_"                              */
    u32  config;             /* the configuration table, 0 if none  */
    u8   length, revision, checksum, feature[5];
} PACKED;
struct mp_config {
    char sig[4];             /* "PCMP"                              */
    u16  length;
    u8   revision, checksum;
    char oem[8], product[12];
    u32  oem_table;
    u16  oem_size, entries;
    u32  lapic_addr;
    u16  ext_length;
    u8   ext_checksum, reserved;
} PACKED;
struct mp_processor {
    u8  type;                /* 0                                   */
    u8  apic_id, apic_version, flags;
    u32 signature, features;
    u32 reserved[2];
} PACKED;
#define MP_CPU_ENABLED BIT(0)

/* The PM1 control register (4.8.3.2.1): SLP_TYP in bits 12:10, SLP_EN bit 13. */
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN        BIT(13)

/* What pxHV takes from the tables. */
struct acpi_cpus {
    u32 count;                  /* usable CPUs listed (at most PXHV_MAX_CPUS kept) */
    u32 listed;                 /* usable CPUs the table names in all              */
    u32 apic_id[PXHV_MAX_CPUS];
    bool x2apic[PXHV_MAX_CPUS]; /* named by an x2APIC structure                    */
};
struct acpi_info {
    bool found;                 /* an RSDP with a valid checksum                   */
    const char *cpus_from;      /* "ACPI MADT", "MP table" or NULL                 */
    u16  pm1a_cnt, pm1b_cnt;    /* I/O ports, 0 if none                             */
    bool s5;                    /* \_S5 found                                       */
    u8   slp_typa, slp_typb;
    u64  lapic_addr;
    struct acpi_cpus cpus;
};

bool acpi_checksum_ok(const void *p, u32 len);
/* \_S5's SLP_TYPa/b from a DSDT's AML: false if the DSDT has no \_S5 package. */
bool acpi_parse_s5(const struct acpi_header *dsdt, u8 *typa, u8 *typb);
/* \_S1..\_S4 renamed in one definition block; bit n of the result: Sn hidden. */
u32 acpi_hide_sleep_states(struct acpi_header *t);
/* The same in the firmware's DSDT and SSDTs (in place, before the guest runs). */
u32 acpi_hide_sleep(void);
/* The usable CPUs of a MADT: enabled or online-capable entries, in table order. */
void acpi_parse_madt(const struct acpi_madt *madt, struct acpi_cpus *out);
/* The same from an MP configuration table: its enabled processor entries. */
void mp_parse_config(const struct mp_config *cfg, struct acpi_cpus *out);
/* CPUs given to cells, gone from what the root guest reads: their MADT
 * entries neither enabled nor online capable (ACPI 6.5 5.2.12.2 "Processor
 * Local APIC Structure", Table 5.40 "Local APIC Flags"), their MP table
 * entries not enabled (MP 1.4 4.3.1), checksums made good.  Each returns the
 * entries it changed; acpi_disable_cpus does both in the firmware's tables in
 * place: bit 0 the MADT changed, bit 1 the MP table. */
u32 acpi_madt_disable(struct acpi_madt *madt, const u32 *ids, u32 n);
u32 mp_config_disable(struct mp_config *cfg, const u32 *ids, u32 n);
u32 acpi_disable_cpus(const u32 *ids, u32 n);
/* The CPUs and, with `power`, the power-management ports and \_S5, from the
 * firmware's tables in physical memory, through the RSDP at `rsdp` (UEFI's
 * configuration table) or, if 0, the one found in the BIOS areas. */
void acpi_scan(struct acpi_info *out, bool power, u64 rsdp);
/* The firmware's RSDP (the one acpi_scan was given, else the BIOS areas'), and
 * the nth table with signature `sig` its XSDT (or RSDT) lists with a valid
 * checksum; NULL if none. */
const struct acpi_rsdp *acpi_rsdp(void);
const struct acpi_header *acpi_find(const char sig[4], u32 nth);

#endif
