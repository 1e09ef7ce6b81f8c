/*
 * The CMOS/RTC ports: chipset state that every CPU reaches and that decides
 * what the BIOS does after a reset.  Owner: this file; lock: cmos_lock.
 *
 * Each bank has one index register (0x70, and where chipsets decode them the
 * extended bank 0x72 and the aliases 0x74; data at index + 1), shared by all
 * CPUs.  Register 0Fh, the shutdown byte, tells the BIOS after a reset
 * whether to start over (00h: POST, 04h: INT 19h), both of which boot pxHV
 * again, or to resume guest code through 0040:0067 without a restart, which
 * would run the guest natively with pxHV's memory as it was: so no resume
 * code may reach it.
 *
 * Index writes always exit, and are performed under the lock.  A data-port
 * access exits too, except on the one CPU that holds the bank: the CPU that
 * wrote the index last, while that index is not 0Fh.  A CPU's bitmap is
 * changed only by that CPU, in pxHV (SDM Vol. 3C 24.11.4 "Software Access to
 * Related Structures": a bitmap must not change under a CPU that uses it);
 * to take a bank from its holder, a CPU asks the holder (cmos_revoke), kicks
 * it with an NMI and waits until the holder has set its own intercept again
 * and said so (cmos_held).  Only then does the new index reach the chipset:
 * the shutdown byte is never selected while any CPU's data port passes
 * through, and what a data-port exit does is decided under the lock from
 * the index the chipset has.  (Before this, the index and one shared bitmap
 * bit were updated without serialisation, and a CPU racing another's index
 * writes could arm the byte.)
 */
#include "core/cmos.h"
#include "core/console.h"
#include "core/core.h"
#include "core/smp.h"
#include "core/stop.h"
#include "hw/x86.h"

#define PORT_CMOS_FIRST    0x70
#define CMOS_BANKS         3
#define CMOS_SHUTDOWN      0x0F    /* what the BIOS does after a reset            */
#define CMOS_SHUTDOWN_POST 0x00    /* a full power-on self test: pxHV boots again */
#define CMOS_SHUTDOWN_BOOT 0x04    /* INT 19h: the boot disk again, so pxHV       */

static volatile u32 cmos_lock;
static u8 cmos_index[CMOS_BANKS];          /* what the chipset's index registers hold */
static struct cpu *cmos_holder[CMOS_BANKS];

bool cmos_port(u16 port)
{
    return port >= PORT_CMOS_FIRST && port < PORT_CMOS_FIRST + 2 * CMOS_BANKS;
}

void cmos_intercepts(u16 ports[CMOS_PORTS])
{
    for (u16 i = 0; i < 2 * CMOS_BANKS; i++)
        ports[i] = (u16)(PORT_CMOS_FIRST + i);
}

/* The banks another CPU asked this one to give up: intercept their data ports
 * again, then say so.  Only ever on this CPU, in pxHV. */
void cmos_serve(struct cpu *c)
{
    u32 banks = __atomic_exchange_n(&c->cmos_revoke, 0, __ATOMIC_ACQ_REL);
    for (u32 b = 0; b < CMOS_BANKS; b++)
        if (banks & BIT(b))
            virt->io_intercept(c, (u16)(PORT_CMOS_FIRST + 2 * b + 1), true);
    if (banks)
        __atomic_and_fetch(&c->cmos_held, ~banks, __ATOMIC_RELEASE);
}

static void lock(struct cpu *c)
{
    while (__atomic_exchange_n(&cmos_lock, 1, __ATOMIC_ACQUIRE))
        while (cmos_lock) {
            cmos_serve(c);        /* the lock's holder may be waiting for us */
            if (cpus_stopping())
                cpu_park();
            pause();
        }
}

static void unlock(void)
{
    __atomic_store_n(&cmos_lock, 0, __ATOMIC_RELEASE);
}

/* Under the lock: no CPU's data port for `bank` passes through afterwards. */
static void take_back(struct cpu *c, u32 bank)
{
    struct cpu *h = cmos_holder[bank];
    cmos_holder[bank] = NULL;
    if (!h)
        return;
    if (h == c) {
        __atomic_or_fetch(&c->cmos_revoke, BIT(bank), __ATOMIC_ACQ_REL);
        cmos_serve(c);
        return;
    }
    __atomic_or_fetch(&h->cmos_revoke, BIT(bank), __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&h->cmos_held, __ATOMIC_ACQUIRE) & BIT(bank)) {
        cpu_kick(h);              /* it gives the bank up at its next exit */
        for (u32 i = 0; i < 100 && (__atomic_load_n(&h->cmos_held, __ATOMIC_ACQUIRE) & BIT(bank)); i++) {
            cmos_serve(c);
            if (cpus_stopping())
                cpu_park();
            pause();
        }
    }
}

static u8 data_out_value(struct cpu *c, u32 bank, u8 v)
{
    if ((cmos_index[bank] & 0x7F) == CMOS_SHUTDOWN && v != CMOS_SHUTDOWN_POST &&
        v != CMOS_SHUTDOWN_BOOT) {
        guest_refuse(c, "CMOS shutdown code 0x%02x (after a reset the BIOS would resume guest "
                     "code outside pxHV); 0x00 written instead", v);
        return CMOS_SHUTDOWN_POST;
    }
    return v;
}

void cmos_out(struct cpu *c, u16 port, u8 v)
{
    u32 bank = (u32)(port - PORT_CMOS_FIRST) / 2;
    lock(c);
    if (port & 1) {
        outb(port, data_out_value(c, bank, v));
    } else {
        take_back(c, bank);
        outb(port, v);
        cmos_index[bank] = v;
        if ((v & 0x7F) != CMOS_SHUTDOWN) {
            virt->io_intercept(c, (u16)(port + 1), false);
            __atomic_or_fetch(&c->cmos_held, BIT(bank), __ATOMIC_RELEASE);
            cmos_holder[bank] = c;
        }
    }
    unlock();
}

u8 cmos_in(struct cpu *c, u16 port)
{
    lock(c);
    u8 v = inb(port);
    unlock();
    return v;
}

/* Before the guest runs: a register other than the shutdown byte selected
 * in every bank, and the byte itself at 00h (pxHV's own resets set it too). */
void cmos_start(void)
{
    for (u32 b = 0; b < CMOS_BANKS; b++) {
        outb((u16)(PORT_CMOS_FIRST + 2 * b), 0x0D);
        cmos_index[b] = 0x0D;
    }
}

/* A CPU that leaves the guest for good or restarts it holds no bank. */
void cmos_release(struct cpu *c)
{
    if (!__atomic_load_n(&c->cmos_held, __ATOMIC_ACQUIRE))
        return;
    lock(c);
    for (u32 b = 0; b < CMOS_BANKS; b++)
        if (cmos_holder[b] == c)
            take_back(c, b);
    unlock();
}
