/*
 * A fake machine for host tests of the core (stage3/core): a `struct
 * virt_ops` backend over plain variables (the guest's registers, segments,
 * control registers, CPL), a guest-physical memory that guest_read and
 * guest_write reach through guest_hpa, and test doubles for what the core
 * asks of the hardware or of the rest of pxHV (ports, CPUID, MSRs, console,
 * the guest's end).  Everything the core does through them is recorded, so a
 * test asserts what reached the "hardware" and what the guest was given.
 *
 * Include the libc headers (unit.h) first.  A test links
 * tests/unit/fake_virt.c with the core files under test.
 */
#ifndef PXHV_FAKE_VIRT_H
#define PXHV_FAKE_VIRT_H
#include <setjmp.h>
#include "core/core.h"
#include "lib/mtrr.h"

#define FAKE_MEM_SIZE   (8u << 20)     /* the guest's RAM: [0, 8 MiB)          */
#define FAKE_MAX_EVENTS 64
#define FAKE_MAX_PORTS  256
#define FAKE_MAX_CPUID  64
#define FAKE_MAX_MSRS   64

struct fake_event { u8 vector; bool has_code; u32 code; };
struct fake_port  { u16 port; u8 size; bool in; u32 value; };
struct fake_cpuid { u32 leaf, sub; bool any_sub; u32 r[4]; };
/* An MSR of the fake CPU: writes with a bit of `reserved` set raise #GP. */
struct fake_msr   { u32 msr; u64 value, reserved; };
struct fake_intercept { u32 first, last; u8 access; bool on; };

struct fake {
    /* The guest as the backend holds it. */
    struct guest_regs regs;
    u64 reg[GR_COUNT];
    struct segment seg[SEG_COUNT];
    u64 pdpte[4];
    u32 cpl;
    /* What the core did to it. */
    struct fake_event events[FAKE_MAX_EVENTS];
    u32 nevents;
    u32 skips;                           /* virt->skip calls               */
    /* The "hardware": every port access that reached it, in order. */
    struct fake_port ports[FAKE_MAX_PORTS];
    u32 nports;
    u32 port_in_value;                   /* what an ordinary port returns  */
    void (*on_port_out)(u16 port, u32 v); /* called before a write is logged */
    /* The CMOS chip behind 0x70-0x75 (0x74/0x75 alias 0x70/0x71). */
    u8 cmos_index[2], cmos_ram[2][128];
    /* The I/O intercepts each CPU's bitmap has (virt->io_intercept). */
    bool io_on[2][0x10000];
    struct fake_intercept msr_icpt[FAKE_MAX_EVENTS];
    u32 nmsr_icpt;
    /* CPUID and MSRs of the fake CPU. */
    struct fake_cpuid cpuid[FAKE_MAX_CPUID];
    u32 ncpuid;
    struct fake_msr msrs[FAKE_MAX_MSRS];
    u32 nmsrs;
    u32 hw_msr_writes;                   /* WRMSRs that reached the fake CPU */
    /* The rest of pxHV. */
    u32 refusals;
    char refusal[256];                   /* the last refusal's text        */
    char console[512];                   /* what the guest wrote through pxHV */
    u32 console_len;
    u32 kicks;
    struct cpu *kicked;
    void (*on_kick)(struct cpu *t);      /* the kicked CPU's NMI exit       */
    u32 icr_writes;                      /* ipi_icr_write calls            */
    u32 icr_dest, icr_low;
    bool icr_x2apic;
    /* guest_end: the test arms the jump (FAKE_ENDS), the fake records why. */
    jmp_buf end_jmp;
    bool end_armed;
    const char *end_why;
    bool end_reset;
    /* A range pxHV keeps (guest_hpa refuses it), its name for reports. */
    u64 kept_base, kept_len;
    u8 kept_perms;
    const char *kept_name;
};

extern struct fake fake;
extern struct virt_ops fake_ops;        /* `virt` points here after fake_reset */
extern struct cpu *fake_cpu[2];          /* two CPUs, index 0 and 1         */
extern u8 *fake_mem;                     /* the guest's RAM                 */
extern struct mtrr_state fake_host_mtrrs;

/* A fresh machine: real mode, CPL 0, nothing recorded, no CPUID leaves or
 * MSRs, every intercept off, memory zeroed, both CPUs zeroed. */
void fake_reset(void);

/* Segments and modes. */
struct segment fake_seg_real(u16 sel);                        /* base sel*16, limit 0xFFFF */
struct segment fake_seg_data(u64 base, u32 limit, bool db);   /* writable, accessed data */
struct segment fake_seg_code(u64 base, u32 limit, bool db, bool l);  /* execute/read */
void fake_set_seg(enum seg_reg s, struct segment seg);
void fake_mode_real(void);           /* CR0.PE = 0, every segment real at 0           */
void fake_mode_prot32(void);         /* CR0.PE = 1, flat 32-bit segments, no paging   */
void fake_mode_long64(u64 cr3);      /* IA-32e paging on, CS.L = 1, flat segments     */

/* CPUID leaves and MSRs of the fake CPU; a later entry for the same leaf or
 * MSR replaces the earlier. */
void fake_cpuid_set(u32 leaf, u32 sub, u32 a, u32 b, u32 c, u32 d);
void fake_cpuid_set_any(u32 leaf, u32 a, u32 b, u32 c, u32 d);   /* every subleaf */
void fake_msr_set(u32 msr, u64 value, u64 reserved);
bool fake_msr_get(u32 msr, u64 *value);   /* false: no such MSR */

/* The guest's RAM, little-endian. */
void fake_w8(u64 gpa, u8 v);
void fake_w32(u64 gpa, u32 v);
void fake_w64(u64 gpa, u64 v);
u8   fake_r8(u64 gpa);
u32  fake_r32(u64 gpa);
u64  fake_r64(u64 gpa);

/* The last injected event; vector 0xFF when none was. */
struct fake_event fake_last_event(void);
/* How many port accesses reached the hardware, and the n-th of them. */
u32 fake_port_count(void);
struct fake_port fake_port_at(u32 n);
/* Is `port` intercepted on CPU `cpu`? */
bool fake_io_intercepted(u32 cpu, u16 port);
/* Is msr intercepted for `access` (MSR_READ or MSR_WRITE) on the fake's
 * record of msr_intercept calls (the last call covering it wins)? */
bool fake_msr_intercepted(u32 msr, u8 access);

/* Runs `stmt`; true when the guest's run ended in it (guest_end). */
#define FAKE_ENDS(stmt)                                 \
    ({                                                  \
        bool fake_ended_ = false;                       \
        fake.end_armed = true;                          \
        if (setjmp(fake.end_jmp) == 0) {                \
            stmt;                                       \
        } else {                                        \
            fake_ended_ = true;                         \
        }                                               \
        fake.end_armed = false;                         \
        fake_ended_;                                    \
    })

#endif
