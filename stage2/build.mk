# Stage 2: the hypervisor loader (stage2/stage2.asm and the stage2/*.asm it
# includes -> $(BUILD)/stage2.bin, exactly DISK_STAGE2_SECTORS sectors).
#
# stage2/layout.inc mirrors the C headers; every line of it marked
# "; @check EXPR" becomes a _Static_assert compiled against include/*.h, so
# the build stops when the two disagree.

STAGE2_SRCS := $(wildcard stage2/*.asm) stage2/layout.inc
STAGE2_MAX  := 20480

$(BUILD)/layout_check.c: stage2/layout.inc stage2/build.mk | $(BUILD)
	@{ echo '/* Generated from stage2/layout.inc by stage2/build.mk. */'; \
	   echo '#include "layout.h"'; echo '#include "bootinfo.h"'; \
	   echo '#include "pxhv_config.h"'; echo '#include "stage3_header.h"'; echo '#include "hypercall.h"'; \
	   sed -n 's/^\([A-Za-z0-9_]*\)[[:space:]]*equ[[:space:]]*\([^;]*\);[[:space:]]*@check[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*$$/_Static_assert((\3) == (\2), "stage2\/layout.inc: \1 disagrees with include\/");/p' stage2/layout.inc; \
	} > $@.tmp
	@want=$$(grep -cE '^[A-Za-z0-9_]+[[:space:]]+equ.*@check' stage2/layout.inc); got=$$(grep -c '_Static_assert' $@.tmp); \
	if [ "$$want" -ne "$$got" ]; then echo "stage2/layout.inc: $$want @check lines but $$got parsed" >&2; exit 1; fi
	@mv $@.tmp $@

$(BUILD)/layout_check.stamp: $(BUILD)/layout_check.c $(wildcard include/*.h)
	$(HOSTCC) -std=gnu11 -ffreestanding -fsyntax-only -Iinclude $<
	@touch $@

$(BUILD)/stage2.bin: $(STAGE2_SRCS) $(BUILD)/layout_check.stamp | $(BUILD)
	$(NASM) -f bin -w+all -I stage2/ -o $@ stage2/stage2.asm
	@size=$$(stat -c %s $@); \
	if [ "$$size" -gt $(STAGE2_MAX) ]; then echo "stage2.bin: $$size bytes > $(STAGE2_MAX)" >&2; rm -f $@; exit 1; fi
