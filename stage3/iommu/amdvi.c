/*
 * AMD-Vi: one device table for every device ID up to the last function of the
 * highest bus in use, every entry valid and translating through the one I/O
 * page table iommu.c built (AMD IOMMU rev. 3.00, 2.2.2 "Device Table Entry
 * Format", 2.2.3 "I/O Page Tables for Host Translations"), shared by the units
 * the IVRS lists; each unit has its own command buffer and event log (2.4
 * "Commands", 2.5 "Event Logging").  The register sequence (3.4 "IOMMU MMIO
 * Registers"):
 *   IOMMU off, the three base registers, head and tail pointers at 0
 *   command buffer and event log on, then the IOMMU on
 *   INVALIDATE_DEVTAB_ENTRY for every device ID (INVALIDATE_IOMMU_ALL where
 *   EFR.IASup), INVALIDATE_IOMMU_PAGES for the domain, COMPLETION_WAIT
 * every wait bounded.  Device IDs the table does not reach are refused by
 * the IOMMU itself (ILLEGAL_DEV_TABLE_ENTRY), none passes untranslated.
 */
#include "iommu_impl.h"
#include "core/console.h"
#include "core/hv.h"
#include "lib/lib.h"
#include "hw/x86.h"

/* 3.4 MMIO offsets */
#define AMDVI_DEVTAB      0x0000
#define AMDVI_CMD_BASE    0x0008
#define AMDVI_EVT_BASE    0x0010
#define AMDVI_CONTROL     0x0018
#define AMDVI_EFR         0x0030
#define AMDVI_CMD_HEAD    0x2000
#define AMDVI_CMD_TAIL    0x2008
#define AMDVI_EVT_HEAD    0x2010
#define AMDVI_EVT_TAIL    0x2018
#define AMDVI_STATUS      0x2020
/* 3.4.4 "IOMMU Control Register" */
#define CTL_IOMMU_EN      BIT(0)
#define CTL_EVT_LOG_EN    BIT(2)
#define CTL_CMD_BUF_EN    BIT(12)
/* IOMMU Status Register (MMIO 2020h) */
#define STS_EVT_OVERFLOW  BIT(0)
/* Buffers of 256 entries of 16 bytes: one page each (Len field 8 = 2^8). */
#define RING_LEN_LOG2     8ULL
#define RING_BYTES        4096u
#define EFR_IA_SUP        BIT(6)

struct unit_rings { u64 cmd, evt; };
static struct unit_rings rings[IOMMU_MAX_UNITS];
static struct amdvi_dte *devtab;
static u32 devtab_pages;
static volatile u64 completion ALIGNED(8);
static u64 efrs[IOMMU_MAX_UNITS];      /* as read at start-up: what a sane read gives */

/* Queue one command and advance the tail; waits (bounded) while the ring is
 * full. */
static bool cmd_submit(u32 u, const struct amdvi_cmd *c)
{
    u64 base = iommu.desc.unit[u].base;
    u32 tail = mmio_read32(base + AMDVI_CMD_TAIL) & (RING_BYTES - 1);
    u32 next = (tail + 16) & (RING_BYTES - 1);
    if (!IOMMU_WAIT(mmio_read32(base + AMDVI_CMD_HEAD) != next)) {
        kprintf("pxHV: AMD-Vi unit at 0x%llx: the command buffer does not drain\n", base);
        return false;
    }
    memcpy((u8 *)(usize)rings[u].cmd + tail, c, sizeof *c);
    __asm__ volatile("sfence" ::: "memory");
    mmio_write32(base + AMDVI_CMD_TAIL, next);
    return true;
}

/* COMPLETION_WAIT: every command before it has completed once the IOMMU
 * has stored the token. */
static bool cmd_sync(u32 u)
{
    static u64 token;
    struct amdvi_cmd c;
    completion = 0;
    token++;
    amdvi_cmd_completion_wait(&c, (u64)(usize)&completion, token);
    if (!cmd_submit(u, &c))
        return false;
    if (IOMMU_WAIT(completion == token))
        return true;
    kprintf("pxHV: AMD-Vi unit at 0x%llx: COMPLETION_WAIT did not complete\n",
            iommu.desc.unit[u].base);
    return false;
}

static bool unit_enable(u32 u)
{
    const struct iommu_unit *x = &iommu.desc.unit[u];
    u64 base = x->base;
    u64 efr = mmio_read64(base + AMDVI_EFR);
    if (efr == ~0ULL) {
        kprintf("pxHV: AMD-Vi unit at 0x%llx: its registers read all ones: no unit answers "
                "there\n", base);
        return false;
    }
    efrs[u] = efr;
    kprintf("pxHV: AMD-Vi unit at 0x%llx (device %02x:%02x.%x): EFR 0x%016llx\n", base,
            IOMMU_BUS(x->devid), IOMMU_DEV(x->devid), IOMMU_FN(x->devid), efr);
    rings[u].cmd = (u64)(usize)iommu_page(NULL);
    rings[u].evt = (u64)(usize)iommu_page(NULL);
    if (!rings[u].cmd || !rings[u].evt) {
        kprintf("pxHV: AMD-Vi: no room for the command buffer and event log\n");
        return false;
    }
    mmio_write64(base + AMDVI_CONTROL, 0);
    mmio_write64(base + AMDVI_DEVTAB, (u64)(usize)devtab | (devtab_pages - 1));
    mmio_write64(base + AMDVI_CMD_BASE, rings[u].cmd | RING_LEN_LOG2 << 56);
    mmio_write64(base + AMDVI_EVT_BASE, rings[u].evt | RING_LEN_LOG2 << 56);
    mmio_write64(base + AMDVI_CMD_HEAD, 0);
    mmio_write64(base + AMDVI_CMD_TAIL, 0);
    mmio_write64(base + AMDVI_EVT_HEAD, 0);
    mmio_write64(base + AMDVI_EVT_TAIL, 0);
    mmio_write64(base + AMDVI_STATUS, STS_EVT_OVERFLOW);
    mmio_write64(base + AMDVI_CONTROL, CTL_CMD_BUF_EN | CTL_EVT_LOG_EN);
    mmio_write64(base + AMDVI_CONTROL, CTL_CMD_BUF_EN | CTL_EVT_LOG_EN | CTL_IOMMU_EN);

    /* Nothing is cached yet on a unit pxHV just enabled, but a unit the
     * firmware ran may hold entries of its own tables. */
    struct amdvi_cmd c;
    if (efr & EFR_IA_SUP) {
        c.q[0] = AMDVI_CMD_INVALIDATE_ALL << 60;
        c.q[1] = 0;
        if (!cmd_submit(u, &c))
            return false;
    } else {
        u32 ids = devtab_pages * 4096 / sizeof(struct amdvi_dte);
        for (u32 id = 0; id < ids; id++) {
            amdvi_cmd_invalidate_devtab(&c, (u16)id);
            if (!cmd_submit(u, &c) || ((id & 127) == 127 && !cmd_sync(u)))
                return false;
        }
    }
    amdvi_cmd_invalidate_pages(&c, IOMMU_DOMAIN);
    return cmd_submit(u, &c) && cmd_sync(u);
}

bool amdvi_enable(void)
{
    u32 last_bus = 0;
    for (u32 b = 0; b < 256; b++)
        if (iommu.buses[b / 8] & (1u << (b % 8)))
            last_bus = b;
    devtab_pages = (u32)(amdvi_devtab_bytes((u16)(last_bus << 8 | 0xFF)) / 4096);
    /* The device table is one contiguous block: the pages come in order. */
    devtab = (struct amdvi_dte *)iommu_page(NULL);
    for (u32 i = 1; devtab && i < devtab_pages; i++)
        if (!iommu_page(NULL))
            devtab = NULL;
    if (!devtab) {
        kprintf("pxHV: AMD-Vi: no room for the device table\n");
        return false;
    }
    u32 ids = devtab_pages * 4096 / sizeof(struct amdvi_dte);
    for (u32 id = 0; id < ids; id++)
        amdvi_dte_translate(&devtab[id], (u64)(usize)iommu.pml4, 4, IOMMU_DOMAIN);
    kprintf("pxHV: AMD-Vi: device table at 0x%llx for device IDs 0000-%04x, 4-level I/O page "
            "table\n", (u64)(usize)devtab, ids - 1);
    wbinvd();
    for (u32 u = 0; u < iommu.desc.nunits; u++)
        if (!unit_enable(u))
            return false;
    return true;
}

static const char *event_name(u32 code)
{
    switch (code) {
    case AMDVI_EV_ILLEGAL_DEV_TABLE_ENTRY: return "illegal device table entry";
    case AMDVI_EV_IO_PAGE_FAULT:           return "I/O page fault";
    case AMDVI_EV_DEV_TAB_HARDWARE_ERROR:  return "device table hardware error";
    case AMDVI_EV_PAGE_TAB_HARDWARE_ERROR: return "page table hardware error";
    case AMDVI_EV_INVALID_DEVICE_REQUEST:  return "invalid device request";
    default:                               return "event";
    }
}

/* The extended feature register reads what it read at start-up, and the
 * IOMMU is on: the unit itself answers (iommu_impl.h, A20). */
bool amdvi_sane(u32 u)
{
    u64 base = iommu.desc.unit[u].base;
    return mmio_read64(base + AMDVI_EFR) == efrs[u] &&
           (mmio_read64(base + AMDVI_CONTROL) & CTL_IOMMU_EN);
}

void amdvi_poll(u32 u)
{
    u64 base = iommu.desc.unit[u].base;
    u32 head = mmio_read32(base + AMDVI_EVT_HEAD) & (RING_BYTES - 1) & ~15u;
    u32 tail = mmio_read32(base + AMDVI_EVT_TAIL) & (RING_BYTES - 1) & ~15u;
    while (head != tail) {          /* at most 255 entries: both are in the ring */
        const struct amdvi_event *e = (const struct amdvi_event *)(usize)(rings[u].evt + head);
        u32 code = AMDVI_EVENT_CODE(e);
        if (code == AMDVI_EV_IO_PAGE_FAULT || code == AMDVI_EV_ILLEGAL_DEV_TABLE_ENTRY ||
            code == AMDVI_EV_INVALID_DEVICE_REQUEST)
            iommu_blocked(AMDVI_EVENT_DEVID(e), AMDVI_EVENT_FLAGS(e) & AMDVI_EVF_RW, e->q[1],
                          event_name(code));
        else
            kprintf("pxHV: AMD-Vi unit at 0x%llx: event %u (%s): 0x%016llx 0x%016llx\n", base,
                    code, event_name(code), e->q[0], e->q[1]);
        head = (head + 16) & (RING_BYTES - 1);
    }
    mmio_write32(base + AMDVI_EVT_HEAD, head);
    if (mmio_read32(base + AMDVI_STATUS) & STS_EVT_OVERFLOW) {
        kprintf("pxHV: AMD-Vi unit at 0x%llx: event log overflowed\n", base);
        mmio_write32(base + AMDVI_STATUS, STS_EVT_OVERFLOW);
    }
}
