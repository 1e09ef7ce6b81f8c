/*
 * The guest's INT 15h: the memory-size functions (E820h, E801h, 88h) are
 * answered from the guest's memory map, every other function goes to the
 * BIOS handler that was installed before.
 *
 * The answer is a BIOS handler of pxHV's in the hook page (core/memmap.c: a
 * page of the upper memory area that only the second-level tables fill), code
 * the guest itself executes, with the map as its table: every caller gets
 * exactly what a BIOS handler gives it, in the CPU's own rules for its mode,
 * and no VM exit.  Real-mode code through the IVT, and a virtual-8086 monitor
 * (EMM386, JEMM, a DOS extender) that reflects the INT into v86 mode at the
 * IVT's vector, run the same instructions: at IOPL < 3 the monitor emulates
 * PUSHF, POPF and IRET as for the BIOS's own handlers (SDM Vol. 3A 20.2.7
 * "Sensitive Instructions"), a buffer at ES:DI that the guest's segment or
 * paging refuses faults at the handler's MOVSB as it would in the BIOS.
 * INT 15h functions as Ralf Brown's interrupt list and the ACPI
 * specification's "E820h Interface" (ACPI 6.4 15.1 "INT 15H, E820H - Query
 * System Address Map") describe them; the map never changes after launch.
 */
#include "core/core.h"
#include "core/hv.h"
#include "lib/lib.h"
#include "lib/e820.h"

/* The handler, 16-bit code at the hook page's HOOK_ENTRY; its data at fixed
 * offsets of the page (CS is the page's segment, so the offsets are the
 * page's).  FLAGS are the caller's again at the jump to the old vector, as a
 * BIOS handler finds them after the INT; an answer returns with the frame's
 * FLAGS, carry set or clear. */
#define H_OLD     0x100                 /* dd the previous vector, segment:offset */
#define H_E801_AX 0x104                 /* dw AX = CX for E801h: KiB from 1 to 16 MiB */
#define H_E801_BX 0x106                 /* dw BX = DX for E801h: 64 KiB blocks above */
#define H_EXT88   0x108                 /* dw AX for 88h: KiB above 1 MiB */
#define H_COUNT   0x10C                 /* dd the map's entries */
#define H_NAME    0x110
#define H_TABLE   0x200                 /* the map, 24 bytes an entry (struct e820_entry) */
static const u8 handler[] = {
    0x9C,                                       /* pushf */
    0x66, 0x3D, 0x20, 0xE8, 0x00, 0x00,         /* cmp eax, 0E820h */
    0x74, 0x27,                                 /* je e820 */
    0x3D, 0x01, 0xE8,                           /* cmp ax, 0E801h */
    0x74, 0x0B,                                 /* je e801 */
    0x80, 0xFC, 0x88,                           /* cmp ah, 88h */
    0x74, 0x16,                                 /* je ext88 */
    0x9D,                                       /* popf */
    0x2E, 0xFF, 0x2E, 0x00, 0x01,               /* jmp far [cs:H_OLD] */
    0x9D,                                       /* e801: popf */
    0x2E, 0xA1, 0x04, 0x01,                     /* mov ax, [cs:H_E801_AX] */
    0x89, 0xC1,                                 /* mov cx, ax */
    0x2E, 0x8B, 0x1E, 0x06, 0x01,               /* mov bx, [cs:H_E801_BX] */
    0x89, 0xDA,                                 /* mov dx, bx */
    0xEB, 0x54,                                 /* jmp ok */
    0x9D,                                       /* ext88: popf */
    0x2E, 0xA1, 0x08, 0x01,                     /* mov ax, [cs:H_EXT88] */
    0xEB, 0x4D,                                 /* jmp ok */
    0x9D,                                       /* e820: popf */
    0x66, 0x81, 0xFA, 0x50, 0x41, 0x4D, 0x53,   /* cmp edx, 'SMAP' */
    0x75, 0x4C,                                 /* jne bad */
    0x2E, 0x66, 0x3B, 0x1E, 0x0C, 0x01,         /* cmp ebx, [cs:H_COUNT] */
    0x73, 0x44,                                 /* jae bad: no such continuation */
    0x66, 0x83, 0xF9, 0x14,                     /* cmp ecx, 20 */
    0x72, 0x3E,                                 /* jb bad: no room for an entry */
    0x1E, 0x56, 0x57,                           /* push ds; push si; push di */
    0x0E, 0x1F,                                 /* push cs; pop ds */
    0x6B, 0xF3, 0x18,                           /* imul si, bx, 24 */
    0x81, 0xC6, 0x00, 0x02,                     /* add si, H_TABLE */
    0x66, 0x83, 0xF9, 0x18,                     /* cmp ecx, 24 */
    0x66, 0xB9, 0x14, 0x00, 0x00, 0x00,         /* mov ecx, 20 */
    0x72, 0x02,                                 /* jb copy: without the attributes */
    0xB1, 0x18,                                 /* mov cl, 24 */
    0x51,                                       /* copy: push cx */
    0xFC,                                       /* cld (the frame's FLAGS come back) */
    0xF3, 0xA4,                                 /* rep movsb */
    0x59, 0x5F, 0x5E, 0x1F,                     /* pop cx; pop di; pop si; pop ds */
    0x66, 0x43,                                 /* inc ebx */
    0x2E, 0x66, 0x3B, 0x1E, 0x0C, 0x01,         /* cmp ebx, [cs:H_COUNT] */
    0x72, 0x03,                                 /* jb more */
    0x66, 0x31, 0xDB,                           /* xor ebx, ebx: that was the last */
    0x66, 0xB8, 0x50, 0x41, 0x4D, 0x53,         /* more: mov eax, 'SMAP' */
    0x55,                                       /* ok: push bp */
    0x89, 0xE5,                                 /* mov bp, sp */
    0x80, 0x66, 0x06, 0xFE,                     /* and byte [bp + 6], ~CF */
    0x5D,                                       /* pop bp */
    0xCF,                                       /* iret */
    0xB4, 0x86,                                 /* bad: mov ah, 86h (unsupported) */
    0x55,                                       /* push bp */
    0x89, 0xE5,                                 /* mov bp, sp */
    0x80, 0x4E, 0x06, 0x01,                     /* or byte [bp + 6], CF */
    0x5D,                                       /* pop bp */
    0xCF,                                       /* iret */
};
_Static_assert(HOOK_ENTRY + sizeof handler <= H_OLD, "the handler overlaps its data");
_Static_assert(sizeof(struct e820_entry) == 24, "the handler's table steps 24 bytes");
_Static_assert(H_TABLE + E820_MAP_MAX * 24 <= 4096 - 1, "the map does not fit the page");

/* The smaller of pxHV's figure and the firmware's, where the firmware gave one:
 * what pxHV hides lies higher up on every machine but the smallest, and a
 * BIOS caps 88h at 63 MiB (0xFC00) for old software. */
static u16 min_fw(u32 ours, u32 firmware)
{
    return (u16)(firmware && firmware < ours ? firmware : ours);
}

/* Into the hook page and the guest's IVT, before the guest runs: the map is
 * final (the cells and the IOMMU took theirs). */
void guest_install_hook(void)
{
    u8 *p = guest_hook_page();
    if (!p)
        return;                                 /* UEFI: the firmware's map */
    const struct e820_map *m = guest_memory_map();
    const struct e820_legacy *l = guest_legacy_sizes();
    volatile u32 *ivt = (volatile u32 *)0;
    static const char name[] = "pxHV INT 15h memory-map services";
    u32 old = ivt[0x15];
    u16 ax = min_fw(l->e801_ax, g_boot.e801_ax), bx = min_fw(l->e801_bx, g_boot.e801_bx);
    u16 kb88 = min_fw(l->ext88_kb, g_boot.ext88_kb);

    /* The signature and size of a 4 KiB option ROM, so that memory managers
     * that look for free upper memory leave the page alone. */
    p[0] = 0x55;
    p[1] = 0xAA;
    p[2] = 4096 / 512;
    memcpy(p + HOOK_ENTRY, handler, sizeof handler);
    memcpy(p + H_OLD, &old, 4);
    memcpy(p + H_E801_AX, &ax, 2);
    memcpy(p + H_E801_BX, &bx, 2);
    memcpy(p + H_EXT88, &kb88, 2);
    memcpy(p + H_COUNT, &m->count, 4);
    memcpy(p + H_NAME, name, sizeof name);
    memcpy(p + H_TABLE, m->e, m->count * sizeof m->e[0]);
    /* A checksum that is not zero, so that a BIOS starting over inside the
     * guest does not call the page as an option ROM. */
    u8 sum = 0;
    for (u32 i = 0; i < 4095; i++)
        sum = (u8)(sum + p[i]);
    p[4095] = (u8)(1 - sum);
    ivt[0x15] = (u32)(guest_hook_gpa() >> 4) << 16 | HOOK_ENTRY;
}
