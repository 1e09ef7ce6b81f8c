#!/usr/bin/env bash
# The failure reports of a VM entry, proven with deliberately broken VMCS
# contents (configuration flags, include/boot/pxhv_config.h):
#  - invalid guest state: VM-entry failure, reason 33, the dump, and the
#    violated SDM 26.3.1 check named;
#  - invalid control: VMLAUNCH fails with VM-instruction error 7 and its SDM text.
. "$(dirname "$0")/lib.sh"

img=$(pxhv_image --builtin "$(guest_bin hlt)" --name hlt --flags 4) || fail "image"
run_bochs --disk "$img" --timeout 120 --done "pxHV: stopping"
expect_in_order "$SERIAL_LOG" \
    "pxHV: test: launching with an unusable guest TR" \
    "pxHV: VM-entry failure: invalid guest state (exit reason 33), qualification 0x0" \
    "Guest state:" \
    "  TR   sel 0000 base 0000000000000000 limit 0000ffff ar 10000" \
    "pxHV: violated check: SDM 26.3.1.2: TR must be usable" \
    "pxHV: stopping (VM-entry failure)" || fail "guest-state failure report"
expect_absent "$SERIAL_LOG" "hlt: start" || fail "guest ran"

img=$(pxhv_image --builtin "$(guest_bin hlt)" --name hlt --flags 8) || fail "image"
run_bochs --disk "$img" --timeout 120 --done "pxHV: stopping"
expect_in_order -E "$SERIAL_LOG" \
    "pxHV: test: launching with CR3-target count 0x100" \
    "pxHV: VMLAUNCH failed: VM-instruction error 7: VM entry with invalid control field\(s\)" \
    "Controls: CR3-target count 256 \(at most [0-9]+\), .*" \
    "pxHV: violated check: SDM 26.2.1.1: the CR3-target count must not exceed IA32_VMX_MISC bits 24:16" \
    "pxHV: stopping \(VMLAUNCH failed\)" || fail "VMLAUNCH failure report"
pass
