#!/usr/bin/env bash
# Test guest "ept": a guest access to the hypervisor's own memory is an EPT
# violation; pxHV reports GPA, GLA and access, stops the guest, and survives to
# print its statistics.
# engines: corei7_skylake_x corei7_haswell_4770
. "$(dirname "$0")/lib.sh"
for cpu in $ENGINES; do
    guest_run ept "$cpu"
    guest_expect ept || fail "$cpu: guest lines"
    expect_line "$SERIAL_LOG" '^ept: touching 0x([0-9A-F]{8})$' || fail "$cpu: target line"
    addr=$(printf '0x%x' "$(sed -E 's/^ept: touching //' <<<"$MATCH")")
    expect_in_order -E "$SERIAL_LOG" \
        "pxHV: EPT violation: guest (read|write) at GPA $addr \(GLA $addr\), RIP 0008:[0-9a-f]+, qualification 0x[0-9a-f]+" \
        'pxHV: the page is hypervisor memory \(EPT permissions ---\)' \
        'pxHV: guest ended: EPT violation at 0008:[0-9a-f]+' \
        'pxHV: stopping \(guest finished\)' || fail "$cpu: violation report"
    expect_absent "$SERIAL_LOG" "ept: still running" || fail "$cpu: guest kept running"
    expect_stats "EPT violation" || fail "$cpu: exit statistics"
done
pass
