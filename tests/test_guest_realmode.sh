#!/usr/bin/env bash
# Test guest "realmode": a 16-bit guest at 0x7C00 uses the real BIOS (INT 10h,
# 13h, 12h, 15h E820 through pxHV's hook) and the serial port directly.
# engines: corei7_skylake_x corei7_haswell_4770
# check: corei7_skylake_x
. "$(dirname "$0")/lib.sh"
for cpu in $ENGINES; do
    guest_run realmode "$cpu"
    guest_expect realmode || fail "$cpu: guest lines"
    expect_in_order "$SERIAL_LOG" "pxHV: stopping (guest finished)" || fail "$cpu: end"
    expect_stats VMCALL || fail "$cpu: exit statistics"
done
pass
