#!/usr/bin/env bash
# Issue 15, item 7: pxHV takes no conventional memory (tests/guests/lowmem.asm).  The guest
# prints INT 12h, the BDA's memory size and EBDA segment, and every E820 range below 1 MiB,
# writes and reads back every byte from 0x500 to the EBDA's start but its own stack, image
# and data, and prints them again.  Booted bare (its image as the disk's MBR) and under pxHV
# on the same engine, the two runs print the same lines, and the pxHV run reaches "done".
# On Bochs VT-x and QEMU TCG AMD-V.
# engines: corei7_skylake_x qemu
. "$(dirname "$0")/lib.sh"
g=lowmem
lines() { tr -d '\r' <"$1" | grep -a "^$g: " | grep -v "^$g: done"; }

for engine in $ENGINES; do
    if [ "$engine" = qemu ]; then
        run_qemu --disk "$(guest_bin $g)" --timeout 120 --stall 60 --done "$g: done" --fail "$g: FAIL"
    else
        run_bochs --disk "$(guest_bin $g)" --cpu "$engine" --timeout 120 --stall 60 --done "$g: done" \
            --fail "$g: FAIL"
    fi
    expect_in_order "$SERIAL_LOG" "$g: start" "$g: after the writes:" "$g: done" ||
        fail "$g bare on $engine"
    cp "$SERIAL_LOG" "$TEST_TMP/bare-$engine.log"
    guest_run_engine "$engine" $g --stall 90
    expect_in_order -E "$SERIAL_LOG" \
        "pxHV: INT 15h hook at [0-9a-f]{4}:[0-9a-f]{4}, a page of the upper memory area that only the second-level tables fill; conventional memory untouched \(INT 12h [0-9]+ KiB\)" \
        "$g: start" "$g: int 12h: [0-9]+ KiB" \
        "$g: wrote and read back 0x00000500-0x00007000 and 0x[0-9A-F]{8}-0x[0-9A-F]{8}" \
        "$g: after the writes:" "$g: done" 'pxHV: stopping \(guest finished\)' ||
        fail "$g under pxHV on $engine"
    expect_absent "$SERIAL_LOG" " violation: guest" || fail "$g under pxHV on $engine: a second-level violation"
    diff <(lines "$TEST_TMP/bare-$engine.log") <(lines "$SERIAL_LOG") ||
        fail "$g on $engine: conventional memory under pxHV is not the bare machine's"
done
pass "conventional memory, INT 12h, the BDA and E820 below 1 MiB as on the bare machine"
