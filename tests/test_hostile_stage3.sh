#!/usr/bin/env bash
# Issue 15, item 6: a configuration block whose stage 3 sector count is too small.  Stage 2
# must check what it read (the header's image size against the sectors read) and refuse with
# a message before jumping into a partial image, never triple-fault.  Counts: 1 sector (the
# header alone), half the image, and one sector short.  On Bochs VT-x and QEMU TCG AMD-V.
# engines: corei7_skylake_x qemu
. "$(dirname "$0")/lib.sh"
full=$(( ($(stat -c %s "$PXHV_ROOT/build/stage3.bin") + 511) / 512 ))
for engine in $ENGINES; do
    for n in 1 $((full / 2)) $((full - 1)); do
        img=$(pxhv_image --builtin "$(guest_bin cpuid)") || fail "image"
        printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n & 255)) $((n >> 8 & 255)) 0 0)" |
            dd of="$img" bs=1 seek=$((DISK_CONFIG_LBA * SECTOR_SIZE + CFG_STAGE3_SECTORS)) \
                conv=notrunc status=none
        refusal="Stage 3 image invalid: the configuration names $n sectors, the image needs $full"
        if [ "$engine" = qemu ]; then
            run_qemu --disk "$img" --cpu "$SVM_QEMU_CPU" --timeout 60 --stall 30 --done "$refusal"
        else
            run_bochs --disk "$img" --cpu "$engine" --timeout 60 --stall 30 --done "$refusal"
        fi
        expect_in_order "$SERIAL_LOG" 'Stage 2: Hypervisor loader' "$refusal" ||
            fail "stage 3 of $n of $full sectors on $engine: not refused"
        expect_absent "$SERIAL_LOG" "Stage 3: C runtime ready" ||
            fail "stage 3 of $n of $full sectors on $engine: ran"
    done
done
pass "a short stage 3 is refused by stage 2"
