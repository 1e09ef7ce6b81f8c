#!/usr/bin/env bash
# Test guest "io": OUT/IN of sizes 1, 2 and 4 (immediate and DX), REP OUTSB and
# REP INSB on the intercepted debug port 0xE9 carry exactly the guest's bytes.
# engines: corei7_skylake_x corei7_haswell_4770
. "$(dirname "$0")/lib.sh"
for cpu in $ENGINES; do
    guest_run io "$cpu"
    guest_expect io || fail "$cpu: guest lines"
    expect_in_order "$SERIAL_LOG" "pxHV: stopping (guest finished)" || fail "$cpu: end"
    expect_stats "I/O instruction" VMCALL || fail "$cpu: exit statistics"
done
pass
