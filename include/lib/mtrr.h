/*
 * MTRR memory-type resolution (pure; unit-tested on the host).
 * SDM Vol. 3A 11.11 "Memory Type Range Registers (MTRRs)".
 */
#ifndef PXHV_MTRR_H
#define PXHV_MTRR_H
#include "lib/types.h"

enum mem_type { MT_UC = 0, MT_WC = 1, MT_WT = 4, MT_WP = 5, MT_WB = 6, MT_MIXED = 0xFF };

#define MTRR_VAR_MAX 16

/* Register fields (11.11.1 "MTRR Feature Identification", 11.11.2.1
 * "IA32_MTRR_DEF_TYPE MSR", 11.11.2.3 "Variable Range MTRRs"). */
#define MTRRCAP_VCNT        0xFFu
#define MTRRCAP_FIX         BIT(8)
#define MTRR_DEF_TYPE_FE    BIT(10)
#define MTRR_DEF_TYPE_E     BIT(11)
#define MTRR_PHYSMASK_V     BIT(11)

/* Raw register values as read from the MSRs (stage 3 fills it with RDMSR). */
struct mtrr_state {
    u64 cap;              /* IA32_MTRRCAP (0xFE): VCNT bits 7:0, FIX bit 8           */
    u64 def_type;         /* IA32_MTRR_DEF_TYPE (0x2FF): type 7:0, FE bit 10, E 11   */
    u64 fixed[11];        /* 0x250 FIX64K_00000, 0x258/0x259 FIX16K, 0x268..0x26F FIX4K */
    u64 var_base[MTRR_VAR_MAX]; /* 0x200 + 2n */
    u64 var_mask[MTRR_VAR_MAX]; /* 0x201 + 2n */
    u32 phys_bits;        /* CPUID.80000008h:EAX[7:0] (MAXPHYADDR)                   */
};

/* Effective type of one physical byte address (SDM 11.11.4.1 precedence:
 * fixed ranges below 1 MiB when enabled; otherwise variable ranges: one
 * match -> its type; several: UC if any is UC, WT if WT and WB, else
 * undefined -> UC; no match -> default type; MTRRs disabled -> UC). */
u8 mtrr_type_of(const struct mtrr_state *s, u64 addr);

/* Type of [base, base+len) if uniform, else MT_MIXED. */
u8 mtrr_range_type(const struct mtrr_state *s, u64 base, u64 len);

const char *mtrr_type_name(u8 type);

/* The MTRR MSRs as registers of one CPU (the guest's view: with EPT the CPU
 * no longer applies them to its accesses, SDM Vol. 3C 28.2.6.2, so pxHV keeps
 * them and leaves the real ones as the firmware set them).  The register of
 * `msr` in s, NULL when the CPU has no such MTRR (RDMSR/WRMSR: #GP). */
u64 *mtrr_msr(struct mtrr_state *s, u32 msr);
/* May `v` be written to `msr` (a register mtrr_msr found)?  False: the CPU
 * raises #GP (reserved bits, undefined memory types; 11.11.2). */
bool mtrr_msr_value_ok(const struct mtrr_state *s, u32 msr, u64 v);

#endif
