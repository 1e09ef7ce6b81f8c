/*
 * The host environment stage 3 owns: its GDT with a TSS (VM entry needs a
 * non-null host TR, SDM 26.2.3), an IDT whose handlers dump and stop, its
 * own identity page tables inside the hypervisor region (stage 2's tables
 * live in memory the guest will own), and a page pool for VMX structures.
 */
#include "hv.h"
#include "console.h"
#include "lib.h"
#include "x86.h"

#define POOL_PAGES 192
static u8 page_pool[POOL_PAGES][4096] ALIGNED(4096);
static u32 pool_next;

u64 *page_alloc(void)
{
    if (pool_next == POOL_PAGES)
        return NULL;
    u64 *p = (u64 *)page_pool[pool_next++];
    memset(p, 0, 4096);
    return p;
}

u32 pages_used(void)
{
    return pool_next;
}

/* Stacks: boot_stack (entry, C until launch), an IST stack for double faults. */
u8 boot_stack[16384] ALIGNED(16);
static u8 df_stack[4096] ALIGNED(16);

struct tss64 {
    u32 reserved0;
    u64 rsp[3];
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base;
} PACKED;

static struct tss64 tss ALIGNED(16);
static u64 gdt[5] ALIGNED(16);
struct idt_gate { u16 off0, sel; u8 ist, type; u16 off1; u32 off2, zero; } PACKED;
static struct idt_gate idt[32] ALIGNED(16);
extern const u64 exc_stubs[32];

struct dtr host_gdtr, host_idtr;
u64 host_tss_base;

static void setup_gdt(void)
{
    u64 base = (u64)&tss, limit = sizeof tss - 1;

    gdt[0] = 0;
    gdt[1] = 0x00AF9B000000FFFFULL;   /* 0x08: 64-bit code, DPL 0 */
    gdt[2] = 0x00CF93000000FFFFULL;   /* 0x10: data */
    /* 0x18: 64-bit TSS descriptor, type 9 (available), 16 bytes (SDM 8.2.3). */
    gdt[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ULL << 40) |
             (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    gdt[4] = base >> 32;
    tss.iomap_base = sizeof tss;      /* no I/O permission bitmap */
    tss.ist[0] = (u64)(df_stack + sizeof df_stack);
    host_tss_base = base;

    host_gdtr.limit = sizeof gdt - 1;
    host_gdtr.base = (u64)gdt;
    lgdt(&host_gdtr);
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
}

static void setup_idt(void)
{
    for (int v = 0; v < 32; v++) {
        u64 a = exc_stubs[v];
        idt[v] = (struct idt_gate){
            .off0 = (u16)a, .sel = HOST_CS, .ist = v == 8 ? 1 : 0,
            .type = 0x8E, .off1 = (u16)(a >> 16), .off2 = (u32)(a >> 32), .zero = 0,
        };
    }
    host_idtr.limit = sizeof idt - 1;
    host_idtr.base = (u64)idt;
    lidt(&host_idtr);
}

/* Identity map [0, top) with 1 GiB pages when the CPU has them, else 2 MiB. */
static void setup_paging(void)
{
    u64 top = 1ULL << 32;
    for (u32 i = 0; i < g_host_map.count; i++) {
        u64 end = g_host_map.e[i].base + g_host_map.e[i].length;
        if (end > top)
            top = end;
    }
    u32 a, b, c, d;
    cpuid(0x80000001, 0, &a, &b, &c, &d);
    bool gb = d & BIT(26);
    u64 max = gb ? 512ULL << 30 : 64ULL << 30;   /* one PDPT; 2 MiB tables bounded */
    if (top > max)
        top = max;

    u64 *pml4 = page_alloc(), *pdpt = page_alloc();
    if (!pml4 || !pdpt)
        panic("out of pages for host page tables");
    pml4[0] = (u64)pdpt | 3;
    for (u64 g = 0; g < (top + (1ULL << 30) - 1) >> 30; g++) {
        if (gb) {
            pdpt[g] = (g << 30) | 0x83;           /* present, writable, PS */
            continue;
        }
        u64 *pd = page_alloc();
        if (!pd)
            panic("out of pages for host page tables");
        for (u64 i = 0; i < 512; i++)
            pd[i] = (g << 30) + (i << 21) + 0x83;
        pdpt[g] = (u64)pd | 3;
    }
    write_cr3((u64)pml4);
}

void host_init(void)
{
    setup_gdt();
    setup_idt();
    setup_paging();
    /* XSETBV (done on the guest's behalf) needs CR4.OSXSAVE in the host. */
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (c & BIT(26))
        write_cr4(read_cr4() | CR4_OSXSAVE);
}
