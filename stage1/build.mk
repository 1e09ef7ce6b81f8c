# Stage 1: the 512-byte MBR (stage1/stage1.asm -> $(BUILD)/stage1.bin).
# The source pads with "times MBR_PART_TABLE-($-$$)", which fails to assemble
# if the code would overlap the partition table; the recipe re-checks size and
# signature.
$(BUILD)/stage1.bin: stage1/stage1.asm stage1/putc.inc $(GEN)/pxhv.inc | $(BUILD)
	$(NASM) -f bin -w+all -I stage1/ -I $(GEN)/ -o $@ stage1/stage1.asm
	@size=$$(stat -c %s $@); \
	if [ "$$size" -ne $(SECTOR_SIZE) ]; then echo "stage1.bin: $$size bytes, expected $(SECTOR_SIZE)" >&2; rm -f $@; exit 1; fi; \
	if [ "$$(od -An -tx1 -j510 -N2 $@ | tr -d ' \n')" != 55aa ]; then \
		echo "stage1.bin: no 0xAA55 signature" >&2; rm -f $@; exit 1; fi
