/*
 * What the assembly sources, the linker script, make and the shell scripts
 * take from the C headers.  scripts/genconsts.c prints each list in the form
 * its user reads (NASM `equ`, make and shell assignments); nothing is copied
 * by hand.  tests/unit/test_genconsts.c checks that NASM sees every value.
 *   C(name)                 a constant
 *   O(name, type, member)   offsetof(type, member)
 *   Z(name, type)           sizeof(type)
 *   S(name)                 a string constant (NASM: %define name 'text')
 */
#ifndef PXHV_ASM_EXPORTS_H
#define PXHV_ASM_EXPORTS_H
#include "boot/layout.h"
#include "boot/bootinfo.h"
#include "boot/pxhv_config.h"
#include "boot/stage3_header.h"
#include "boot/hypercall.h"
#include "boot/uefi.h"
#include "hw/x86.h"
#include "lib/pt.h"

/* stage 1, stage 2, stage 3's assembly, the linker script and the image scripts */
#define PXHV_EXPORTS(C, O, Z, S) \
    C(SECTOR_SIZE) C(DISK_STAGE2_LBA) C(DISK_STAGE2_SECTORS) \
    C(DISK_CONFIG_LBA) C(DISK_STAGE3_LBA) C(DISK_STAGE3_MAX_SECTORS) C(DISK_BUILTIN_LBA) \
    C(DISK_BUILTIN_MAX_SECTORS) C(DISK_PART1_LBA) C(MBR_PART_TABLE) C(MBR_CODE_BYTES) C(MBR_STAGE2_LBA) C(DISK_CYLINDER_BYTES) \
    C(LOW_MBR_COPY) C(LOW_BOOT_SECTOR) C(LOW_STAGE2) C(LOW_STAGE2_STACK) \
    C(LOW_STAGE3_BOUNCE) C(LOW_PAGE_TABLES) C(LOW_CENSUS) C(CENSUS_COUNT) C(CENSUS_IDS) \
    C(CENSUS_MAX) C(LOW_CELL_BOUNCE) C(CELL_STAGING) C(CELL_STAGING_END) C(DISK_CELL_IMAGES_LBA) \
    C(CELLS_MAX) C(CELL_NAME_LEN) C(CELL_CPUS_MAX) C(CELL_PORT_RANGES) C(CELL_CMDLINE_LEN) \
    C(CELL_MEM_MIN_MIB) C(CELL_FMT_FLAT) C(CELL_FMT_MULTIBOOT) C(CELL_POLICY_STOP) \
    C(CELL_POLICY_RESTART) C(CFG_CELLS_OFFSET) \
    O(CELLS_COUNT, struct pxhv_cells, count) O(CELLS_CELL, struct pxhv_cells, cell) \
    Z(CELLS_SIZE, struct pxhv_cells) Z(CELL_SIZE, struct pxhv_cell) \
    O(CELL_NAME, struct pxhv_cell, name) O(CELL_FORMAT, struct pxhv_cell, format) \
    O(CELL_POLICY, struct pxhv_cell, policy) O(CELL_CPUS, struct pxhv_cell, cpus) \
    O(CELL_FLAGS, struct pxhv_cell, flags) O(CELL_CPU_IDS, struct pxhv_cell, cpu_ids) \
    O(CELL_MEM_MIB, struct pxhv_cell, mem_mib) O(CELL_IMAGE_LBA, struct pxhv_cell, image_lba) \
    O(CELL_IMAGE_SECTORS, struct pxhv_cell, image_sectors) \
    O(CELL_IMAGE_BYTES, struct pxhv_cell, image_bytes) O(CELL_STAGED, struct pxhv_cell, staged) \
    O(CELL_PORTS, struct pxhv_cell, ports) O(CELL_CMDLINE, struct pxhv_cell, cmdline) \
    C(STAGE3_MAGIC) \
    O(S3H_MAGIC, struct stage3_header, magic) O(S3H_ENTRY_OFFSET, struct stage3_header, entry_offset) \
    O(S3H_IMAGE_SIZE, struct stage3_header, image_size) O(S3H_MEM_SIZE, struct stage3_header, mem_size) \
    C(S3H_SIZE) \
    S(PXHV_CONFIG_MAGIC) C(PXHV_CONFIG_VERSION) \
    O(CFG_MAGIC, struct pxhv_config, magic) O(CFG_VERSION, struct pxhv_config, version) \
    O(CFG_STAGE3_LBA, struct pxhv_config, stage3_lba) \
    O(CFG_STAGE3_SECTORS, struct pxhv_config, stage3_sectors) \
    O(CFG_GUEST_SOURCE, struct pxhv_config, guest_source) \
    O(CFG_GUEST_DRIVE, struct pxhv_config, guest_drive) O(CFG_GUEST_LBA, struct pxhv_config, guest_lba) \
    O(CFG_GUEST_SECTORS, struct pxhv_config, guest_sectors) O(CFG_FLAGS, struct pxhv_config, flags) \
    O(CFG_GUEST_NAME, struct pxhv_config, guest_name) C(CFG_GUEST_NAME_LEN) Z(CFG_SIZE, struct pxhv_config) \
    C(CFG_FLAG_TRACE_EXITS) C(CFG_FLAG_NO_POWEROFF) C(CFG_FLAG_INTERCEPT_IPI) C(CFG_FLAG_REQUIRE_IOMMU) \
    C(CFG_FLAG_TEST_RELAUNCH) \
    C(GUEST_SRC_NONE) C(GUEST_SRC_PARTITION) C(GUEST_SRC_DRIVE) C(GUEST_SRC_BUILTIN) C(GUEST_SRC_MBR) \
    C(BOOTINFO_MAGIC) C(BOOTINFO_VERSION) C(BOOTINFO_E820_MAX) \
    O(BI_MAGIC, struct boot_info, magic) O(BI_VERSION, struct boot_info, version) \
    O(BI_FLAGS, struct boot_info, flags) O(BI_BOOT_DRIVE, struct boot_info, boot_drive) \
    O(BI_VIRT, struct boot_info, virt) \
    O(BI_E820_COUNT, struct boot_info, e820_count) O(BI_CONV_KB, struct boot_info, conv_kb) \
    O(BI_E801_AX, struct boot_info, e801_ax) O(BI_E801_BX, struct boot_info, e801_bx) \
    O(BI_E801_CX, struct boot_info, e801_cx) O(BI_E801_DX, struct boot_info, e801_dx) \
    O(BI_EXT88_KB, struct boot_info, ext88_kb) O(BI_DISK_CYLS, struct boot_info, disk_cyls) \
    O(BI_DISK_HEADS, struct boot_info, disk_heads) O(BI_DISK_SPT, struct boot_info, disk_spt) \
    O(BI_DISK_SECTORS, struct boot_info, disk_sectors) \
    O(BI_GUEST_STATUS, struct boot_info, guest_status) \
    O(BI_GUEST_BIOS_ERR, struct boot_info, guest_bios_err) \
    O(BI_GUEST_DRIVE, struct boot_info, guest_drive) O(BI_GUEST_SI, struct boot_info, guest_si) \
    O(BI_GUEST_PART_LBA, struct boot_info, guest_part_lba) \
    O(BI_GUEST_LOAD_BYTES, struct boot_info, guest_load_bytes) \
    O(BI_CONFIG, struct boot_info, config) O(BI_E820, struct boot_info, e820) \
    O(BI_LM_CR3, struct boot_info, lm_cr3) O(BI_LM_STACK, struct boot_info, lm_stack) \
    O(BI_LM_ENTRY, struct boot_info, lm_entry) O(BI_LM_ARG, struct boot_info, lm_arg) \
    O(BI_CONFIG_LBA, struct boot_info, config_lba) O(BI_CELLS, struct boot_info, cells) \
    O(BI_CELL_STATUS, struct boot_info, cell_status) \
    O(BI_CELL_BIOS_ERR, struct boot_info, cell_bios_err) \
    Z(BI_SIZE, struct boot_info) \
    O(E820_LENGTH, struct e820_entry, length) \
    O(E820_ATTR, struct e820_entry, attr) \
    Z(E820_ENTRY_SIZE, struct e820_entry) C(E820_RAM) \
    C(VIRT_VMX) C(VIRT_SVM) \
    C(GUEST_OK) C(GUEST_NOT_CONFIGURED) C(GUEST_READ_ERROR) C(GUEST_NO_DRIVE) C(GUEST_EMPTY) \
    C(GUEST_UNSIGNED) C(GUEST_NO_ACTIVE_PART) C(GUEST_TOO_LARGE) \
    C(CELL_READ_ERROR) C(CELL_MOVE_ERROR) \
    C(BI_FLAG_EDD) C(BI_FLAG_A20_FAST) C(BI_FLAG_A20_KBC) \
    C(PXHV_CPUID_BASE) C(PXHV_CPUID_SIG) C(PXHV_HC_RESET) \
    C(EXC_ERROR_CODE_VECTORS) C(CPUID_1_ECX_VMX) C(CPUID_1_ECX_HYPERVISOR) \
    C(CPUID_80000001_EDX_LM) C(CPUID_80000001_ECX_SVM) \
    C(CR0_PE) C(CR0_PG) C(CR4_PAE) C(MSR_EFER) C(EFER_LME) C(PTE_P) C(PTE_W) C(PTE_PS) \
    C(MSR_IA32_APIC_BASE) C(APIC_BASE_BSP)

/* The hypercall ABI and the test-guest contract, for the NASM test guests */
#define HYPERCALL_EXPORTS(C, O, Z, S) \
    C(PXHV_HC_VERSION) C(PXHV_HC_PUTS) C(PXHV_HC_PUTC) C(PXHV_HC_EXIT_STATS) \
    C(PXHV_HC_SHUTDOWN) C(PXHV_HC_PUTHEX) C(PXHV_HC_RESET) C(PXHV_HC_TEST_RELAUNCH) \
    C(SNAP_GPR) C(SNAP_RIP) C(SNAP_RFLAGS) C(SNAP_CR0) C(SNAP_CR2) C(SNAP_CR3) C(SNAP_CR4) \
    C(SNAP_DR7) C(SNAP_EFER) C(SNAP_PAT) C(SNAP_DEBUGCTL) C(SNAP_FS_BASE) C(SNAP_GS_BASE) \
    C(SNAP_KGS_BASE) C(SNAP_STAR) C(SNAP_LSTAR) C(SNAP_CSTAR) C(SNAP_SFMASK) \
    C(SNAP_SYSENTER_CS) C(SNAP_SYSENTER_ESP) C(SNAP_SYSENTER_EIP) C(SNAP_GDTR) C(SNAP_IDTR) \
    C(SNAP_SEL) C(SNAP_SIZE) \
    C(PXHV_HC_ENOSYS) C(PXHV_HC_EINVAL) C(PXHV_CPUID_BASE) C(PXHV_CPUID_MAX) \
    C(PXHV_CPUID_SIG) C(PXHV_CPUID_REGION) C(PXHV_DEBUG_PORT) C(PXHV_PUTS_MAX) \
    C(DISK_BUILTIN_MAX_SECTORS) C(LOW_BOOT_SECTOR) C(HV_REGION_ALIGN) \
    C(DISK_BUILTIN_LBA) C(STAGE3_MAGIC)

#endif
