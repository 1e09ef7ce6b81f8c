/*
 * Intel VT-d: every DMA remapping unit the DMAR table lists gets the same root
 * table (VT-d rev. 4.1, 9.1 "Root Entry"), whose context entries (9.3) send
 * every function of the buses in use through the one second-stage table
 * (9.8) that iommu.c built, in legacy mode (RTADDR.TTM = 00b) with
 * register-based invalidation.  The register sequence follows 10.4
 * "Register Descriptions" and 6.5 "Invalidation of Translation Caches":
 *   root table pointer  RTADDR, GCMD.SRTP, wait for GSTS.RTPS
 *   write buffer        GCMD.WBF, wait for GSTS.WBFS to clear (CAP.RWBF only)
 *   context cache       CCMD global invalidation, wait for CCMD.ICC to clear
 *   IOTLB               IOTLB global invalidation with DR/DW, wait for IVT
 *   translation         GCMD.TE, wait for GSTS.TES
 * every wait bounded.  A unit that walks its tables without snooping the
 * caches (ECAP.C = 0) gets the tables written back first.  Faults are left
 * in the fault recording registers (their interrupt stays masked) and read
 * by vtd_poll().
 */
#include "iommu_impl.h"
#include "console.h"
#include "hv.h"
#include "lib.h"
#include "x86.h"

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
#define FSTS_FRI(s)  (((s) >> 8) & 0xFF)
/* 10.4.10 "Fault Event Control Register" */
#define FECTL_IM     BIT(31)
/* 10.4.14 "Fault Recording Registers [n]": the high quadword */
#define FRCD_F       BIT(63)
#define FRCD_T       BIT(62)                 /* 0: write, 1: read */
#define FRCD_FR(h)   ((u32)((h) >> 32) & 0xFF)
#define FRCD_SID(h)  ((u16)(h))

static struct vtd_root_entry *root;
static u8 levels;

/* Write GCMD with the enables GSTS shows, plus `set`, less `clear`; wait
 * until GSTS shows `want` under `mask`. */
static bool gcmd(u64 base, u32 set, u32 clear, u32 mask, u32 want, const char *what)
{
    u32 keep = mmio_read32(base + VTD_GSTS) & GCMD_KEEP;
    mmio_write32(base + VTD_GCMD, (keep | set) & ~clear);
    for (u32 i = 0; i < IOMMU_WAIT_LOOPS; i++)
        if ((mmio_read32(base + VTD_GSTS) & mask) == want)
            return true;
    kprintf("pxHV: VT-d unit at 0x%llx: %s did not complete\n", base, what);
    return false;
}

static bool wait64_clear(u64 reg, u64 bit, u64 base, const char *what)
{
    for (u32 i = 0; i < IOMMU_WAIT_LOOPS; i++)
        if (!(mmio_read64(reg) & bit))
            return true;
    kprintf("pxHV: VT-d unit at 0x%llx: %s did not complete\n", base, what);
    return false;
}

static bool unit_enable(const struct iommu_unit *u)
{
    u64 base = u->base;
    u64 cap = mmio_read64(base + VTD_CAP), ecap = mmio_read64(base + VTD_ECAP);
    u32 ver = mmio_read32(base + VTD_VER);
    kprintf("pxHV: VT-d unit at 0x%llx: version %u.%u, CAP 0x%016llx, ECAP 0x%016llx\n", base,
            (ver >> 4) & 0xF, ver & 0xF, cap, ecap);

    /* Queued invalidation left on by the firmware would refuse the
     * register-based commands below: off first (10.4.4, QIE). */
    u32 sts = mmio_read32(base + VTD_GSTS);
    if ((sts & GCMD_QIE) && !gcmd(base, 0, GCMD_QIE, GCMD_QIE, 0, "turning queued invalidation off"))
        return false;
    if (sts & GCMD_TE)
        kprintf("pxHV: VT-d unit at 0x%llx: translation was already on (firmware DMA "
                "protection): taken over\n", base);
    /* Faults are polled, not signalled. */
    mmio_write32(base + VTD_FECTL, FECTL_IM);

    mmio_write64(base + VTD_RTADDR, (u64)(usize)root);       /* TTM 00b: legacy mode */
    if (!gcmd(base, GCMD_SRTP, 0, GCMD_SRTP, GCMD_SRTP, "setting the root table pointer"))
        return false;
    if ((cap & VTD_CAP_RWBF) && !gcmd(base, GCMD_WBF, 0, GCMD_WBF, 0, "flushing the write buffer"))
        return false;
    mmio_write64(base + VTD_CCMD, CCMD_ICC | CCMD_GLOBAL);
    if (!wait64_clear(base + VTD_CCMD, CCMD_ICC, base, "the context-cache invalidation"))
        return false;
    u64 iotlb = base + VTD_ECAP_IRO(ecap) + 8;
    mmio_write64(iotlb, IOTLB_IVT | IOTLB_GLOBAL | IOTLB_DR | IOTLB_DW);
    if (!wait64_clear(iotlb, IOTLB_IVT, base, "the IOTLB invalidation"))
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
        if (!unit_enable(&iommu.desc.unit[u]))
            return false;
    return true;
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

void vtd_poll(void)
{
    for (u32 u = 0; u < iommu.desc.nunits; u++) {
        u64 base = iommu.desc.unit[u].base;
        u64 cap = mmio_read64(base + VTD_CAP);
        u32 fsts = mmio_read32(base + VTD_FSTS);
        if (!(fsts & (FSTS_PPF | FSTS_PFO)))
            continue;
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
}
