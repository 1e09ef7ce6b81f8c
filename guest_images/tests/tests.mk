# Built-in test guests: $(BUILD)/guests/<name>.bin from guest_images/tests/<name>.asm
# (flat 16-bit images, org 0x7C00, whole sectors, <= 32 KiB), plus
# $(BUILD)/guests/empty.bin (512 zero bytes).  Included by guest_images/build.mk.
# `make test-guests` builds all of them.  guest_images/tests/README.md describes them.

TESTGUEST_DIR   := guest_images/tests
TESTGUEST_NAMES := $(sort $(basename $(notdir $(wildcard $(TESTGUEST_DIR)/*.asm)))) empty
TESTGUEST_BINS  := $(TESTGUEST_NAMES:%=$(BUILD)/guests/%.bin)
TESTGUEST_INCS  := $(wildcard $(TESTGUEST_DIR)/*.inc)

$(BUILD)/guests/%.bin: $(TESTGUEST_DIR)/%.asm $(TESTGUEST_INCS)
	@mkdir -p $(dir $@)
	$(NASM) -f bin -I $(TESTGUEST_DIR)/ -o $@ $<

# e820bad.asm is e820.asm with E820_BAD defined.
$(BUILD)/guests/e820bad.bin: $(TESTGUEST_DIR)/e820.asm

$(BUILD)/guests/empty.bin:
	@mkdir -p $(dir $@)
	head -c 512 /dev/zero > $@

test-guests: $(TESTGUEST_BINS)

.PHONY: test-guests
