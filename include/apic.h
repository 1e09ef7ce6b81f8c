/*
 * The local APIC as pxHV uses it while it starts: its ID, and IPIs (INIT,
 * SIPI, NMI) through the interrupt command register, in xAPIC mode (the
 * register page at IA32_APIC_BASE) or x2APIC mode (MSR 0x830).  SDM Vol. 3A
 * 10.6.1 "Interrupt Command Register (ICR)", 10.12.9 "ICR Operation in x2APIC
 * Mode".  Delays come from the PIT's channel 2, which the BIOS leaves free.
 */
#ifndef PXHV_APIC_H
#define PXHV_APIC_H
#include "types.h"

#define MSR_X2APIC_ICR     0x830
#define XAPIC_ICR_LOW      0x300
#define XAPIC_ICR_HIGH     0x310
#define ICR_MODE           (7u << 8)        /* delivery mode */
#define ICR_INIT           (5u << 8)
#define ICR_STARTUP        (6u << 8)
#define ICR_NMI            (4u << 8)
#define ICR_LOGICAL        BIT(11)          /* destination mode */
#define ICR_ASSERT         BIT(14)          /* level */
#define ICR_LEVEL          BIT(15)          /* trigger mode */
#define ICR_BUSY           BIT(12)           /* xAPIC: delivery status */
#define ICR_ALL_BUT_SELF   (3u << 18)

void apic_icr_write(u32 dest, u32 icr);      /* the ICR as it is written; no wait */
void apic_ipi(u32 dest, u32 icr);            /* to one APIC ID, until delivered */
void apic_ipi_others(u32 icr);               /* to all but this CPU */
void udelay(u32 us);                         /* busy wait, PIT-timed */

#endif
