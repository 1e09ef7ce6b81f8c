#!/usr/bin/env bash
# memtest86+ completes its whole first pass over the guest's memory under
# pxHV, with no error and no EPT violation: on a 20 MiB machine (the region
# sits at the top of RAM, inside what memtest tests) a pass takes about 2-4
# minutes of Bochs.  test_guest_memtest.sh checks the memory it is given
# on a larger machine.
# needs: guest-memtest
# weight: 225
. "$(dirname "$0")/lib.sh"
MT_IMG=$PXHV_ROOT/build/guests/memtest.img
[ -s "$MT_IMG" ] || fail "$MT_IMG missing (make guest-memtest)"

img=$(pxhv_image --partition "$MT_IMG") || fail "image"
run_bochs --disk "$img" --mem 20 --timeout 900 --done "Pass:  1" \
    --fail PANIC --fail "pxHV: EPT violation:" --fail "pxHV: guest ended"
expect_in_order -E "$SERIAL_LOG" "VMXON executed successfully!" \
    'pxHV: hidden from the guest: [0-9a-f]{16}-[0-9a-f]{16} \(hypervisor, [0-9]+ KiB\), .*' \
    "pxHV: launching guest 'partition' \(active partition\) at 0000:7C00, DL=0x80, .*" \
    'Loading memtest.bin... ok' || fail "memtest not loaded"
expect_region_at_top 512 || fail "hypervisor region"
expect_end "done" || fail "the first pass did not complete"
expect_absent "$SERIAL_LOG" "pxHV: EPT violation:" || fail "memtest touched the hypervisor"
if LC_ALL=C grep -aqE 'Errors: *[1-9]' "$SERIAL_LOG"; then
    fail "memtest found memory errors"
fi
LC_ALL=C grep -aqE 'Errors: *0' "$SERIAL_LOG" || fail "memtest printed no error count"
pass "pass 1 completed in ${RUN_SECS}s"
