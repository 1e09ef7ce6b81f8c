/*
 * Intel VT-d: every DMA remapping unit the DMAR table lists gets the same root
 * table (VT-d rev. 4.1, 9.1 "Root Entry"), whose context entries (9.3) send
 * every function of the buses in use through the one second-stage table
 * (9.8) that iommu.c built, in legacy mode (RTADDR.TTM = 00b).  The register
 * sequence follows 10.4 "Register Descriptions" and 6.5 "Invalidation of
 * Translation Caches":
 *   queued invalidation the firmware left on: drained (IQH = IQT), then off
 *   root table pointer  RTADDR, GCMD.SRTP, wait for GSTS.RTPS
 *   write buffer        GCMD.WBF, wait for GSTS.WBFS to clear (CAP.RWBF only)
 *   invalidation        global context cache, then global IOTLB with DR/DW:
 *                       through pxHV's own invalidation queue where ECAP.QI
 *                       (6.5.2 "Queued Invalidation Interface": descriptors
 *                       6.5.2.1, 6.5.2.3, then 6.5.2.8 "Invalidation Wait
 *                       Descriptor" with a status write pxHV waits for),
 *                       else the registers (6.5.1 "Register-based
 *                       Invalidation Interface": CCMD, IOTLB)
 *   translation         GCMD.TE, wait for GSTS.TES
 * every wait bounded (iommu_impl.h).  Queued invalidation is used wherever
 * the unit has it: units of major version 6 and later have no register-based
 * invalidation at all (6.5 of rev. 3.3 on), and the queue is what the
 * firmware and other drivers leave enabled.  A unit that walks its tables
 * without snooping the caches (ECAP.C = 0) gets the tables written back
 * first.  Faults are left in the fault recording registers (their interrupt
 * stays masked) and read by vtd_poll().
 */
#include "iommu_impl.h"
#include "core/console.h"
#include "core/hv.h"
#include "lib/lib.h"
#include "hw/x86.h"

/* 10.4 register offsets */
#define VTD_VER      0x00
#define VTD_CAP      0x08
#define VTD_ECAP     0x10
#define VTD_GCMD     0x18
#define VTD_GSTS     0x1C
#define VTD_RTADDR   0x20
#define VTD_CCMD     0x28
#define VTD_FSTS     0x34
#define VTD_FECTL    0x38
#define VTD_PMEN     0x64
#define VTD_IQH      0x80            /* 10.4.21-10.4.23: the invalidation queue's */
#define VTD_IQT      0x88            /* head, tail (byte offsets, bits 18:4) and  */
#define VTD_IQA      0x90            /* address (base, DW bit 11, QS bits 2:0)    */
/* GCMD / GSTS bits (10.4.4 "Global Command Register", 10.4.5 "Global Status Register") */
#define GCMD_TE      BIT(31)
#define GCMD_SRTP    BIT(30)
#define GCMD_SFL     BIT(29)
#define GCMD_EAFL    BIT(28)
#define GCMD_WBF     BIT(27)
#define GCMD_QIE     BIT(26)
#define GCMD_IRE     BIT(25)
#define GCMD_SIRTP   BIT(24)
#define GCMD_CFI     BIT(23)
/* The enables that stay as they are when another bit is written; the others
 * are one-shot commands (10.4.4: software reads GSTS, keeps these). */
#define GCMD_KEEP    (GCMD_TE | GCMD_EAFL | GCMD_QIE | GCMD_IRE | GCMD_CFI)
/* 10.4.7 "Context Command Register" */
#define CCMD_ICC     BIT(63)
#define CCMD_GLOBAL  (1ULL << 61)
/* 10.4.8.1 "IOTLB Invalidate Register" */
#define IOTLB_IVT    BIT(63)
#define IOTLB_GLOBAL (1ULL << 60)
#define IOTLB_DR     BIT(49)
#define IOTLB_DW     BIT(48)
/* 10.4.9 "Fault Status Register" */
#define FSTS_PFO     BIT(0)
#define FSTS_PPF     BIT(1)
#define FSTS_IQE     BIT(4)          /* invalidation queue error */
#define FSTS_ICE     BIT(5)          /* invalidation completion error */
#define FSTS_ITE     BIT(6)          /* invalidation time-out error */
#define FSTS_FRI(s)  (((s) >> 8) & 0xFF)
/* 10.4.10 "Fault Event Control Register" */
#define FECTL_IM     BIT(31)
/* 10.4.14 "Fault Recording Registers [n]": the high quadword */
#define FRCD_F       BIT(63)
#define FRCD_T       BIT(62)                 /* 0: write, 1: read */
#define FRCD_FR(h)   ((u32)((h) >> 32) & 0xFF)
#define FRCD_SID(h)  ((u16)(h))
/* 128-bit descriptors (legacy mode): type in bits 3:0, granularity 5:4. */
#define QI_CC_GLOBAL      (0x1ULL | 1ULL << 4)            /* 6.5.2.1 */
#define QI_IOTLB_GLOBAL   (0x2ULL | 1ULL << 4)            /* 6.5.2.3 */
#define QI_IOTLB_DW       BIT(6)
#define QI_IOTLB_DR       BIT(7)
#define QI_WAIT           0x5ULL                          /* 6.5.2.8 */
#define QI_WAIT_SW        BIT(5)                          /* status write */
#define QI_WAIT_FN        BIT(6)                          /* fence */
#define QI_BYTES          4096u                           /* QS 0: 256 descriptors */

static struct vtd_root_entry *root;
static u8 levels;
static struct {
    u64 cap;                 /* as read at start-up: what a sane read gives */
    u64 queue;               /* the invalidation queue, 0: register-based   */
    u32 tail;
} unit[IOMMU_MAX_UNITS];
static volatile u32 qi_status ALIGNED(4);
static bool noncoherent;             /* some unit's walks do not snoop (ECAP.C = 0) */

/* A unit that does not snoop reads and writes memory, not the caches: the
 * line goes out before it reads, and is read again from memory after it
 * wrote (only while pxHV starts, so the cost does not matter). */
static void flush_line(const volatile void *p)
{
    if (noncoherent)
        __asm__ volatile("clflush %0" :: "m"(*(const volatile u8 *)p) : "memory");
}

static bool failed(u64 base, const char *what)
{
    kprintf("pxHV: VT-d unit at 0x%llx: %s did not complete\n", base, what);
    return false;
}

/* Write GCMD with the enables GSTS shows, plus `set`, less `clear`; wait
 * until GSTS shows `want` under `mask`. */
static bool gcmd(u64 base, u32 set, u32 clear, u32 mask, u32 want, const char *what)
{
    u32 keep = mmio_read32(base + VTD_GSTS) & GCMD_KEEP;
    mmio_write32(base + VTD_GCMD, (keep | set) & ~clear);
    return IOMMU_WAIT((mmio_read32(base + VTD_GSTS) & mask) == want) || failed(base, what);
}

/* ---- queued invalidation ---- */

static bool qi_submit(u32 u, u64 lo, u64 hi)
{
    u64 base = iommu.desc.unit[u].base;
    u32 next = (unit[u].tail + 16) % QI_BYTES;
    if (!IOMMU_WAIT((mmio_read32(base + VTD_IQH) & 0x7FFF0) != next))
        return failed(base, "draining the invalidation queue");
    volatile u64 *d = (volatile u64 *)(usize)(unit[u].queue + unit[u].tail);
    d[0] = lo;
    d[1] = hi;
    flush_line(d);
    unit[u].tail = next;
    __asm__ volatile("sfence" ::: "memory");
    mmio_write32(base + VTD_IQT, next);
    return true;
}

/* Every descriptor before it has completed once the unit has written the
 * status (the fence orders it after them). */
static bool qi_sync(u32 u)
{
    u64 base = iommu.desc.unit[u].base;
    qi_status = 0;
    flush_line(&qi_status);
    if (!qi_submit(u, QI_WAIT | QI_WAIT_SW | QI_WAIT_FN | 1ULL << 32, (u64)(usize)&qi_status))
        return false;
    bool ok = IOMMU_WAIT((flush_line(&qi_status), qi_status == 1) ||
                         (mmio_read32(base + VTD_FSTS) & (FSTS_IQE | FSTS_ITE)));
    u32 fsts = mmio_read32(base + VTD_FSTS);
    if (fsts & (FSTS_IQE | FSTS_ICE | FSTS_ITE)) {
        kprintf("pxHV: VT-d unit at 0x%llx: invalidation queue error (FSTS 0x%x)\n", base, fsts);
        mmio_write32(base + VTD_FSTS, fsts & (FSTS_IQE | FSTS_ICE | FSTS_ITE));
        return false;
    }
    return (ok && qi_status == 1) || failed(base, "the invalidation wait");
}

/* The firmware's queue, if it left one running, drained and stopped: IQA may
 * only change while queued invalidation is off (10.4.23). */
static bool qi_stop(u64 base)
{
    if (!(mmio_read32(base + VTD_GSTS) & GCMD_QIE))
        return true;
    if (!IOMMU_WAIT((mmio_read64(base + VTD_IQH) & 0x7FFF0) == (mmio_read64(base + VTD_IQT) & 0x7FFF0)))
        return failed(base, "draining the firmware's invalidation queue");
    return gcmd(base, 0, GCMD_QIE, GCMD_QIE, 0, "turning queued invalidation off");
}

static bool qi_start(u32 u)
{
    u64 base = iommu.desc.unit[u].base;
    unit[u].queue = (u64)(usize)iommu_page(NULL);
    if (!unit[u].queue) {
        kprintf("pxHV: VT-d: no room for the invalidation queue\n");
        return false;
    }
    unit[u].tail = 0;
    mmio_write64(base + VTD_IQT, 0);
    mmio_write64(base + VTD_IQA, unit[u].queue);         /* 128-bit descriptors, QS 0 */
    return gcmd(base, GCMD_QIE, 0, GCMD_QIE, GCMD_QIE, "turning queued invalidation on");
}

static bool invalidate_all(u32 u, u64 ecap)
{
    u64 base = iommu.desc.unit[u].base;
    if (unit[u].queue)
        return qi_submit(u, QI_CC_GLOBAL, 0) &&
               qi_submit(u, QI_IOTLB_GLOBAL | QI_IOTLB_DR | QI_IOTLB_DW, 0) && qi_sync(u);
    mmio_write64(base + VTD_CCMD, CCMD_ICC | CCMD_GLOBAL);
    if (!IOMMU_WAIT(!(mmio_read64(base + VTD_CCMD) & CCMD_ICC)))
        return failed(base, "the context-cache invalidation");
    u64 iotlb = base + VTD_ECAP_IRO(ecap) + 8;
    mmio_write64(iotlb, IOTLB_IVT | IOTLB_GLOBAL | IOTLB_DR | IOTLB_DW);
    return IOMMU_WAIT(!(mmio_read64(iotlb) & IOTLB_IVT)) || failed(base, "the IOTLB invalidation");
}

static bool unit_enable(u32 u)
{
    u64 base = iommu.desc.unit[u].base;
    u32 ver = mmio_read32(base + VTD_VER);
    if (ver == 0 || ver == ~0u) {
        kprintf("pxHV: VT-d unit at 0x%llx: its version register reads 0x%x: no unit answers "
                "there\n", base, ver);
        return false;
    }
    u64 cap = mmio_read64(base + VTD_CAP), ecap = mmio_read64(base + VTD_ECAP);
    bool qi = ecap & VTD_ECAP_QI;
    kprintf("pxHV: VT-d unit at 0x%llx: version %u.%u, CAP 0x%016llx, ECAP 0x%016llx, %s "
            "invalidation\n", base, (ver >> 4) & 0xF, ver & 0xF, cap, ecap,
            qi ? "queued" : "register-based");
    if (!qi && ((ver >> 4) & 0xF) >= 6) {
        kprintf("pxHV: VT-d unit at 0x%llx: version %u without queued invalidation: no way to "
                "invalidate its caches\n", base, (ver >> 4) & 0xF);
        return false;
    }
    unit[u].cap = cap;

    /* The firmware's queue would keep the register-based commands from
     * working and pxHV's own from starting (10.4.4, QIE). */
    if (!qi_stop(base))
        return false;
    if (mmio_read32(base + VTD_GSTS) & GCMD_TE)
        kprintf("pxHV: VT-d unit at 0x%llx: translation was already on (firmware DMA "
                "protection): taken over\n", base);
    /* Faults are polled, not signalled. */
    mmio_write32(base + VTD_FECTL, FECTL_IM);

    mmio_write64(base + VTD_RTADDR, (u64)(usize)root);       /* TTM 00b: legacy mode */
    if (!gcmd(base, GCMD_SRTP, 0, GCMD_SRTP, GCMD_SRTP, "setting the root table pointer"))
        return false;
    if ((cap & VTD_CAP_RWBF) && !gcmd(base, GCMD_WBF, 0, GCMD_WBF, 0, "flushing the write buffer"))
        return false;
    if ((qi && !qi_start(u)) || !invalidate_all(u, ecap))
        return false;
    if (!gcmd(base, GCMD_TE, 0, GCMD_TE, GCMD_TE, "enabling translation"))
        return false;
    /* Protected memory regions (CAP.PLMR/PHMR), if the firmware used them,
     * are no longer needed once translation is on (10.4.16). */
    if (cap & (BIT(5) | BIT(6)))
        mmio_write32(base + VTD_PMEN, 0);
    return true;
}

bool vtd_enable(void)
{
    u64 cap_all = ~0ULL;
    for (u32 u = 0; u < iommu.desc.nunits; u++)
        cap_all &= mmio_read64(iommu.desc.unit[u].base + VTD_CAP);
    u8 aw;
    int n = vtd_levels_for(cap_all, iommu.top, &aw);
    if (n < 0) {
        kprintf("pxHV: VT-d: no common walk length for 0x%llx bytes (SAGAW 0x%llx)\n", iommu.top,
                VTD_CAP_SAGAW(cap_all));
        return false;
    }
    levels = (u8)n;
    u64 *sl = iommu_pt_root(iommu.pml4, &pt_vtd, levels);
    u32 ctx_pages = 0;
    root = sl ? vtd_build_context(iommu.buses, (u64)(usize)sl, levels, IOMMU_DOMAIN, iommu_page,
                                  NULL, &ctx_pages) : NULL;
    if (!root) {
        kprintf("pxHV: VT-d: no room for the root and context tables\n");
        return false;
    }
    kprintf("pxHV: VT-d: root table at 0x%llx, %u context table%s, %u-level second-stage walk\n",
            (u64)(usize)root, ctx_pages - 1, ctx_pages == 2 ? "" : "s", levels);
    /* Units that do not snoop on their walks read memory, not the caches. */
    wbinvd();
    for (u32 u = 0; u < iommu.desc.nunits; u++)
        noncoherent |= !(mmio_read64(iommu.desc.unit[u].base + VTD_ECAP) & VTD_ECAP_C);
    for (u32 u = 0; u < iommu.desc.nunits; u++)
        if (!unit_enable(u))
            return false;
    return true;
}

/* The capability register reads what it read at start-up, and translation
 * is on: the unit itself answers (iommu_impl.h, A20). */
bool vtd_sane(u32 u)
{
    u64 base = iommu.desc.unit[u].base;
    return mmio_read64(base + VTD_CAP) == unit[u].cap && (mmio_read32(base + VTD_GSTS) & GCMD_TE);
}

/* Fault reasons (Appendix A "Non-Recoverable Fault Reason Encodings"). */
static const char *fault_reason(u32 fr)
{
    switch (fr) {
    case 0x01: return "root entry not present";
    case 0x02: return "context entry not present";
    case 0x03: return "invalid context entry";
    case 0x04: return "address beyond the address width";
    case 0x05: return "not writable";
    case 0x06: return "not readable";
    case 0x07: return "invalid table entry";
    default:   return "translation fault";
    }
}

void vtd_poll(u32 u)
{
    u64 base = iommu.desc.unit[u].base;
    u64 cap = unit[u].cap;
    u32 fsts = mmio_read32(base + VTD_FSTS);
    if (!(fsts & (FSTS_PPF | FSTS_PFO)))
        return;
    u32 nfr = VTD_CAP_NFR(cap), i = FSTS_FRI(fsts) % nfr;
    u64 frcd = base + VTD_CAP_FRO(cap);
    /* From the index the status names, round the ring until a record
     * without F (10.4.14: hardware fills them in order). */
    for (u32 k = 0; k < nfr; k++, i = (i + 1) % nfr) {
        u64 hi = mmio_read64(frcd + 16 * i + 8);
        if (!(hi & FRCD_F))
            break;
        u64 lo = mmio_read64(frcd + 16 * i);
        iommu_blocked(FRCD_SID(hi), !(hi & FRCD_T), lo & ~0xFFFULL, fault_reason(FRCD_FR(hi)));
        mmio_write32(frcd + 16 * i + 12, (u32)(FRCD_F >> 32));   /* write 1 to clear F */
    }
    if (fsts & FSTS_PFO) {
        kprintf("pxHV: VT-d unit at 0x%llx: fault records overflowed; some faults not "
                "reported\n", base);
        mmio_write32(base + VTD_FSTS, FSTS_PFO);
    }
}
