/*
 * DMA protection (stage3/iommu/, docs/iommu.md): what the core calls.  The
 * tables' formats and the ACPI parsers are pure logic, include/lib/iommu.h.
 */
#ifndef PXHV_CORE_IOMMU_H
#define PXHV_CORE_IOMMU_H
#include "lib/types.h"

struct e820_map;
/* Pages the region needs for the IOMMU's tables (0 without one); run by the
 * early start, so it reads only the firmware's tables and registers. */
u32  iommu_early_pages(const struct e820_map *map);
/* Discover, build, enable, hide; one line when there is no IOMMU. */
void iommu_setup(void);
/* A unit is on: set by iommu_setup. */
extern bool iommu_active;
/* Report the faults the units recorded since the last poll (iommu_poll):
 * inline, so that without an IOMMU a hypercall pays only the test. */
void iommu_poll_units(void);
static inline void iommu_poll(void)
{
    if (iommu_active)
        iommu_poll_units();
}
/* At the guest's end: the last faults and the check of pxHV's image. */
void iommu_end(void);

struct cpu;
/* A guest write the second-level tables stopped on a page the IOMMU code
 * keeps (the units' registers; the ECAM pages of the AMD IOMMU's function and
 * of the ECAM base register): handled, true; not such a page, false. */
bool iommu_write(struct cpu *c, u64 gpa);
/* The I/O ports to intercept for it (the PCI configuration mechanism, only
 * where an IOMMU lives in PCI space): fills ports, returns how many. */
u32  iommu_io_ports(u16 *ports, u32 max);
/* An intercepted access to one of those ports: performed (or a write
 * dropped), true; not one of them, false.  `v`: the value out, or in. */
bool iommu_io(struct cpu *c, u16 port, u8 size, bool in, u32 *v);
/* Whether an access of `size` bytes at `port` touches the ports iommu_io
 * may take, 0xCF8-0xCFF: the I/O exit calls it only then. */
static inline bool iommu_io_port(u16 port, u8 size)
{
    return port + size > 0xCF8 && port < 0xD00;
}

#endif
