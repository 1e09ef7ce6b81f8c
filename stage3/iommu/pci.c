/*
 * An IOMMU that lives in PCI space: the AMD IOMMU is a PCI function (class
 * 0806h, bus 0) whose capability block holds its register base (AMD IOMMU
 * rev. 3.00, 3.2 "IOMMU Capability Block Registers") and whose command
 * register holds memory decoding and bus mastering.  A guest that could
 * write that function could move the registers away from where pxHV
 * programmed them, or cut the unit off from its tables.  So, where such a
 * function exists, the guest's writes to it are dropped, by every route:
 *
 *   ports 0xCF8/0xCFC  the PCI configuration mechanism #1 (PCI Local Bus 3.0,
 *                      3.2.2.3.2 "Software Generation of Configuration
 *                      Transactions"): the address register is intercepted
 *                      (dword writes only: a byte at 0xCF9 is the reset
 *                      control register and is not touched), the data
 *                      ports too, and a data access is judged against the
 *                      address the chipset holds;
 *   ECAM               the memory-mapped window the MCFG table names (PCI
 *                      Firmware 3.0, 4.1.2 "MCFG Table Description"): the
 *                      function's 4 KiB page is read-only in the second-level
 *                      tables and a write exits here, is decoded (lib/insn.c)
 *                      and dropped;
 *   the window itself  the chipset register that places the ECAM window
 *                      (PCIEXBAR, 00:00.0 offset 60h on Intel's MCH and
 *                      QEMU's q35) is kept from writes the same way, or the
 *                      guest could move the window and write the function
 *                      through a page pxHV does not watch;
 *   the A20 gate       where the engine applies A20M after the second-level
 *                      translation (docs/memory-map.md), a guest write to the
 *                      page 1 MiB above a watched page (bus 1's page for a
 *                      bus 0 function) lands in the watched one: those pages
 *                      are watched too, and their writes are performed by
 *                      pxHV through the ports, which A20 does not touch.
 *
 * This file: the ports, the lock, what is kept, the set-up; ecam.c: the ECAM
 * window and its watched pages.
 *
 * The address register is state every CPU shares: one owner (this file), one
 * lock (pci_lock), as core/cmos.c does for the CMOS index.  Every dword write
 * to 0xCF8 and every data access is performed under the lock, so what a data
 * access reaches is decided from the address the chipset has at that moment,
 * whatever another CPU does; pxHV's own accesses put the guest's address
 * back before they let the lock go.  Reads pass unchanged: the guest sees the
 * function as it is.
 *
 * VT-d units are not PCI functions.  On QEMU's q35 nothing in the chipset
 * holds their base (the MCH has no MCHBAR or VTBAR; checked: its
 * configuration space reads 0 there, and the unit is fixed at 0xFED90000), so
 * there is nothing to intercept; on real Intel chipsets the base register
 * (VTBAR/VTDBAR) is programmed by the firmware and locked, docs/iommu.md.
 */
#include "iommu_impl.h"
#include "core/console.h"
#include "core/stop.h"
#include "hw/x86.h"

#define PORT_ADDR     0xCF8
#define PORT_DATA     0xCFC
STATIC_ASSERT(PORT_ADDR == 0xCF8 && PORT_DATA + 4 == 0xD00, "iommu_io_port: 0xCF8-0xCFF");
#define ADDR_ENABLE   BIT(31)
#define EXBAR_REG     0x60          /* PCIEXBAR, 64 bits */
#define EXBAR_END     0x68

static bool on;                     /* the ports are intercepted */
static volatile u32 pci_lock;
static u32 addr;                    /* what the chipset's address register holds */
static u16 fns[IOMMU_MAX_UNITS];    /* the IOMMU functions (bus 0 requester IDs) */
static u32 nfns;
static bool exbar;                  /* 00:00.0's PCIEXBAR is kept too */
static u64 port_accesses;           /* what the port intercepts cost, in exits */

void pci_cfg_lock(void)
{
    while (__atomic_exchange_n(&pci_lock, 1, __ATOMIC_ACQUIRE))
        while (pci_lock) {
            if (cpus_stopping())    /* the holder may have been stopped */
                cpu_park();
            pause();
        }
}

void pci_cfg_unlock(void)
{
    __atomic_store_n(&pci_lock, 0, __ATOMIC_RELEASE);
}

u32 pci_cfg_addr(u8 bus, u8 dev, u8 fn, u32 reg)
{
    return ADDR_ENABLE | (u32)bus << 16 | (u32)dev << 11 | (u32)fn << 8 | (reg & 0xFC);
}

/* Under the lock: one configuration access of `size` bytes at `reg`
 * through the ports, the guest's address put back afterwards. */
u32 pci_cfg_access(u32 a, u32 reg, u8 size, bool in, u32 v)
{
    outl(PORT_ADDR, a);
    u16 port = (u16)(PORT_DATA + (reg & 3));
    if (in)
        v = in_sized(port, size);
    else
        out_sized(port, size, v);
    outl(PORT_ADDR, addr);
    return v;
}

static u16 read_vendor(u8 bus, u8 dev, u8 fn)
{
    pci_cfg_lock();
    u16 v = (u16)pci_cfg_access(pci_cfg_addr(bus, dev, fn, 0), 0, 2, true, 0);
    pci_cfg_unlock();
    return v;
}

/* Is [reg, reg + size) of bus:dev.fn kept from the guest's writes? */
static const char *const kept_name[] = { "", "the AMD IOMMU's PCI function",
                                         "the chipset's ECAM base (PCIEXBAR)" };
static u64 kept_writes[3];

enum kept_kind pci_protected(u8 bus, u8 dev, u8 fn, u32 reg, u32 size)
{
    u16 rid = IOMMU_RID(bus, dev, fn);
    for (u32 i = 0; i < nfns; i++)
        if (fns[i] == rid)
            return KEPT_IOMMU_FN;
    if (exbar && rid == 0 && reg < EXBAR_END && reg + size > EXBAR_REG)
        return KEPT_EXBAR;
    return KEPT_NONE;
}

/* Counted; the first of each kind named. */
void pci_dropped(enum kept_kind k, u8 bus, u8 dev, u8 fn, u32 reg, const char *route)
{
    if (!kept_writes[k]++)
        kprintf("pxHV: IOMMU: the guest wrote to %s, %02x:%02x.%x offset 0x%02x, through %s: "
                "dropped, as every later write\n", kept_name[k], bus, dev, fn, reg, route);
}

/* ---- set-up ---- */

void pci_protect_setup(void)
{
    if (iommu.desc.kind != IOMMU_AMDVI)
        return;
    addr = inl(PORT_ADDR);
    for (u32 u = 0; u < iommu.desc.nunits; u++) {
        u16 rid = iommu.desc.unit[u].devid;
        if (IOMMU_BUS(rid)) {
            /* A bridge above it could renumber its bus; not handled. */
            kprintf("pxHV: IOMMU: unit %u's PCI function %02x:%02x.%x is not on bus 0: its "
                    "configuration is not kept from the guest\n", u, IOMMU_BUS(rid),
                    IOMMU_DEV(rid), IOMMU_FN(rid));
            continue;
        }
        if (read_vendor(0, (u8)IOMMU_DEV(rid), (u8)IOMMU_FN(rid)) == 0xFFFF)
            continue;                       /* no function there: nothing to keep */
        fns[nfns++] = rid;
    }
    if (!nfns)
        return;
    pci_find_ecam();
    on = true;
    for (u32 i = 0; i < nfns; i++)
        pci_ecam_watch(0, (u8)IOMMU_DEV(fns[i]), (u8)IOMMU_FN(fns[i]), "the AMD IOMMU's PCI configuration");
    /* The window's base register on an Intel MCH (QEMU's q35 too): bit 0
     * enables the window, bits 35:26 hold its base, which must be the MCFG's
     * for this to be the register that places it. */
    if (pci_ecam && read_vendor(0, 0, 0) == 0x8086) {
        pci_cfg_lock();
        u64 bar = pci_cfg_access(pci_cfg_addr(0, 0, 0, EXBAR_REG), EXBAR_REG, 4, true, 0) |
                  (u64)pci_cfg_access(pci_cfg_addr(0, 0, 0, EXBAR_REG + 4), EXBAR_REG + 4, 4, true, 0) << 32;
        pci_cfg_unlock();
        if ((bar & 1) && (bar & 0xFFC000000ULL) == pci_ecam) {
            exbar = true;
            pci_ecam_watch(0, 0, 0, "the chipset's ECAM base (PCIEXBAR)");
        }
    }
    for (u32 i = 0; i < nfns; i++)
        kprintf("pxHV: IOMMU: the AMD IOMMU's PCI function %02x:%02x.%x is kept from the guest's "
                "writes: ports 0xCF8/0xCFC%s\n", IOMMU_BUS(fns[i]), IOMMU_DEV(fns[i]),
                IOMMU_FN(fns[i]), pci_ecam ? " and its ECAM page" : "");
    if (exbar)
        kprintf("pxHV: IOMMU: the ECAM window's base (00:00.0 PCIEXBAR) is kept from the guest's "
                "writes: the window stays at 0x%llx\n", pci_ecam);
}

void pci_report(void)
{
    if (on)
        kprintf("pxHV: IOMMU: PCI configuration intercepts: %llu port accesses, %llu ECAM "
                "writes\n", port_accesses, pci_ecam_writes);
    for (u32 k = KEPT_IOMMU_FN; k <= KEPT_EXBAR; k++)
        if (kept_writes[k])
            kprintf("pxHV: IOMMU: %llu guest write%s to %s dropped\n", kept_writes[k],
                    kept_writes[k] == 1 ? "" : "s", kept_name[k]);
}

/* ---- the ports ---- */

u32 iommu_io_ports(u16 *ports, u32 max)
{
    static const u16 all[] = { PORT_ADDR, PORT_DATA, PORT_DATA + 1, PORT_DATA + 2, PORT_DATA + 3 };
    u32 n = 0;
    for (u32 i = 0; on && i < ARRAY_SIZE(all) && n < max; i++)
        ports[n++] = all[i];
    return n;
}

/* Under the lock: a data-port access of `size` at `port`, judged against
 * the address the chipset holds. */
static u32 data_access(u16 port, u8 size, bool in, u32 v)
{
    u32 reg = (addr & 0xFC) + (port - PORT_DATA);
    u8 bus = (u8)(addr >> 16), dev = (u8)((addr >> 11) & 0x1F), fn = (u8)((addr >> 8) & 7);
    enum kept_kind what = (addr & ADDR_ENABLE) && !in ? pci_protected(bus, dev, fn, reg, size) : KEPT_NONE;
    if (what) {
        pci_dropped(what, bus, dev, fn, reg, "port 0xCFC");
        return 0;
    }
    if (in)
        return in_sized(port, size);
    out_sized(port, size, v);
    return 0;
}

bool iommu_io(struct cpu *c, u16 port, u8 size, bool in, u32 *v)
{
    (void)c;
    if (!on || !iommu_io_port(port, size))
        return false;
    pci_cfg_lock();
    port_accesses++;
    if (port == PORT_ADDR && size == 4) {
        if (in) {
            *v = inl(PORT_ADDR);
        } else {
            outl(PORT_ADDR, *v);
            addr = *v;
        }
    } else if (port >= PORT_DATA && port + size <= PORT_DATA + 4) {
        u32 r = data_access(port, size, in, *v);
        if (in)
            *v = r;
    } else {
        /* Bytes and words at 0xCF8-0xCFB are not the address register (only
         * a dword is); one that also reaches a data port goes byte by byte. */
        u32 out = *v, got = 0;
        for (u8 i = 0; i < size; i++) {
            u16 p = (u16)(port + i);
            u8 b = (u8)(out >> (8 * i));
            if (p >= PORT_DATA)
                b = (u8)data_access(p, 1, in, b);
            else if (in)
                b = inb(p);
            else
                outb(p, b);
            got |= (u32)b << (8 * i);
        }
        if (in)
            *v = got;
    }
    pci_cfg_unlock();
    return true;
}
