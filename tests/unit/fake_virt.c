/*
 * The fake machine of tests/unit/fake_virt.h: a backend over variables, the
 * guest's RAM as a host buffer, and the hardware and pxHV services the core
 * calls, each recording what it was asked.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_virt.h"
#include "core/cmos.h"
#include "core/console.h"
#include "core/host.h"
#include "core/iommu.h"
#include "core/ipi.h"
#include "core/stop.h"

struct fake fake;
u8 *fake_mem;
struct mtrr_state fake_host_mtrrs;
static struct cpu cpus[2];
struct cpu *fake_cpu[2] = { &cpus[0], &cpus[1] };
static const struct cpuid_bits no_hidden[] = { { 0, 0, 0 } };
static const struct msr_range no_msrs[] = { { 0, 0, 0 } };

/* ---- the backend ---- */

static u64 f_get(struct cpu *c, enum guest_reg r)
{
    (void)c;
    return fake.reg[r];
}

static void f_set(struct cpu *c, enum guest_reg r, u64 v)
{
    (void)c;
    fake.reg[r] = v;
}

static void f_get_seg(struct cpu *c, enum seg_reg s, struct segment *out)
{
    (void)c;
    *out = fake.seg[s];
}

static void f_set_seg(struct cpu *c, enum seg_reg s, const struct segment *in)
{
    (void)c;
    fake.seg[s] = *in;
}

static void f_get_pdptes(struct cpu *c, u64 pdpte[4])
{
    (void)c;
    memcpy(pdpte, fake.pdpte, sizeof fake.pdpte);
}

static u32 f_cpl(struct cpu *c)
{
    (void)c;
    return fake.cpl;
}

static void f_skip(struct cpu *c, u32 len)
{
    (void)c;
    (void)len;
    fake.skips++;
}

static void f_inject(struct cpu *c, u8 vector, bool has_code, u32 code)
{
    (void)c;
    if (fake.nevents < FAKE_MAX_EVENTS)
        fake.events[fake.nevents++] = (struct fake_event){ vector, has_code, code };
}

static void f_io_intercept(struct cpu *c, u16 port, bool on)
{
    fake.io_on[c->index][port] = on;
}

static void f_msr_intercept(struct cpu *c, u32 first, u32 last, u8 access, bool on)
{
    (void)c;
    if (fake.nmsr_icpt < FAKE_MAX_EVENTS)
        fake.msr_icpt[fake.nmsr_icpt++] = (struct fake_intercept){ first, last, access, on };
}

struct virt_ops fake_ops = {
    .name = "fake",
    .second_level = "none",
    .get = f_get,
    .set = f_set,
    .get_seg = f_get_seg,
    .set_seg = f_set_seg,
    .get_pdptes = f_get_pdptes,
    .cpl = f_cpl,
    .skip = f_skip,
    .inject = f_inject,
    .io_intercept = f_io_intercept,
    .msr_intercept = f_msr_intercept,
};

/* ---- set-up ---- */

void fake_reset(void)
{
    if (!fake_mem && !(fake_mem = malloc(FAKE_MEM_SIZE))) {
        perror("fake_mem");
        exit(2);
    }
    memset(fake_mem, 0, FAKE_MEM_SIZE);
    memset(&fake, 0, sizeof fake);
    memset(cpus, 0, sizeof cpus);
    memset(&fake_host_mtrrs, 0, sizeof fake_host_mtrrs);
    for (u32 i = 0; i < 2; i++) {
        cpus[i].self = &cpus[i];
        cpus[i].index = i;
        cpus[i].apic_id = i;
        cpus[i].regs = &fake.regs;
    }
    fake_ops.cpuid_hidden = no_hidden;
    fake_ops.own_msrs = no_msrs;
    fake_ops.own_msr = NULL;
    virt = &fake_ops;
    g_ipi_intercept = false;
    fake_mode_real();
}

struct segment fake_seg_real(u16 sel)
{
    return (struct segment){ .sel = sel, .base = (u64)sel << 4, .limit = 0xFFFF, .type = 3,
                             .s = true, .present = true };
}

struct segment fake_seg_data(u64 base, u32 limit, bool db)
{
    return (struct segment){ .sel = 0x10, .base = base, .limit = limit, .type = 3, .s = true,
                             .present = true, .db = db, .g = limit > 0xFFFFF };
}

struct segment fake_seg_code(u64 base, u32 limit, bool db, bool l)
{
    return (struct segment){ .sel = 0x08, .base = base, .limit = limit, .type = 0xB, .s = true,
                             .present = true, .db = db, .l = l, .g = limit > 0xFFFFF };
}

void fake_set_seg(enum seg_reg s, struct segment seg)
{
    fake.seg[s] = seg;
}

void fake_mode_real(void)
{
    fake.reg[GR_CR0] = CR0_ET;
    fake.reg[GR_CR4] = 0;
    fake.reg[GR_EFER] = 0;
    fake.reg[GR_RFLAGS] = RFLAGS_FIXED;
    for (u32 s = 0; s < SEG_COUNT; s++)
        fake.seg[s] = fake_seg_real(0);
    fake.seg[SEG_CS].type = 0xB;
    fake.cpl = 0;
}

void fake_mode_prot32(void)
{
    fake.reg[GR_CR0] = CR0_ET | CR0_PE;
    fake.reg[GR_CR4] = 0;
    fake.reg[GR_EFER] = 0;
    for (u32 s = 0; s < SEG_COUNT; s++)
        fake.seg[s] = fake_seg_data(0, 0xFFFFFFFF, true);
    fake.seg[SEG_CS] = fake_seg_code(0, 0xFFFFFFFF, true, false);
}

void fake_mode_long64(u64 cr3)
{
    fake_mode_prot32();
    fake.reg[GR_CR0] |= CR0_PG;
    fake.reg[GR_CR3] = cr3;
    fake.reg[GR_CR4] = CR4_PAE;
    fake.reg[GR_EFER] = EFER_LME | EFER_LMA;
    fake.seg[SEG_CS] = fake_seg_code(0, 0xFFFFFFFF, false, true);
}

void fake_cpuid_set(u32 leaf, u32 sub, u32 a, u32 b, u32 c, u32 d)
{
    for (u32 i = 0; i < fake.ncpuid; i++)
        if (fake.cpuid[i].leaf == leaf && fake.cpuid[i].sub == sub && !fake.cpuid[i].any_sub) {
            fake.cpuid[i] = (struct fake_cpuid){ leaf, sub, false, { a, b, c, d } };
            return;
        }
    if (fake.ncpuid == FAKE_MAX_CPUID)
        abort();
    fake.cpuid[fake.ncpuid++] = (struct fake_cpuid){ leaf, sub, false, { a, b, c, d } };
}

void fake_cpuid_set_any(u32 leaf, u32 a, u32 b, u32 c, u32 d)
{
    for (u32 i = 0; i < fake.ncpuid; i++)
        if (fake.cpuid[i].leaf == leaf && fake.cpuid[i].any_sub) {
            fake.cpuid[i] = (struct fake_cpuid){ leaf, 0, true, { a, b, c, d } };
            return;
        }
    if (fake.ncpuid == FAKE_MAX_CPUID)
        abort();
    fake.cpuid[fake.ncpuid++] = (struct fake_cpuid){ leaf, 0, true, { a, b, c, d } };
}

static struct fake_msr *msr_find(u32 msr)
{
    for (u32 i = 0; i < fake.nmsrs; i++)
        if (fake.msrs[i].msr == msr)
            return &fake.msrs[i];
    return NULL;
}

void fake_msr_set(u32 msr, u64 value, u64 reserved)
{
    struct fake_msr *m = msr_find(msr);
    if (!m) {
        if (fake.nmsrs == FAKE_MAX_MSRS)
            abort();
        m = &fake.msrs[fake.nmsrs++];
    }
    *m = (struct fake_msr){ msr, value, reserved };
}

bool fake_msr_get(u32 msr, u64 *value)
{
    struct fake_msr *m = msr_find(msr);
    if (m)
        *value = m->value;
    return m;
}

void fake_w8(u64 gpa, u8 v) { fake_mem[gpa] = v; }
void fake_w32(u64 gpa, u32 v) { memcpy(fake_mem + gpa, &v, 4); }
void fake_w64(u64 gpa, u64 v) { memcpy(fake_mem + gpa, &v, 8); }
u8 fake_r8(u64 gpa) { return fake_mem[gpa]; }
u32 fake_r32(u64 gpa) { u32 v; memcpy(&v, fake_mem + gpa, 4); return v; }
u64 fake_r64(u64 gpa) { u64 v; memcpy(&v, fake_mem + gpa, 8); return v; }

struct fake_event fake_last_event(void)
{
    return fake.nevents ? fake.events[fake.nevents - 1] : (struct fake_event){ 0xFF, false, 0 };
}

u32 fake_port_count(void)
{
    return fake.nports;
}

struct fake_port fake_port_at(u32 n)
{
    return n < fake.nports ? fake.ports[n] : (struct fake_port){ 0, 0, false, 0 };
}

bool fake_io_intercepted(u32 cpu, u16 port)
{
    return fake.io_on[cpu][port];
}

bool fake_msr_intercepted(u32 msr, u8 access)
{
    bool on = false;
    for (u32 i = 0; i < fake.nmsr_icpt; i++)
        if (msr >= fake.msr_icpt[i].first && msr <= fake.msr_icpt[i].last &&
            (fake.msr_icpt[i].access & access))
            on = fake.msr_icpt[i].on;
    return on;
}

/* ---- the hardware: ports (with a CMOS chip), CPUID, MSRs ---- */

static void log_port(u16 port, u8 size, bool in, u32 v)
{
    if (fake.nports < FAKE_MAX_PORTS)
        fake.ports[fake.nports++] = (struct fake_port){ port, size, in, v };
}

/* Bank 0 at 0x70/0x71 (aliased at 0x74/0x75), the extended bank at 0x72/0x73. */
static int cmos_bank(u16 port)
{
    return port >= 0x70 && port <= 0x75 ? (port == 0x72 || port == 0x73) : -1;
}

static void port_write(u16 port, u8 size, u32 v)
{
    if (fake.on_port_out)
        fake.on_port_out(port, v);
    log_port(port, size, false, v);
    int b = cmos_bank(port);
    if (b >= 0 && size == 1) {
        if (port & 1)
            fake.cmos_ram[b][fake.cmos_index[b] & 0x7F] = (u8)v;
        else
            fake.cmos_index[b] = (u8)v;
    }
}

static u32 port_read(u16 port, u8 size)
{
    u32 v = fake.port_in_value & (size == 4 ? ~0u : (1u << (8 * size)) - 1);
    int b = cmos_bank(port);
    if (b >= 0 && size == 1)
        v = port & 1 ? fake.cmos_ram[b][fake.cmos_index[b] & 0x7F] : 0xFF;
    log_port(port, size, true, v);
    return v;
}

void outb(u16 port, u8 v) { port_write(port, 1, v); }
void outw(u16 port, u16 v) { port_write(port, 2, v); }
void outl(u16 port, u32 v) { port_write(port, 4, v); }
u8 inb(u16 port) { return (u8)port_read(port, 1); }
u16 inw(u16 port) { return (u16)port_read(port, 2); }
u32 inl(u16 port) { return port_read(port, 4); }

void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
    u32 r[4] = { 0, 0, 0, 0 };
    for (u32 i = 0; i < fake.ncpuid; i++)
        if (fake.cpuid[i].leaf == leaf && (fake.cpuid[i].any_sub || fake.cpuid[i].sub == sub))
            memcpy(r, fake.cpuid[i].r, sizeof r);
    *a = r[0], *b = r[1], *c = r[2], *d = r[3];
}

u64 rdmsr(u32 msr)
{
    u64 v;
    if (!fake_msr_get(msr, &v)) {
        fprintf(stderr, "fake: RDMSR 0x%x: no such MSR (the host would take #GP)\n", msr);
        abort();
    }
    return v;
}

void wrmsr(u32 msr, u64 v)
{
    if (!wrmsr_safe(msr, v)) {
        fprintf(stderr, "fake: WRMSR 0x%x <- 0x%llx: #GP\n", msr, v);
        abort();
    }
}

bool rdmsr_safe(u32 msr, u64 *val)
{
    return fake_msr_get(msr, val);
}

bool wrmsr_safe(u32 msr, u64 v)
{
    struct fake_msr *m = msr_find(msr);
    if (!m || (v & m->reserved))
        return false;
    m->value = v;
    fake.hw_msr_writes++;
    return true;
}

/* ---- the rest of pxHV ---- */

/* The fake machine has no IOMMU (stage3/iommu): no PCI configuration port
 * is intercepted for it. */
u32 iommu_io_ports(u16 *ports, u32 max)
{
    (void)ports, (void)max;
    return 0;
}

bool iommu_io(struct cpu *c, u16 port, u8 size, bool in, u32 *v)
{
    (void)c, (void)port, (void)size, (void)in, (void)v;
    return false;
}

u64 host_map_end = FAKE_MEM_SIZE;
bool g_ipi_intercept;

bool guest_hpa(u64 gpa, u64 len, bool write, u64 *hpa)
{
    if (gpa >= FAKE_MEM_SIZE || len > FAKE_MEM_SIZE - gpa)
        return false;
    if (fake.kept_len && gpa < fake.kept_base + fake.kept_len && fake.kept_base < gpa + len &&
        !(fake.kept_perms & (write ? PT_W : PT_R)))
        return false;
    *hpa = (u64)(usize)(fake_mem + gpa);
    return true;
}

const char *guest_kept_name(u64 gpa)
{
    return fake.kept_len && gpa - fake.kept_base < fake.kept_len ? fake.kept_name : NULL;
}

const struct mtrr_state *host_mtrrs(void)
{
    return &fake_host_mtrrs;
}

void guest_refuse(struct cpu *c, const char *fmt, ...)
{
    (void)c;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fake.refusal, sizeof fake.refusal, fmt, ap);
    va_end(ap);
    fake.refusals++;
}

NORETURN void guest_end(struct cpu *c, const char *why, bool reset)
{
    (void)c;
    fake.end_why = why;
    fake.end_reset = reset;
    if (!fake.end_armed) {
        fprintf(stderr, "fake: the guest ended unexpectedly: %s\n", why);
        abort();
    }
    longjmp(fake.end_jmp, 1);
}

int kprintf(const char *fmt, ...)
{
    (void)fmt;
    return 0;
}

void console_guest_write(const char *s, usize n)
{
    for (usize i = 0; i < n && fake.console_len < sizeof fake.console - 1; i++)
        fake.console[fake.console_len++] = s[i];
}

bool ipi_icr_write(struct cpu *c, u32 dest, u32 low, bool x2apic)
{
    (void)c;
    fake.icr_writes++;
    fake.icr_dest = dest;
    fake.icr_low = low;
    fake.icr_x2apic = x2apic;
    return true;
}

/* Cells: the fake's CPUs are the root's; nothing here may reach a cell
 * (g_ncells, core/state.c, stays 0). */

const struct cell *cell_owning_port(u16 port)
{
    (void)port;
    return NULL;
}

u32 cell_port_in(struct cpu *c, u16 port, u8 size)
{
    (void)c, (void)port, (void)size;
    fprintf(stderr, "fake: cell_port_in on a root CPU\n");
    abort();
}

void cell_port_out(struct cpu *c, u16 port, u8 size, u32 v)
{
    (void)c, (void)port, (void)size, (void)v;
    fprintf(stderr, "fake: cell_port_out on a root CPU\n");
    abort();
}

NORETURN void cell_end(struct cpu *c, const char *fmt, ...)
{
    (void)c, (void)fmt;
    fprintf(stderr, "fake: cell_end on a root CPU\n");
    abort();
}

bool cpus_stopping(void)
{
    return false;
}

NORETURN void cpu_park(void)
{
    fprintf(stderr, "fake: cpu_park\n");
    abort();
}

void cpu_kick(struct cpu *t)
{
    fake.kicks++;
    fake.kicked = t;
    if (fake.on_kick)
        fake.on_kick(t);
}
