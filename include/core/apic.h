/*
 * The local APIC as pxHV uses it while it starts: its ID, and IPIs (INIT,
 * SIPI, NMI) through the interrupt command register, in xAPIC mode (the
 * register page at IA32_APIC_BASE) or x2APIC mode (MSR 0x830).  SDM Vol. 3A
 * 10.6.1 "Interrupt Command Register (ICR)", 10.12.9 "ICR Operation in x2APIC
 * Mode".  Delays come from the PIT's channel 2, which the BIOS leaves free.
 */
#ifndef PXHV_APIC_H
#define PXHV_APIC_H
#include "lib/types.h"

#define MSR_X2APIC_BASE    0x800            /* x2APIC register n at MSR 0x800 + n / 16 */
#define MSR_X2APIC_ICR     0x830
#define MSR_X2APIC_LAST    0x8FF
/* xAPIC register offsets (SDM Vol. 3A Table 10-1 "Local APIC Register Address Map"). */
#define XAPIC_ID           0x020
#define XAPIC_TPR          0x080
#define XAPIC_LDR          0x0D0
#define XAPIC_DFR          0x0E0
#define XAPIC_SVR          0x0F0
#define XAPIC_ICR_LOW      0x300
#define XAPIC_ICR_HIGH     0x310
#define XAPIC_LVT_TIMER    0x320
#define XAPIC_LVT_ERROR    0x370
#define XAPIC_TIMER_INIT   0x380
#define LVT_MASKED         BIT(16)
#define ICR_MODE           (7u << 8)        /* delivery mode */
#define ICR_INIT           (5u << 8)
#define ICR_STARTUP        (6u << 8)
#define ICR_NMI            (4u << 8)
#define ICR_LOGICAL        BIT(11)          /* destination mode */
#define ICR_ASSERT         BIT(14)          /* level */
#define ICR_LEVEL          BIT(15)          /* trigger mode */
#define ICR_BUSY           BIT(12)           /* xAPIC: delivery status */
#define ICR_ALL_BUT_SELF   (3u << 18)
/* x2APIC ICR bits that must be 0 (delivery status is gone, SDM Vol. 3A 10.12.9). */
#define X2APIC_ICR_RESERVED 0x00000000FFF33000ULL

void apic_icr_write(u32 dest, u32 icr);      /* the ICR as it is written; no wait */
bool apic_x2apic_mode(void);                 /* this CPU's APIC: x2APIC mode enabled */
u32  apic_read(u32 reg);                     /* this CPU's register (xAPIC offset) */
void apic_write(u32 reg, u32 v);
/* This CPU's APIC as an INIT leaves it (SDM Vol. 3A 10.4.7.3 "Local APIC
 * State After an INIT Reset"), for an INIT pxHV delivers itself. */
void apic_init_state(void);
void apic_ipi(u32 dest, u32 icr);            /* to one APIC ID, until delivered */
void apic_ipi_others(u32 icr);               /* to all but this CPU */
void udelay(u32 us);                         /* busy wait: the PIT, then the TSC */
void delay_calibrate(void);                  /* the TSC against the PIT, before the guest runs */
u64  tsc_per_millisecond(void);              /* what delay_calibrate measured (0 before) */

#endif
