# pxHV top-level build.  `make help` lists the targets.
# Each part owns a fragment: scripts/gen.mk (constants from the C headers), stage1/build.mk,
# stage2/build.mk, stage3/build.mk, scripts/image.mk (pxhv.img), efi/build.mk (pxhv.efi, the
# ESP image), guest_images/build.mk, tests/guests/tests.mk, tests/cells/cells.mk,
# tests/tests.mk, scripts/run.mk, scripts/bench.mk, scripts/install.mk.

BUILD      ?= build
NASM       ?= nasm
CC         ?= gcc
LD         ?= ld
OBJCOPY    ?= objcopy
HOSTCC     ?= gcc

# Built-in test guest written into the image (tests/guests/<name>.asm),
# or empty for the configured disk/partition guest.
TEST_GUEST ?=

.DEFAULT_GOAL := all

include scripts/gen.mk
# The layout as make variables (DISK_*, SECTOR_SIZE...), generated from include/boot/layout.h.
include $(GEN)/layout.mk
include stage1/build.mk
include stage2/build.mk
include stage3/build.mk
include scripts/image.mk
include efi/build.mk
-include guest_images/build.mk
-include tests/guests/tests.mk
-include tests/cells/cells.mk
-include tests/tests.mk
-include scripts/run.mk
-include scripts/bench.mk
-include scripts/install.mk

all: $(BUILD)/pxhv.img

$(BUILD):
	mkdir -p $@

clean:
	rm -rf $(BUILD)

.PHONY: all clean
