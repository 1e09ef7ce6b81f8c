/*
 * The guest's INT 15h: pxHV answers the memory-size functions (E820h, E801h,
 * 88h) from the guest's memory map and passes every other function to the
 * BIOS handler that was installed before.
 *
 * The IVT's vector points into a page the CPU may read but not execute
 * (core/memmap.c), so every caller arrives here as an execute violation at
 * the entry, whoever delivered the INT: real-mode code through the IVT, or a
 * virtual-8086 monitor (EMM386, JEMM, a DOS extender) that reflects the INT
 * into v86 mode at the IVT's vector.  What follows is what a BIOS handler
 * does, with the CPU's own rules for each mode (SDM Vol. 3A 20.2.7
 * "Sensitive Instructions" and 20.3 "Interrupt and Exception Handling in
 * Virtual-8086 Mode"; INT 15h functions as Ralf Brown's interrupt list and
 * the ACPI specification's "E820h Interface" describe them):
 *   - the caller's frame (IP, CS, FLAGS) is on SS:SP; the answer's carry goes
 *     into the FLAGS there, and an E820 entry into ES:DI, both through the
 *     guest's segments and paging (a fault is the guest's, at the entry,
 *     and the call can be repeated);
 *   - the return is the handler's IRET: in real mode, and in v86 mode with
 *     IOPL 3, pxHV performs it; in v86 mode with IOPL < 3 the IRET would
 *     fault to the monitor with #GP(0), so that is what the guest gets, at
 *     the entry, whose byte is an IRET for the monitor to emulate;
 *   - another function: a far jump to the previous vector, frame untouched.
 */
#include "core/core.h"
#include "core/console.h"
#include "core/hv.h"
#include "lib/lib.h"
#include "hw/x86.h"

#define SMAP 0x534D4150u

static u32 old_vector;                  /* segment << 16 | offset */

/* Into the guest's IVT, before the guest runs; the previous vector is where
 * every other function goes. */
void guest_install_hook(void)
{
    volatile u32 *ivt = (volatile u32 *)0;
    u64 entry = guest_hook_entry();
    old_vector = ivt[0x15];
    ivt[0x15] = (u32)(((entry & ~0xFFFULL) >> 4) << 16 | (entry & 0xFFF));   /* page:offset */
}

static void load_cs(struct cpu *c, u16 sel, u64 ip)
{
    struct segment cs;
    virt->get_seg(c, SEG_CS, &cs);
    cs.sel = sel;
    cs.base = (u64)sel << 4;
    virt->set_seg(c, SEG_CS, &cs);
    virt->set(c, GR_RIP, ip);
}

/* The answer to one function, or false: not one of pxHV's. */
struct int15_answer {
    u32 rax, rbx, rcx, rdx;
    bool carry, entry;                  /* entry: an E820 entry goes to ES:DI */
    struct e820_entry e;
    u32 entry_bytes;
};

/* The smaller of pxHV's figure and the firmware's, where the firmware gave one. */
static u32 min_fw(u32 ours, u32 firmware)
{
    return firmware && firmware < ours ? firmware : ours;
}

static bool answer(struct cpu *c, struct int15_answer *a)
{
    struct guest_regs *r = c->regs;
    u32 eax = (u32)r->r[R_RAX];
    const struct e820_legacy *l = guest_legacy_sizes();

    a->rax = eax;
    a->rbx = (u32)r->r[R_RBX];
    a->rcx = (u32)r->r[R_RCX];
    a->rdx = (u32)r->r[R_RDX];
    a->carry = false;
    a->entry = false;
    if (eax == 0xE820) {
        u32 next = 0, n = 0;
        if (a->rdx == SMAP)
            n = e820_bios_query(guest_memory_map(), a->rbx, a->rcx, &a->e, &next);
        if (!n) {
            a->carry = true;
            a->rax = (eax & ~0xFF00u) | 0x8600;      /* AH = 86h: unsupported */
        } else {
            a->rax = SMAP;
            a->rcx = n;
            a->rbx = next;
            a->entry = true;
            a->entry_bytes = n;
        }
        return true;
    }
    /* E801h and 88h: the map's figure, but no more than the firmware said
     * (a BIOS caps 88h at 63 MiB, 0xFC00, for old software): what pxHV hides
     * lies higher up on every machine but the smallest. */
    if ((eax & 0xFFFF) == 0xE801) {          /* AX = CX: KiB 1-16 MiB, BX = DX: 64 KiB above */
        u32 ax = min_fw(l->e801_ax, g_boot.e801_ax), bx = min_fw(l->e801_bx, g_boot.e801_bx);
        a->rax = (a->rax & ~0xFFFFu) | ax;
        a->rcx = (a->rcx & ~0xFFFFu) | ax;
        a->rbx = (a->rbx & ~0xFFFFu) | bx;
        a->rdx = (a->rdx & ~0xFFFFu) | bx;
        return true;
    }
    if (((eax >> 8) & 0xFF) == 0x88) {
        a->rax = (eax & ~0xFFFFu) | min_fw(l->ext88_kb, g_boot.ext88_kb);
        return true;
    }
    return false;
}

static void set32(struct guest_regs *r, u32 reg, u32 v)
{
    r->r[reg] = (r->r[reg] & ~0xFFFFFFFFULL) | v;
}

void core_int15(struct cpu *c)
{
    struct guest_regs *r = c->regs;
    u64 rflags = virt->get(c, GR_RFLAGS);
    bool v86 = rflags & RFLAGS_VM;
    c->stats.event[EV_INT15]++;

    if ((virt->get(c, GR_CR0) & CR0_PE) && !v86) {
        guest_refuse(c, "a jump to pxHV's INT 15h entry outside real and virtual-8086 mode");
        guest_end(c, "INT 15h entry reached in protected mode", false);
    }
    struct int15_answer a;
    if (!answer(c, &a)) {
        load_cs(c, (u16)(old_vector >> 16), old_vector & 0xFFFF);   /* JMP FAR [old] */
        return;
    }
    /* The caller's IRET frame, 16-bit in both modes. */
    u64 sp = virt->get(c, GR_RSP) & 0xFFFF;
    u16 frame[3];
    if (!guest_linear_access(c, SEG_SS, sp, frame, sizeof frame, false))
        return;
    if (a.entry && !guest_linear_access(c, SEG_ES, r->r[R_RDI] & 0xFFFF, &a.e, a.entry_bytes, true))
        return;
    u16 flags = (u16)((frame[2] & ~RFLAGS_CF) | (a.carry ? RFLAGS_CF : 0));
    if (!guest_linear_access(c, SEG_SS, (sp + 4) & 0xFFFF, &flags, 2, true))
        return;
    set32(r, R_RAX, a.rax);
    set32(r, R_RBX, a.rbx);
    set32(r, R_RCX, a.rcx);
    set32(r, R_RDX, a.rdx);

    if (v86 && ((rflags >> 12) & 3) != 3) {
        virt->inject(c, VEC_GP, true, 0);    /* the IRET at the entry, for the monitor */
        return;
    }
    /* IRET: in v86 mode IOPL stays (SDM Vol. 2A IRET, "EFLAGS ← Pop()"). */
    u64 keep = v86 ? ~0xFFFFULL | RFLAGS_IOPL : ~0xFFFFULL;
    virt->set(c, GR_RSP, (virt->get(c, GR_RSP) & ~0xFFFFULL) | ((sp + 6) & 0xFFFF));
    virt->set(c, GR_RFLAGS, (rflags & keep) | (flags & ~keep) | RFLAGS_FIXED);
    load_cs(c, frame[1], frame[0]);
}
