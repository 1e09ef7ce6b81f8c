# Stage 2: the hypervisor loader (stage2/stage2.asm and the stage2/*.asm it
# includes -> $(BUILD)/stage2.bin, exactly DISK_STAGE2_SECTORS sectors; the
# source pads itself and fails to assemble if it grows beyond them).
STAGE2_SRCS := $(wildcard stage2/*.asm) stage1/putc.inc

$(BUILD)/stage2.bin: $(STAGE2_SRCS) $(GEN)/pxhv.inc | $(BUILD)
	$(NASM) -f bin -w+all -I stage2/ -I stage1/ -I $(GEN)/ -o $@ stage2/stage2.asm
