#!/usr/bin/env bash
# Test guest "hlt": STI;HLT resumes on the next interrupt (HLT activity state);
# CLI;HLT can never resume, so pxHV reports it and ends the run.
. "$(dirname "$0")/lib.sh"
for cpu in corei7_skylake_x corei7_haswell_4770; do
    guest_run hlt "$cpu"
    guest_expect hlt || fail "$cpu: guest lines"
    expect_in_order -E "$SERIAL_LOG" \
        'pxHV: launching guest .hlt. \(built-in\) at 0000:7C00, DL=0x80' \
        'pxHV: guest executed HLT with interrupts disabled' \
        'pxHV: guest ended: HLT with interrupts disabled at 0000:[0-9a-f]+' \
        'pxHV: stopping \(guest finished\)' || fail "$cpu: hypervisor lines"
    expect_stats HLT CPUID VMCALL || fail "$cpu: exit statistics"
done
pass
