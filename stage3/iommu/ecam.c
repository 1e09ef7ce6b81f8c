/*
 * The AMD IOMMU's PCI function and the register that places the ECAM window,
 * kept from the guest's writes through ECAM (pci.c has the whole picture):
 * the window from the MCFG table, the watched 4 KiB pages (read-only in the
 * second-level tables, their A20 aliases too), and the writes that exit
 * there: decoded, then dropped or performed through the ports.
 */
#include "iommu_impl.h"
#include "core/core.h"
#include "lib/insn.h"
#include "core/virt.h"
#include "hw/acpi.h"

#define A20_BIT       (1ULL << 20)

u64 pci_ecam;                           /* the ECAM window of segment 0, bus 0 */
static u8 ecam_last_bus;
#define WATCHED_MAX 4
static u64 watched[WATCHED_MAX];    /* ECAM pages whose writes exit */
static u32 nwatched;
u64 pci_ecam_writes;                    /* what the ECAM intercepts cost, in exits */

/* ---- set-up ---- */

struct mcfg_entry { u64 base; u16 segment; u8 first_bus, last_bus; u32 reserved; } PACKED;

void pci_find_ecam(void)
{
    const struct acpi_header *t = acpi_find("MCFG", 0);
    if (!t || t->length < sizeof *t + 8)
        return;
    const struct mcfg_entry *e = (const struct mcfg_entry *)((const u8 *)t + sizeof *t + 8);
    u32 n = (t->length - sizeof *t - 8) / sizeof *e;
    for (u32 i = 0; i < n; i++)
        if (e[i].segment == 0 && e[i].first_bus == 0) {
            pci_ecam = e[i].base;
            ecam_last_bus = e[i].last_bus;
            return;
        }
}

/* A function's ECAM page and, where it lies in the window, its A20 alias
 * (the page of the next bus): read-only for the guest. */
void pci_ecam_watch(u8 bus, u8 dev, u8 fn, const char *what)
{
    if (!pci_ecam || bus > ecam_last_bus)
        return;
    u64 page = pci_ecam + ((u64)bus << 20 | (u64)dev << 15 | (u64)fn << 12);
    for (u32 k = 0; k < 2 && nwatched < WATCHED_MAX; k++, page |= A20_BIT) {
        if (k && ((bus & 1) || bus + 1 > ecam_last_bus))
            break;
        guest_keep(page, 4096, PT_R, false, what);
        watched[nwatched++] = page;
    }
}

/* ---- the watched ECAM pages ---- */

bool pci_ecam_write(struct cpu *c, u64 gpa)
{
    u64 page = gpa & ~0xFFFULL;
    u32 w = 0;
    while (w < nwatched && watched[w] != page)
        w++;
    if (w == nwatched)
        return false;
    __atomic_add_fetch(&pci_ecam_writes, 1, __ATOMIC_RELAXED);
    u8 bytes[INSN_MAX_LEN];
    u32 mode, n = guest_fetch(c, bytes, INSN_MAX_LEN, &mode);
    struct insn in;
    if (!insn_decode_write(bytes, n, mode, &in)) {
        guest_refuse(c, "a write to PCI configuration space at GPA 0x%llx by an instruction pxHV "
                     "does not decode", gpa);
        guest_end(c, "unsupported write to a PCI configuration page pxHV keeps", false);
    }
    u64 start;
    if (!guest_store_gpa(c, &in, mode, &start))
        start = gpa;
    u64 rel = page - pci_ecam;
    u8 bus = (u8)(rel >> 20), dev = (u8)((rel >> 15) & 0x1F), fn = (u8)((rel >> 12) & 7);
    u32 reg = (u32)(start - page);
    enum kept_kind what = pci_protected(bus, dev, fn, reg, in.size);
    if (start < page || start + in.size > page + 4096) {
        guest_refuse(c, "a %u-byte write across the edge of a PCI configuration page pxHV keeps, "
                     "at GPA 0x%llx; dropped", in.size, start);
    } else if (what) {
        pci_dropped(what, bus, dev, fn, reg, page & A20_BIT ? "its ECAM page's A20 alias" : "ECAM");
        if (in.kind == INSN_XCHG) {       /* the old contents, as a read gives them */
            pci_cfg_lock();
            u32 lo = pci_cfg_access(pci_cfg_addr(bus, dev, fn, reg), reg, in.size > 4 ? 4 : in.size, true, 0);
            u32 hi = in.size > 4 ? pci_cfg_access(pci_cfg_addr(bus, dev, fn, reg + 4), reg + 4, 4, true, 0) : 0;
            pci_cfg_unlock();
            iommu_set_reg(c, &in, (u64)hi << 32 | lo, mode);
        }
    } else if (in.kind == INSN_RMW || reg + in.size > 0x100 || ((reg & 3) + in.size > 4 && in.size != 8) ||
               (in.size == 8 && (reg & 7))) {
        /* Only plain stores that the ports can carry are performed. */
        guest_refuse(c, "a %u-byte write to %02x:%02x.%x offset 0x%x through a PCI configuration "
                     "page pxHV keeps, which it performs only as aligned stores to the first "
                     "256 bytes; dropped", in.size, bus, dev, fn, reg);
    } else {
        /* Not a kept register: performed as the guest meant it, through the
         * ports (an A20 alias page names the bus it names with A20 on). */
        u64 v = iommu_store_value(c, &in);
        pci_cfg_lock();
        u64 old = 0;
        if (in.kind == INSN_XCHG)
            old = pci_cfg_access(pci_cfg_addr(bus, dev, fn, reg), reg, in.size > 4 ? 4 : in.size, true, 0) |
                  (in.size > 4 ? (u64)pci_cfg_access(pci_cfg_addr(bus, dev, fn, reg + 4), reg + 4, 4, true, 0) << 32 : 0);
        pci_cfg_access(pci_cfg_addr(bus, dev, fn, reg), reg, in.size > 4 ? 4 : in.size, false, (u32)v);
        if (in.size > 4)
            pci_cfg_access(pci_cfg_addr(bus, dev, fn, reg + 4), reg + 4, 4, false, (u32)(v >> 32));
        pci_cfg_unlock();
        if (in.kind == INSN_XCHG)
            iommu_set_reg(c, &in, old, mode);
    }
    virt->skip(c, in.len);
    return true;
}
