/*
 * Memory-map logic (pure: no privileged instructions; also built for the
 * host and unit-tested in tests/unit/test_e820.c).
 *
 * The guest's memory map is the BIOS's E820 map with the hypervisor region
 * turned into a reserved range.  Every interface the guest can ask (INT 15h
 * E820/E801/88h, INT 12h) is answered from that one map.
 */
#ifndef PXHV_E820_H
#define PXHV_E820_H
#include "lib/types.h"
#include "boot/bootinfo.h"

#define E820_MAP_MAX 80

struct e820_map {
    u32 count;
    struct e820_entry e[E820_MAP_MAX];
};

/* Copy n raw BIOS entries into m (dropping zero-length ones) and sanitize. */
void e820_from_bios(struct e820_map *m, const struct e820_entry *raw, u32 n);

/* The machine's map from what stage 2 collected: its E820 list, or, from a
 * BIOS without E820h, RAM entries made from INT 12h and E801h (else AH=88h).
 * Returns where it came from (enum mem_source). */
u32 e820_from_boot(struct e820_map *m, const struct boot_info *bi);

/*
 * Sort by base; resolve overlaps so that where ranges overlap the more
 * restrictive type wins (any non-RAM type beats RAM; among non-RAM types the
 * higher number wins, the rule Linux's sanitize_e820_map also applies);
 * merge adjacent ranges of equal type and attr.  Result: sorted, disjoint.
 */
void e820_sanitize(struct e820_map *m);

/* Force [base, base+len) to `type` (splitting ranges as needed), then sanitize.
 * Returns false if the map would overflow E820_MAP_MAX. */
bool e820_set_range(struct e820_map *m, u64 base, u64 len, u32 type);

/* Sum of type-1 (RAM) bytes. */
u64 e820_ram_bytes(const struct e820_map *m);

/* Bytes of type-1 RAM in [lo, hi). */
u64 e820_ram_bytes_in(const struct e820_map *m, u64 lo, u64 hi);


/*
 * Legacy answers derived from the map (Ralf Brown's interrupt list,
 * INT 15h AX=E801h and AH=88h):
 *  e801_ax = KiB of contiguous RAM from 1 MiB up to 16 MiB (max 15360),
 *  e801_bx = 64 KiB blocks of contiguous RAM from 16 MiB up to the first hole
 *            below 4 GiB,
 *  ext88_kb = KiB of contiguous RAM from 1 MiB, capped at 0xFFFF,
 *  conv_kb = KiB of contiguous RAM from 0 (capped at 640).
 */
struct e820_legacy {
    u32 e801_ax, e801_bx, ext88_kb, conv_kb;
};
void e820_legacy(const struct e820_map *m, struct e820_legacy *out);

#endif
