# pxhv.efi: pxHV's UEFI application (efi/), and an EFI System Partition image to boot it.
#   make efi   $(BUILD)/pxhv.efi: PE32+ x86-64 UEFI application, from gcc + ld's PE linker
#   make esp   $(BUILD)/esp.img: FAT32 ESP with \EFI\BOOT\BOOTX64.EFI = pxhv.efi,
#              \EFI\BOOT\grubx64.efi (GRUB EFI, embedded config) and the Linux guest's
#              kernel and initramfs (efi/mk-esp.sh)
#
# The C is compiled as for stage 3 (freestanding, no red zone: the firmware's interrupts run
# on the same stack) into ELF objects, which ld's i386pep emulation links straight into a PE
# image; it also makes the base relocations (.reloc) the firmware applies where it loads the
# image.  Only the entry point and the calls into the firmware use the Microsoft x64
# convention (EFIAPI in include/efi/efi_types.h).  pxhv.efi links stage 3's pure library and
# drivers it shares with stage 3 (EFI_SHARED) and carries stage3.bin.

EFI_C      := $(wildcard efi/*.c)
EFI_S      := efi/switch.S
# What pxhv.efi shares with stage 3: the pure library (printf, the region's
# layout and placement, the E820 logic, the page-table builder) and the
# drivers both sides use alike (the 16550, the MADT parser).
EFI_SHARED := stage3/lib/printf.c stage3/lib/lib.c stage3/lib/region.c stage3/lib/e820.c \
              stage3/lib/pt.c stage3/core/serial.c stage3/core/acpi.c
EFI_OBJS   := $(patsubst efi/%.c,$(BUILD)/efi/%.o,$(EFI_C)) \
              $(patsubst efi/%.S,$(BUILD)/efi/%.o,$(EFI_S)) \
              $(patsubst stage3/%.c,$(BUILD)/efi/shared/%.o,$(EFI_SHARED)) \
              $(BUILD)/efi/stage3_blob.o

EFI_CFLAGS := -std=gnu11 -ffreestanding -nostdlib -fno-builtin -fno-stack-protector \
    -mno-red-zone -mgeneral-regs-only -fpie -fvisibility=hidden -fno-asynchronous-unwind-tables \
    -Os -Wall -Wextra -Werror -Iinclude -include efi/visibility.h -MMD -MP --param=min-pagesize=0 \
    $(if $(PXHV_MAX_CPUS),-DPXHV_MAX_CPUS=$(PXHV_MAX_CPUS))
# Subsystem 10: EFI application.  Image base 0: the firmware relocates it anyway.
EFI_LDFLAGS := -m i386pep --subsystem 10 --image-base 0 -e efi_main -nostdlib \
    --file-alignment 512 --section-alignment 4096 -T efi/pxhv-efi.lds

$(BUILD)/efi/%.o: efi/%.c efi/build.mk efi/visibility.h
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/efi/%.o: efi/%.S efi/build.mk
	@mkdir -p $(dir $@)
	$(CC) -Iinclude -MMD -MP -c $< -o $@

$(BUILD)/efi/shared/%.o: stage3/%.c efi/build.mk efi/visibility.h
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/efi/stage3_blob.o: efi/stage3_blob.S $(BUILD)/stage3.bin
	@mkdir -p $(dir $@)
	$(CC) -c -DSTAGE3_BIN='"$(BUILD)/stage3.bin"' -o $@ $<

$(BUILD)/pxhv.efi: $(EFI_OBJS) efi/pxhv-efi.lds
	@# No GOT in a PE image: a GOT-relative relocation would be resolved wrongly (efi/visibility.h).
	@if objdump -r $(EFI_OBJS) | grep -q GOTPC; then echo "pxhv.efi: GOT-relative relocations:"; \
	    objdump -r $(EFI_OBJS) | grep -B30 GOTPC | grep "file format\|GOTPC"; exit 1; fi
	$(LD) $(EFI_LDFLAGS) -o $@ $(EFI_OBJS)
	@# A UEFI loader needs a PE32+ EFI application with base relocations, or it can only
	@# load it at its image base, 0: check the headers and the .reloc section.
	@objdump -p $@ | grep -q '^Magic[[:space:]]*020b' || { echo "pxhv.efi: not PE32+"; rm -f $@; exit 1; }
	@objdump -p $@ | grep -q '^Subsystem[[:space:]]*0000000a' || { echo "pxhv.efi: not an EFI application"; rm -f $@; exit 1; }
	@objdump -h $@ | grep -q ' \.reloc ' || { echo "pxhv.efi: no .reloc section"; rm -f $@; exit 1; }

ESP_IMG := $(BUILD)/esp.img
$(ESP_IMG): $(BUILD)/pxhv.efi $(BUILD)/guests/linux.img efi/mk-esp.sh efi/grub-esp.cfg guest_images/lib.sh
	BUILD=$(BUILD) bash efi/mk-esp.sh

efi: $(BUILD)/pxhv.efi
esp: $(ESP_IMG)

.PHONY: efi esp

-include $(shell find $(BUILD)/efi -name '*.d' 2>/dev/null)

# tests/efi/hostile.efi: the hostile UEFI test application (tests/test_efi_hostile.sh), built
# as pxhv.efi is, with pxhv.efi's console.
HOSTILE_EFI := $(BUILD)/tests/hostile.efi
HOSTILE_EFI_OBJS := $(BUILD)/efi/tests/hostile.o $(BUILD)/efi/console.o \
    $(BUILD)/efi/shared/lib/printf.o $(BUILD)/efi/shared/lib/lib.o $(BUILD)/efi/shared/core/serial.o

$(BUILD)/efi/tests/%.o: tests/efi/%.c efi/build.mk efi/visibility.h
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@

$(HOSTILE_EFI): $(HOSTILE_EFI_OBJS) efi/pxhv-efi.lds
	@mkdir -p $(dir $@)
	$(LD) $(EFI_LDFLAGS) -o $@ $(HOSTILE_EFI_OBJS)

# stamp.efi: the benchmark's stand-in guest loader (scripts/bench-efi.sh).
STAMP_EFI := $(BUILD)/tests/stamp.efi
STAMP_EFI_OBJS := $(BUILD)/efi/tests/stamp.o $(BUILD)/efi/console.o \
    $(BUILD)/efi/shared/lib/printf.o $(BUILD)/efi/shared/lib/lib.o $(BUILD)/efi/shared/core/serial.o

$(STAMP_EFI): $(STAMP_EFI_OBJS) efi/pxhv-efi.lds
	@mkdir -p $(dir $@)
	$(LD) $(EFI_LDFLAGS) -o $@ $(STAMP_EFI_OBJS)

efi-tests: $(HOSTILE_EFI) $(STAMP_EFI)
.PHONY: efi-tests
