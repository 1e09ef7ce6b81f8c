/*
 * The environment the hypervisor runs in: one IDT for every CPU (handlers
 * that report and stop, core/panic.c), its own identity page tables in the
 * region (stage 2's and the early ones live in memory the guest will own),
 * and the pool those tables and the EPT come from.
 */
#include "core/host.h"
#include "core/console.h"
#include "core/cpu.h"
#include "core/early.h"
#include "core/hv.h"
#include "lib/lib.h"
#include "lib/pt.h"
#include "hw/x86.h"

struct dtr host_idtr;
u64 host_cr3;
u64 host_map_end;

/* The pool: the region's last piece (core/early.c sized it). */
static u64 pool_next, pool_end;

u64 *page_alloc(void *unused)
{
    (void)unused;
    if (pool_next >= pool_end)
        return NULL;
    u64 *p = (u64 *)(usize)pool_next;
    pool_next += 4096;
    memset(p, 0, 4096);
    return p;
}

/* 64-bit interrupt gate (SDM Vol. 3A 6.14.1 "64-Bit Mode IDT"). */
struct idt_gate { u16 off0, sel; u8 ist, type; u16 off1; u32 off2, zero; } PACKED;
#define GATE_INTERRUPT 0x8E          /* present, DPL 0, 64-bit interrupt gate */
static ALIGNED(16) struct idt_gate idt[32];

static void setup_idt(void)
{
    for (int v = 0; v < 32; v++) {
        u64 a = exc_stubs[v];
        u8 ist = v == VEC_DF ? IST_DF : v == VEC_NMI ? IST_NMI : 0;
        idt[v] = (struct idt_gate){
            .off0 = (u16)a, .sel = HOST_CS, .ist = ist, .type = GATE_INTERRUPT,
            .off1 = (u16)(a >> 16), .off2 = (u32)(a >> 32), .zero = 0,
        };
    }
    host_idtr.limit = sizeof idt - 1;
    host_idtr.base = (u64)(usize)idt;
}

/* Identity map of [0, max(4 GiB, end of RAM)): everything pxHV may touch
 * (firmware may list reserved ranges far above RAM, which pxHV never uses). */
static void setup_paging(void)
{
    u64 top = 1ULL << 32;
    for (u32 i = 0; i < g_host_map.count; i++) {
        u64 end = g_host_map.e[i].base + g_host_map.e[i].length;
        if (g_host_map.e[i].type == E820_RAM && end > top)
            top = end;
    }
    struct pt_builder b = {
        .fmt = &pt_host, .classify = pt_all_rw, .alloc = page_alloc,
        .allow_1g = has_1g_pages(), .allow_2m = true,
    };
    host_map_end = top;
    u64 *root = pt_build(&b, top);
    if (!root)
        panic("out of pages for the host page tables");
    host_cr3 = (u64)(usize)root;
    write_cr3(host_cr3);
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

void host_init(void)
{
    struct region_parts p;
    region_parts_of(g_boot.virt, g_boot.cpus, &g_boot.cells, &p);
    /* pxhv.efi sized the pool for the page tables above 4 GiB too. */
    p.pool += (u64)g_boot.pool_extra * 4096;
    struct region_cursor cur = { g_hv_base };
    region_take(&cur, p.image);
    for (u32 i = 0; i < p.cpus; i++)
        region_take(&cur, p.cpu_bytes);
    pool_next = region_take(&cur, p.pool);
    pool_end = pool_next + p.pool;
    setup_idt();
    setup_paging();
}
