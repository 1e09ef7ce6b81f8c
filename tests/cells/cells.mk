# Cell programs ("inmates", docs/cells.md), built into $(BUILD)/cells/:
#   tick.bin busy.bin hostile.bin   flat images (tests/cells/*.asm with celllib.inc): a cell
#                                   loads one so that it ends at 0x100000
#   tick.rom busy.rom hostile.rom   the same padded in front to 64 KiB: BIOS images for
#                                   QEMU (-bios) and Bochs (romimage), for native runs
#   mbtest.elf                      a Multiboot 1 kernel (C + NASM), ELF32
#   mbtest-aout.bin                 the same kernel as a flat binary placed by the Multiboot
#                                   header's address fields (flag 16)
#   cellsim, cellsim.bin            a host tool and its start code: a BIOS ROM that gives a bare
#                                   emulated machine a cell's platform (tests/cells/cellsim.c)
# `make cells` builds all of them; tests/test_cells_native.sh runs them without pxHV.

CELLS_DIR   := tests/cells
CELLS_OUT   := $(BUILD)/cells
CELLS_FLAT  := tick busy hostile
CELLS_ALL   := $(CELLS_FLAT:%=$(CELLS_OUT)/%.bin) $(CELLS_FLAT:%=$(CELLS_OUT)/%.rom) \
               $(CELLS_OUT)/mbtest.elf $(CELLS_OUT)/mbtest-aout.bin \
               $(CELLS_OUT)/cellsim $(CELLS_OUT)/cellsim.bin

$(CELLS_OUT)/%.bin: $(CELLS_DIR)/%.asm $(CELLS_DIR)/celllib.inc
	@mkdir -p $(dir $@)
	$(NASM) -f bin -I $(CELLS_DIR)/ -o $@ $<

$(CELLS_OUT)/%.rom: $(CELLS_OUT)/%.bin
	{ head -c $$((65536 - $$(stat -c %s $<))) /dev/zero | tr '\0' '\377'; cat $<; } > $@

# mbtest: freestanding 32-bit C; no libgcc (the host's gcc may have no 32-bit one), so the
# code divides 32-bit values only.
MBTEST_CFLAGS := -m32 -march=i686 -std=gnu11 -ffreestanding -fno-builtin -fno-pic -fno-pie \
    -fno-stack-protector -fno-asynchronous-unwind-tables -mgeneral-regs-only -O2 -g \
    -Wall -Wextra -Werror -Iinclude
MBTEST_LDFLAGS := -m elf_i386 -nostdlib --build-id=none -z max-page-size=0x1000 \
    -T $(CELLS_DIR)/mbtest/mbtest.ld

$(CELLS_OUT)/mbtest.o: $(CELLS_DIR)/mbtest/mbtest.c include/hw/multiboot.h include/hw/acpi.h \
    include/lib/types.h
	@mkdir -p $(dir $@)
	$(CC) $(MBTEST_CFLAGS) -c -o $@ $<

$(CELLS_OUT)/mbtest-start.o: $(CELLS_DIR)/mbtest/start.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf32 -o $@ $<

$(CELLS_OUT)/mbtest-start-aout.o: $(CELLS_DIR)/mbtest/start.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf32 -DAOUT_KLUDGE -o $@ $<

$(CELLS_OUT)/mbtest.elf: $(CELLS_OUT)/mbtest-start.o $(CELLS_OUT)/mbtest.o $(CELLS_DIR)/mbtest/mbtest.ld
	$(LD) $(MBTEST_LDFLAGS) -o $@ $(CELLS_OUT)/mbtest-start.o $(CELLS_OUT)/mbtest.o

$(CELLS_OUT)/mbtest-aout.elf: $(CELLS_OUT)/mbtest-start-aout.o $(CELLS_OUT)/mbtest.o \
    $(CELLS_DIR)/mbtest/mbtest.ld
	$(LD) $(MBTEST_LDFLAGS) -o $@ $(CELLS_OUT)/mbtest-start-aout.o $(CELLS_OUT)/mbtest.o

$(CELLS_OUT)/mbtest-aout.bin: $(CELLS_OUT)/mbtest-aout.elf
	$(OBJCOPY) -O binary -j .text -j .rodata -j .data $< $@

# cellsim links the pure code pxHV builds a cell's tables and Multiboot plan with.
CELLSIM_SRCS := $(CELLS_DIR)/cellsim.c stage3/lib/cellacpi.c stage3/lib/multiboot.c \
                stage3/lib/printf.c stage3/lib/lib.c
$(CELLS_OUT)/cellsim: $(CELLSIM_SRCS) include/lib/cellacpi.h include/lib/multiboot.h
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O1 -Wall -Wextra -Werror -Iinclude -o $@ $(CELLSIM_SRCS)

$(CELLS_OUT)/cellsim.bin: $(CELLS_DIR)/cellsim.asm
	@mkdir -p $(dir $@)
	$(NASM) -f bin -o $@ $<

cells: $(CELLS_ALL)

.PHONY: cells
