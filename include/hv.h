/* Stage 3's shared state and entry points between its files. */
#ifndef PXHV_HV_H
#define PXHV_HV_H
#include "types.h"
#include "bootinfo.h"
#include "e820.h"

#define PXHV_VERSION_STR "0.1"
#define PXHV_VERSION_NUM 0x0001 /* major << 8 | minor */

extern struct boot_info g_boot;        /* copy of stage 2's boot_info        */
extern struct e820_map  g_host_map;    /* the firmware's map, sanitized       */
extern u64 g_hv_base, g_hv_size;       /* the hypervisor region               */
extern char __image_start[], __image_end[], __mem_end[]; /* linker symbols */

/* panic.c / power.c */
NORETURN void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
NORETURN void machine_poweroff(void);
NORETURN void machine_reset(void);
NORETURN void machine_halt(void);
/* End of the run: print why, then power off (or halt with CFG_FLAG_NO_POWEROFF). */
NORETURN void hv_stop(const char *why);
void acpi_init(void);
u16  acpi_pm1a_cnt(void);               /* 0 if unknown */

/* host.c */
void host_init(void);                   /* GDT+TSS, IDT, page tables, CR4 */
u64 *page_alloc(void);                  /* zeroed 4 KiB page from the region, NULL when out */
u32  pages_used(void);
extern struct dtr host_gdtr, host_idtr;
extern u64 host_tss_base;
#define HOST_CS 0x08
#define HOST_DS 0x10
#define HOST_TR 0x18

/* Exception frame built by the stubs in entry.asm. */
struct host_frame {
    u64 rax, rcx, rdx, rbx, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15;
    u64 vector, error, rip, cs, rflags, rsp, ss;
};
void host_exception(struct host_frame *f);

#endif
