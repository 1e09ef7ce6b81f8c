// sources: stage3/core/guestmem.c stage3/core/state.c tests/unit/fake_virt.c
/*
 * Unit tests for the guest's memory as pxHV reaches it for the guest
 * (stage3/core/guestmem.c, guest_linear_access) on the fake machine, against
 * the Intel SDM Vol. 3A: real-mode and protected-mode segments (5.3 "Limit
 * Checking", 3.4.5.1 types, expand-down, 16/32-bit offsets), linear
 * addresses wrapping at 4 GiB outside 64-bit mode, 32-bit, PAE and 4-level
 * paging (4.3-4.5) with the accessed and dirty flags (4.8), access rights
 * (4.6: U/S, R/W with CR0.WP, SMAP with EFLAGS.AC), the #PF error code and
 * CR2 (4.7: P, W/R, U/S, RSVD; I/D is never set for a data access), and
 * canonical addresses in 64-bit mode (Vol. 1 3.3.7.1), 5-level paging (4.5).
 */
#include "unit.h"
#include "fake_virt.h"

#define P  PTE_P
#define W  PTE_W
#define U  PTE_U
#define PS PTE_PS
#define A  BIT(5)
#define D  BIT(6)
#define RSVD PF_RSVD

static struct cpu *c;
static u8 buf[16];

static void machine(void)
{
    fake_reset();
    c = fake_cpu[0];
    /* MAXPHYADDR 36, 48-bit linear addresses, 1-GiB pages. */
    fake_cpuid_set(0x80000000, 0, 0x80000008, 0, 0, 0);
    fake_cpuid_set(0x80000001, 0, 0, 0, 0, (u32)(CPUID_80000001_EDX_LM |
                                                 CPUID_80000001_EDX_PDPE1GB));
    fake_cpuid_set(0x80000008, 0, 0x3024, 0, 0, 0);
}

static bool rd(enum seg_reg s, u64 off, u32 size)
{
    memset(buf, 0, sizeof buf);
    fake.nevents = 0;
    return guest_linear_access(c, s, off, buf, size, false);
}

static bool wr(enum seg_reg s, u64 off, u32 size)
{
    fake.nevents = 0;
    return guest_linear_access(c, s, off, buf, size, true);
}

static u32 buf32(void)
{
    u32 v;
    memcpy(&v, buf, 4);
    return v;
}

/* The access failed with exactly this one event. */
static bool fault(u8 vector, u32 code)
{
    struct fake_event e = fake_last_event();
    return fake.nevents == 1 && e.vector == vector && e.has_code && e.code == code;
}

static bool pf(u32 code, u64 cr2)
{
    return fault(VEC_PF, code) && fake.reg[GR_CR2] == cr2;
}

/* ---- segments ---- */

static void test_real_mode(void)
{
    machine();
    fake_set_seg(SEG_DS, fake_seg_real(0x1234));
    fake_w32(0x12350, 0xFEEDF00D);
    CHECK(rd(SEG_DS, 0x10, 4) && buf32() == 0xFEEDF00D);   /* 1234h * 16 + 10h */
    CHECK(rd(SEG_DS, 0xFFFF, 1));
    CHECK(rd(SEG_DS, 0xFFFE, 2));
    /* A word at FFFFh runs past the 64-KiB limit: #GP(0), through SS #SS(0). */
    CHECK(!rd(SEG_DS, 0xFFFF, 2) && fault(VEC_GP, 0));
    CHECK(!wr(SEG_SS, 0xFFFD, 4) && fault(VEC_SS, 0));
    /* A limit the guest set in protected mode stays ("unreal" mode). */
    fake_set_seg(SEG_ES, fake_seg_data(0, 0xFFFFFFFF, false));
    fake_w32(0x100000, 0x600DCAFE);
    CHECK(rd(SEG_ES, 0x100000, 4) && buf32() == 0x600DCAFE);
}

static void test_segment_limits(void)
{
    machine();
    fake_mode_prot32();
    fake_set_seg(SEG_DS, fake_seg_data(0x10000, 0x0FFF, true));
    fake_w32(0x10FFC, 0x11223344);
    CHECK(rd(SEG_DS, 0xFFC, 4) && buf32() == 0x11223344);
    CHECK(!rd(SEG_DS, 0xFFD, 4) && fault(VEC_GP, 0));
    CHECK(!rd(SEG_DS, 0x1000, 1) && fault(VEC_GP, 0));
    fake_set_seg(SEG_SS, fake_seg_data(0x10000, 0x0FFF, true));
    CHECK(!wr(SEG_SS, 0x1000, 2) && fault(VEC_SS, 0));

    /* Expand-down, B = 0: offsets (limit, FFFFh]. */
    struct segment down = fake_seg_data(0x20000, 0x0FFF, false);
    down.type = 0x7;
    fake_set_seg(SEG_ES, down);
    CHECK(rd(SEG_ES, 0x1000, 4));
    CHECK(!rd(SEG_ES, 0x0FFF, 1) && fault(VEC_GP, 0));
    CHECK(!rd(SEG_ES, 0x0FFE, 4) && fault(VEC_GP, 0));     /* starts inside the limit */
    CHECK(rd(SEG_ES, 0xFFFF, 1));
    CHECK(!rd(SEG_ES, 0xFFFF, 2) && fault(VEC_GP, 0));     /* past FFFFh */
    /* Expand-down, B = 1: up to FFFFFFFFh (base + offset wraps to 0xFFFC). */
    down.db = true;
    down.base = 0x10000;
    fake_set_seg(SEG_ES, down);
    fake_w32(0xFFFC, 0xABCDEF01);
    CHECK(rd(SEG_ES, 0xFFFFFFFC, 4) && buf32() == 0xABCDEF01);
    CHECK(!rd(SEG_ES, 0xFFFFFFFE, 4) && fault(VEC_GP, 0));

    /* Base + offset wraps at 4 GiB. */
    fake_set_seg(SEG_FS, fake_seg_data(0xFFFFF000, 0xFFFFFFFF, true));
    fake_w32(0x10, 0x5A5A5A5A);
    CHECK(rd(SEG_FS, 0x1010, 4) && buf32() == 0x5A5A5A5A);
}

static void test_segment_types(void)
{
    machine();
    fake_mode_prot32();
    struct segment s = fake_seg_data(0, 0xFFFFF, true);
    s.type = 0x1;                                /* read-only data   */
    fake_set_seg(SEG_DS, s);
    CHECK(rd(SEG_DS, 0x100, 4));
    CHECK(!wr(SEG_DS, 0x100, 4) && fault(VEC_GP, 0));
    s.type = 0xA;                                /* execute/read code */
    fake_set_seg(SEG_DS, s);
    CHECK(rd(SEG_DS, 0x100, 4));
    CHECK(!wr(SEG_DS, 0x100, 4) && fault(VEC_GP, 0));
    s.type = 0x8;                                /* execute-only code */
    fake_set_seg(SEG_DS, s);
    CHECK(!rd(SEG_DS, 0x100, 4) && fault(VEC_GP, 0));
    /* A null selector: #GP(0); in SS: #SS(0). */
    fake_set_seg(SEG_GS, (struct segment){ .unusable = true });
    CHECK(!rd(SEG_GS, 0x100, 1) && fault(VEC_GP, 0));
    fake_set_seg(SEG_SS, (struct segment){ .unusable = true });
    CHECK(!wr(SEG_SS, 0x100, 1) && fault(VEC_SS, 0));
}

/* ---- 32-bit paging: directory at 0x10000, a table for [0, 4 MiB) at 0x11000 ---- */

#define PD 0x10000
#define PT 0x11000

static void paging32(void)
{
    fake_mode_prot32();
    fake.reg[GR_CR0] |= CR0_PG;
    fake.reg[GR_CR3] = PD;
    fake_w32(PD, PT | P | W | U);
}

static void pte32(u32 page, u32 v)
{
    fake_w32(PT + 4 * page, v);
}

static void test_paging32(void)
{
    machine();
    paging32();
    pte32(5, 0x40000 | P | W | U);
    fake_w32(0x40120, 0xC0FFEE00);
    CHECK(rd(SEG_DS, 0x5120, 4) && buf32() == 0xC0FFEE00);
    /* Accessed flags in both entries; no dirty flag for a read. */
    CHECK((fake_r32(PD) & A) && (fake_r32(PT + 20) & A));
    CHECK(!(fake_r32(PT + 20) & D));
    /* A write sets the page's dirty flag, not the directory entry's. */
    memcpy(buf, "\x01\x02\x03\x04", 4);
    CHECK(wr(SEG_DS, 0x5124, 4) && fake_r32(0x40124) == 0x04030201);
    CHECK((fake_r32(PT + 20) & D) && !(fake_r32(PD) & D));

    /* Not present: P = 0 in the code, W/R and U/S as the access was. */
    CHECK(!rd(SEG_DS, 0x6000, 1) && pf(0, 0x6000));
    fake.cpl = 3;
    CHECK(!wr(SEG_DS, 0x00400008, 2) && pf(PF_W | PF_U, 0x00400008));   /* no PDE */
    CHECK(!(fake_r32(PT + 24) & A));

    /* CPL 3 and a supervisor page, in the PTE or the PDE only. */
    pte32(7, 0x47000 | P | W);
    CHECK(!rd(SEG_DS, 0x7000, 1) && pf(PF_P | PF_U, 0x7000));
    fake_w32(PD + 4, (PT + 0x1000) | P | W);
    fake_w32(PT + 0x1000, 0x48000 | P | W | U);
    CHECK(!rd(SEG_DS, 0x00400000, 1) && pf(PF_P | PF_U, 0x00400000));
    /* CPL 3 writing a read-only page: P|W|U; reading it is fine. */
    pte32(8, 0x48000 | P | U);
    CHECK(!wr(SEG_DS, 0x8010, 1) && pf(PF_P | PF_W | PF_U, 0x8010));
    CHECK(rd(SEG_DS, 0x8010, 1));

    /* CPL 0 writing a read-only page: allowed unless CR0.WP. */
    fake.cpl = 0;
    buf[0] = 0x99;
    CHECK(wr(SEG_DS, 0x8010, 1) && fake_r8(0x48010) == 0x99);
    fake.reg[GR_CR0] |= CR0_WP;
    CHECK(!wr(SEG_DS, 0x8011, 1) && pf(PF_P | PF_W, 0x8011));
    CHECK(fake_r8(0x48011) == 0);
    /* R/W is ANDed over the walk: a read-only PDE over a writable PTE. */
    fake_w32(PD + 4, (PT + 0x1000) | P | U);
    CHECK(!wr(SEG_DS, 0x00400000, 1) && pf(PF_P | PF_W, 0x00400000));
    /* I/D is not set for a data access, with NX or SMEP on or not. */
    fake.reg[GR_CR4] |= CR4_SMEP;
    CHECK(!rd(SEG_DS, 0x6000, 1) && pf(0, 0x6000));
}

static void test_smap(void)
{
    machine();
    paging32();
    pte32(5, 0x45000 | P | W | U);               /* a user page       */
    pte32(6, 0x46000 | P | W);                   /* a supervisor page */
    fake.reg[GR_CR4] |= CR4_SMAP;
    /* Supervisor access to a user page with EFLAGS.AC clear: #PF, P set. */
    CHECK(!rd(SEG_DS, 0x5000, 4) && pf(PF_P, 0x5000));
    CHECK(!wr(SEG_DS, 0x5000, 4) && pf(PF_P | PF_W, 0x5000));
    /* With EFLAGS.AC set, allowed; a supervisor page always is. */
    fake.reg[GR_RFLAGS] |= RFLAGS_AC;
    CHECK(rd(SEG_DS, 0x5000, 4) && wr(SEG_DS, 0x5000, 4));
    fake.reg[GR_RFLAGS] &= ~RFLAGS_AC;
    CHECK(rd(SEG_DS, 0x6000, 4));
    /* SMAP does not apply at CPL 3, nor with CR4.SMAP clear. */
    fake.cpl = 3;
    CHECK(rd(SEG_DS, 0x5000, 4));
    fake.cpl = 0;
    fake.reg[GR_CR4] &= ~CR4_SMAP;
    CHECK(rd(SEG_DS, 0x5000, 4));
}

static void test_paging32_large(void)
{
    machine();
    paging32();
    u64 gpa;
    /* A 4-MiB page with CR4.PSE. */
    fake_w32(PD + 4, 0x00400000 | PS | P | W);
    fake_w32(0x401234, 0x44444444);
    fake.reg[GR_CR4] |= CR4_PSE;
    CHECK(rd(SEG_DS, 0x00401234, 4) && buf32() == 0x44444444);
    /* Without CR4.PSE the PS flag is ignored: the entry is a page table
     * (at 0x400000, whose entry 1 is empty). */
    fake.reg[GR_CR4] &= ~CR4_PSE;
    CHECK(!rd(SEG_DS, 0x00401234, 4) && pf(0, 0x00401234));
    /* PSE-36: PDE bits 20:13 are address bits 39:32, up to MAXPHYADDR. */
    fake.reg[GR_CR4] |= CR4_PSE;
    fake_w32(PD + 12, 0x00C00000 | (0x7u << 13) | PS | P);
    CHECK(guest_linear_to_phys(c, 0x00C00010, &gpa) && gpa == 0x700C00010ULL);
    /* Bit 21 and, with MAXPHYADDR 36, bits 20:17 are reserved: P|RSVD. */
    fake_w32(PD + 12, 0x00C00000 | BIT(21) | PS | P);
    CHECK(!rd(SEG_DS, 0x00C00010, 1) && pf(PF_P | RSVD, 0x00C00010));
    fake_w32(PD + 12, 0x00C00000 | BIT(17) | PS | P | W | U);
    fake.cpl = 3;
    CHECK(!wr(SEG_DS, 0x00C00010, 1) && pf(PF_P | PF_W | PF_U | RSVD, 0x00C00010));
    CHECK(!guest_linear_to_phys(c, 0x00C00010, &gpa));
    fake.cpl = 0;
    /* A 4-KiB PTE has no reserved bits (bit 7 is PAT). */
    pte32(5, 0x45000 | BIT(7) | P | W);
    CHECK(rd(SEG_DS, 0x5000, 4));
}

static void test_wrap_and_split(void)
{
    machine();
    paging32();
    /* The last page of the 4-GiB space and the first. */
    fake_w32(PD + 4 * 1023, 0x12000 | P | W | U);
    fake_w32(0x12000 + 4 * 1023, 0x50000 | P | W | U);
    pte32(0, 0x60000 | P | W | U);
    memcpy(buf, "\xA1\xA2\xA3\xA4", 4);
    CHECK(wr(SEG_DS, 0xFFFFFFFE, 4));
    CHECK(fake_r8(0x50FFE) == 0xA1 && fake_r8(0x50FFF) == 0xA2 && fake_r8(0x60000) == 0xA3 &&
          fake_r8(0x60001) == 0xA4);

    /* A write split over a present page and a missing one faults on the
     * second, with CR2 there, and leaves the first page unwritten. */
    pte32(5, 0x45000 | P | W | U);
    memcpy(buf, "\xB1\xB2\xB3\xB4", 4);
    CHECK(!wr(SEG_DS, 0x5FFE, 4) && pf(PF_W, 0x6000));
    CHECK(fake_r8(0x45FFE) == 0 && fake_r8(0x45FFF) == 0);
    /* And over a read-only one under CR0.WP. */
    pte32(6, 0x46000 | P | U);
    fake.reg[GR_CR0] |= CR0_WP;
    CHECK(!wr(SEG_DS, 0x5FFF, 2) && pf(PF_P | PF_W, 0x6000));
    CHECK(fake_r8(0x45FFF) == 0);
    /* A read split over two present pages. */
    fake_w8(0x45FFF, 0x11);
    fake_w8(0x46000, 0x22);
    CHECK(rd(SEG_DS, 0x5FFF, 2) && buf[0] == 0x11 && buf[1] == 0x22);
}

/* ---- PAE paging: PDPTEs in the registers, directory at 0x21000 ---- */

static void paging_pae(void)
{
    fake_mode_prot32();
    fake.reg[GR_CR0] |= CR0_PG;
    fake.reg[GR_CR4] = CR4_PAE;
    fake.reg[GR_CR3] = 0x20000;
    fake.pdpte[0] = 0x21000 | P;                 /* no R/W or U/S in a PAE PDPTE */
    fake_w64(0x20000, 0x21000 | P);
    fake_w64(0x20008, 0x21000 | P);              /* memory says present; the register does not */
    fake_w64(0x21000, 0x22000 | P | W | U);
    fake_w64(0x22000 + 8 * 5, 0x45000 | P | W | U);
}

static void test_pae(void)
{
    machine();
    paging_pae();
    u64 gpa;
    fake_w32(0x45010, 0x0BADBEEF);
    fake.cpl = 3;
    CHECK(rd(SEG_DS, 0x5010, 4) && buf32() == 0x0BADBEEF);
    CHECK(wr(SEG_DS, 0x5010, 4));                /* the PDPTE restricts nothing */
    CHECK((fake_r64(0x21000) & A) && (fake_r64(0x22028) & (A | D)) == (A | D));
    fake.cpl = 0;
    /* The CPU uses its PDPTE registers, not the memory at CR3. */
    CHECK(!rd(SEG_DS, 0x40000000, 1) && pf(0, 0x40000000));
    /* A 2-MiB page, with or without CR4.PSE. */
    fake_w64(0x21008, 0x200000 | PS | P | W);
    fake_w32(0x200123, 0x22222222);
    CHECK(rd(SEG_DS, 0x200123, 4) && buf32() == 0x22222222);
    /* Its bits 20:13 are reserved. */
    fake_w64(0x21008, 0x200000 | BIT(13) | PS | P | W);
    CHECK(!rd(SEG_DS, 0x200123, 4) && pf(PF_P | RSVD, 0x200123));
    /* XD without EFER.NXE is reserved; with it, data may be read and written. */
    fake_w64(0x22000 + 8 * 5, 0x45000 | PTE_NX | P | W | U);
    CHECK(!rd(SEG_DS, 0x5010, 4) && pf(PF_P | RSVD, 0x5010));
    CHECK(!wr(SEG_DS, 0x5010, 4) && pf(PF_P | PF_W | RSVD, 0x5010));
    fake.reg[GR_EFER] |= EFER_NXE;
    CHECK(rd(SEG_DS, 0x5010, 4) && wr(SEG_DS, 0x5010, 4));
    /* Bits 62:MAXPHYADDR are reserved in PAE paging (bit 52 included). */
    fake_w64(0x22000 + 8 * 5, 0x45000 | BIT(52) | P | W | U);
    CHECK(!rd(SEG_DS, 0x5010, 4) && pf(PF_P | RSVD, 0x5010));
    fake_w64(0x22000 + 8 * 5, 0x45000 | BIT(36) | P | W | U);
    CHECK(!guest_linear_to_phys(c, 0x5010, &gpa));
    fake_w64(0x22000 + 8 * 5, 0x45000 | BIT(35) | P | W | U);
    CHECK(guest_linear_to_phys(c, 0x5010, &gpa) && gpa == 0x800045010ULL);
    /* In a directory entry too. */
    fake_w64(0x21000, 0x22000 | BIT(40) | P | W | U);
    CHECK(!rd(SEG_DS, 0x5010, 4) && pf(PF_P | RSVD, 0x5010));
}

/* ---- 4-level paging: PML4 0x30000, PDPT 0x31000, PD 0x32000, PT 0x33000 ---- */

static void paging64(void)
{
    fake_w64(0x30000, 0x31000 | P | W | U);
    fake_w64(0x31000, 0x32000 | P | W | U);
    fake_w64(0x32000, 0x33000 | P | W | U);
    fake_w64(0x33000 + 8 * 7, 0x47000 | P | W | U);
    fake_mode_long64(0x30000);
}

static void test_long_mode(void)
{
    machine();
    paging64();
    u64 gpa;
    fake_w32(0x47008, 0x64646464);
    CHECK(rd(SEG_DS, 0x7008, 4) && buf32() == 0x64646464);
    CHECK((fake_r64(0x30000) & A) && (fake_r64(0x31000) & A) && (fake_r64(0x32000) & A) &&
          (fake_r64(0x33038) & A));
    CHECK(wr(SEG_DS, 0x7008, 4) && (fake_r64(0x33038) & D) && !(fake_r64(0x32000) & D));
    /* Segment bases (but FS and GS), limits and null selectors do not count. */
    fake_set_seg(SEG_DS, (struct segment){ .base = 0x1000, .unusable = true });
    CHECK(rd(SEG_DS, 0x7008, 4) && buf32() == 0x64646464);
    fake_set_seg(SEG_FS, fake_seg_data(0x7000, 0, true));
    CHECK(rd(SEG_FS, 0x8, 4) && buf32() == 0x64646464);
    /* CR3's low bits (a PCID) are not part of the address. */
    fake.reg[GR_CR4] |= CR4_PCIDE;
    fake.reg[GR_CR3] = 0x30000 | 0x5;
    CHECK(rd(SEG_DS, 0x7008, 4));

    /* Non-present at CPL 3, high in the address space: the full CR2. */
    fake.cpl = 3;
    CHECK(!wr(SEG_DS, 0x7FFFFFFFF000ULL, 8) && pf(PF_W | PF_U, 0x7FFFFFFFF000ULL));
    fake_set_seg(SEG_GS, fake_seg_data(0xFFFF800000000000ULL, 0, true));
    CHECK(!rd(SEG_GS, 0x10, 1) && pf(PF_U, 0xFFFF800000000010ULL));
    /* U/S clear in the PML4E only; R/W clear in the PDPTE only. */
    fake_w64(0x30000, 0x31000 | P | W);
    CHECK(!rd(SEG_DS, 0x7008, 1) && pf(PF_P | PF_U, 0x7008));
    fake_w64(0x30000, 0x31000 | P | W | U);
    fake_w64(0x31000, 0x32000 | P | U);
    CHECK(!wr(SEG_DS, 0x7008, 1) && pf(PF_P | PF_W | PF_U, 0x7008));
    fake.cpl = 0;
    CHECK(wr(SEG_DS, 0x7008, 1));                /* CR0.WP clear */
    fake.reg[GR_CR0] |= CR0_WP;
    CHECK(!wr(SEG_DS, 0x7008, 1) && pf(PF_P | PF_W, 0x7008));
    fake_w64(0x31000, 0x32000 | P | W | U);

    /* A 2-MiB page: its dirty flag is in the PDE. */
    fake_w64(0x32008, 0x200000 | PS | P | W | U);
    CHECK(wr(SEG_DS, 0x200010, 4) && (fake_r64(0x32008) & D));
    /* A 1-GiB page (PDPTE 1 maps [1 GiB, 2 GiB) to [0, 1 GiB)). */
    fake_w64(0x31008, 0 | PS | P | W | U);
    CHECK(guest_linear_to_phys(c, 0x40001234, &gpa) && gpa == 0x1234);
    fake_w32(0x47100, 0x1C1C1C1C);
    CHECK(rd(SEG_DS, 0x40047100, 4) && buf32() == 0x1C1C1C1C);
    /* Its bits 29:13 are reserved; and PS itself where the CPU has no 1-GiB pages. */
    fake_w64(0x31008, BIT(13) | PS | P | W | U);
    CHECK(!rd(SEG_DS, 0x40001234, 1) && pf(PF_P | RSVD, 0x40001234));
    fake_w64(0x31008, 0 | PS | P | W | U);
    fake_cpuid_set(0x80000001, 0, 0, 0, 0, (u32)CPUID_80000001_EDX_LM);
    CHECK(!rd(SEG_DS, 0x40001234, 1) && pf(PF_P | RSVD, 0x40001234));
    /* PS in a PML4E is reserved. */
    fake_w64(0x30008, 0x31000 | PS | P | W | U);
    CHECK(!rd(SEG_DS, 0x8000000000ULL, 1) && pf(PF_P | RSVD, 0x8000000000ULL));
}

static void test_long_mode_reserved(void)
{
    machine();
    paging64();
    /* Bits 51:MAXPHYADDR are reserved; 62:52 are ignored in 4-level paging. */
    fake_w64(0x32000, 0x33000 | BIT(51) | P | W | U);
    CHECK(!rd(SEG_DS, 0x7008, 1) && pf(PF_P | RSVD, 0x7008));
    fake_w64(0x32000, 0x33000 | BIT(36) | P | W | U);
    fake.cpl = 3;
    CHECK(!wr(SEG_DS, 0x7008, 1) && pf(PF_P | PF_W | PF_U | RSVD, 0x7008));
    fake.cpl = 0;
    fake_w64(0x32000, 0x33000 | BIT(52) | BIT(58) | BIT(62) | P | W | U);
    CHECK(rd(SEG_DS, 0x7008, 1));
    /* XD without EFER.NXE, in the PML4E: reserved; with NXE: fine for data. */
    fake_w64(0x30000, 0x31000 | PTE_NX | P | W | U);
    CHECK(!rd(SEG_DS, 0x7008, 1) && pf(PF_P | RSVD, 0x7008));
    fake.reg[GR_EFER] |= EFER_NXE;
    CHECK(rd(SEG_DS, 0x7008, 1) && wr(SEG_DS, 0x7008, 1));
    /* Reserved bits count before the access rights: P|RSVD, not a U/S fault. */
    fake_w64(0x33038, 0x47000 | BIT(40) | P | W);
    fake.cpl = 3;
    CHECK(!rd(SEG_DS, 0x7008, 1) && pf(PF_P | PF_U | RSVD, 0x7008));
}

static void test_canonical(void)
{
    machine();
    paging64();
    /* Not canonical: #GP(0), through SS too (not a stack reference). */
    CHECK(!rd(SEG_DS, 0x0000800000000000ULL, 1) && fault(VEC_GP, 0));
    CHECK(!rd(SEG_SS, 0xFFFF7FFFFFFFFFFFULL, 1) && fault(VEC_GP, 0));
    fake_set_seg(SEG_FS, fake_seg_data(0x0000800000000000ULL, 0, true));
    CHECK(!rd(SEG_FS, 0, 1) && fault(VEC_GP, 0));
    /* Canonical first byte, not canonical last byte: #GP(0) as well. */
    CHECK(!rd(SEG_DS, 0x00007FFFFFFFFFFEULL, 4) && fault(VEC_GP, 0));
    /* All canonical: the page walk decides (no PML4E 255: #PF). */
    CHECK(!rd(SEG_DS, 0x00007FFFFFFFFFFCULL, 4) && pf(0, 0x00007FFFFFFFFFFCULL));
    CHECK_EQ(fake.reg[GR_CR2], 0x00007FFFFFFFFFFCULL);

    /* Compatibility mode: segments and the 4-GiB wrap again. */
    fake_set_seg(SEG_CS, fake_seg_code(0, 0xFFFFFFFF, true, false));
    fake_set_seg(SEG_DS, fake_seg_data(0, 0x0FFF, true));
    CHECK(!rd(SEG_DS, 0x1000, 1) && fault(VEC_GP, 0));
    fake_set_seg(SEG_DS, fake_seg_data(0xFFFFF000, 0xFFFFFFFF, true));
    fake_w32(0x47008, 0x32323232);
    CHECK(rd(SEG_DS, 0x8008, 4) && buf32() == 0x32323232);
}

/* 5-level paging (CR4.LA57): a PML5 at 0x2F000 above the same PML4. */
static void test_five_level(void)
{
    machine();
    paging64();
    fake_w64(0x2F000, 0x30000 | P | W | U);
    fake.reg[GR_CR3] = 0x2F000;
    fake.reg[GR_CR4] |= CR4_LA57;
    fake_w32(0x47008, 0x57575757);
    CHECK(rd(SEG_DS, 0x7008, 4) && buf32() == 0x57575757);
    CHECK((fake_r64(0x2F000) & A) && (fake_r64(0x30000) & A));
    /* Bits 56:48 select the PML5E. */
    CHECK(!rd(SEG_DS, 0x0001000000007008ULL, 1) && pf(0, 0x0001000000007008ULL));
    fake_w64(0x2F008, 0x30000 | P | W | U);
    CHECK(rd(SEG_DS, 0x0001000000007008ULL, 4) && buf32() == 0x57575757);
    /* Canonical means bits 63:56 equal: 0x0000800000000000 is, bit 56 alone is not. */
    CHECK(!rd(SEG_DS, 0x0000800000000000ULL, 1) && pf(0, 0x0000800000000000ULL));
    CHECK(!rd(SEG_DS, 0x0100000000000000ULL, 1) && fault(VEC_GP, 0));
    /* PS in a PML5E is reserved. */
    fake_w64(0x2F008, 0x30000 | PS | P | W | U);
    CHECK(!rd(SEG_DS, 0x0001000000007008ULL, 1) && pf(PF_P | RSVD, 0x0001000000007008ULL));
}

static void test_outside_the_guest(void)
{
    /* A page beyond the guest's memory: refused, the run ends. */
    machine();
    paging32();
    pte32(5, (FAKE_MEM_SIZE + 0x10000) | P | W | U);
    CHECK(FAKE_ENDS(rd(SEG_DS, 0x5000, 4)));
    CHECK(strstr(fake.refusal, "beyond the guest's map") != NULL);
    CHECK(!strcmp(fake.end_why, "access beyond the memory map"));
    /* A page pxHV keeps: the same, named. */
    machine();
    paging32();
    fake.kept_base = 0x400000, fake.kept_len = 0x10000;
    fake.kept_perms = 0, fake.kept_name = "pxHV's region";
    pte32(5, 0x400000 | P | W | U);
    CHECK(FAKE_ENDS(wr(SEG_DS, 0x5000, 4)));
    CHECK(strstr(fake.refusal, "a write to pxHV's region at GPA 0x400000") != NULL);
    /* Its neighbour is the guest's. */
    pte32(6, 0x410000 | P | W | U);
    CHECK(!FAKE_ENDS(wr(SEG_DS, 0x6000, 4)));
}

static void test_fetch(void)
{
    u8 bytes[15];
    u32 mode;
    machine();
    fake_set_seg(SEG_CS, fake_seg_real(0xF000));
    fake.seg[SEG_CS].type = 0xB;
    fake.reg[GR_RIP] = 0xFFF0;
    memcpy(fake_mem + 0xFFFF0, "\xEA\x5B\xE0\x00\xF0", 5);
    CHECK(guest_fetch(c, bytes, 5, &mode) == 5 && mode == 16 && bytes[0] == 0xEA &&
          bytes[4] == 0xF0);
    machine();
    paging64();
    fake.reg[GR_RIP] = 0x7FFE;                   /* the next page is not mapped */
    CHECK(guest_fetch(c, bytes, 15, &mode) == 2 && mode == 64);
}

int main(void)
{
    test_real_mode();
    test_segment_limits();
    test_segment_types();
    test_paging32();
    test_smap();
    test_paging32_large();
    test_wrap_and_split();
    test_pae();
    test_long_mode();
    test_long_mode_reserved();
    test_canonical();
    test_five_level();
    test_outside_the_guest();
    test_fetch();
    return unit_done("guestmem");
}
