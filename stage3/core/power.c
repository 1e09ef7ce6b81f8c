/*
 * Ending the run: ACPI S5 power-off (the FADT's PM1 control blocks, SLP_TYP
 * from the DSDT's \_S5 package; ACPI 6.5 4.8.3.2 and 7.4.2), with the
 * emulators' shutdown port as a fallback; reset through port 0xCF9, the
 * keyboard controller, then a triple fault.
 */
#include "core/power.h"
#include "hw/acpi.h"
#include "core/apic.h"
#include "core/console.h"
#include "core/cpu.h"
#include "core/hv.h"
#include "core/smp.h"
#include "core/stop.h"
#include "core/virt.h"
#include "hw/x86.h"

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
    /* QEMU carries the request out a little later: give it the time, so
     * the line below is only printed when it really failed. */
    udelay(500000);
    kprintf("pxHV: power-off did not take effect; halting\n");
    machine_halt();
}

NORETURN void machine_reset(void)
{
    serial_flush();
    /* Whatever the guest left in the CMOS shutdown byte, the BIOS is to run
     * its full start-up, which boots pxHV again (core/io.c). */
    outb(0x70, 0x0F);
    outb(0x71, 0x00);
    /* A hard reset first, still in VMX operation: it resets every CPU, and
     * nothing a guest left pending (an INIT) gets the chance to restart one
     * with memory as it was. */
    outb(0xCF9, 0x02);
    outb(0xCF9, 0x06);          /* full reset through the reset control register */
    for (int i = 0; i < 100000; i++)
        pause();
    /* Chipsets without it: the keyboard controller's line, which some wire
     * to INIT, blocked in VMX root operation (SDM Vol. 3C 23.8 "Restrictions
     * on VMX Operation"), so VMX is left first. */
    if (virt)
        virt->cpu_disable(this_cpu());
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
    if (g_stop_return)
        g_stop_return(why);             /* pxHV was not started yet: back to pxhv.efi */
    cpus_stop_others();
    kprintf("pxHV: stopping (%s)\n", why);
    if (g_boot.config.flags & CFG_FLAG_NO_POWEROFF)
        machine_halt();
    machine_poweroff();
}
