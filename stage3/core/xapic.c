/*
 * The guest's writes to its local APIC's register page while pxHV
 * intercepts the ICR (include/core/ipi.h): the page is read-only in the
 * second-level tables, so reads go to the APIC and every write exits here.
 *
 * SDM Vol. 3A 10.4.1 "The Local APIC Block Diagram": the registers are 32
 * bits wide at 16-byte-aligned offsets and are defined for aligned 32-bit
 * loads and stores only; anything else "may cause undefined behavior".  So
 * pxHV performs exactly those (the store forms insn.h decodes: MOV from a
 * register or an immediate, MOV to moffs, XCHG), and refuses every other
 * width, offset or store that crosses the page's edge: the write is dropped
 * with a line naming it, and the guest continues after the instruction.
 * The ICR is never written with the guest's value: INIT and SIPI are pxHV's
 * to deliver (core/ipi.c), every other IPI goes out as pxHV rebuilt it.
 * The APIC ID, by which pxHV addresses its CPUs, stays as it is.
 */
#include "core/ipi.h"
#include "core/apic.h"
#include "core/console.h"
#include "core/cell.h"
#include "core/core.h"
#include "lib/insn.h"
#include "lib/lib.h"
#include "hw/x86.h"

/* The start of the store as a guest-physical address, from its operand (also
 * the IOMMU's register pages, stage3/iommu). */
bool guest_store_gpa(struct cpu *c, const struct insn *in, u32 mode, u64 *gpa)
{
    u64 gpr[16];
    memcpy(gpr, c->regs->r, sizeof gpr);
    gpr[R_RSP] = virt->get(c, GR_RSP);
    u64 off = insn_store_offset(in, gpr, virt->get(c, GR_RIP));
    struct segment s;
    virt->get_seg(c, (enum seg_reg)in->mem.seg, &s);
    u64 la = off;
    if (mode != 64)
        la = (s.base + off) & 0xFFFFFFFFULL;
    else if (in->mem.seg == SEG_FS || in->mem.seg == SEG_GS)
        la = s.base + off;
    return guest_linear_to_phys(c, la, gpa);
}

/* The register an XCHG gives the old value to (SDM Vol. 1 3.4.1.1: a 32-bit
 * result in 64-bit mode clears bits 63:32). */
static void set_reg(struct cpu *c, u32 reg, u32 v, u32 mode)
{
    u64 cur = reg == R_RSP ? virt->get(c, GR_RSP) : c->regs->r[reg];
    u64 nv = mode == 64 ? v : (cur & ~0xFFFFFFFFULL) | v;
    if (reg == R_RSP)
        virt->set(c, GR_RSP, nv);
    else
        c->regs->r[reg] = nv;
}

bool xapic_write(struct cpu *c, u64 gpa)
{
    if (!g_xapic_page || gpa - g_xapic_page >= 4096)
        return false;
    u8 bytes[INSN_MAX_LEN];
    u32 mode, n = guest_fetch(c, bytes, INSN_MAX_LEN, &mode);
    struct insn in;
    if (!insn_decode_store(bytes, n, mode, &in)) {
        guest_refuse(c, "a write to the local APIC at offset 0x%03llx by an instruction pxHV does "
                     "not emulate", gpa - g_xapic_page);
        guest_end(c, "unsupported local APIC access", false);
    }
    u64 start;
    if (!guest_store_gpa(c, &in, mode, &start))
        start = gpa;
    if (start < g_xapic_page || start + in.size > g_xapic_page + 4096) {
        guest_refuse(c, "a %u-byte write across the edge of the local APIC's page at GPA 0x%llx; "
                     "dropped", in.size, start);
        virt->skip(c, in.len);
        return true;
    }
    u32 reg = (u32)(start - g_xapic_page);
    if (in.size != 4 || (reg & 0xF)) {
        guest_refuse(c, "a %u-byte write to the local APIC at offset 0x%03x (only aligned 32-bit "
                     "writes to a register are defined, SDM Vol. 3A 10.4.1); dropped", in.size, reg);
        virt->skip(c, in.len);
        return true;
    }
    u64 src = in.kind == INSN_STORE_IMM ? in.imm
            : in.reg == R_RSP ? virt->get(c, GR_RSP) : c->regs->r[in.reg];
    u32 v = (u32)src;
    volatile u32 *r = (volatile u32 *)(usize)(g_xapic_page + reg);
    u32 old = in.kind == INSN_XCHG ? *r : 0;

    switch (reg) {
    case XAPIC_ICR_HIGH:
        c->icr_high = v & 0xFF000000;      /* bits 23:0 are reserved */
        *r = c->icr_high;
        break;
    case XAPIC_ICR_LOW:
        if (!ipi_icr_write(c, c->icr_high >> 24, v, false))
            cell_end(c, "an IPI to APIC %u, a CPU outside the cell", c->icr_high >> 24);
        break;
    case XAPIC_ID:
        if ((v ^ *r) & 0xFF000000) {
            guest_refuse(c, "changing the local APIC ID from %u to %u (pxHV addresses its CPUs "
                         "by it); dropped", *r >> 24, v >> 24);
            break;
        }
        *r = v;
        break;
    case XAPIC_LDR:
        __atomic_store_n(&c->guest_ldr, v & 0xFF000000, __ATOMIC_RELEASE);
        *r = v;
        break;
    case XAPIC_DFR:
        __atomic_store_n(&c->guest_dfr, v | 0x0FFFFFFF, __ATOMIC_RELEASE);
        *r = v;
        break;
    default:
        *r = v;
        break;
    }
    if (in.kind == INSN_XCHG)
        set_reg(c, in.reg, old, mode);
    virt->skip(c, in.len);
    return true;
}
