/*
 * EPT paging-structure builder (pure; unit-tested on the host).
 * SDM Vol. 3C 29.3 "The Extended Page Table Mechanism (EPT)": 4-level
 * walk, 512 entries per table, leaf entries at level 3 (1 GiB, bit 7),
 * level 2 (2 MiB, bit 7) or level 1 (4 KiB).
 *
 * Addresses are physical and identity mapped, so a table's address is
 * its pointer value.  Tables come from a caller-supplied page allocator.
 */
#ifndef PXHV_EPT_H
#define PXHV_EPT_H
#include "types.h"

#define EPT_R        BIT(0)
#define EPT_W        BIT(1)
#define EPT_X        BIT(2)
#define EPT_RWX      (EPT_R | EPT_W | EPT_X)
#define EPT_IGNORE_PAT BIT(6)
#define EPT_LARGE    BIT(7)
#define EPT_MT_SHIFT 3
#define EPT_ADDR_MASK 0x000FFFFFFFFFF000ULL

/* What one range of guest-physical space is, as the classifier says. */
struct ept_attr {
    bool mixed;     /* true: range is not uniform, split it further             */
    u8   perms;     /* EPT_R|W|X, 0 = not present (hypervisor pages)             */
    u8   memtype;   /* enum mem_type for leaves                                  */
};

typedef struct ept_attr (*ept_classify_fn)(void *ctx, u64 base, u64 len);
typedef u64 *(*ept_alloc_fn)(void *ctx); /* a zeroed, 4 KiB-aligned page, or NULL */

struct ept_builder {
    ept_classify_fn classify;
    ept_alloc_fn    alloc;
    void           *ctx;
    bool            allow_1g;   /* IA32_VMX_EPT_VPID_CAP bit 17 */
    bool            allow_2m;   /* bit 16 */
    u32             tables;     /* count of tables allocated (statistics) */
    u64             leaves[3];  /* count of leaves: [0]=4K [1]=2M [2]=1G */
};

/* Build the hierarchy for guest-physical [0, top) (top a multiple of 2 MiB
 * is not required).  Returns the PML4 table or NULL when allocation failed. */
u64 *ept_build(struct ept_builder *b, u64 top);

/* Walk for gpa; returns the leaf entry (0 if not present) and its size. */
u64 ept_lookup(const u64 *pml4, u64 gpa, u64 *page_size);

/* EPTP value (SDM 24.6.11): WB paging-structure type (6), walk length 4 - 1,
 * bit 6 to enable accessed/dirty flags when supported. */
u64 ept_make_eptp(const u64 *pml4, bool ad);

#endif
