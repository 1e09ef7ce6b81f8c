/*
 * The guest's memory as pxHV touches it on the guest's behalf (hypercall
 * buffers, string I/O, emulated APIC stores): physical accesses that never
 * reach what pxHV keeps or what its own page tables do not map, and linear
 * accesses with the checks the CPU would make: the segment limit (SDM Vol.
 * 3A 5.3), the guest's paging with its access rights (4.6 "Access Rights")
 * and accessed/dirty flags, raising the fault the CPU would raise (#GP, #SS,
 * #PF with its error code and CR2).
 */
#include "core/core.h"
#include "core/hv.h"
#include "core/host.h"
#include "lib/lib.h"
#include "lib/pt.h"
#include "hw/x86.h"

/* [gpa, gpa + len) inside what the host maps. */
static bool reachable(u64 gpa, u64 len)
{
    return len <= host_map_end && gpa <= host_map_end - len;
}

/* Page by page, where the guest would reach it (core/kept.c guest_hpa). */
static bool copy(u64 gpa, u8 *buf, u64 len, bool write)
{
    if (!reachable(gpa, len))
        return false;
    for (u64 done = 0; done < len;) {
        u64 n = 4096 - ((gpa + done) & 0xFFF);
        n = n < len - done ? n : len - done;
        u64 hpa;
        if (!guest_hpa(gpa + done, n, write, &hpa))
            return false;
        if (write)
            memcpy((void *)(usize)hpa, buf + done, n);
        else
            memcpy(buf + done, (const void *)(usize)hpa, n);
        done += n;
    }
    return true;
}

bool guest_read(u64 gpa, void *dst, u64 len)
{
    return copy(gpa, dst, len, false);
}

bool guest_write(u64 gpa, const void *src, u64 len)
{
    return copy(gpa, (u8 *)(usize)src, len, true);
}

#define PTE_A   BIT(5)
#define PTE_D   BIT(6)

/*
 * Guest linear -> guest physical through the guest's own page tables
 * (4.3 "32-Bit Paging", 4.4 "PAE Paging", 4.5 "4-Level Paging and 5-Level
 * Paging").  With
 * `check` the data access is checked as the CPU checks it (user = CPL 3;
 * R/W with CR0.WP; SMAP), and with `dirty` as well the written page's dirty
 * flag is set.  A refusal, a missing page or a reserved bit fills pf_code.
 * Without `check` (pxHV reading an instruction to emulate) only the
 * translation is done.
 */
struct walk { bool check, write, user, smap, dirty; u32 pf_code; };

/* The bits of a present paging-structure entry that must be 0, whose being
 * set leaves the address without a translation (4.3, 4.4.2, 4.5.4 and the
 * entry formats there): the address bits at and above MAXPHYADDR (PAE
 * paging: up to bit 62; 4-level paging: up to bit 51, the bits above are
 * ignored), XD without EFER.NXE, PS in a PML5E or PML4E, PS in a PDPTE
 * without 1-GiB pages, the unused address bits of a large page.  `level`:
 * 5 PML5E, 4 PML4E, 3 PDPTE, 2 PDE, 1 PTE; m: MAXPHYADDR. */
static u64 reserved_bits(u64 e, int level, u32 m, bool pae, bool lma, bool nxe, bool pse)
{
    bool ps = level > 1 && (e & PTE_PS);
    if (!pae) {
        if (level != 2 || !ps || !pse)
            return 0;
        /* A 4-MiB page: bits 20:13 hold address bits 39:32 up to
         * min(MAXPHYADDR, 40); the rest of 21:13 is reserved. */
        u32 m40 = m < 40 ? m : 40;
        return (BIT(22) - 1) & ~(BIT(m40 - 19) - 1);
    }
    u64 r = ((lma ? BIT(52) : BIT(63)) - 1) & ~(BIT(m) - 1);
    if (!nxe)
        r |= PTE_NX;
    if (level >= 4)
        r |= PTE_PS;
    else if (level == 3 && ps)
        r |= has_1g_pages() ? (BIT(30) - 1) & ~(BIT(13) - 1) : PTE_PS;
    else if (level == 2 && ps)
        r |= (BIT(21) - 1) & ~(BIT(13) - 1);
    return r;
}

static bool translate(struct cpu *c, u64 gla, u64 *gpa, struct walk *w)
{
    u64 cr0 = virt->get(c, GR_CR0);
    if (!(cr0 & CR0_PG)) {              /* the rest is not needed: each read is a backend call */
        *gpa = gla;
        return true;
    }
    u64 cr4 = virt->get(c, GR_CR4), cr3 = virt->get(c, GR_CR3), efer = virt->get(c, GR_EFER);
    bool pae = cr4 & CR4_PAE, lma = efer & EFER_LMA, nxe = efer & EFER_NXE;
    u64 e, rw = PTE_W, us = PTE_U, leaf = 0, page = 4096;   /* rights: ANDed over the walk */
    u32 size = pae ? 8 : 4;
    int level;

    w->pf_code = (w->write ? PF_W : 0) | (w->user ? PF_U : 0);
    u32 m = phys_addr_bits();
    if (lma) {
        e = (cr3 & PT_ADDR_MASK) | PTE_P | PTE_W | PTE_U;
        level = cr4 & CR4_LA57 ? 5 : 4;
    } else if (pae) {
        u64 pdpte[4];
        virt->get_pdptes(c, pdpte);
        e = pdpte[(gla >> 30) & 3] | PTE_W | PTE_U;   /* PDPTEs carry no rights here */
        level = 2;
    } else {
        e = (cr3 & 0xFFFFF000) | PTE_P | PTE_W | PTE_U;
        level = 2;
    }
    /* `level`: the structure to read next, 0 when e maps the page. */
    for (;;) {
        if (!(e & PTE_P))
            return false;
        rw &= e;
        us &= e;
        if (level == 0)
            break;
        u32 shift = pae ? 12 + 9 * (level - 1) : 12 + 10 * (level - 1);
        u64 table = pae ? e & PT_ADDR_MASK : e & 0xFFFFF000;
        leaf = table + ((gla >> shift) & (pae ? 0x1FF : 0x3FF)) * size;
        e = 0;
        if (!guest_read(leaf, &e, size))
            return false;
        if (!(e & PTE_P))
            return false;
        if (e & reserved_bits(e, level, m, pae, lma, nxe, cr4 & CR4_PSE)) {
            w->pf_code |= PF_P | PF_RSVD;
            return false;
        }
        if (!(e & PTE_A)) {             /* used for the translation: accessed (4.8) */
            u64 nv = e | PTE_A;
            guest_write(leaf, &nv, size);
        }
        page = 1ULL << shift;
        bool large = level > 1 && level < (lma ? 4 : 3) && (e & PTE_PS) && (pae || (cr4 & CR4_PSE));
        level = large ? 0 : level - 1;
    }
    if (w->check) {
        if ((w->user && !(us & PTE_U)) ||
            (w->write && !(rw & PTE_W) && (w->user || (cr0 & CR0_WP))) ||
            (!w->user && (us & PTE_U) && w->smap)) {
            w->pf_code |= PF_P;
            return false;
        }
        if (w->dirty && w->write && !(e & PTE_D)) {
            u64 nv = e | PTE_A | PTE_D;
            guest_write(leaf, &nv, size);
        }
    }
    u64 base = pae ? e & PT_ADDR_MASK : e & 0xFFFFF000;
    if (!pae && page == (4ULL << 20))
        base = (e & 0xFFC00000) | ((e & 0x1FE000) << 19);  /* PSE-36: bits 20:13 -> 39:32 */
    *gpa = (base & ~(page - 1)) | (gla & (page - 1));
    return true;
}

bool guest_linear_to_phys(struct cpu *c, u64 gla, u64 *gpa)
{
    struct walk w = { .check = false };
    return translate(c, gla, gpa, &w);
}

/* The segment checks of a data access (5.3 "Limit Checking", 3.4.5 types):
 * 0 when it may proceed, else the vector (#GP or #SS) with error code 0. */
static u8 segment_fault(struct cpu *c, enum seg_reg sr, const struct segment *s, u64 off,
                        u32 size, bool write, bool mode64)
{
    u8 vec = sr == SEG_SS ? VEC_SS : VEC_GP;
    if (mode64)
        return 0;                       /* canonical check by the caller */
    if (!(virt->get(c, GR_CR0) & CR0_PE))
        return off + size - 1 > s->limit ? vec : 0;
    if (s->unusable || !s->present || (write && (!s->s || (s->type & 0xA) != 0x2)) ||
        (!write && s->s && (s->type & 0xA) == 0x8))
        return vec;                     /* null, not writable data, execute-only code */
    u64 last = off + size - 1, max = s->db ? 0xFFFFFFFFULL : 0xFFFF;
    if (s->s && (s->type & 0xC) == 0x4)  /* expand-down data: (limit, max] */
        return off > s->limit && last <= max ? 0 : vec;
    if (s->limit == 0xFFFFFFFF)
        return 0;                       /* flat: the offset wraps at 4 GiB */
    return last > s->limit ? vec : 0;
}

/* Bits 63:47 all equal, or 63:56 with 5-level paging (CR4.LA57). */
static bool canonical(u64 la, bool la57)
{
    u32 n = la57 ? 7 : 16;
    return ((s64)(la << n) >> n) == (s64)la;
}

/* Each page of [gla, gla + size): translated and checked, and with `buf`
 * copied (the dirty flags set first).  False: a #PF was injected. */
static bool pages(struct cpu *c, u64 gla, u32 size, bool mode64, struct walk *w, u8 *buf)
{
    for (u32 done = 0; done < size;) {       /* an element may cross a page */
        u64 la = (gla + done) & (mode64 ? ~0ULL : 0xFFFFFFFFULL), pa;
        u32 n = (u32)(4096 - (la & 0xFFF));
        n = n < size - done ? n : size - done;
        if (!translate(c, la, &pa, w)) {
            virt->set(c, GR_CR2, la);
            virt->inject(c, VEC_PF, true, w->pf_code);
            return false;
        }
        if (buf && !(w->write ? guest_write(pa, buf + done, n) : guest_read(pa, buf + done, n))) {
            /* As the EPT would: what pxHV keeps or guest-physical space
             * beyond the map is an access the guest is not given. */
            const char *kept = reachable(pa, n) ? guest_kept_name(pa) : NULL;
            guest_refuse(c, "%s %s at GPA 0x%llx", w->write ? "a write to" : "a read of",
                         kept ? kept : "memory beyond the guest's map", pa);
            guest_end(c, kept ? "access to memory pxHV keeps" : "access beyond the memory map", false);
        }
        done += n;
    }
    return true;
}

bool guest_linear_access(struct cpu *c, enum seg_reg sr, u64 off, void *buf, u32 size,
                         bool write)
{
    struct segment s;
    virt->get_seg(c, sr, &s);
    struct segment cs;
    virt->get_seg(c, SEG_CS, &cs);
    bool mode64 = (virt->get(c, GR_EFER) & EFER_LMA) && cs.l;
    bool la57 = virt->get(c, GR_CR4) & CR4_LA57;
    u8 vec = segment_fault(c, sr, &s, off, size, write, mode64);
    if (vec) {
        virt->inject(c, vec, true, 0);
        return false;
    }
    u64 gla = (mode64 && sr != SEG_FS && sr != SEG_GS ? 0 : s.base) + off;
    if (!mode64) {
        gla &= 0xFFFFFFFFULL;           /* linear addresses wrap outside 64-bit mode */
    } else if (!canonical(gla, la57) || !canonical(gla + size - 1, la57)) {
        /* Every byte's address must be canonical (SDM Vol. 1 3.3.7.1).  The
         * fault is #GP even through SS: in 64-bit mode only references
         * through RSP or RBP are stack references, and the callers' are not. */
        virt->inject(c, VEC_GP, true, 0);
        return false;
    }
    u32 cpl = virt->cpl(c);
    u64 rflags = virt->get(c, GR_RFLAGS);
    struct walk w = {
        .check = true, .write = write, .user = cpl == 3,
        .smap = (virt->get(c, GR_CR4) & CR4_SMAP) && !(rflags & RFLAGS_AC),
    };
    /* Every page is checked before any byte moves or any dirty flag is set:
     * a fault on the second page of a split access leaves the first as it
     * was, as the faulting instruction does not complete (6.6 "Program or
     * Task Restart").  Alignment checking comes after the page checks (6.9,
     * Table 6-2): an unaligned word, doubleword or quadword at CPL 3 with
     * CR0.AM and EFLAGS.AC set is #AC(0) (6.15 "Interrupt 17"). */
    bool split = (gla ^ (gla + size - 1)) & ~0xFFFULL;
    bool unaligned = (size == 2 || size == 4 || size == 8) && (gla & (size - 1)) &&
                     cpl == 3 && (virt->get(c, GR_CR0) & CR0_AM) && (rflags & RFLAGS_AC);
    if ((split || unaligned) && !pages(c, gla, size, mode64, &w, NULL))
        return false;
    if (unaligned) {
        virt->inject(c, VEC_AC, true, 0);
        return false;
    }
    w.dirty = true;
    return pages(c, gla, size, mode64, &w, buf);
}

u32 guest_fetch(struct cpu *c, u8 *bytes, u32 max, u32 *mode)
{
    struct segment cs;
    virt->get_seg(c, SEG_CS, &cs);
    bool lm = (virt->get(c, GR_EFER) & EFER_LMA) && cs.l;
    *mode = !(virt->get(c, GR_CR0) & CR0_PE) ? 16 : lm ? 64 : cs.db ? 32 : 16;
    return guest_fetch_at(c, (lm ? 0 : cs.base) + virt->get(c, GR_RIP), lm, bytes, max);
}

u32 guest_fetch_at(struct cpu *c, u64 gla, bool lm, u8 *bytes, u32 max)
{
    u64 pa;
    u32 n = 0;
    while (n < max) {                  /* a page at a time: at most two */
        u64 la = lm ? gla + n : (u32)(gla + n);
        u32 part = (u32)(4096 - (la & 0xFFF));
        part = part < max - n ? part : max - n;
        if (!guest_linear_to_phys(c, la, &pa) || !guest_read(pa, bytes + n, part))
            break;
        n += part;
    }
    return n;
}
