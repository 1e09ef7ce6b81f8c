# Constants generated from the C headers (include/boot/asm_exports.h) for the code that
# cannot include them: NASM (stage 1, stage 2, stage 3's assembly, the test guests),
# make and the shell scripts.  Nothing is copied by hand; tests/unit/test_genconsts.c
# checks that NASM reads every value as C has it.
GEN        := $(BUILD)/gen
GEN_HDRS   := $(wildcard include/*/*.h)

$(GEN)/genconsts: scripts/genconsts.c $(GEN_HDRS)
	@mkdir -p $(GEN)
	$(HOSTCC) -std=gnu11 -Wall -Wextra -Werror -Iinclude -o $@ $<

$(GEN)/pxhv.inc: $(GEN)/genconsts
	$< nasm pxhv > $@.tmp && mv $@.tmp $@
$(GEN)/hypercall.inc: $(GEN)/genconsts
	$< nasm hypercall > $@.tmp && mv $@.tmp $@
$(GEN)/layout.mk: $(GEN)/genconsts
	$< make > $@.tmp && mv $@.tmp $@
$(GEN)/layout.sh: $(GEN)/genconsts
	$< sh > $@.tmp && mv $@.tmp $@

# Check images for tests/unit/test_genconsts.c: every value as NASM assembles it.
$(GEN)/%_check.bin: $(GEN)/genconsts $(GEN)/%.inc
	$< nasm-check $* > $(GEN)/$*_check.asm
	$(NASM) -f bin -I $(GEN)/ -o $@ $(GEN)/$*_check.asm

gen: $(GEN)/pxhv.inc $(GEN)/hypercall.inc $(GEN)/layout.mk $(GEN)/layout.sh \
     $(GEN)/pxhv_check.bin $(GEN)/hypercall_check.bin

.PHONY: gen
