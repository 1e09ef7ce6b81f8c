#!/usr/bin/env bash
# A CPU with EPT but without unrestricted guest (Bochs corei5_lynnfield_750)
# cannot run real-mode guests: pxHV says which control is missing and stops.
. "$(dirname "$0")/lib.sh"
guest_run cpuid corei5_lynnfield_750
expect_in_order "$SERIAL_LOG" \
    "VMXON executed successfully!" \
    "pxHV: this CPU's VMX lacks required secondary processor-based controls 0x00000080: unrestricted-guest" \
    "pxHV: unrestricted guest is required to run real-mode guests (SDM 26.3.1.1)" \
    "pxHV: stopping (missing VMX feature)" || fail "missing-feature report"
expect_absent "$SERIAL_LOG" "cpuid: start" || fail "guest ran"
pass
