/*
 * cellsim: a BIOS ROM that gives a bare emulated machine (QEMU -bios, Bochs romimage) the
 * platform of a pxHV cell, built with the code pxHV uses for it, so that the cell programs
 * and that code are tried together before any hypervisor runs them:
 *   cellsim OUT SHIM MEM_MIB "APIC IDS" flat IMAGE
 *   cellsim OUT SHIM MEM_MIB "APIC IDS" multiboot KERNEL CMDLINE
 * The ROM's last 128 KiB (which the machine shows at 0xE0000-0xFFFFF) hold the ACPI tables
 * of stage3/lib/cellacpi.c at 0xE0000, SHIM (cellsim.asm, assembled for 0xE1000) and, for a
 * flat image, the image ending at 0x100000; for a Multiboot kernel, the load plan of
 * stage3/lib/multiboot.c for a cell of MEM_MIB and the information page of mb_build_info(),
 * with the kernel's file in the ROM below (reached through the ROM's alias below 4 GiB).
 * The machine needs at least MEM_MIB of RAM.  Prints the plan of a Multiboot kernel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/cellacpi.h"
#include "lib/multiboot.h"

#define WINDOW    0x20000u              /* 0xE0000-0xFFFFF */
#define SHIM_OFF  0x1000u
#define PARAMS    0x1800u
#define INFO_OFF  0x2000u
#define VECTOR    0x1FF0u               /* a flat image's own reset vector, kept */

static unsigned char *slurp(const char *path, long *size)
{
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) || (*size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        perror(path);
        exit(1);
    }
    unsigned char *b = malloc(*size ? *size : 1);
    if (fread(b, 1, *size, f) != (size_t)*size) {
        perror(path);
        exit(1);
    }
    fclose(f);
    return b;
}

static void put32(unsigned char *p, u32 v) { memcpy(p, &v, 4); }

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: cellsim OUT SHIM MEM_MIB \"APIC IDS\" flat IMAGE | multiboot KERNEL CMDLINE\n");
        return 2;
    }
    long shim_size, img_size;
    unsigned char *shim = slurp(argv[2], &shim_size), *img = slurp(argv[6], &img_size);
    u64 mem = strtoull(argv[3], NULL, 0) << 20;
    u32 ids[64], n = 0;
    for (char *s = argv[4], *e; n < 64; s = e) {
        unsigned long v = strtoul(s, &e, 0);
        if (e == s)
            break;
        ids[n++] = (u32)v;
    }
    int mb = !strcmp(argv[5], "multiboot");
    u32 size = WINDOW + (mb ? (u32)(img_size + 0xFFFF) / 0x10000 * 0x10000 : 0);
    unsigned char *rom = malloc(size), *win = rom + size - WINDOW;
    memset(rom, 0xFF, size);

    if (!cell_acpi_build(win, CELL_ACPI_MAX, CELL_ACPI_ADDR, ids, n)) {
        fprintf(stderr, "cellsim: no tables for %u CPUs\n", n);
        return 1;
    }
    if (shim_size > PARAMS - SHIM_OFF) {
        fprintf(stderr, "cellsim: shim too large\n");
        return 1;
    }
    memcpy(win + SHIM_OFF, shim, shim_size);
    if (!mb) {
        if (img_size < 16 || img_size > 0x10000) {
            fprintf(stderr, "cellsim: a flat image is 16 bytes to 64 KiB\n");
            return 1;
        }
        memcpy(win + WINDOW - img_size, img, img_size);
        memcpy(win + VECTOR, img + img_size - 16, 16);
        put32(win + PARAMS, 0);
    } else {
        struct mb_plan plan;
        if (!mb_parse(img, (u32)img_size, mem, &plan)) {
            fprintf(stderr, "cellsim: %s: %s\n", argv[6], plan.why);
            return 1;
        }
        struct mb_boot boot = { .mem = mem, .cmdline = argc > 7 ? argv[7] : "" };
        const char *why = mb_build_info(win + INFO_OFF, &boot);
        if (why) {
            fprintf(stderr, "cellsim: %s\n", why);
            return 1;
        }
        memcpy(rom, img, img_size);
        put32(win + PARAMS, 1);
        put32(win + PARAMS + 4, plan.entry);
        put32(win + PARAMS + 8, plan.nseg);
        printf("cellsim: %s: entry 0x%x%s\n", argv[6], plan.entry, plan.aout ? " (address fields)" : "");
        for (u32 i = 0; i < plan.nseg; i++) {
            unsigned char *s = win + PARAMS + 16 + 16 * i;
            put32(s, (u32)(0x100000000ull - size + plan.seg[i].file_off));
            put32(s + 4, plan.seg[i].load_addr);
            put32(s + 8, plan.seg[i].file_bytes);
            put32(s + 12, plan.seg[i].mem_bytes);
            printf("cellsim: segment %u: %u bytes from 0x%x to 0x%08x, %u in memory\n", i,
                   plan.seg[i].file_bytes, plan.seg[i].file_off, plan.seg[i].load_addr, plan.seg[i].mem_bytes);
        }
    }
    /* The reset vector: jmp far E000:SHIM_OFF. */
    static const unsigned char jmp[16] = { 0xEA, SHIM_OFF & 0xFF, SHIM_OFF >> 8, 0x00, 0xE0 };
    memset(win + WINDOW - 16, 0xF4, 16);
    memcpy(win + WINDOW - 16, jmp, 5);

    FILE *o = fopen(argv[1], "wb");
    if (!o || fwrite(rom, 1, size, o) != size || fclose(o)) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
