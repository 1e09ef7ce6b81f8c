// sources: stage3/lib/multiboot.c stage3/lib/printf.c stage3/lib/lib.c
/*
 * Unit tests for stage3/lib/multiboot.c on hand-built images (Multiboot
 * Specification 0.6.96): ELF32 kernels (segments, bss, a virtual entry
 * point), the a.out kludge (flag 16) with and without load_end/bss_end, the
 * header rules (alignment, checksum, the 8 KiB window, requirement flags),
 * what the cell's memory allows (beyond M, the reserved range, the
 * information page, overlaps), images cut short at every length and random
 * corruptions (no crash, no read outside the image: UBSan and the bounds
 * below), and the information page.
 */
#include "unit.h"
#include "hw/multiboot.h"
#include "hw/elf.h"
#include "lib/multiboot.h"

#define M16 (16ull << 20)
#define HOFF 0x400
static u8 img[0x6000];
static struct mb_plan plan;

static void put32(u32 off, u32 v) { memcpy(img + off, &v, 4); }

static void mb_header(u32 off, u32 flags)
{
    put32(off, MB_HEADER_MAGIC);
    put32(off + 4, flags);
    put32(off + 8, (u32)-(MB_HEADER_MAGIC + flags));
}

/* An ELF32 i386 executable with `n` PT_LOAD segments described by
 * seg[i] = {offset, filesz, paddr, memsz}; Multiboot header at HOFF, flags 3. */
static u32 elf(u32 n, const u32 (*seg)[4], u32 entry)
{
    memset(img, 0, sizeof img);
    struct elf32_ehdr e = { .e_type = ET_EXEC, .e_machine = EM_386, .e_version = EV_CURRENT,
                            .e_entry = entry, .e_phoff = 52, .e_ehsize = 52,
                            .e_phentsize = 32, .e_phnum = (u16)(n + 1) };
    memcpy(e.e_ident, "\x7f" "ELF\x01\x01\x01", 7);
    memcpy(img, &e, sizeof e);
    /* A PT_NOTE header first: not loaded. */
    struct elf32_phdr note = { .p_type = 4, .p_offset = 0x200, .p_filesz = 8, .p_memsz = 8 };
    memcpy(img + 52, &note, 32);
    for (u32 i = 0; i < n; i++) {
        struct elf32_phdr ph = { .p_type = PT_LOAD, .p_offset = seg[i][0], .p_vaddr = seg[i][2],
                                 .p_paddr = seg[i][2], .p_filesz = seg[i][1], .p_memsz = seg[i][3] };
        memcpy(img + 52 + 32 * (i + 1), &ph, 32);
    }
    mb_header(HOFF, MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO);
    return 0x3000;
}

static bool parse(u32 size, u64 mem)
{
    bool ok = mb_parse(img, size, mem, &plan);
    if (!ok)
        CHECK(plan.why[0] != 0);
    return ok;
}

static bool why_has(const char *s)
{
    if (strstr(plan.why, s))
        return true;
    fprintf(stderr, "reason \"%s\" lacks \"%s\"\n", plan.why, s);
    return false;
}

static void test_elf(void)
{
    const u32 two[2][4] = { { 0x1000, 0x1000, 0x100000, 0x1000 },
                            { 0x2000, 0x0800, 0x101000, 0x3000 } };   /* data + bss */
    u32 size = elf(2, two, 0x100010);
    CHECK(parse(size, M16));
    CHECK(!plan.aout);
    CHECK(!plan.video_not_given);
    CHECK_EQ(plan.header_off, HOFF);
    CHECK_EQ(plan.flags, 3);
    CHECK_EQ(plan.entry, 0x100010);
    CHECK_EQ(plan.nseg, 2);
    CHECK_EQ(plan.seg[1].file_off, 0x2000);
    CHECK_EQ(plan.seg[1].file_bytes, 0x800);
    CHECK_EQ(plan.seg[1].load_addr, 0x101000);
    CHECK_EQ(plan.seg[1].mem_bytes, 0x3000);
    CHECK_EQ(plan.end, 0x104000);
    CHECK_EQ(mb_modules_base(&plan), 0x104000);

    /* A kernel linked at 3 GiB, loaded at 1 MiB: the entry follows p_paddr. */
    elf(2, two, 0x100010);
    struct elf32_phdr ph;
    memcpy(&ph, img + 52 + 32, 32);
    ph.p_vaddr = 0xC0100000;
    memcpy(img + 52 + 32, &ph, 32);
    put32(24, 0xC0100020);
    CHECK(parse(size, M16));
    CHECK_EQ(plan.entry, 0x100020);

    /* Low memory is available RAM too, below the information page. */
    const u32 low[1][4] = { { 0x1000, 0x1000, 0x1000, 0x2000 } };
    size = elf(1, low, 0x1000);
    CHECK(parse(size, M16));

    /* The cell's memory: the last byte of M is fine, one more is not. */
    const u32 top[1][4] = { { 0x1000, 0x1000, 0xFFF000, 0x1000 } };
    size = elf(1, top, 0xFFF000);
    CHECK(parse(size, M16));
    CHECK(!parse(size, M16 - 0x200000));
    CHECK(why_has("beyond the cell's 14 MiB"));
    const u32 bss_out[1][4] = { { 0x1000, 0x1000, 0xFFF000, 0x1001 } };
    size = elf(1, bss_out, 0xFFF000);
    CHECK(!parse(size, M16));
    CHECK(why_has("beyond"));
    /* Addresses that wrap past 4 GiB. */
    const u32 wrap[1][4] = { { 0x1000, 0x1000, 0xFFFFF000, 0x2000 } };
    size = elf(1, wrap, 0xFFFFF000);
    CHECK(!parse(size, 1ull << 33));

    /* The reserved range: ACPI tables at 0xE0000, the EBDA slot, the hole. */
    const u32 acpi[1][4] = { { 0x1000, 0x1000, 0xE0000, 0x1000 } };
    size = elf(1, acpi, 0xE0000);
    CHECK(!parse(size, M16));
    CHECK(why_has("reserved [0x9fc00, 0x100000)"));
    const u32 straddle[1][4] = { { 0x1000, 0x1000, 0x9F000, 0x1000 } };
    size = elf(1, straddle, 0x9F000);
    CHECK(!parse(size, M16));
    CHECK(why_has("reserved"));
    const u32 below_1m[1][4] = { { 0x1000, 0x1000, 0xFF000, 0x2000 } };
    size = elf(1, below_1m, 0x100000);
    CHECK(!parse(size, M16));
    /* The information page. */
    const u32 info[1][4] = { { 0x1000, 0x1000, 0x8800, 0x1000 } };
    size = elf(1, info, 0x8800);
    CHECK(!parse(size, M16));
    CHECK(why_has("information page"));

    /* Segments over each other; the entry outside the loaded bytes (in bss). */
    const u32 over[2][4] = { { 0x1000, 0x1000, 0x100000, 0x2000 },
                             { 0x2000, 0x1000, 0x101000, 0x1000 } };
    size = elf(2, over, 0x100000);
    CHECK(!parse(size, M16));
    CHECK(why_has("overlap"));
    size = elf(2, two, 0x102000);
    CHECK(!parse(size, M16));
    CHECK(why_has("entry point 0x102000"));

    /* filesz > memsz; a file offset past the end; too many segments. */
    const u32 fat[1][4] = { { 0x1000, 0x2000, 0x100000, 0x1000 } };
    size = elf(1, fat, 0x100000);
    CHECK(!parse(size, M16));
    const u32 past[1][4] = { { 0x2800, 0x1000, 0x100000, 0x1000 } };
    size = elf(1, past, 0x100000);
    CHECK(!parse(size, M16));
    CHECK(why_has("cut short"));
    u32 many[9][4];
    for (u32 i = 0; i < 9; i++) {
        many[i][0] = 0x1000; many[i][1] = 0x10; many[i][2] = 0x100000 + 0x1000 * i; many[i][3] = 0x10;
    }
    size = elf(9, (const u32 (*)[4])many, 0x100000);
    CHECK(!parse(size, M16));
    CHECK(why_has("more than 8"));
    size = elf(8, (const u32 (*)[4])many, 0x100000);
    CHECK(parse(size, M16));
    CHECK_EQ(plan.nseg, 8);

    /* Not i386, not executable, ELF64, no ELF at all, no program headers. */
    size = elf(2, two, 0x100010);
    img[18] = 62;                                   /* EM_X86_64 */
    CHECK(!parse(size, M16));
    CHECK(why_has("i386"));
    size = elf(2, two, 0x100010);
    img[16] = 3;                                    /* ET_DYN */
    CHECK(!parse(size, M16));
    size = elf(2, two, 0x100010);
    img[4] = 2;
    CHECK(!parse(size, M16));
    CHECK(why_has("ELF class 2"));
    size = elf(2, two, 0x100010);
    img[0] = 0;
    CHECK(!parse(size, M16));
    CHECK(why_has("not an ELF"));
    size = elf(2, two, 0x100010);
    img[44] = 0;                                    /* e_phnum */
    img[45] = 0;
    CHECK(!parse(size, M16));
    size = elf(2, two, 0x100010);
    put32(28, 0xFFFFFFF0);                          /* e_phoff */
    CHECK(!parse(size, M16));
    CHECK(why_has("cut short"));
    const u32 none[1][4] = { { 0x1000, 0, 0x100000, 0 } };
    size = elf(1, none, 0x100000);
    CHECK(!parse(size, M16));
    CHECK(why_has("no loadable"));
}

static void test_header(void)
{
    const u32 one[1][4] = { { 0x1000, 0x1000, 0x100000, 0x1000 } };
    u32 size = elf(1, one, 0x100000);
    /* The checksum. */
    put32(HOFF + 8, 0);
    CHECK(!parse(size, M16));
    CHECK(why_has("checksum"));
    /* A stray magic with a bad checksum before the real header is skipped. */
    size = elf(1, one, 0x100000);
    put32(HOFF - 0x10, MB_HEADER_MAGIC);
    CHECK(parse(size, M16));
    CHECK_EQ(plan.header_off, HOFF);
    /* Not 32-bit aligned: not a header. */
    size = elf(1, one, 0x100000);
    memset(img + HOFF, 0, 12);
    mb_header(HOFF + 2, 3);
    CHECK(!parse(size, M16));
    CHECK(why_has("no Multiboot header"));
    /* The last place it may be: offset 8180; at 8192 it is not seen. */
    size = elf(1, one, 0x100000);
    memset(img + HOFF, 0, 12);
    mb_header(8180, 3);
    CHECK(parse(size, M16));
    CHECK_EQ(plan.header_off, 8180);
    memset(img + 8180, 0, 12);
    mb_header(8192, 3);
    CHECK(!parse(size, M16));
    CHECK(why_has("first 8192"));
    /* With the address fields, all 32 bytes must be inside the window. */
    memset(img + 8192, 0, 12);
    mb_header(8180, 3 | MB_HF_AOUT_KLUDGE);
    CHECK(!parse(size, M16));
    CHECK(why_has("8192"));

    /* Requirement bits: 0, 1, 2 accepted (2: no video given), others refused. */
    size = elf(1, one, 0x100000);
    mb_header(HOFF, MB_HF_VIDEO_MODE);
    CHECK(parse(size, M16));
    CHECK(plan.video_not_given);
    mb_header(HOFF, BIT(3) | 1);
    CHECK(!parse(size, M16));
    CHECK(why_has("requirement bit 3"));
    mb_header(HOFF, BIT(15));
    CHECK(!parse(size, M16));
    CHECK(why_has("bit 15"));
    /* Optional bits above 16 (other than 16) are ignored. */
    mb_header(HOFF, BIT(17) | BIT(31) | 2);
    CHECK(parse(size, M16));
    /* Empty and tiny images. */
    CHECK(!mb_parse(img, 0, M16, &plan));
    CHECK(!mb_parse(img, 11, M16, &plan));
}

/* An a.out-kludge image: a flat binary loaded at `load`, its header at
 * file offset `hoff`. */
static u32 aout(u32 hoff, u32 load, u32 load_end, u32 bss_end, u32 entry, u32 size)
{
    memset(img, 0, sizeof img);
    mb_header(hoff, MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO | MB_HF_AOUT_KLUDGE);
    put32(hoff + 12, load + hoff);
    put32(hoff + 16, load);
    put32(hoff + 20, load_end);
    put32(hoff + 24, bss_end);
    put32(hoff + 28, entry);
    return size;
}

static void test_aout(void)
{
    u32 size = aout(0x40, 0x100000, 0x102000, 0x105000, 0x100080, 0x2000);
    CHECK(parse(size, M16));
    CHECK(plan.aout);
    CHECK_EQ(plan.nseg, 1);
    CHECK_EQ(plan.seg[0].file_off, 0);
    CHECK_EQ(plan.seg[0].file_bytes, 0x2000);
    CHECK_EQ(plan.seg[0].load_addr, 0x100000);
    CHECK_EQ(plan.seg[0].mem_bytes, 0x5000);
    CHECK_EQ(plan.entry, 0x100080);
    /* load_end_addr 0: to the end of the file; bss_end_addr 0: no bss. */
    size = aout(0x40, 0x100000, 0, 0, 0x100080, 0x1800);
    CHECK(parse(size, M16));
    CHECK_EQ(plan.seg[0].file_bytes, 0x1800);
    CHECK_EQ(plan.seg[0].mem_bytes, 0x1800);
    /* A loaded part that does not start at the file's first byte: a
     * header_addr - load_addr smaller than the header's offset. */
    size = aout(0x1040, 0x200000, 0, 0, 0x200000, 0x3000);
    put32(0x1040 + 12, 0x200040);
    CHECK(parse(size, M16));
    CHECK_EQ(plan.seg[0].file_off, 0x1000);
    CHECK_EQ(plan.seg[0].file_bytes, 0x2000);
    /* The file is shorter than load_end_addr says. */
    size = aout(0x40, 0x100000, 0x103000, 0, 0x100080, 0x2000);
    CHECK(!parse(size, M16));
    CHECK(why_has("cut short"));
    /* Inconsistent fields. */
    size = aout(0x40, 0x100000, 0x0FF000, 0, 0x100080, 0x2000);
    CHECK(!parse(size, M16));
    size = aout(0x40, 0x100000, 0x102000, 0x101000, 0x100080, 0x2000);
    CHECK(!parse(size, M16));
    CHECK(why_has("bss_end_addr"));
    size = aout(0x40, 0x100000, 0, 0, 0x100080, 0x2000);
    put32(0x40 + 12, 0x0FFFFF);                     /* header_addr below load_addr */
    CHECK(!parse(size, M16));
    size = aout(0x40, 0x100000, 0, 0, 0x100080, 0x2000);
    put32(0x40 + 12, 0x100080);                     /* more than the header's offset */
    CHECK(!parse(size, M16));
    /* Where it goes and where it starts. */
    size = aout(0x40, 0xE0000, 0, 0, 0xE0000, 0x2000);
    CHECK(!parse(size, M16));
    CHECK(why_has("reserved"));
    size = aout(0x40, 0x100000, 0, 0x1100000, 0x100080, 0x2000);
    CHECK(!parse(size, M16));
    CHECK(why_has("beyond"));
    size = aout(0x40, 0x100000, 0, 0x200000, 0x180000, 0x2000);
    CHECK(!parse(size, M16));
    CHECK(why_has("entry point"));
}

/* Every truncation of a valid image, and random damage: each either parses
 * into a plan whose bytes lie inside what it was given, or is refused. */
static void test_hostile(void)
{
    const u32 two[2][4] = { { 0x1000, 0x1000, 0x100000, 0x1000 },
                            { 0x2000, 0x0800, 0x101000, 0x3000 } };
    u32 size = elf(2, two, 0x100010);
    static u8 copy[0x6000];
    for (u32 n = 0; n <= size; n++) {
        u8 *cut = malloc(n ? n : 1);                /* exactly n bytes: overreads trap */
        memcpy(cut, img, n);
        bool ok = mb_parse(cut, n, M16, &plan);
        CHECK(ok == (n >= 0x2800));
        free(cut);
    }
    u32 seed = 1;
    memcpy(copy, img, sizeof copy);
    for (int round = 0; round < 20000; round++) {
        memcpy(img, copy, size);
        for (int k = 0; k < 4; k++) {
            seed = seed * 1103515245 + 12345;
            u32 at = (seed >> 8) % (HOFF + 12);     /* the headers and the MB header */
            seed = seed * 1103515245 + 12345;
            img[at] = (u8)(seed >> 16);
        }
        u8 *buf = malloc(size);
        memcpy(buf, img, size);
        if (mb_parse(buf, size, M16, &plan)) {
            for (u32 i = 0; i < plan.nseg; i++) {
                const struct mb_segment *s = &plan.seg[i];
                CHECK((u64)s->file_off + s->file_bytes <= size);
                CHECK(s->file_bytes <= s->mem_bytes);
                CHECK((u64)s->load_addr + s->mem_bytes <= M16);
            }
        } else {
            CHECK(strlen(plan.why) > 0 && strlen(plan.why) < sizeof plan.why);
        }
        free(buf);
    }
}

static void test_info(void)
{
    static u8 page[MB_INFO_SIZE];
    const struct mb_module_desc mods[2] = { { 0x200000, 0x201234, "initrd first" }, { 0x202000, 0x202000, NULL } };
    struct mb_boot b = { .mem = M16, .cmdline = "rt=1 hello", .mods = mods, .nmods = 2 };
    CHECK(mb_build_info(page, &b) == NULL);
    struct mb_info info;
    memcpy(&info, page, sizeof info);
    CHECK_EQ(info.flags, MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MEM_MAP | MB_INFO_LOADER_NAME);
    CHECK_EQ(info.mem_lower, 639);
    CHECK_EQ(info.mem_upper, 15 * 1024);
#define PAGE_AT(pa) (page + ((pa) - MB_INFO_ADDR))
#define IN_PAGE(pa, n) ((pa) >= MB_INFO_ADDR && (pa) + (n) <= MB_INFO_ADDR + MB_INFO_SIZE)
    CHECK(IN_PAGE(info.cmdline, 11));
    CHECK(!strcmp((char *)PAGE_AT(info.cmdline), "rt=1 hello"));
    CHECK(IN_PAGE(info.boot_loader_name, 5));
    CHECK(!strcmp((char *)PAGE_AT(info.boot_loader_name), "pxHV"));

    /* The memory map, walked as the specification's example kernel walks
     * it: mmap_addr points at `size`, the next entry is size + 4 further. */
    const u64 want[4][3] = { { 0, 0x9FC00, 1 }, { 0x9FC00, 0x400, 2 },
                             { 0xE0000, 0x20000, 2 }, { 0x100000, M16 - 0x100000, 1 } };
    CHECK(IN_PAGE(info.mmap_addr, info.mmap_length));
    CHECK_EQ(info.mmap_length, 4 * 24);
    u32 n = 0;
    for (u32 pa = info.mmap_addr; pa < info.mmap_addr + info.mmap_length; n++) {
        struct mb_mmap_entry e;
        memcpy(&e, PAGE_AT(pa), sizeof e);
        CHECK_EQ(e.size, 20);
        if (n < 4) {
            CHECK_EQ(e.base_addr, want[n][0]);
            CHECK_EQ(e.length, want[n][1]);
            CHECK_EQ(e.type, want[n][2]);
        }
        pa += e.size + 4;
    }
    CHECK_EQ(n, 4);

    CHECK_EQ(info.mods_count, 2);
    CHECK(IN_PAGE(info.mods_addr, 32));
    struct mb_module m[2];
    memcpy(m, PAGE_AT(info.mods_addr), sizeof m);
    CHECK_EQ(m[0].mod_start, 0x200000);
    CHECK_EQ(m[0].mod_end, 0x201234);
    CHECK(!strcmp((char *)PAGE_AT(m[0].string), "initrd first"));
    CHECK(!strcmp((char *)PAGE_AT(m[1].string), ""));

    /* No command line: an empty one; no module: count 0. */
    b = (struct mb_boot){ .mem = 4ull << 20 };
    CHECK(mb_build_info(page, &b) == NULL);
    memcpy(&info, page, sizeof info);
    CHECK_EQ(info.mem_upper, 3 * 1024);
    CHECK_EQ(info.mods_count, 0);
    CHECK(!strcmp((char *)PAGE_AT(info.cmdline), ""));

    /* What does not fit is refused, never written past the page. */
    static char longline[5000];
    memset(longline, 'a', sizeof longline - 1);
    b = (struct mb_boot){ .mem = M16, .cmdline = longline };
    const char *err = mb_build_info(page, &b);
    CHECK(err && strstr(err, "command line"));
    longline[4096 - 88 - 96 - 5 - 1] = 0;           /* exactly fills the page */
    CHECK(mb_build_info(page, &b) == NULL);
    longline[4096 - 88 - 96 - 5 - 1] = 'a';
    longline[4096 - 88 - 96 - 5] = 0;
    CHECK(mb_build_info(page, &b) != NULL);
    const struct mb_module_desc bad = { 0x200000, 0x1000001, "x" };
    b = (struct mb_boot){ .mem = M16, .mods = &bad, .nmods = 1 };
    CHECK(mb_build_info(page, &b) != NULL);
    b = (struct mb_boot){ .mem = M16, .mods = mods, .nmods = 1000 };
    CHECK(mb_build_info(page, &b) != NULL);
    b = (struct mb_boot){ .mem = 0x100000 };
    CHECK(mb_build_info(page, &b) != NULL);
}

int main(void)
{
    test_elf();
    test_header();
    test_aout();
    test_hostile();
    test_info();
    return unit_done("multiboot");
}
