/* Segment descriptors (include/lib/desc.h). */
#include "lib/desc.h"

void desc_decode(const u64 raw[2], bool long_mode, struct desc *out)
{
    u64 d = raw[0];
    u32 limit = (u32)(d & 0xFFFF) | (u32)((d >> 48) & 0xF) << 16;

    out->base = ((d >> 16) & 0xFFFFFF) | ((d >> 56) & 0xFF) << 24;
    out->type = (u8)((d >> 40) & 0xF);
    out->s = (d >> 44) & 1;
    out->dpl = (u8)((d >> 45) & 3);
    out->present = (d >> 47) & 1;
    out->avl = (d >> 52) & 1;
    out->l = (d >> 53) & 1;
    out->db = (d >> 54) & 1;
    out->g = (d >> 55) & 1;
    out->limit = out->g ? limit << 12 | 0xFFF : limit;
    if (out->s)
        out->type |= 1;                 /* accessed: the load sets it */
    else if (long_mode)
        out->base |= (raw[1] & 0xFFFFFFFFULL) << 32;   /* 16-byte system descriptor */
}

bool desc_offset(u16 sel, u32 table_limit, u32 bytes, u32 *offset)
{
    u32 off = sel & ~7u;
    if ((!(sel & 4) && off == 0) || (u64)off + bytes - 1 > table_limit)
        return false;
    *offset = off;
    return true;
}
