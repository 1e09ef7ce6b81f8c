/* IPI destinations as the local APICs resolve them (include/lib/apicdest.h). */
#include "lib/apicdest.h"

#define DFR_MODEL(dfr)  ((dfr) >> 28)
#define DFR_FLAT        0xFu
#define DFR_CLUSTER     0x0u

static bool logical_xapic(const struct apic_view *to, u32 dest)
{
    u32 id = to->ldr >> 24, d = dest & 0xFF;
    if (d == 0xFF)
        return true;
    if (DFR_MODEL(to->dfr) == DFR_FLAT)
        return (id & d) != 0;
    if (DFR_MODEL(to->dfr) == DFR_CLUSTER)
        return (id >> 4) == (d >> 4) && (id & d & 0xF) != 0;
    return false;                      /* a model the SDM does not define */
}

static bool logical_x2apic(const struct apic_view *to, u32 dest)
{
    if (dest == 0xFFFFFFFFu)
        return true;
    u32 ldr = x2apic_ldr(to->id);
    return (ldr >> 16) == (dest >> 16) && (ldr & dest & 0xFFFF) != 0;
}

bool apic_ipi_reaches(const struct apic_view *from, const struct apic_view *to, u32 icr_low,
                      u32 dest, bool x2)
{
    switch ((icr_low >> ICR_SH_SHIFT) & 3) {
    case ICR_SH_SELF:   return to->id == from->id;
    case ICR_SH_ALL:    return true;
    case ICR_SH_OTHERS: return to->id != from->id;
    }
    if (icr_low & ICR_DEST_LOGICAL)
        return x2 ? logical_x2apic(to, dest) : logical_xapic(to, dest);
    if (!x2)
        dest &= 0xFF;
    return dest == (x2 ? 0xFFFFFFFFu : 0xFFu) || to->id == dest;
}
