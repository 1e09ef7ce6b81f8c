/*
 * Which local APICs an interprocessor interrupt reaches (pure: unit-tested in
 * tests/unit/test_apicdest.c), as the APICs themselves decide it, SDM Vol. 3A
 * 10.6.2 "Determining IPI Destination" and 10.12.10 "x2APIC Logical
 * Destination Mode":
 *   - a shorthand (ICR bits 19:18): self, all including self, all excluding
 *     self; the destination field is ignored;
 *   - physical mode: the APIC ID equals the destination; the broadcast ID
 *     (FFh in xAPIC mode, FFFFFFFFh in x2APIC mode) reaches all;
 *   - logical mode, xAPIC: the flat model (DFR bits 31:28 = 1111b) reaches
 *     every APIC whose 8-bit logical ID (LDR bits 31:24) shares a bit with
 *     the destination; the cluster model (0000b) every APIC of the cluster in
 *     bits 7:4 whose member bits 3:0 share a bit with the destination's;
 *     FFh reaches all;
 *   - logical mode, x2APIC: the LDR is derived from the x2APIC ID (cluster =
 *     ID[31:4], bit ID[3:0] of 16 member bits): the cluster in bits 31:16
 *     must be equal and bits 15:0 must share a bit; FFFFFFFFh reaches all.
 * A destination no APIC matches reaches nothing.
 */
#ifndef PXHV_APICDEST_H
#define PXHV_APICDEST_H
#include "lib/types.h"

/* What decides whether one APIC accepts an IPI. */
struct apic_view {
    u32 id;        /* APIC ID (8 bits in xAPIC mode)                        */
    u32 ldr;       /* logical destination register, as the guest set it     */
    u32 dfr;       /* destination format register (xAPIC only)              */
};

#define ICR_VECTOR_MASK    0xFFu
#define ICR_DEST_LOGICAL   (1u << 11)
#define ICR_SH_SHIFT       18
enum { ICR_SH_NONE, ICR_SH_SELF, ICR_SH_ALL, ICR_SH_OTHERS };

/* The LDR an APIC has in x2APIC mode (read-only there, 10.12.10.2). */
static inline u32 x2apic_ldr(u32 id)
{
    return (id >> 4) << 16 | 1u << (id & 0xF);
}

/* Does the IPI (the ICR's low half and its destination) that `from` sends
 * reach `to` (the same APIC when their IDs are equal)?  x2: both are in
 * x2APIC mode. */
bool apic_ipi_reaches(const struct apic_view *from, const struct apic_view *to, u32 icr_low,
                      u32 dest, bool x2);

#endif
