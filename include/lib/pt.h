/*
 * The one page-table builder (pure; unit-tested on the host): a 4-level
 * identity map of [0, top) with the largest page each uniform range allows,
 * in one of five entry formats (pt_host and pt_npt share one layout):
 *   pt_ept    EPT entries, SDM Vol. 3C 28.2.2 "EPT Translation Mechanism"
 *   pt_host   IA-32e paging entries for the hypervisor itself,
 *             SDM Vol. 3A 4.5 "4-Level Paging"
 *   pt_npt    AMD nested paging: the same format, user pages, memory types
 *             through the PAT index (APM Vol. 2 15.25)
 *   pt_vtd    VT-d second-stage tables for device DMA (include/lib/iommu.h):
 *             read and write only, the page size in bit 7 as in EPT
 *   pt_amdvi  AMD-Vi I/O page tables for device DMA (include/lib/iommu.h): a
 *             table entry names the level below it, a leaf has level 0
 * Addresses are physical and identity mapped, so a table's address is its
 * pointer value.  Tables come from a caller-supplied page allocator, and a
 * classifier says what each range of the address space is.
 */
#ifndef PXHV_PT_H
#define PXHV_PT_H
#include "lib/types.h"

/* Access a range allows, in the builder's own terms; 0 = not present. */
#define PT_R   BIT(0)
#define PT_W   BIT(1)
#define PT_X   BIT(2)
#define PT_RWX (PT_R | PT_W | PT_X)

/* EPT entry bits (SDM Vol. 3C 28.2.2, Tables 28-1 to 28-6). */
#define EPT_R          BIT(0)
#define EPT_W          BIT(1)
#define EPT_X          BIT(2)
#define EPT_RWX        (EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT   3               /* bits 5:3: memory type of a leaf */
#define EPT_MT(t)      ((u64)(t) << EPT_MT_SHIFT)
#define EPT_MT_OF(e)   (((e) >> EPT_MT_SHIFT) & 7)
#define EPT_IGNORE_PAT BIT(6)
#define EPT_LARGE      BIT(7)          /* PDPTE/PDE maps a 1 GiB / 2 MiB page */
/* IA-32e paging entry bits (SDM Vol. 3A 4.5, Tables 4-15 to 4-20). */
#define PTE_P          BIT(0)
#define PTE_W          BIT(1)
#define PTE_U          BIT(2)
#define PTE_PWT        BIT(3)
#define PTE_PCD        BIT(4)
#define PTE_PS         BIT(7)
#define PTE_NX         BIT(63)         /* with EFER.NXE set */
#define PT_ADDR_MASK   0x000FFFFFFFFFF000ULL

/* What one range of the address space is, as the classifier says. */
struct pt_attr {
    bool mixed;     /* true: the range is not uniform, split it further */
    u8   perms;     /* PT_R|W|X, 0 = not present                       */
    u8   memtype;   /* enum mem_type (mtrr.h) for leaves                */
    u64  remap;     /* where the range's first byte is mapped, the rest
                       following it (a cell's memory, pxHV's INT 15h
                       page); 0: identity.  A leaf larger than 4 KiB is
                       made only where this address is aligned for it. */
};

struct pt_format {
    const char *name;
    u64 (*leaf)(u64 addr, int level, const struct pt_attr *a);
    u64 table_bits;       /* a non-leaf entry: address | table_bits  */
    u64 present;          /* bits that make an entry present         */
    u64 large;            /* the field that tells a level-2/3 leaf   */
    u64 large_is;         /* ... from a table: its value in a leaf   */
    u8  next_shift;       /* non-zero: a table entry at level n holds n - 1
                           * at this bit (AMD-Vi's next-level field)  */
};
extern const struct pt_format pt_ept, pt_host, pt_npt, pt_vtd, pt_amdvi;

typedef struct pt_attr (*pt_classify_fn)(void *ctx, u64 base, u64 len);
typedef u64 *(*pt_alloc_fn)(void *ctx); /* a zeroed, 4 KiB-aligned page, or NULL */

/* The classifier of a plain identity map: everything present and writable. */
struct pt_attr pt_all_rw(void *ctx, u64 base, u64 len);

struct pt_builder {
    const struct pt_format *fmt;
    pt_classify_fn classify;
    pt_alloc_fn    alloc;
    void          *ctx;
    bool           allow_1g;
    bool           allow_2m;
    u32            tables;     /* tables allocated (statistics)        */
    u64            leaves[3];  /* leaves: [0]=4K [1]=2M [2]=1G          */
};

/* Build the hierarchy for [0, top).  Returns the root table, NULL when the
 * allocator ran out. */
u64 *pt_build(struct pt_builder *b, u64 top);

/* Walk for addr; returns the leaf entry (0 if not present) and its size. */
u64 pt_lookup(const struct pt_format *f, const u64 *root, u64 addr, u64 *page_size);

/* Rewrite the 4 KiB leaf of addr with `a` (its address kept); false when
 * addr has no 4 KiB leaf. */
bool pt_set_leaf(const struct pt_format *f, u64 *root, u64 addr, const struct pt_attr *a);

/* EPTP (SDM Vol. 3C 24.6.11 "Extended-Page-Table Pointer (EPTP)"). */
#define EPTP_MT_WB     6ULL
#define EPTP_WALK_4    (3ULL << 3)     /* walk length minus one       */
#define EPTP_AD        BIT(6)          /* accessed and dirty flags    */
u64 ept_make_eptp(const u64 *pml4, bool ad);

#endif
