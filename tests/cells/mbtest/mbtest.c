/*
 * mbtest: a Multiboot 1 kernel that shows what its loader and platform gave
 * it, on COM1 (a cell's emulated UART under pxHV), each line "mb: ...":
 *   the information structure (Multiboot Specification 0.6.96, 3.3 "Boot
 *   information format"): loader name, command line, memory sizes, the
 *   memory map, the modules;
 *   the ACPI tables (ACPI 6.5): the RSDP found by scanning 0xE0000-0xFFFFF
 *   (5.2.5.1 "Finding the RSDP on IA-PC Systems"), the XSDT or RSDT, the
 *   MADT's CPUs, the FADT's PM1a control and PM timer ports, the DSDT's \_S5;
 *   its second CPU started with INIT-SIPI-SIPI (a real-mode trampoline at
 *   0x7000), which says it is up;
 * then it powers off through PM1a_CNT with \_S5's SLP_TYPa (4.8.3.2.1 "PM1
 * Control Registers": SLP_TYP bits 12:10, SLP_EN bit 13).
 * The local APIC is used through x2APIC MSRs where CPUID has x2APIC and
 * IA32_APIC_BASE takes the switch, else through the xAPIC page.
 */
#include "lib/types.h"
#include "hw/multiboot.h"
#include "hw/acpi.h"

#define COM1 0x3F8
#define TRAMP 0x7000u
#define PM_TMR_HZ 3579545u

extern char trampoline_start[], trampoline_end[], tramp_stack[], tramp_entry[];
extern char exc_stubs[];
extern u32 exc_stub_size;

/* The compiler may call these for copies and clears. */
void *memcpy(void *d, const void *s, usize n)
{
    u8 *a = d;
    const u8 *b = s;
    while (n--)
        *a++ = *b++;
    return d;
}

void *memset(void *d, int c, usize n)
{
    u8 *a = d;
    while (n--)
        *a++ = (u8)c;
    return d;
}

static int memeq(const void *a, const void *b, usize n)
{
    const u8 *x = a, *y = b;
    while (n--)
        if (*x++ != *y++)
            return 0;
    return 1;
}

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}
static inline u64 rdmsr(u32 msr)
{
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (u64)hi << 32 | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

/* ---- output ------------------------------------------------------------ */

static volatile u32 print_lock;

static void putc(char c)
{
    while (!(inb(COM1 + 5) & 0x20))
        ;
    outb(COM1, (u8)c);
}

static void put_num(u64 v, u32 base, int width, char pad)
{
    char buf[24];
    int n = 0;
    do {
        u32 d;
        if (base == 16) {
            d = (u32)v & 15;
            v >>= 4;
        } else {                        /* 32-bit values only: no libgcc here */
            d = (u32)v % 10;
            v = (u32)v / 10;
        }
        buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    } while (v);
    while (n < width--)
        putc(pad);
    while (n)
        putc(buf[--n]);
}

/* printf subset: %s %c %u %d %x %llx, width and '0' flag; %.Ns. */
static void vprint(const char *f, __builtin_va_list ap)
{
    for (; *f; f++) {
        if (*f != '%') {
            putc(*f);
            continue;
        }
        char pad = ' ';
        int width = 0, prec = -1, ll = 0;
        if (*++f == '0')
            pad = '0', f++;
        while (*f >= '0' && *f <= '9')
            width = width * 10 + *f++ - '0';
        if (*f == '.') {
            prec = 0;
            while (*++f >= '0' && *f <= '9')
                prec = prec * 10 + *f - '0';
        }
        while (*f == 'l')
            ll++, f++;
        switch (*f) {
        case 's': {
            const char *s = __builtin_va_arg(ap, const char *);
            for (int i = 0; s[i] && (prec < 0 || i < prec); i++)
                putc(s[i]);
            break;
        }
        case 'c': putc((char)__builtin_va_arg(ap, int)); break;
        case 'd': {
            int v = __builtin_va_arg(ap, int);
            if (v < 0)
                putc('-'), v = -v;
            put_num((u32)v, 10, width, pad);
            break;
        }
        case 'u': put_num(__builtin_va_arg(ap, u32), 10, width, pad); break;
        case 'x':
            put_num(ll >= 2 ? __builtin_va_arg(ap, u64) : __builtin_va_arg(ap, u32), 16, width, pad);
            break;
        default: putc(*f);
        }
    }
}

static void print(const char *f, ...)
{
    __builtin_va_list ap;
    while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
        ;
    __builtin_va_start(ap, f);
    vprint(f, ap);
    __builtin_va_end(ap);
    __atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

static NORETURN void halt(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* ---- exceptions ----------------------------------------------------------- */

struct idt_gate {
    u16 off_lo, sel;
    u16 flags;
    u16 off_hi;
} PACKED;
static struct idt_gate idt[32];
static volatile u32 gp_probe, gp_hit;

/* frame: vector, error code, EIP, CS, EFLAGS. */
void exception(u32 *frame);
void exception(u32 *frame)
{
    if (frame[0] == 13 && gp_probe) {
        gp_hit = 1;
        frame[2] += 2;                  /* past RDMSR/WRMSR */
        return;
    }
    print("mb: exception %u error 0x%x at 0x%08x\n", frame[0], frame[1], frame[2]);
    halt();
}

static void idt_init(void)
{
    u16 cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    for (u32 v = 0; v < 32; v++) {
        u32 h = (u32)exc_stubs + v * exc_stub_size;
        idt[v] = (struct idt_gate){ (u16)h, cs, 0x8E00, (u16)(h >> 16) };
    }
    struct { u16 limit; u32 base; } PACKED d = { sizeof idt - 1, (u32)idt };
    __asm__ volatile("lidt %0" : : "m"(d));
}

/* ---- the PM timer --------------------------------------------------------- */

static u16 pm_tmr = 0x608;

static void pm_delay_us(u32 us)
{
    u32 ticks = (u32)((u64)us * PM_TMR_HZ / 1000000u), start = inl(pm_tmr) & 0xFFFFFF;
    while (((inl(pm_tmr) - start) & 0xFFFFFF) < ticks)
        ;
}

/* ---- the local APIC ----------------------------------------------------- */

static bool x2apic;
static u32 lapic_base = 0xFEE00000;

static u32 lapic_read(u32 reg)
{
    if (x2apic)
        return (u32)rdmsr(0x800 + (reg >> 4));
    return *(volatile u32 *)(lapic_base + reg);
}

static void lapic_write(u32 reg, u32 v)
{
    if (x2apic)
        wrmsr(0x800 + (reg >> 4), v);
    else
        *(volatile u32 *)(lapic_base + reg) = v;
}

static void send_ipi(u32 dest, u32 low)
{
    if (x2apic) {
        wrmsr(0x830, (u64)dest << 32 | low);
        return;
    }
    lapic_write(0x310, dest << 24);
    lapic_write(0x300, low);
    for (int i = 0; i < 1000000 && (lapic_read(0x300) & (1u << 12)); i++)
        ;
}

/* x2APIC when CPUID has it and the write of EN | EXTD is taken. */
static void apic_init(void)
{
    u32 a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    if (c & (1u << 21)) {
        gp_hit = 0;
        gp_probe = 1;
        u64 base = rdmsr(0x1B);
        if (!gp_hit)
            wrmsr(0x1B, base | 0xC00);
        if (!gp_hit && (rdmsr(0x1B) & 0xC00) == 0xC00 && !gp_hit)
            x2apic = true;
        gp_probe = 0;
    }
    lapic_write(0xF0, 0x1FF);           /* software-enabled, spurious vector 0xFF */
}

static u32 lapic_id(void)
{
    u32 id = lapic_read(0x20);
    return x2apic ? id : id >> 24;
}

/* ---- the information structure ------------------------------------------ */

static void show_info(u32 magic, const struct mb_info *mbi)
{
    if (magic != MB_BOOTLOADER_MAGIC) {
        print("mb: FAIL: EAX 0x%08x, not the Multiboot magic\n", magic);
        halt();
    }
    print("mb: magic 0x%08x, info at 0x%08x\n", magic, (u32)mbi);
    if (mbi->flags & MB_INFO_LOADER_NAME)
        print("mb: loader '%s'\n", (const char *)mbi->boot_loader_name);
    if (mbi->flags & MB_INFO_CMDLINE)
        print("mb: cmdline '%s'\n", (const char *)mbi->cmdline);
    if (mbi->flags & MB_INFO_MEMORY)
        print("mb: mem_lower %u KiB, mem_upper %u KiB\n", mbi->mem_lower, mbi->mem_upper);
    if (mbi->flags & MB_INFO_MEM_MAP) {
        /* mmap_addr points at an entry's size, which does not count itself. */
        u32 p = mbi->mmap_addr, end = p + mbi->mmap_length;
        while (p + sizeof(struct mb_mmap_entry) <= end) {
            const struct mb_mmap_entry *e = (const struct mb_mmap_entry *)p;
            print("mb: mmap %016llx-%016llx %u\n", e->base_addr, e->base_addr + e->length, e->type);
            p += e->size + 4;
        }
    }
    if (mbi->flags & MB_INFO_MODS) {
        print("mb: mods %u\n", mbi->mods_count);
        const struct mb_module *m = (const struct mb_module *)mbi->mods_addr;
        for (u32 i = 0; i < mbi->mods_count; i++) {
            /* Its first bytes, up to a line's end, as a check of its contents. */
            char first[24];
            u32 n = 0;
            for (const char *s = (const char *)m[i].mod_start; n < sizeof first - 1 &&
                 (u32)(s + n) < m[i].mod_end && s[n] >= ' ' && s[n] < 0x7F; n++)
                first[n] = s[n];
            first[n] = 0;
            print("mb: mod %u 0x%08x-0x%08x '%s' begins '%s'%s\n", i, m[i].mod_start, m[i].mod_end,
                  m[i].string ? (const char *)m[i].string : "",
                  first, m[i].mod_start & 0xFFF ? " (not page-aligned)" : "");
        }
    }
}

/* ---- ACPI ------------------------------------------------------------------ */

static bool sum_ok(const void *p, u32 len)
{
    const u8 *b = p;
    u8 s = 0;
    while (len--)
        s += *b++;
    return s == 0;
}

static const struct acpi_header *table_at(u64 pa, const char *sig)
{
    if (!pa || pa >> 32)
        return NULL;
    const struct acpi_header *h = (const struct acpi_header *)(u32)pa;
    if (h->length < sizeof *h || h->length > (1u << 20) || !sum_ok(h, h->length))
        return NULL;
    return !sig || memeq(h->sig, sig, 4) ? h : NULL;
}

static const struct acpi_rsdp *find_rsdp(void)
{
    for (u32 a = 0xE0000; a < 0x100000; a += 16) {
        const struct acpi_rsdp *r = (const struct acpi_rsdp *)a;
        if (!memeq(r->sig, "RSD PTR ", 8) || !sum_ok(r, 20))
            continue;
        if (r->revision >= 2 && (r->length < sizeof *r || !sum_ok(r, r->length)))
            continue;
        return r;
    }
    return NULL;
}

/* \_S5's two SLP_TYP values in a DSDT's AML (ACPI 6.5 20.2.5 "Term Objects
 * Encoding"): NameOp [\] "_S5_" PackageOp PkgLength NumElements, then each
 * element as ZeroOp, OneOp, or BytePrefix/WordPrefix and its value. */
static bool parse_s5(const struct acpi_header *dsdt, u32 typ[2])
{
    const u8 *aml = (const u8 *)dsdt, *end = aml + dsdt->length;
    for (const u8 *p = aml + sizeof *dsdt + 1; p + 8 <= end; p++) {
        if (!memeq(p, "_S5_", 4) || (p[-1] != 0x08 && !(p[-1] == '\\' && p[-2] == 0x08)))
            continue;
        const u8 *q = p + 4;
        if (*q++ != 0x12)
            continue;
        q += (*q >> 6) + 1;             /* PkgLength: lead byte and follow bytes */
        q++;                            /* NumElements */
        for (int k = 0; k < 2; k++) {
            if (q >= end)
                return false;
            u8 op = *q++;
            if (op == 0x00 || op == 0x01)
                typ[k] = op;
            else if (op == 0x0A && q < end)
                typ[k] = *q++;
            else if (op == 0x0B && q + 1 < end)
                typ[k] = q[0] | q[1] << 8, q += 2;
            else
                return false;
        }
        return true;
    }
    return false;
}

struct platform {
    u32 ncpus;
    u32 apic_id[16];
    u16 pm1a_cnt, pm1b_cnt;
    u32 slp_typ[2];
    bool s5;
};

static void show_madt(const struct acpi_madt *m, struct platform *pf)
{
    lapic_base = m->lapic_addr;
    const u8 *p = (const u8 *)(m + 1), *end = (const u8 *)m + m->h.length;
    while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
        u32 id = ~0u, flags = 0;
        if (p[0] == MADT_LAPIC && p[1] >= sizeof(struct madt_lapic)) {
            id = ((const struct madt_lapic *)p)->apic_id;
            flags = ((const struct madt_lapic *)p)->flags;
        } else if (p[0] == MADT_X2APIC && p[1] >= sizeof(struct madt_x2apic)) {
            id = ((const struct madt_x2apic *)p)->x2apic_id;
            flags = ((const struct madt_x2apic *)p)->flags;
        }
        if (id != ~0u && (flags & MADT_ENABLED) && pf->ncpus < 16)
            pf->apic_id[pf->ncpus++] = id;
        p += p[1];
    }
    print("mb: MADT: %u CPU%s, APIC IDs", pf->ncpus, pf->ncpus == 1 ? "" : "s");
    for (u32 i = 0; i < pf->ncpus; i++)
        print(" %u", pf->apic_id[i]);
    print("\n");
}

static void show_fadt(const struct acpi_fadt *f, struct platform *pf)
{
    pf->pm1a_cnt = (u16)f->pm1a_cnt_blk;
    pf->pm1b_cnt = (u16)f->pm1b_cnt_blk;
    if (f->pm_tmr_blk)
        pm_tmr = (u16)f->pm_tmr_blk;
    print("mb: FADT: PM1a_CNT 0x%04x, PM_TMR 0x%04x\n", pf->pm1a_cnt, f->pm_tmr_blk);
    u64 dsdt = f->dsdt;
    if (f->h.length >= offsetof(struct acpi_fadt, x_dsdt) + 8 && f->x_dsdt)
        dsdt = f->x_dsdt;
    const struct acpi_header *d = table_at(dsdt, "DSDT");
    if (!d) {
        print("mb: DSDT: missing or bad checksum\n");
        return;
    }
    pf->s5 = parse_s5(d, pf->slp_typ);
    if (pf->s5)
        print("mb: DSDT: _S5 SLP_TYPa %u, SLP_TYPb %u\n", pf->slp_typ[0], pf->slp_typ[1]);
    else
        print("mb: DSDT: no _S5\n");
}

static void show_acpi(struct platform *pf)
{
    const struct acpi_rsdp *r = find_rsdp();
    if (!r) {
        print("mb: no RSDP in 0xE0000-0xFFFFF\n");
        return;
    }
    print("mb: RSDP rev %u OEM '%.6s' at 0x%08x\n", r->revision, r->oem, (u32)r);
    bool x = r->revision >= 2 && r->xsdt;
    const struct acpi_header *root = x ? table_at(r->xsdt, "XSDT") : table_at(r->rsdt, "RSDT");
    if (!root) {
        print("mb: FAIL: the %s is missing or its checksum is wrong\n", x ? "XSDT" : "RSDT");
        return;
    }
    u32 esize = x ? 8 : 4, n = (root->length - sizeof *root) / esize;
    print("mb: %s with %u tables\n", x ? "XSDT" : "RSDT", n);
    const u8 *e = (const u8 *)(root + 1);
    for (u32 i = 0; i < n; i++) {
        u64 pa = 0;
        memcpy(&pa, e + i * esize, esize);
        const struct acpi_header *t = table_at(pa, NULL);
        if (!t)
            print("mb: table %u at 0x%llx: bad\n", i, pa);
        else if (memeq(t->sig, "APIC", 4))
            show_madt((const struct acpi_madt *)t, pf);
        else if (memeq(t->sig, "FACP", 4))
            show_fadt((const struct acpi_fadt *)t, pf);
    }
}

/* ---- the second CPU -------------------------------------------------------- */

static volatile u32 ap_up;
static u8 ap_stack[8192] ALIGNED(16);

static u32 cpuid_apic_id(void)
{
    u32 a, b, c, d;
    cpuid(0, &a, &b, &c, &d);
    if (a >= 0xB) {
        cpuid(0xB, &a, &b, &c, &d);
        if (b)
            return d;                   /* the x2APIC ID */
    }
    cpuid(1, &a, &b, &c, &d);
    return b >> 24;
}

void ap_main(void);
void ap_main(void)
{
    print("mb: CPU 1 (APIC %u) up\n", cpuid_apic_id());
    __atomic_store_n(&ap_up, 1, __ATOMIC_RELEASE);
    halt();
}

static bool wait_ap(u32 us)
{
    for (u32 t = 0; t < us; t += 100) {
        if (__atomic_load_n(&ap_up, __ATOMIC_ACQUIRE))
            return true;
        pm_delay_us(100);
    }
    return __atomic_load_n(&ap_up, __ATOMIC_ACQUIRE);
}

/* INIT, 10 ms, SIPI, 200 us, SIPI again if it is not up (Intel MultiProcessor
 * Specification 1.4, B.4 "Application Processor Startup"). */
static void start_ap(const struct platform *pf, u32 self)
{
    u32 target = ~0u;
    for (u32 i = 0; i < pf->ncpus; i++)
        if (pf->apic_id[i] != self) {
            target = pf->apic_id[i];
            break;
        }
    if (target == ~0u) {
        print("mb: no second CPU in the MADT\n");
        return;
    }
    memcpy((void *)TRAMP, trampoline_start, (usize)(trampoline_end - trampoline_start));
    u32 stack = (u32)(ap_stack + sizeof ap_stack), entry = (u32)ap_main;
    memcpy((u8 *)TRAMP + (tramp_stack - trampoline_start), &stack, 4);
    memcpy((u8 *)TRAMP + (tramp_entry - trampoline_start), &entry, 4);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    print("mb: starting CPU 1 (APIC %u)\n", target);
    send_ipi(target, 0x4500);           /* INIT, level assert */
    pm_delay_us(10000);
    send_ipi(target, 0x4600 | (TRAMP >> 12));
    if (!wait_ap(200))
        send_ipi(target, 0x4600 | (TRAMP >> 12));
    if (!wait_ap(1000000))
        print("mb: FAIL: CPU 1 (APIC %u) did not come up\n", target);
}

/* ---- main ------------------------------------------------------------------- */

static void uart_init(void)
{
    outb(COM1 + 3, 0x80);
    outb(COM1, 1);
    outb(COM1 + 1, 0);
    outb(COM1 + 3, 0x03);
    outb(COM1 + 2, 0xC7);
    outb(COM1 + 4, 0x03);
}

void mb_main(u32 magic, const struct mb_info *mbi);
void mb_main(u32 magic, const struct mb_info *mbi)
{
    struct platform pf = { 0 };

    uart_init();
    idt_init();
    show_info(magic, mbi);
    show_acpi(&pf);
    apic_init();
    u32 self = lapic_id();
    print("mb: APIC: %s, boot CPU APIC %u\n", x2apic ? "x2APIC" : "xAPIC", self);
    start_ap(&pf, self);

    if (!pf.pm1a_cnt || !pf.s5) {
        print("mb: FAIL: no PM1a_CNT or no _S5: cannot power off\n");
        halt();
    }
    print("mb: powering off\n");
    outw(pf.pm1a_cnt, (u16)(pf.slp_typ[0] << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
    if (pf.pm1b_cnt)
        outw(pf.pm1b_cnt, (u16)(pf.slp_typ[1] << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
    pm_delay_us(100000);
    print("mb: FAIL: still running 100 ms after the power-off request\n");
    halt();
}
