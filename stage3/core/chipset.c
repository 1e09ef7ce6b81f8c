/*
 * What the firmware should have done to the chipset before booting an OS,
 * checked before the guest gets the machine: SMRAM closed and locked.  Open
 * SMRAM lets code outside SMM write the SMI handler, which runs with every
 * right over all memory, pxHV's included (docs/security.md).
 */
#include "core/core.h"
#include "core/console.h"
#include "hw/x86.h"

#define PCI_CONFIG_ADDR 0xCF8
#define PCI_CONFIG_DATA 0xCFC
/* SMRAM control of the host bridge (bus 0, device 0, function 0): the same
 * bits in the i440FX (register 72h) and the Q35 MCH (9Dh). */
#define SMRAM_D_OPEN BIT(6)
#define SMRAM_D_LCK  BIT(4)

static u32 pci_read32(u32 reg)
{
    outl(PCI_CONFIG_ADDR, 0x80000000u | (reg & 0xFC));
    return inl(PCI_CONFIG_DATA);
}

static u8 pci_read8(u32 reg)
{
    outl(PCI_CONFIG_ADDR, 0x80000000u | (reg & 0xFC));
    return inb(PCI_CONFIG_DATA + (reg & 3));
}

static void pci_write8(u32 reg, u8 v)
{
    outl(PCI_CONFIG_ADDR, 0x80000000u | (reg & 0xFC));
    outb(PCI_CONFIG_DATA + (reg & 3), v);
}

void chipset_lock_smram(void)
{
    u32 id = pci_read32(0);
    u32 reg = id == 0x12378086 ? 0x72 : id == 0x29C08086 ? 0x9D : 0;
    if (!reg) {
        kprintf("pxHV: SMRAM: host bridge %04x:%04x not known, its lock is not checked\n",
                id & 0xFFFF, id >> 16);
        return;
    }
    u8 v = pci_read8(reg);
    if (v & SMRAM_D_LCK) {
        kprintf("pxHV: SMRAM: locked by the firmware (register 0x%x = 0x%02x)\n", reg, v);
        return;
    }
    pci_write8(reg, (u8)((v & ~SMRAM_D_OPEN) | SMRAM_D_LCK));
    u8 now = pci_read8(reg);
    kprintf("pxHV: SMRAM: left unlocked by the firmware: %s (register 0x%x: 0x%02x -> 0x%02x)\n",
            now & SMRAM_D_LCK ? "closed and locked" : "could not lock it", reg, v, now);
}
