# Built-in test guests: $(BUILD)/guests/<name>.bin from tests/guests/<name>.asm
# (flat 16-bit images, org 0x7C00, whole sectors, <= 32 KiB), plus
# $(BUILD)/guests/empty.bin (512 zero bytes).  tests/guests/README.md describes
# them.  They take the hypercall ABI from $(GEN)/hypercall.inc (include/boot/hypercall.h).
# `make test-guests` builds all of them.

TESTGUEST_DIR   := tests/guests
TESTGUEST_NAMES := $(sort $(basename $(notdir $(wildcard $(TESTGUEST_DIR)/*.asm)))) empty
TESTGUEST_BINS  := $(TESTGUEST_NAMES:%=$(BUILD)/guests/%.bin)
TESTGUEST_INCS  := $(wildcard $(TESTGUEST_DIR)/*.inc) $(GEN)/hypercall.inc

$(BUILD)/guests/%.bin: $(TESTGUEST_DIR)/%.asm $(TESTGUEST_INCS)
	@mkdir -p $(dir $@)
	$(NASM) -f bin -I $(TESTGUEST_DIR)/ -I $(GEN)/ -o $@ $<

# e820bad.asm is e820.asm with E820_BAD defined, smpept.asm smp.asm with SMP_EPT,
# hostile_region_*.asm hostile_region.asm with one route each.
$(BUILD)/guests/e820bad.bin: $(TESTGUEST_DIR)/e820.asm
$(BUILD)/guests/smpept.bin: $(TESTGUEST_DIR)/smp.asm
$(BUILD)/guests/hostile_alias.bin $(BUILD)/guests/hostile_cr3.bin: \
    $(TESTGUEST_DIR)/hostile_region.asm
$(BUILD)/guests/hostile_cpu.bin $(BUILD)/guests/hostile_user.bin $(BUILD)/guests/hostile_long.bin $(BUILD)/guests/svm.bin: \
    $(TESTGUEST_DIR)/hostile.inc

# Issue 15's guests: hostile_a20w.asm is hostile_a20.asm with A20_WRITE_FIRST.
$(BUILD)/guests/hostile_a20w.bin: $(TESTGUEST_DIR)/hostile_a20.asm
$(BUILD)/guests/hostile_initall.bin: $(TESTGUEST_DIR)/hostile_init.asm

$(BUILD)/guests/empty.bin:
	@mkdir -p $(dir $@)
	head -c $(SECTOR_SIZE) /dev/zero > $@

test-guests: $(TESTGUEST_BINS)

.PHONY: test-guests
