#!/usr/bin/env bash
# QEMU TCG emulates no VMX: pxHV must report it and power the machine off by itself,
# well before the timeout.
. "$(dirname "$0")/lib.sh"
need_image

run_qemu --timeout 60
expect_in_order "$SERIAL_LOG" \
    "pxHV: Pixel Hypervisor v0.1" \
    "Jumping to hypervisor..." \
    "Stage 2: Hypervisor loader" \
    "VT-x not supported by this CPU" || fail "no-VMX report"
expect_absent "$SERIAL_LOG" "VMXON executed successfully!" || fail "VMXON on a CPU without VMX"
expect_absent "$SERIAL_LOG" "power-off did not take effect" || fail "power-off reported as failed"
expect_end exit || fail "pxHV did not power the machine off"
pass
