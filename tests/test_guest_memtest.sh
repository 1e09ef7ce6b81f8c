#!/usr/bin/env bash
# memtest86+ v6 (build/guests/memtest.img, make guest-memtest: SYSLINUX loads
# memtest86+x64.bin by the Linux boot protocol) as pxHV's partition guest on a
# 32 MiB machine: the hypervisor region sits at the top of RAM (below the
# ACPI tables), inside the range memtest tests.  memtest takes its memory map from the E820 table SYSLINUX
# copied from pxHV's hooked INT 15h, so it must test what pxHV offers (its
# "of N MB" total equals pxHV's usable memory) and never touch the hypervisor.
#
# A full pass at this size takes about an hour under Bochs (measured: 8% of the pass in
# 5 minutes with 64 MiB; test_guest_memtest_pass.sh runs a whole pass on 20 MiB), so the
# run ends when test #4 starts, i.e. after
# tests #0-#3 completed: the address tests (walking ones, own address; every
# word of every tested range written with its own address and read back) and
# moving inversions 1s & 0s.  That takes 15-60 s depending on the host's load.
# memtest mirrors its screen on COM1 with VT100 sequences, refreshed about
# once a second, so quick tests (#1) may never be shown: only "#4  [" is used.
# needs: guest-memtest
. "$(dirname "$0")/lib.sh"
MT_IMG=$PXHV_ROOT/build/guests/memtest.img
[ -s "$MT_IMG" ] || fail "$MT_IMG missing (make guest-memtest)"

img=$(pxhv_image --partition "$MT_IMG") || fail "image"
run_bochs --disk "$img" --mem 32 --timeout 300 --done "#4  [" \
    --fail PANIC --fail "pxHV: EPT violation:" --fail "pxHV: guest ended"
expect_in_order -E "$SERIAL_LOG" "VMXON executed successfully!" \
    'pxHV: hidden from the guest: [0-9a-f]{16}-[0-9a-f]{16} \(hypervisor, [0-9]+ KiB\), .*' \
    "pxHV: launching guest 'partition' \(active partition\) at 0000:7C00, DL=0x80, .*" \
    'Loading memtest.bin... ok' || fail "memtest not loaded"
expect_region_at_top 512 || fail "hypervisor region"
expect_end "done" || fail "tests #0-#3 did not complete"
expect_line "$SERIAL_LOG" 'Memtest86\+ v6' || fail "no memtest86+ banner"
expect_absent "$SERIAL_LOG" "pxHV: EPT violation:" || fail "memtest touched the hypervisor"
expect_absent "$SERIAL_LOG" "pxHV: guest ended" || fail "pxHV stopped the guest"
if LC_ALL=C grep -aqE 'Errors: *[1-9]' "$SERIAL_LOG"; then
    fail "memtest found memory errors: $(LC_ALL=C grep -aoE 'Errors: *[1-9][0-9]*' "$SERIAL_LOG" | tail -n 1)"
fi

# memtest's total ("[4MB of 29.6MB]", one decimal) against pxHV's usable KiB.
expect_line "$SERIAL_LOG" '^pxHV: guest memory: [0-9]+ KiB usable' || fail "no guest memory line"
usable=${MATCH#pxHV: guest memory: }
usable=${usable%% *}
total=$(LC_ALL=C grep -aoE ' of [0-9]+(\.[0-9])?[KMG]B\]' "$SERIAL_LOG" | head -n 1)
total=${total#' of '} total=${total%]}
[ -n "$total" ] || fail "memtest printed no tested-memory total"
kib=$(awk -v t="$total" 'BEGIN {
        u = substr(t, length(t) - 1); v = substr(t, 1, length(t) - 2)
        printf "%d\n", v * (u == "GB" ? 1048576 : u == "MB" ? 1024 : 1) }')
# One decimal of a MB is +-51 KiB; the hidden region is a few hundred.
(( kib - usable <= 103 && usable - kib <= 103 )) ||
    fail "memtest tests $total (~$kib KiB), pxHV offers $usable KiB"
echo "[$TEST_NAME] tests #0-#3 over $total (pxHV: $usable KiB usable) in ${RUN_SECS}s"
pass
