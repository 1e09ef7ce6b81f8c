// sources: stage3/lib/apicdest.c
/*
 * Unit tests for stage3/lib/apicdest.c: IPI destinations as SDM Vol. 3A
 * 10.6.2 and 10.12.10 define them, for the shorthands, physical and logical
 * (flat, cluster, x2APIC cluster) destinations, broadcasts and absent targets.
 */
#include "unit.h"
#include "lib/apicdest.h"

#define LOGICAL ICR_DEST_LOGICAL
#define SH(x) ((u32)(x) << ICR_SH_SHIFT)
#define INIT 0x4500u

static struct apic_view cpu[4];

/* Which of the four CPUs an IPI from cpu[from] reaches, as a bit mask. */
static unsigned reach(int from, u32 low, u32 dest, bool x2)
{
    unsigned m = 0;
    for (int i = 0; i < 4; i++)
        m |= apic_ipi_reaches(&cpu[from], &cpu[i], low, dest, x2) ? 1u << i : 0;
    return m;
}

static void reset_xapic(void)
{
    for (u32 i = 0; i < 4; i++)
        cpu[i] = (struct apic_view){ .id = i, .ldr = 0, .dfr = 0xFFFFFFFF };
}

int main(void)
{
    reset_xapic();
    /* Shorthands ignore the destination field. */
    CHECK_EQ(reach(1, INIT | SH(ICR_SH_SELF), 3, false), 0x2);
    CHECK_EQ(reach(1, INIT | SH(ICR_SH_ALL), 3, false), 0xF);
    CHECK_EQ(reach(1, INIT | SH(ICR_SH_OTHERS), 1, false), 0xD);
    /* Physical: one ID, the broadcast, an absent ID, only bits 7:0 in xAPIC mode. */
    CHECK_EQ(reach(0, INIT, 2, false), 0x4);
    CHECK_EQ(reach(0, INIT, 0xFF, false), 0xF);
    CHECK_EQ(reach(0, INIT, 7, false), 0);
    CHECK_EQ(reach(0, INIT, 0x102, false), 0x4);
    /* Logical, flat: no APIC answers before its LDR is set (the INIT state). */
    CHECK_EQ(reach(0, INIT | LOGICAL, 0x02, false), 0);
    cpu[1].ldr = 0x02000000;
    cpu[2].ldr = 0x04000000;
    CHECK_EQ(reach(0, INIT | LOGICAL, 0x02, false), 0x2);
    CHECK_EQ(reach(0, INIT | LOGICAL, 0x06, false), 0x6);
    CHECK_EQ(reach(0, INIT | LOGICAL, 0x80, false), 0);      /* an absent CPU's bit */
    CHECK_EQ(reach(0, INIT | LOGICAL, 0xFF, false), 0xF);    /* broadcast */
    /* A logical ID the guest moved: the old bit no longer reaches it. */
    cpu[1].ldr = 0x10000000;
    CHECK_EQ(reach(0, INIT | LOGICAL, 0x02, false), 0);
    CHECK_EQ(reach(0, INIT | LOGICAL, 0x10, false), 0x2);
    /* Logical, cluster: cluster 1 member 1, cluster 2 member 2. */
    for (int i = 0; i < 4; i++)
        cpu[i].dfr = 0x0FFFFFFF;
    cpu[1].ldr = 0x12000000;
    cpu[2].ldr = 0x22000000;
    CHECK_EQ(reach(0, INIT | LOGICAL, 0x12, false), 0x2);
    CHECK_EQ(reach(0, INIT | LOGICAL, 0x13, false), 0x2);
    CHECK_EQ(reach(0, INIT | LOGICAL, 0x11, false), 0);       /* member bit not set */
    CHECK_EQ(reach(0, INIT | LOGICAL, 0x22, false), 0x4);
    CHECK_EQ(reach(0, INIT | LOGICAL, 0xF1, false), 0);       /* an absent cluster */
    CHECK_EQ(reach(0, INIT | LOGICAL, 0x02, false), 0);       /* cluster 0 */
    CHECK_EQ(reach(0, INIT | LOGICAL, 0xFF, false), 0xF);
    /* An undefined model reaches nothing but through the broadcast. */
    cpu[3].dfr = 0x5FFFFFFF;
    cpu[3].ldr = 0x12000000;
    CHECK_EQ(reach(0, INIT | LOGICAL, 0x12, false), 0x2);

    /* x2APIC: 32-bit IDs, the LDR from the ID. */
    CHECK_EQ(x2apic_ldr(0), 0x00000001);
    CHECK_EQ(x2apic_ldr(17), 0x00010002);
    for (u32 i = 0; i < 4; i++)
        cpu[i] = (struct apic_view){ .id = i ? 16 + i : 0 };   /* 0, 17, 18, 19 */
    CHECK_EQ(reach(0, INIT, 17, true), 0x2);
    CHECK_EQ(reach(0, INIT, 1, true), 0);                     /* no 8-bit truncation */
    CHECK_EQ(reach(0, INIT, 0xFFFFFFFF, true), 0xF);
    CHECK_EQ(reach(0, INIT, 0xFF, true), 0);                  /* not a broadcast in x2APIC mode */
    CHECK_EQ(reach(0, INIT | LOGICAL, 0x00010006, true), 0x6);   /* cluster 1, members 1 and 2 */
    CHECK_EQ(reach(0, INIT | LOGICAL, 0x00000001, true), 0x1);   /* cluster 0, member 0 */
    CHECK_EQ(reach(0, INIT | LOGICAL, 0x00020006, true), 0);     /* an absent cluster */
    CHECK_EQ(reach(0, INIT | LOGICAL, 0x00010001, true), 0);     /* member 0 of cluster 1: none */
    CHECK_EQ(reach(0, INIT | LOGICAL, 0xFFFFFFFF, true), 0xF);
    return unit_done("apicdest");
}
