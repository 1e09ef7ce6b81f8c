# Stage 1: the 512-byte MBR (stage1/stage1.asm -> $(BUILD)/stage1.bin).
# The source pads with "times 0x1BE-($-$$)", which fails to assemble if the
# code would overlap the partition table; the recipe re-checks size and signature.

STAGE1_SRCS := stage1/stage1.asm stage2/layout.inc

$(BUILD)/stage1.bin: $(STAGE1_SRCS) | $(BUILD)
	$(NASM) -f bin -w+all -I stage2/ -o $@ stage1/stage1.asm
	@size=$$(stat -c %s $@); \
	if [ "$$size" -ne 512 ]; then echo "stage1.bin: $$size bytes, expected 512" >&2; rm -f $@; exit 1; fi; \
	if [ "$$(od -An -tx1 -j510 -N2 $@ | tr -d ' \n')" != 55aa ]; then \
		echo "stage1.bin: no 0xAA55 signature" >&2; rm -f $@; exit 1; fi
