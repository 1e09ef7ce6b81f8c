#!/usr/bin/env bash
# Test guest "cpuid": leaf 0x40000000 names pxHV, leaf 1 hides VMX and sets the
# hypervisor bit, the VERSION hypercall answers, an unknown one returns ENOSYS.
# engines: corei7_skylake_x corei7_haswell_4770
# check: corei7_skylake_x
. "$(dirname "$0")/lib.sh"
for cpu in $ENGINES; do
    guest_run cpuid "$cpu"
    guest_expect cpuid || fail "$cpu: guest lines"
    expect_in_order "$SERIAL_LOG" "pxHV: guest requested shutdown, status 0" \
        "pxHV: stopping (guest finished)" || fail "$cpu: shutdown"
    expect_stats CPUID VMCALL || fail "$cpu: exit statistics"
done
pass
