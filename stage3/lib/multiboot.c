/*
 * Multiboot 1 kernels for cells (include/lib/multiboot.h).  Section numbers:
 * the Multiboot Specification 0.6.96.  Everything read from the image goes
 * through rd32()/memcpy() with its bounds checked first: the image comes
 * from disk and may be truncated or hostile.
 */
#include "lib/multiboot.h"
#include "lib/lib.h"
#include "hw/multiboot.h"
#include "hw/elf.h"

#define MIB (1024u * 1024u)

static u32 rd32(const u8 *p)
{
    u32 v;
    memcpy(&v, p, 4);
    return v;
}

static bool refuse(struct mb_plan *plan, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool refuse(struct mb_plan *plan, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(plan->why, sizeof plan->why, fmt, ap);
    va_end(ap);
    return false;
}

static bool add_segment(struct mb_plan *plan, u32 off, u32 file, u32 addr, u32 mem)
{
    if (plan->nseg == MB_MAX_SEGMENTS)
        return refuse(plan, "more than %d loadable segments", MB_MAX_SEGMENTS);
    plan->seg[plan->nseg++] = (struct mb_segment){ off, file, addr, mem };
    return true;
}

/* 3.1.3 "The address fields of Multiboot header": the image from
 * header_offset - (header_addr - load_addr) is loaded at load_addr up to
 * load_end_addr (0: the end of the file), then zeroed up to bss_end_addr
 * (0: no bss); entry_addr is the entry point. */
static bool parse_aout(const u8 *img, u32 size, struct mb_plan *plan)
{
    struct mb_header h;
    memcpy(&h, img + plan->header_off, 32);
    if (h.load_addr > h.header_addr || h.header_addr - h.load_addr > plan->header_off)
        return refuse(plan, "address fields: header_addr 0x%x, load_addr 0x%x do not match the header's offset 0x%x",
                      h.header_addr, h.load_addr, plan->header_off);
    u32 off = plan->header_off - (h.header_addr - h.load_addr);
    u64 file = (u64)size - off;
    if (h.load_end_addr) {
        if (h.load_end_addr < h.load_addr)
            return refuse(plan, "address fields: load_end_addr 0x%x below load_addr 0x%x",
                          h.load_end_addr, h.load_addr);
        if ((u64)h.load_end_addr - h.load_addr > file)
            return refuse(plan, "image cut short: load_end_addr 0x%x needs %u bytes from offset 0x%x, the image has %u",
                          h.load_end_addr, h.load_end_addr - h.load_addr, off, size);
        file = h.load_end_addr - h.load_addr;
    }
    u64 mem = file;
    if (h.bss_end_addr) {
        if (h.bss_end_addr < h.load_addr + file)
            return refuse(plan, "address fields: bss_end_addr 0x%x below the end of the loaded bytes 0x%llx",
                          h.bss_end_addr, h.load_addr + file);
        mem = h.bss_end_addr - h.load_addr;
    }
    plan->aout = true;
    plan->entry = h.entry_addr;
    return add_segment(plan, off, (u32)file, h.load_addr, (u32)mem);
}

/* An ELF32 executable for the i386: its PT_LOAD program headers, at their
 * physical addresses (p_paddr), as GRUB and QEMU load them. */
static bool parse_elf(const u8 *img, u32 size, struct mb_plan *plan)
{
    struct elf32_ehdr e;
    if (size < sizeof e || rd32(img) != 0x464C457Fu)      /* 0x7F "ELF" */
        return refuse(plan, "not an ELF file, and header flag 16 (address fields) is not set");
    memcpy(&e, img, sizeof e);
    if (e.e_ident[4] != ELFCLASS32)
        return refuse(plan, "ELF class %u: a Multiboot 1 kernel is ELF32 (or sets header flag 16)", e.e_ident[4]);
    if (e.e_ident[5] != ELFDATA2LSB || e.e_type != ET_EXEC || e.e_machine != EM_386)
        return refuse(plan, "ELF data %u, type %u, machine %u: not a little-endian i386 executable",
                      e.e_ident[5], e.e_type, e.e_machine);
    if (e.e_phentsize < sizeof(struct elf32_phdr) || !e.e_phnum)
        return refuse(plan, "ELF: no program headers (%u of %u bytes)", e.e_phnum, e.e_phentsize);
    if ((u64)e.e_phoff + (u64)e.e_phnum * e.e_phentsize > size)
        return refuse(plan, "image cut short: %u program headers at offset 0x%x, the image has %u bytes",
                      e.e_phnum, e.e_phoff, size);

    bool entry_mapped = false;
    for (u32 i = 0; i < e.e_phnum; i++) {
        struct elf32_phdr ph;
        memcpy(&ph, img + e.e_phoff + (usize)i * e.e_phentsize, sizeof ph);
        if (ph.p_type != PT_LOAD || !ph.p_memsz)
            continue;
        if (ph.p_filesz > ph.p_memsz)
            return refuse(plan, "ELF segment %u: %u file bytes, more than its %u memory bytes",
                          i, ph.p_filesz, ph.p_memsz);
        if ((u64)ph.p_offset + ph.p_filesz > size)
            return refuse(plan, "image cut short: segment %u needs bytes up to 0x%llx, the image has %u",
                          i, (u64)ph.p_offset + ph.p_filesz, size);
        /* An entry point given as a virtual address (a kernel linked to run
         * higher than it is loaded) is taken to the same physical place. */
        if (!entry_mapped && e.e_entry - ph.p_vaddr < ph.p_memsz) {
            plan->entry = e.e_entry - ph.p_vaddr + ph.p_paddr;
            entry_mapped = true;
        }
        if (!add_segment(plan, ph.p_offset, ph.p_filesz, ph.p_paddr, ph.p_memsz))
            return false;
    }
    if (!plan->nseg)
        return refuse(plan, "ELF: no loadable segment");
    if (!entry_mapped)
        plan->entry = e.e_entry;
    return true;
}

/* Every segment in RAM the cell's memory map calls available, off the
 * information page, apart from the others; the entry among loaded bytes. */
static bool check_plan(struct mb_plan *plan, u64 mem)
{
    bool entry_ok = false;
    for (u32 i = 0; i < plan->nseg; i++) {
        const struct mb_segment *s = &plan->seg[i];
        u64 a = s->load_addr, e = a + s->mem_bytes;
        if (e > 1ULL << 32)
            return refuse(plan, "segment %u [0x%llx, 0x%llx) goes past 4 GiB", i, a, e);
        if (e > mem)
            return refuse(plan, "segment %u [0x%llx, 0x%llx) beyond the cell's %llu MiB of RAM",
                          i, a, e, mem / MIB);
        if (a < MB_HIGH_START && e > MB_LOW_END)
            return refuse(plan, "segment %u [0x%llx, 0x%llx) overlaps the reserved [0x9fc00, 0x100000) (ACPI tables, flat image area)",
                          i, a, e);
        if (a < MB_INFO_ADDR + MB_INFO_SIZE && e > MB_INFO_ADDR)
            return refuse(plan, "segment %u [0x%llx, 0x%llx) overlaps the Multiboot information page [0x9000, 0xa000)",
                          i, a, e);
        for (u32 j = 0; j < i; j++) {
            u64 b = plan->seg[j].load_addr, f = b + plan->seg[j].mem_bytes;
            if (a < f && b < e)
                return refuse(plan, "segments %u and %u overlap", j, i);
        }
        if (plan->entry - s->load_addr < s->file_bytes)
            entry_ok = true;
        if (e > plan->end)
            plan->end = (u32)e;
    }
    if (!entry_ok)
        return refuse(plan, "entry point 0x%x is not in the loaded bytes of any segment", plan->entry);
    return true;
}

bool mb_parse(const void *image, u32 size, u64 mem, struct mb_plan *plan)
{
    const u8 *img = image;
    u32 limit = size < MB_HEADER_SEARCH ? size : MB_HEADER_SEARCH;
    bool bad_sum = false;

    memset(plan, 0, sizeof *plan);
    /* 3.1.1 "The layout of Multiboot header": magic, flags and checksum,
     * 32-bit aligned, wholly within the first 8192 bytes. */
    u32 off;
    for (off = 0; off + 12 <= limit; off += 4) {
        if (rd32(img + off) != MB_HEADER_MAGIC)
            continue;
        if (MB_HEADER_MAGIC + rd32(img + off + 4) + rd32(img + off + 8) == 0)
            break;
        bad_sum = true;              /* a stray magic number: keep looking */
    }
    if (off + 12 > limit)
        return bad_sum ? refuse(plan, "Multiboot header checksum wrong")
                       : refuse(plan, "no Multiboot header in the first %u bytes", MB_HEADER_SEARCH);
    plan->header_off = off;
    plan->flags = rd32(img + off + 4);

    /* 3.1.2 "The magic fields of Multiboot header": a requirement (bits
     * 0-15) the loader does not meet is a reason to refuse the kernel. */
    u32 unknown = plan->flags & MB_HF_REQUIRED & ~(u32)(MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO | MB_HF_VIDEO_MODE);
    if (unknown)
        return refuse(plan, "header flags 0x%x: requirement bit %u is not one pxHV knows",
                      plan->flags, __builtin_ctz(unknown));
    plan->video_not_given = plan->flags & MB_HF_VIDEO_MODE;
    u32 hlen = plan->flags & MB_HF_VIDEO_MODE ? 48 : plan->flags & MB_HF_AOUT_KLUDGE ? 32 : 12;
    if (off + hlen > limit)
        return refuse(plan, "Multiboot header at 0x%x: its %u bytes end past %s", off, hlen,
                      limit == size ? "the image" : "the first 8192 bytes");

    bool ok = plan->flags & MB_HF_AOUT_KLUDGE ? parse_aout(img, size, plan) : parse_elf(img, size, plan);
    return ok && check_plan(plan, mem);
}

/* The cell's memory map (docs/cells.md). */
static u32 build_mmap(struct mb_mmap_entry *m, u64 mem)
{
    const struct { u64 base, end; u32 type; } map[4] = {
        { 0, MB_LOW_END, MB_MMAP_AVAILABLE },
        { MB_LOW_END, 0xA0000, MB_MMAP_RESERVED },
        { 0xE0000, MB_HIGH_START, MB_MMAP_RESERVED },
        { MB_HIGH_START, mem, MB_MMAP_AVAILABLE },
    };
    for (u32 i = 0; i < 4; i++) {
        struct mb_mmap_entry e = { 20, map[i].base, map[i].end - map[i].base, map[i].type };
        memcpy(&m[i], &e, sizeof e);
    }
    return 4;
}

/* Copies `s` to page[*at...] and returns its guest-physical address, or 0
 * when it does not fit. */
static u32 put_string(u8 *page, u32 *at, const char *s)
{
    usize n = strlen(s) + 1;
    if (n > MB_INFO_SIZE - *at)
        return 0;
    memcpy(page + *at, s, n);
    u32 pa = MB_INFO_ADDR + *at;
    *at += (u32)n;
    return pa;
}

const char *mb_build_info(u8 *page, const struct mb_boot *boot)
{
    if (boot->mem <= MB_HIGH_START || boot->mem > (1ULL << 32))
        return "cell memory must lie between 1 MiB and 4 GiB";
    u32 list = sizeof(struct mb_info) + 4 * sizeof(struct mb_mmap_entry);
    if (boot->nmods > (MB_INFO_SIZE - list) / sizeof(struct mb_module))
        return "too many modules for the information page";
    memset(page, 0, MB_INFO_SIZE);

    /* 3.3 "Boot information format" */
    struct mb_info info = { 0 };
    info.flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MEM_MAP | MB_INFO_LOADER_NAME;
    info.mem_lower = MB_LOW_END / 1024;
    info.mem_upper = (u32)((boot->mem - MB_HIGH_START) / 1024);
    info.mmap_addr = MB_INFO_ADDR + sizeof info;
    info.mmap_length = build_mmap((struct mb_mmap_entry *)(page + sizeof info), boot->mem) *
                       sizeof(struct mb_mmap_entry);
    info.mods_count = boot->nmods;
    info.mods_addr = MB_INFO_ADDR + list;

    u32 at = list + boot->nmods * (u32)sizeof(struct mb_module);
    info.boot_loader_name = put_string(page, &at, MB_LOADER_NAME);
    info.cmdline = put_string(page, &at, boot->cmdline ? boot->cmdline : "");
    if (!info.cmdline)
        return "command line too long for the information page";
    for (u32 i = 0; i < boot->nmods; i++) {
        const struct mb_module_desc *d = &boot->mods[i];
        if (d->start > d->end || d->end > boot->mem)
            return "a module lies outside the cell's RAM";
        struct mb_module m = { d->start, d->end, put_string(page, &at, d->string ? d->string : ""), 0 };
        if (!m.string)
            return "module strings too long for the information page";
        memcpy(page + list + i * sizeof m, &m, sizeof m);
    }
    memcpy(page, &info, sizeof info);
    return NULL;
}
