#!/usr/bin/env bash
# Test guest "hlt": STI;HLT resumes on the next interrupt (HLT activity state);
# after CLI;HLT only an NMI, INIT or SMI would wake the CPU: pxHV says so, prints its
# statistics and leaves the CPU halted, as hardware would (nothing else happens).
# engines: corei7_skylake_x corei7_haswell_4770
. "$(dirname "$0")/lib.sh"
for cpu in $ENGINES; do
    guest_run hlt "$cpu" --done "pxHV: core events"
    guest_expect hlt || fail "$cpu: guest lines"
    expect_in_order -E "$SERIAL_LOG" \
        'pxHV: launching guest .hlt. \(built-in\) at 0000:7C00, DL=0x80' \
        'pxHV: CPU 0 halted with interrupts disabled at 0000:[0-9a-f]+; only an NMI, INIT or SMI wakes it' \
        'pxHV: exit statistics: [0-9]+ exits' 'pxHV: core events: .*' || fail "$cpu: hypervisor lines"
    expect_end done || fail "$cpu: the machine stopped: $RUN_END"
    expect_absent "$SERIAL_LOG" "pxHV: stopping" || fail "$cpu: pxHV stopped the machine"
    expect_stats HLT CPUID VMCALL || fail "$cpu: exit statistics"
done
pass
