# Stage 3: freestanding C (stage3/core, stage3/vmx, stage3/lib) and the little
# assembly C cannot express, linked position-independent into a flat binary.
STAGE3_C    := $(wildcard stage3/*.c stage3/*/*.c)
STAGE3_ASM  := $(wildcard stage3/*.asm stage3/*/*.asm)
STAGE3_OBJS := $(patsubst stage3/%.c,$(BUILD)/stage3/%.o,$(STAGE3_C)) \
               $(patsubst stage3/%.asm,$(BUILD)/stage3/%.o,$(STAGE3_ASM))

# min-pagesize=0: the BDA, IVT and boot sector live at small constant
# addresses that GCC would otherwise take for null-pointer arithmetic.
# -mgeneral-regs-only: the host never touches x87/SSE/AVX state, so the
# guest's FPU registers need no saving across VM exits.
STAGE3_CFLAGS := -std=gnu11 -ffreestanding -nostdlib -fno-builtin -fno-stack-protector \
    -mno-red-zone -mgeneral-regs-only -fpie -fvisibility=hidden -fno-asynchronous-unwind-tables \
    -g -Wall -Wextra -Werror -Iinclude -Istage3 -MMD -MP \
    --param=min-pagesize=0 $(if $(PXHV_MAX_CPUS),-DPXHV_MAX_CPUS=$(PXHV_MAX_CPUS))
STAGE3_LDFLAGS := -nostdlib -pie --no-dynamic-linker -z noexecstack -z text -Bsymbolic \
    --no-warn-rwx-segments -z pack-relative-relocs -T $(BUILD)/stage3/linker.ld

# The exit path and what it calls are built for speed, everything that runs
# once (start-up, reports, name tables, pure set-up logic) for size.
STAGE3_HOT := vmx/exit vmx/state svm/exit svm/decode core/exit core/cpuid core/io core/hypercall \
              lib/lib
stage3_opt = $(if $(filter $(STAGE3_HOT),$(patsubst stage3/%.c,%,$(1))),-O2,-Os)

$(BUILD)/stage3/%.o: stage3/%.c stage3/build.mk
	@mkdir -p $(dir $@)
	$(CC) $(STAGE3_CFLAGS) $(call stage3_opt,$<) -I$(dir $<) -c $< -o $@

$(BUILD)/stage3/%.o: stage3/%.asm $(GEN)/pxhv.inc stage3/gprs.inc
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -I stage3/ -I $(GEN)/ -o $@ $<

$(BUILD)/stage3/linker.ld: stage3/linker.ld.S include/boot/layout.h include/boot/uefi.h
	@mkdir -p $(dir $@)
	$(CC) -E -P -x c -D__ASSEMBLER__ -Iinclude -o $@ $<

$(BUILD)/stage3.elf: $(STAGE3_OBJS) $(BUILD)/stage3/linker.ld
	$(LD) $(STAGE3_LDFLAGS) -o $@ $(STAGE3_OBJS)
	@# Only packed relative relocations may remain: that is all core/early.c applies.
	@if readelf -rW $@ | grep -q '^ *[0-9a-f]\+ \+[0-9a-f]\+ R_X86_64'; then \
	    echo "stage3: relocations other than packed relative ones:"; readelf -rW $@; rm -f $@; exit 1; fi

$(BUILD)/stage3.bin: $(BUILD)/stage3.elf
	$(OBJCOPY) -O binary -j .header -j .text -j .rodata -j .data.rel.ro -j .dynamic -j .got \
	    -j .relr.dyn -j .data $< $@

-include $(shell find $(BUILD)/stage3 -name '*.d' 2>/dev/null)
