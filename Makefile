# pxHV top-level build.  `make help` lists the targets.
# Each part owns a fragment: stage1/build.mk, stage2/build.mk, stage3/build.mk,
# scripts/image.mk (pxhv.img), guest_images/build.mk, tests/tests.mk, scripts/run.mk.

BUILD      ?= build
NASM       ?= nasm
CC         ?= gcc
LD         ?= ld
OBJCOPY    ?= objcopy
HOSTCC     ?= gcc

# Built-in test guest written into the image (guest_images/tests/<name>.asm),
# or empty for the configured disk/partition guest.
TEST_GUEST ?=

.DEFAULT_GOAL := all

include stage1/build.mk
include stage2/build.mk
include stage3/build.mk
include scripts/image.mk
-include guest_images/build.mk
-include tests/tests.mk
-include scripts/run.mk
-include scripts/bench.mk

all: $(BUILD)/pxhv.img

$(BUILD):
	mkdir -p $@

clean:
	rm -rf $(BUILD)

.PHONY: all clean
