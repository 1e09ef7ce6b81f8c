/*
 * Per-CPU blocks (include/core/cpu.h).  The region holds, after the image and its
 * bss, one block per CPU the firmware lists, then the page-table pool, laid
 * out by region_take (include/lib/region.h: never at an address with bit 20 set);
 * each CPU gets its own GDT with its own TSS (whose IST stacks catch double
 * faults and NMIs), the shared IDT, and its GS base.
 */
#include "core/cpu.h"
#include "core/virt.h"
#include "core/hv.h"
#include "core/host.h"
#include "lib/lib.h"
#include "hw/x86.h"

static struct cpu *cpus[PXHV_MAX_CPUS];
static u32 ncpus;

/* A cell's second-level tables: the top table, one for the first 512 GiB,
 * one per GiB of its memory, and the table and page-table page that reach
 * the local APIC's page at 0xFEE00000 (core/cellplan.c). */
#define CELL_PT_PAGES(mib) (5 + ((mib) + 1023) / 1024)

void region_parts_of(u32 virt, u32 cpus, const struct pxhv_cells *cells, struct region_parts *p)
{
    const struct virt_ops *ops = virt_pick(virt);    /* main.c picks the same */
    p->image = ((u64)(__mem_end - __image_start) + 4095) & ~4095ULL;
    p->cpus = cpus;
    p->cpu_bytes = sizeof(struct cpu_block) + (ops ? ops->cpu_pages : 0) * 4096ULL;
    p->pool = HV_PT_POOL_PAGES * 4096ULL;
    p->cells = 0;
    u32 n = cells->count <= CELLS_MAX ? cells->count : 0;
    if (n)
        p->pool += 4096;                          /* the root's view of a cell's memory */
    for (u32 i = 0; i < n; i++) {
        p->pool += CELL_PT_PAGES(cells->cell[i].mem_mib <= 4096 ? cells->cell[i].mem_mib : 0) * 4096ULL;
        p->cells += ((u64)cells->cell[i].image_bytes + 4095) & ~4095ULL;
    }
    p->iommu = 0;                   /* core/early.c adds the IOMMU's tables */
}

/* The pieces again, in the order core/early.c sized them. */
static struct cpu_block *block_of(u32 index)
{
    struct region_parts p;
    region_parts_of(g_boot.virt, g_boot.cpus, &g_boot.cells, &p);
    struct region_cursor cur = { g_hv_base };
    region_take(&cur, p.image);
    u64 a = 0;
    for (u32 i = 0; i <= index; i++)
        a = region_take(&cur, p.cpu_bytes);
    return (struct cpu_block *)(usize)a;
}

struct cpu *cpu_alloc(u32 index, u32 apic_id)
{
    if (index >= g_boot.cpus || index >= PXHV_MAX_CPUS)
        return NULL;
    struct cpu_block *b = block_of(index);
    struct region_parts p;
    region_parts_of(g_boot.virt, g_boot.cpus, &g_boot.cells, &p);
    memset(b, 0, p.cpu_bytes);
    struct cpu *c = &b->u.cpu;
    c->self = c;
    c->index = index;
    c->apic_id = apic_id;
    c->regs = &c->boot_regs;
    c->vm_host_pa = (u64)(usize)b->vm_host;
    c->vm_ctl_pa = (u64)(usize)b->vm_ctl;
    cpus[index] = c;
    if (index >= ncpus)
        ncpus = index + 1;
    return c;
}

u64 cpu_stack_top(const struct cpu *c)
{
    const struct cpu_block *b = (const struct cpu_block *)c;
    return (u64)(usize)(b->stack + sizeof b->stack);
}

u8 *cpu_backend_pages(const struct cpu *c)
{
    return ((struct cpu_block *)c)->backend;
}

u32 cpu_count(void)
{
    return ncpus;
}

struct cpu *cpu_get(u32 index)
{
    return index < ncpus ? cpus[index] : NULL;
}

/* This CPU's APIC ID: CPUID.1:EBX[31:24], or the 32-bit x2APIC ID of leaf
 * 0Bh where the CPU has it (SDM Vol. 3A 10.4.6 "Local APIC ID", 8.4.5
 * "Identifying Logical Processors in an MP System"); core/census.asm reads it
 * the same way. */
u32 cpu_apic_id(void)
{
    u32 a, b, c, d, id;
    cpuid(1, 0, &a, &b, &c, &d);
    id = b >> 24;
    cpuid(0, 0, &a, &b, &c, &d);
    if (a >= 0x0B) {
        cpuid(0x0B, 0, &a, &b, &c, &d);
        if (b & 0xFFFF)
            id = d;
    }
    return id;
}
