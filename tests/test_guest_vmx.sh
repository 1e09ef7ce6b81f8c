#!/usr/bin/env bash
# Test guest "vmx": VMX is invisible: CR4.VMXE cannot be set (#GP) and VMXON in
# protected mode exits to pxHV, which injects #UD.
# engines: corei7_skylake_x corei7_haswell_4770
. "$(dirname "$0")/lib.sh"
for cpu in $ENGINES; do
    guest_run vmx "$cpu"
    guest_expect vmx || fail "$cpu: guest lines"
    expect_in_order "$SERIAL_LOG" "pxHV: stopping (guest finished)" || fail "$cpu: end"
    expect_stats VMXON "control-register access" || fail "$cpu: exit statistics"
done
pass
