# The pxHV disk image: $(BUILD)/pxhv.img from stage 1, 2, 3 and, when
# TEST_GUEST is set, the built-in test guest $(BUILD)/guests/$(TEST_GUEST).bin
# (rule in tests/guests/tests.mk).  Without TEST_GUEST the configured guest is
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
             scripts/mkimage.sh scripts/pxhv-config.sh $(GEN)/layout.sh
	bash scripts/mkimage.sh $@ --stage1 $(BUILD)/stage1.bin --stage2 $(BUILD)/stage2.bin \
		--stage3 $(BUILD)/stage3.bin $(IMAGE_GUEST_ARGS)

check-image: $(PXHV_IMG)
	@set -e; fail() { echo "check-image: $$*" >&2; exit 1; }; \
	s1=$(BUILD)/stage1.bin; s2=$(BUILD)/stage2.bin; img=$(PXHV_IMG); \
	s2max=$$(( $(DISK_STAGE2_SECTORS) * $(SECTOR_SIZE) )); \
	[ "$$(stat -c %s $$s1)" -eq $(SECTOR_SIZE) ] || fail "$$s1 is not $(SECTOR_SIZE) bytes"; \
	[ "$$(od -An -tx1 -j510 -N2 $$s1 | tr -d ' \n')" = 55aa ] || fail "$$s1 has no 0xAA55 signature"; \
	[ "$$(stat -c %s $$s2)" -le $$s2max ] || fail "$$s2 is larger than $$s2max bytes"; \
	size=$$(stat -c %s $$img); \
	[ $$((size % $(DISK_CYLINDER_BYTES))) -eq 0 ] || fail "$$img: $$size bytes, not a multiple of $(DISK_CYLINDER_BYTES)"; \
	[ "$$(od -An -tx1 -j510 -N2 $$img | tr -d ' \n')" = 55aa ] || fail "$$img: LBA 0 has no 0xAA55 signature"; \
	cmp -s -n $(MBR_PART_TABLE) $$s1 $$img || fail "$$img: LBA 0 differs from $$s1"; \
	cmp -s -n $$s2max -i 0:$$(( $(DISK_STAGE2_LBA) * $(SECTOR_SIZE) )) $$s2 $$img || \
		fail "$$img: LBA $(DISK_STAGE2_LBA).. differs from $$s2"; \
	[ "$$(dd if=$$img bs=$(SECTOR_SIZE) skip=$(DISK_CONFIG_LBA) count=1 status=none | head -c 8 | tr -d '\000')" = $(PXHV_CONFIG_MAGIC) ] || \
		fail "$$img: no config block at LBA $(DISK_CONFIG_LBA)"; \
	[ "$$(od -An -tu4 -j $$(( $(DISK_STAGE3_LBA) * $(SECTOR_SIZE) )) -N4 $$img | tr -d ' \n')" = $(STAGE3_MAGIC) ] || \
		fail "$$img: no stage 3 header at LBA $(DISK_STAGE3_LBA)"; \
	echo "check-image: OK (stage1 $(SECTOR_SIZE) bytes signed, stage2 $$(stat -c %s $$s2) bytes, $$img $$size bytes)"

image-test-guest-force:

.PHONY: check-image image-test-guest-force
