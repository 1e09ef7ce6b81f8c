/*
 * I/O-instruction exits (SDM 27.2.1 Table 27-5, 27.2.5 Table 27-8).  Only
 * the ports the hypervisor owns are in the I/O bitmaps (vmx.c): the debug
 * console, and the ports through which a guest resets or powers off the
 * machine, which pxHV must see to print its statistics first.  Everything
 * else a guest does with those ports is performed for it unchanged.
 */
#include "hv.h"
#include "vcpu.h"
#include "console.h"
#include "hypercall.h"
#include "lib.h"
#include "x86.h"

static void raw_out(u16 port, u8 size, u32 v)
{
    if (size == 1)
        outb(port, (u8)v);
    else if (size == 2)
        outw(port, (u16)v);
    else
        outl(port, v);
}

static u32 raw_in(u16 port, u8 size)
{
    return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

static u32 shutdown_len;

static void port_out(u16 port, u8 size, u32 v)
{
    if (port == PXHV_DEBUG_PORT) {
        /* Guest debug console: each byte of the value, low byte first. */
        for (u8 i = 0; i < size; i++) {
            char c = (char)(v >> (8 * i));
            console_write(&c, 1);
        }
        g_vcpu.io_debug_bytes += size;
        return;
    }
    if (port == 0xCF9 && (v & 0x04))
        guest_end("reset through port 0xCF9", true);
    if (port == 0x64 && (u8)v == 0xFE)
        guest_end("reset through the keyboard controller", true);
    if (port == 0x92 && (v & 1))
        guest_end("fast reset through port 0x92", true);
    if (port == 0x8900) {
        /* The "Shutdown" string, one byte at a time, ends an emulator run. */
        char c = (char)v;
        shutdown_len = c == "Shutdown"[shutdown_len] ? shutdown_len + 1 : c == 'S';
        if (shutdown_len == 8)
            guest_end("power-off through port 0x8900", false);
        return;
    }
    if (port == acpi_pm1a_cnt() && (v & BIT(13))) {
        kprintf("pxHV: guest wrote SLP_EN with SLP_TYP %u to PM1a_CNT\n", (v >> 10) & 7);
        guest_end("ACPI sleep/power-off request", false);
    }
    raw_out(port, size, v);
}

static u32 port_in(u16 port, u8 size)
{
    if (port == PXHV_DEBUG_PORT)
        return 0xE9E9E9E9u & (size == 4 ? ~0u : (1u << (8 * size)) - 1); /* Bochs' answer */
    return raw_in(port, size);
}

/* INS/OUTS, with or without REP: one element at a time through guest memory. */
static void string_io(const struct io_qual *q)
{
    struct guest_regs *r = g_vcpu.regs;
    u32 info = (u32)vmread(VMCS_EXIT_INSTRUCTION_INFO);
    u32 asz = (info >> 7) & 7;                         /* 0: 16, 1: 32, 2: 64 bits */
    u64 amask = asz == 0 ? 0xFFFF : asz == 1 ? 0xFFFFFFFF : ~0ULL;
    static const enum vmcs_field seg_base[6] = {
        VMCS_GUEST_ES_BASE, VMCS_GUEST_CS_BASE, VMCS_GUEST_SS_BASE,
        VMCS_GUEST_DS_BASE, VMCS_GUEST_FS_BASE, VMCS_GUEST_GS_BASE,
    };
    /* INS always writes ES:(E)DI; OUTS reads seg:(E)SI, DS unless overridden. */
    u32 seg = q->in ? 0 : (info >> 15) & 7;
    u64 base = vmread(seg_base[seg < 6 ? seg : 3]);
    u32 idx = q->in ? R_RDI : R_RSI;
    s64 step = vmread(VMCS_GUEST_RFLAGS) & RFLAGS_DF ? -(s64)q->size : q->size;
    u64 count = q->rep ? r->r[R_RCX] & amask : 1;

    for (; count; count--) {
        u64 off = r->r[idx] & amask, gla = base + off, gpa;
        u32 v = 0;
        if (!guest_linear_to_phys(gla, &gpa)) {
            kprintf("pxHV: string I/O at unmapped guest linear address 0x%llx\n", gla);
            guest_end("string I/O fault", false);
        }
        if (q->in) {
            v = port_in(q->port, q->size);
            if (!guest_write(gpa, &v, q->size))
                guest_end("string I/O into hypervisor memory", false);
        } else {
            if (!guest_read(gpa, &v, q->size))
                guest_end("string I/O from hypervisor memory", false);
            port_out(q->port, q->size, v);
        }
        r->r[idx] = (r->r[idx] & ~amask) | ((off + step) & amask);
        if (q->rep)
            r->r[R_RCX] = (r->r[R_RCX] & ~amask) | ((r->r[R_RCX] - 1) & amask);
    }
}

void handle_io(void)
{
    struct io_qual q = vmx_decode_io(g_vcpu.qual);
    struct guest_regs *r = g_vcpu.regs;

    if (q.string) {
        string_io(&q);
    } else if (q.in) {
        u32 v = port_in(q.port, q.size);
        /* IN to AL/AX leaves the rest of RAX; IN to EAX zero-extends (SDM Vol. 1 3.4.1.1). */
        if (q.size == 4)
            r->r[R_RAX] = v;
        else if (q.size == 2)
            r->r[R_RAX] = (r->r[R_RAX] & ~0xFFFFULL) | (u16)v;
        else
            r->r[R_RAX] = (r->r[R_RAX] & ~0xFFULL) | (u8)v;
    } else {
        port_out(q.port, q.size, (u32)r->r[R_RAX]);
    }
    exit_skip_instruction();
}
