# The pxHV disk image: $(BUILD)/pxhv.img from stage 1, 2, 3 and, when
# TEST_GUEST is set, the built-in test guest $(BUILD)/guests/$(TEST_GUEST).bin
# (rule in guest_images/build.mk).  Without TEST_GUEST the configured guest is
# the active partition of the boot disk (none here: stage 2 then records
# GUEST_NO_ACTIVE_PART); scripts/pxhv-config.sh changes that in place.
#
# `make check-image` re-checks the pieces and the assembled image.

PXHV_IMG          := $(BUILD)/pxhv.img
IMAGE_TEST_GUEST  := $(strip $(TEST_GUEST))
IMAGE_GUEST_BIN   := $(if $(IMAGE_TEST_GUEST),$(BUILD)/guests/$(IMAGE_TEST_GUEST).bin)
IMAGE_GUEST_ARGS  := $(if $(IMAGE_TEST_GUEST),--builtin $(IMAGE_GUEST_BIN),--source partition)

# Rewritten only when TEST_GUEST differs from the last build, so that the
# image is rebuilt exactly then.
$(BUILD)/test_guest.stamp: image-test-guest-force | $(BUILD)
	@if [ ! -f $@ ] || [ "$$(cat $@)" != "$(IMAGE_TEST_GUEST)" ]; then \
		echo "$(IMAGE_TEST_GUEST)" > $@; fi

$(PXHV_IMG): $(BUILD)/stage1.bin $(BUILD)/stage2.bin $(BUILD)/stage3.bin \
             $(IMAGE_GUEST_BIN) $(BUILD)/test_guest.stamp \
             scripts/mkimage.sh scripts/pxhv-config.sh include/layout.h
	bash scripts/mkimage.sh $@ --stage1 $(BUILD)/stage1.bin --stage2 $(BUILD)/stage2.bin \
		--stage3 $(BUILD)/stage3.bin $(IMAGE_GUEST_ARGS)

check-image: $(PXHV_IMG)
	@set -e; fail() { echo "check-image: $$*" >&2; exit 1; }; \
	s1=$(BUILD)/stage1.bin; s2=$(BUILD)/stage2.bin; img=$(PXHV_IMG); \
	[ "$$(stat -c %s $$s1)" -eq 512 ] || fail "$$s1 is not 512 bytes"; \
	[ "$$(od -An -tx1 -j510 -N2 $$s1 | tr -d ' \n')" = 55aa ] || fail "$$s1 has no 0xAA55 signature"; \
	[ "$$(stat -c %s $$s2)" -le 20480 ] || fail "$$s2 is larger than 20480 bytes"; \
	size=$$(stat -c %s $$img); \
	[ $$((size % 516096)) -eq 0 ] || fail "$$img: $$size bytes, not a multiple of 516096"; \
	[ "$$(od -An -tx1 -j510 -N2 $$img | tr -d ' \n')" = 55aa ] || fail "$$img: LBA 0 has no 0xAA55 signature"; \
	cmp -s -n 446 $$s1 $$img || fail "$$img: LBA 0 differs from $$s1"; \
	cmp -s -n 20480 -i 0:512 $$s2 $$img || fail "$$img: LBA 1..40 differ from $$s2"; \
	[ "$$(dd if=$$img bs=512 skip=41 count=1 status=none | head -c 8 | tr -d '\000')" = pxHVCFG1 ] || \
		fail "$$img: no config block at LBA 41"; \
	[ "$$(od -An -c -j $$((42 * 512)) -N4 $$img | tr -d ' \n')" = PXS3 ] || \
		fail "$$img: no stage 3 header at LBA 42"; \
	echo "check-image: OK (stage1 512 bytes signed, stage2 $$(stat -c %s $$s2) bytes, $$img $$size bytes)"

image-test-guest-force:

.PHONY: check-image image-test-guest-force
