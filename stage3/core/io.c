/*
 * I/O instructions that exit.  Only the ports pxHV must see are intercepted
 * (io_intercepted): the debug console, and the ports through which a guest
 * resets or powers off the machine, which pxHV must see to print its
 * statistics first.  Everything else a guest does with those ports is
 * performed for it unchanged.
 */
#include "core.h"
#include "acpi.h"
#include "console.h"
#include "hv.h"
#include "hypercall.h"
#include "lib.h"
#include "x86.h"

#define PORT_RESET_CONTROL 0xCF9   /* bit 2: reset CPU (PIIX/ICH reset control register) */
#define PORT_KBC_CMD       0x64    /* 8042 command 0xFE: pulse the reset line          */
#define PORT_SYS_CTRL_A    0x92    /* bit 0: fast reset                                */
#define PORT_EMU_SHUTDOWN  0x8900  /* Bochs and QEMU: "Shutdown" ends the emulator     */

u32 io_intercepted(u16 *ports, u32 max)
{
    u16 all[] = { PXHV_DEBUG_PORT, PORT_RESET_CONTROL, PORT_KBC_CMD, PORT_SYS_CTRL_A,
                  PORT_EMU_SHUTDOWN, g_acpi.pm1a_cnt };
    u32 n = 0;
    for (u32 i = 0; i < ARRAY_SIZE(all) && n < max; i++)
        if (all[i])
            ports[n++] = all[i];
    return n;
}

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

static void port_out(struct cpu *c, u16 port, u8 size, u32 v)
{
    if (port == PXHV_DEBUG_PORT) {
        /* Guest debug console: each byte of the value, low byte first. */
        char bytes[4];
        for (u8 i = 0; i < size; i++)
            bytes[i] = (char)(v >> (8 * i));
        console_write(bytes, size);
        return;
    }
    if (port == PORT_RESET_CONTROL && (v & 0x04))
        guest_end(c, "reset through port 0xCF9", true);
    if (port == PORT_KBC_CMD && (u8)v == 0xFE)
        guest_end(c, "reset through the keyboard controller", true);
    if (port == PORT_SYS_CTRL_A && (v & 1))
        guest_end(c, "fast reset through port 0x92", true);
    if (port == PORT_EMU_SHUTDOWN) {
        /* The "Shutdown" string, one byte at a time, ends an emulator run. */
        char ch = (char)v;
        c->shutdown_len = ch == "Shutdown"[c->shutdown_len] ? c->shutdown_len + 1 : ch == 'S';
        if (c->shutdown_len == 8)
            guest_end(c, "power-off through port 0x8900", false);
        return;
    }
    if (port == g_acpi.pm1a_cnt && (v & PM1_SLP_EN)) {
        kprintf("pxHV: guest wrote SLP_EN with SLP_TYP %u to PM1a_CNT\n",
                (v >> PM1_SLP_TYP_SHIFT) & 7);
        guest_end(c, "ACPI sleep/power-off request", false);
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
static void string_io(struct cpu *c, const struct io_access *io)
{
    struct guest_regs *r = c->regs;
    u64 amask = io->addr_bytes == 2 ? 0xFFFF : io->addr_bytes == 4 ? 0xFFFFFFFF : ~0ULL;
    /* INS always writes ES:(E)DI; OUTS reads seg:(E)SI, DS unless overridden. */
    struct segment seg;
    virt->get_seg(c, io->in ? SEG_ES : (enum seg_reg)io->seg, &seg);
    u32 idx = io->in ? R_RDI : R_RSI;
    s64 step = virt->get(c, GR_RFLAGS) & RFLAGS_DF ? -(s64)io->size : io->size;
    u64 count = io->rep ? r->r[R_RCX] & amask : 1;

    for (; count; count--) {
        u64 off = r->r[idx] & amask, gla = seg.base + off, gpa;
        u32 v = 0;
        if (!guest_linear_to_phys(c, gla, &gpa)) {
            kprintf("pxHV: string I/O at unmapped guest linear address 0x%llx\n", gla);
            guest_end(c, "string I/O fault", false);
        }
        if (io->in) {
            v = port_in(io->port, io->size);
            if (!guest_write(gpa, &v, io->size))
                guest_end(c, "string I/O into hypervisor memory", false);
        } else {
            if (!guest_read(gpa, &v, io->size))
                guest_end(c, "string I/O from hypervisor memory", false);
            port_out(c, io->port, io->size, v);
        }
        r->r[idx] = (r->r[idx] & ~amask) | ((off + step) & amask);
        if (io->rep)
            r->r[R_RCX] = (r->r[R_RCX] & ~amask) | ((r->r[R_RCX] - 1) & amask);
    }
}

void core_io(struct cpu *c, const struct io_access *io)
{
    struct guest_regs *r = c->regs;

    c->stats.event[EV_IO]++;
    if (io->string) {
        string_io(c, io);
    } else if (io->in) {
        u32 v = port_in(io->port, io->size);
        /* IN to AL/AX leaves the rest of RAX; IN to EAX zero-extends (SDM Vol. 1 3.4.1.1). */
        if (io->size == 4)
            r->r[R_RAX] = v;
        else if (io->size == 2)
            r->r[R_RAX] = (r->r[R_RAX] & ~0xFFFFULL) | (u16)v;
        else
            r->r[R_RAX] = (r->r[R_RAX] & ~0xFFULL) | (u8)v;
    } else {
        port_out(c, io->port, io->size, (u32)r->r[R_RAX]);
    }
    virt->skip(c);
}
