# Stage 3: freestanding C (stage3/core, stage3/vmx, stage3/lib) and the little
# assembly C cannot express, linked position-independent into a flat binary.
STAGE3_C    := $(wildcard stage3/*/*.c)
STAGE3_ASM  := $(wildcard stage3/*.asm stage3/*/*.asm)
STAGE3_OBJS := $(patsubst stage3/%.c,$(BUILD)/stage3/%.o,$(STAGE3_C)) \
               $(patsubst stage3/%.asm,$(BUILD)/stage3/%.o,$(STAGE3_ASM))

# min-pagesize=0: the BDA, IVT and boot sector live at small constant
# addresses that GCC would otherwise take for null-pointer arithmetic.
# -mgeneral-regs-only: the host never touches x87/SSE/AVX state, so the
# guest's FPU registers need no saving across VM exits.
STAGE3_CFLAGS := -std=gnu11 -ffreestanding -nostdlib -fno-builtin -fno-stack-protector \
    -mno-red-zone -mgeneral-regs-only -fpie -fvisibility=hidden -fno-asynchronous-unwind-tables \
    -O2 -g -Wall -Wextra -Werror -Iinclude -MMD -MP \
    --param=min-pagesize=0
STAGE3_LDFLAGS := -nostdlib -pie --no-dynamic-linker -z noexecstack -z text -Bsymbolic \
    --no-warn-rwx-segments -T $(BUILD)/stage3/linker.ld

$(BUILD)/stage3/%.o: stage3/%.c
	@mkdir -p $(dir $@)
	$(CC) $(STAGE3_CFLAGS) -I$(dir $<) -c $< -o $@

$(BUILD)/stage3/%.o: stage3/%.asm $(GEN)/pxhv.inc stage3/gprs.inc
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -I stage3/ -I $(GEN)/ -o $@ $<

$(BUILD)/stage3/linker.ld: stage3/linker.ld.S include/layout.h
	@mkdir -p $(dir $@)
	$(CC) -E -P -x c -Iinclude -o $@ $<

$(BUILD)/stage3.elf: $(STAGE3_OBJS) $(BUILD)/stage3/linker.ld
	$(LD) $(STAGE3_LDFLAGS) -o $@ $(STAGE3_OBJS)
	@# Only R_X86_64_RELATIVE may remain: that is all core/early.c applies.
	@if readelf -rW $@ | awk 'NR>3 && $$3 ~ /^R_X86_64/ && $$3 != "R_X86_64_RELATIVE"' | grep -q .; then \
	    echo "stage3: unsupported relocation types:"; readelf -rW $@ | grep -v RELATIVE; rm -f $@; exit 1; fi

$(BUILD)/stage3.bin: $(BUILD)/stage3.elf
	$(OBJCOPY) -O binary -j .header -j .text -j .rodata -j .data.rel.ro -j .dynamic -j .got \
	    -j .rela.dyn -j .data $< $@

-include $(shell find $(BUILD)/stage3 -name '*.d' 2>/dev/null)
