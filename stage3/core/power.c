/*
 * Ending the run: ACPI S5 power-off (the FADT's PM1 control blocks, SLP_TYP
 * from the DSDT's \_S5 package; ACPI 6.5 4.8.3.2 and 7.4.2), with the
 * emulators' shutdown port as a fallback; reset through port 0xCF9, the
 * keyboard controller, then a triple fault.
 */
#include "power.h"
#include "acpi.h"
#include "console.h"
#include "cpu.h"
#include "hv.h"
#include "virt.h"
#include "x86.h"

NORETURN void machine_halt(void)
{
    serial_flush();
    for (;;) {
        cli();
        hlt();
    }
}

NORETURN void machine_poweroff(void)
{
    serial_flush();
    if (g_acpi.pm1a_cnt && g_acpi.s5) {
        outw(g_acpi.pm1a_cnt, (u16)((g_acpi.slp_typa & 7) << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
        if (g_acpi.pm1b_cnt)
            outw(g_acpi.pm1b_cnt, (u16)((g_acpi.slp_typb & 7) << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
    }
    /* Bochs and older QEMU: the string "Shutdown" on port 0x8900. */
    for (const char *s = "Shutdown"; *s; s++)
        outb(0x8900, (u8)*s);
    kprintf("pxHV: power-off did not take effect; halting\n");
    machine_halt();
}

NORETURN void machine_reset(void)
{
    serial_flush();
    /* INIT is blocked in VMX root operation (SDM Vol. 3C 23.8 "Restrictions
     * on VMX Operation"); leave it so that a reset line wired to INIT works. */
    if (virt)
        virt->cpu_disable(this_cpu());
    outb(0xCF9, 0x02);
    outb(0xCF9, 0x06);          /* full reset through the reset control register */
    for (int i = 0; i < 100000 && (inb(0x64) & 2); i++)
        ;
    outb(0x64, 0xFE);           /* keyboard-controller reset pulse */
    struct dtr none = { 0, 0 };
    lidt(&none);
    __asm__ volatile("int3");   /* no IDT: triple fault */
    machine_halt();
}

NORETURN void hv_stop(const char *why)
{
    kprintf("pxHV: stopping (%s)\n", why);
    if (g_boot.config.flags & CFG_FLAG_NO_POWEROFF)
        machine_halt();
    machine_poweroff();
}
