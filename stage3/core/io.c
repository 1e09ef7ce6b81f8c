/*
 * I/O instructions that exit.  Only the ports pxHV must see are intercepted
 * (io_intercepted): the debug console, the ACPI PM1 control ports (power-off
 * and sleep), the emulators' shutdown port, the CMOS ports (core/cmos.c) and,
 * where an IOMMU is a PCI function, the PCI configuration ports
 * (stage3/iommu/pci.c).
 * Everything else a guest does with those ports is performed for it
 * unchanged.
 *
 * The reset ports (0xCF9, the keyboard controller's 0x64, 0x92) are not
 * intercepted: a bitmap cannot trap writes only, and a guest polls 0x64 and
 * writes 0xCF8 (a dword covers 0xCF9) constantly.  A reset through them
 * restarts the machine in the BIOS, which boots pxHV again, unless the CMOS
 * shutdown byte tells the BIOS to resume the guest without a restart: so
 * the guest may not set a resume code there.  INIT and triple faults exit.
 */
#include "core/core.h"
#include "hw/acpi.h"
#include "core/cell.h"
#include "core/cmos.h"
#include "core/console.h"
#include "core/hv.h"
#include "core/iommu.h"
#include "boot/hypercall.h"
#include "lib/lib.h"
#include "hw/x86.h"

#define PORT_EMU_SHUTDOWN  0x8900  /* Bochs and QEMU: "Shutdown" ends the emulator     */

u32 io_intercepted(u16 *ports, u32 max)
{
    /* Both bytes of a PM1 control register: a byte OUT to its high byte
     * (SLP_TYP, SLP_EN) exits only if that port is intercepted too.  The
     * CMOS ports (core/cmos.c): the data ports exit until a CPU holds its
     * bank, so an OS reads the clock at a cost of one exit, not two. */
    u16 all[6 + CMOS_PORTS] = { PXHV_DEBUG_PORT, PORT_EMU_SHUTDOWN, g_acpi.pm1a_cnt,
                                g_acpi.pm1a_cnt ? (u16)(g_acpi.pm1a_cnt + 1) : 0,
                                g_acpi.pm1b_cnt,
                                g_acpi.pm1b_cnt ? (u16)(g_acpi.pm1b_cnt + 1) : 0 };
    cmos_intercepts(all + 6);
    u32 n = 0;
    for (u32 i = 0; i < ARRAY_SIZE(all) && n < max; i++)
        if (all[i])
            ports[n++] = all[i];
    return n + iommu_io_ports(ports + n, max - n);   /* PCI configuration, stage3/iommu */
}

/* S5 (power-off) ends the run; another sleep state would leave pxHV (its
 * resume path goes through the firmware to the guest's waking vector), and
 * the guest is told there is none (acpi_hide_sleep_states).  `high`: the
 * byte written to bits 15:8 of the PM1x_CNT register at `reg`. */
static bool pm1_cnt_out(struct cpu *c, u16 reg, u8 high)
{
    u32 v = (u32)high << 8;
    if (!(v & PM1_SLP_EN))
        return false;
    u32 typ = (v >> PM1_SLP_TYP_SHIFT) & 7;
    if (g_acpi.s5 && typ == (reg == g_acpi.pm1a_cnt ? g_acpi.slp_typa : g_acpi.slp_typb)) {
        kprintf("pxHV: guest wrote SLP_EN with SLP_TYP %u to PM1%c_CNT\n", typ,
                reg == g_acpi.pm1a_cnt ? 'a' : 'b');
        guest_end(c, "ACPI sleep/power-off request", false);
    }
    guest_refuse(c, "ACPI sleep state with SLP_TYP %u (only S5, power-off, is possible under "
                 "pxHV); the write is ignored", typ);
    return true;
}

/* The cell that owns a port of the root's, or NULL.  Without cells, the
 * usual machine, no call: the root's I/O exits pay only the test. */
static inline const struct cell *port_cell(u16 port)
{
    return g_ncells ? cell_owning_port(port) : NULL;
}

/* Does an OUT of `size` bytes at `port` write port p?  Then *b is that byte. */
static bool writes_port(u16 port, u8 size, u32 v, u16 p, u8 *b)
{
    u16 i = (u16)(p - port);
    if (i >= size)
        return false;
    *b = (u8)(v >> (8 * i));
    return true;
}

/* An OUT of the root's to any port but the debug console's (port_out). */
static NOINLINE void port_out_other(struct cpu *c, u16 port, u8 size, u32 v)
{
    const struct cell *owner = port_cell(port);
    if (owner) {
        guest_refuse(c, "OUT to port 0x%x, cell %s's; not performed", port, owner->name);
        return;
    }
    if (iommu_io_port(port, size) && iommu_io(c, port, size, false, &v))
        return;
    if (port == PORT_EMU_SHUTDOWN) {
        /* The "Shutdown" string, one byte at a time, ends an emulator run. */
        char ch = (char)v;
        c->shutdown_len = ch == "Shutdown"[c->shutdown_len] ? c->shutdown_len + 1 : ch == 'S';
        if (c->shutdown_len == 8)
            guest_end(c, "power-off through port 0x8900", false);
        return;
    }
    /* SLP_TYP and SLP_EN are in the high byte of the 16-bit register: a
     * byte OUT to it alone, or a dword from below that reaches it, is a
     * sleep request as well as a word OUT to the register. */
    const u16 pm1[2] = { g_acpi.pm1a_cnt, g_acpi.pm1b_cnt };
    for (u32 i = 0; i < 2; i++) {
        u8 high;
        if (pm1[i] && writes_port(port, size, v, (u16)(pm1[i] + 1), &high) &&
            pm1_cnt_out(c, pm1[i], high))
            return;
    }
    if (cmos_port(port) || cmos_port((u16)(port + size - 1))) {
        /* A word or dword reaches the next ports too: byte by byte. */
        for (u8 i = 0; i < size; i++, v >>= 8) {
            u16 p = (u16)(port + i);
            if (cmos_port(p))
                cmos_out(c, p, (u8)v);
            else
                outb(p, (u8)v);
        }
        return;
    }
    out_sized(port, size, v);
}

/* The debug console's port is answered here, before the checks of
 * port_out_other and port_in_other: no cell is given it (core/cellplan.c
 * kept_ports) and it is not a PCI configuration port (iommu_io_port), so
 * those checks would pass it on unchanged.  The rest is out of line, so that
 * the console's exits pay neither its registers nor its stack frame. */
static inline void port_out(struct cpu *c, u16 port, u8 size, u32 v)
{
    if (c->cell) {
        cell_port_out(c, port, size, v);
        return;
    }
    if (port == PXHV_DEBUG_PORT) {
        /* Guest debug console: each byte of the value, low byte first. */
        char bytes[4];
        for (u8 i = 0; i < size; i++)
            bytes[i] = (char)(v >> (8 * i));
        console_guest_write(bytes, size);
        return;
    }
    port_out_other(c, port, size, v);
}

/* An IN of the root's from any port but the debug console's (port_in). */
static NOINLINE u32 port_in_other(struct cpu *c, u16 port, u8 size)
{
    const struct cell *owner = port_cell(port);
    if (owner) {
        guest_refuse(c, "IN from port 0x%x, cell %s's; all ones returned", port, owner->name);
        return 0xFFFFFFFFu;
    }
    u32 got;
    if (iommu_io_port(port, size) && iommu_io(c, port, size, true, &got))
        return got;
    if (cmos_port(port) || cmos_port((u16)(port + size - 1))) {
        u32 v = 0;
        for (u8 i = 0; i < size; i++) {
            u16 p = (u16)(port + i);
            v |= (u32)(cmos_port(p) ? cmos_in(c, p) : inb(p)) << (8 * i);
        }
        return v;
    }
    return in_sized(port, size);
}

static inline u32 port_in(struct cpu *c, u16 port, u8 size)
{
    if (c->cell)
        return cell_port_in(c, port, size);
    if (port == PXHV_DEBUG_PORT)
        return 0xE9E9E9E9u & (size == 4 ? ~0u : (1u << (8 * size)) - 1); /* Bochs' answer */
    return port_in_other(c, port, size);
}

/* An index or count register after a string instruction's update at its
 * address size: a 16-bit result keeps the bits above it, a 32-bit one is
 * zero-extended (SDM Vol. 1 3.4.1.1). */
static u64 addr_reg(u64 old, u64 v, u64 amask)
{
    return amask == 0xFFFF ? (old & ~amask) | (v & amask) : v & amask;
}

/* INS/OUTS, with or without REP: one element at a time, through the guest's
 * segments and paging with the checks the CPU makes; a fault stops the
 * instruction where it got to, with the registers showing the progress
 * (SDM Vol. 2B INS, OUTS; Vol. 3A 6.5 "Exception Classifications").  Out
 * of line: its registers and stack frame are not paid by IN and OUT. */
static NOINLINE bool string_io(struct cpu *c, const struct io_access *io)
{
    struct guest_regs *r = c->regs;
    u64 amask = io->addr_bytes == 2 ? 0xFFFF : io->addr_bytes == 4 ? 0xFFFFFFFF : ~0ULL;
    /* INS always writes ES:(E)DI; OUTS reads seg:(E)SI, DS unless overridden. */
    enum seg_reg seg = io->in ? SEG_ES : (enum seg_reg)io->seg;
    u32 idx = io->in ? R_RDI : R_RSI;
    s64 step = virt->get(c, GR_RFLAGS) & RFLAGS_DF ? -(s64)io->size : io->size;
    u64 count = io->rep ? r->r[R_RCX] & amask : 1;

    for (; count; count--) {
        u64 off = r->r[idx] & amask;
        u32 v = 0;
        if (io->in) {
            v = port_in(c, io->port, io->size);
            if (!guest_linear_access(c, seg, off, &v, io->size, true))
                return false;
        } else {
            if (!guest_linear_access(c, seg, off, &v, io->size, false))
                return false;
            port_out(c, io->port, io->size, v);
        }
        r->r[idx] = addr_reg(r->r[idx], off + step, amask);
        if (io->rep)
            r->r[R_RCX] = addr_reg(r->r[R_RCX], r->r[R_RCX] - 1, amask);
    }
    return true;
}

void core_io(struct cpu *c, const struct io_access *io)
{
    struct guest_regs *r = c->regs;

    c->stats.event[EV_IO]++;
    if (io->string) {
        if (!string_io(c, io))
            return;                 /* a fault was injected: no skip */
    } else if (io->in) {
        u32 v = port_in(c, io->port, io->size);
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
    virt->skip(c, 0);
}
