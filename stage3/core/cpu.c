/*
 * Per-CPU blocks (include/cpu.h).  The region holds, after the image and its
 * bss, one block per CPU the firmware lists, then the page-table pool, laid
 * out by region_take (include/region.h: never at an address with bit 20 set);
 * each CPU gets its own GDT with its own TSS (whose IST stacks catch double
 * faults and NMIs), the shared IDT, and its GS base.
 */
#include "cpu.h"
#include "early.h"
#include "hv.h"
#include "host.h"
#include "lib.h"
#include "x86.h"

static struct cpu *cpus[PXHV_MAX_CPUS];
static u32 ncpus;

/* The pieces again, in the order core/early.c sized them. */
static struct cpu_block *block_of(u32 index)
{
    struct region_parts p;
    region_parts_of(g_boot.virt, g_boot.cpus, &p);
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
        panic("CPU %u has no block in the region (%u CPUs planned)", index, g_boot.cpus);
    struct cpu_block *b = block_of(index);
    struct region_parts p;
    region_parts_of(g_boot.virt, g_boot.cpus, &p);
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

void cpu_load(struct cpu *c)
{
    struct cpu_block *b = (struct cpu_block *)c;
    u64 base = (u64)(usize)&c->tss, limit = sizeof c->tss - 1;

    c->gdt[0] = 0;
    c->gdt[1] = 0x00AF9B000000FFFFULL;   /* HOST_CS: 64-bit code, DPL 0 */
    c->gdt[2] = 0x00CF93000000FFFFULL;   /* HOST_DS: data */
    /* HOST_TR: 64-bit TSS descriptor, type 9 (available), 16 bytes
     * (SDM Vol. 3A 7.2.3 "TSS Descriptor in 64-bit mode"). */
    c->gdt[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ULL << 40) |
                (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    c->gdt[4] = base >> 32;
    c->tss.iomap_base = sizeof c->tss;   /* no I/O permission bitmap */
    c->tss.ist[IST_DF - 1] = (u64)(usize)(b->ist_df + sizeof b->ist_df);
    c->tss.ist[IST_NMI - 1] = (u64)(usize)(b->ist_nmi + sizeof b->ist_nmi);

    struct dtr gdtr = { sizeof c->gdt - 1, (u64)(usize)c->gdt };
    lgdt(&gdtr);
    /* Reload CS with a far return, then the data segments and TR. */
    __asm__ volatile(
        "pushq %0\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "mov %1, %%ds\n\t"
        "mov %1, %%es\n\t"
        "mov %1, %%ss\n\t"
        "mov %1, %%fs\n\t"
        "mov %1, %%gs\n\t"
        :: "i"(HOST_CS), "r"((u64)HOST_DS) : "rax", "memory");
    ltr(HOST_TR);
    lidt(&host_idtr);
    wrmsr(MSR_GS_BASE, (u64)(usize)c);   /* after loading GS, which clears its base */

    /* XSETBV (done on the guest's behalf) needs CR4.OSXSAVE in the host. */
    u32 eax, ebx, ecx, edx;
    cpuid(1, 0, &eax, &ebx, &ecx, &edx);
    if (ecx & CPUID_1_ECX_XSAVE)
        write_cr4(read_cr4() | CR4_OSXSAVE);
}
