#!/usr/bin/env bash
# A 64-bit CPU without VMX (Bochs p4_prescott_celeron_336: CPUID.1:ECX.VMX[bit 5] = 0,
# long mode present): stage 2 must say so rather than execute VMXON.
. "$(dirname "$0")/lib.sh"
need_image

run_bochs --cpu p4_prescott_celeron_336 --timeout 60 --done "VT-x not supported by this CPU"
expect_in_order "$SERIAL_LOG" \
    "pxHV: Pixel Hypervisor v0.1" \
    "Jumping to hypervisor..." \
    "Stage 2: Hypervisor loader" \
    "VT-x not supported by this CPU" || fail "no-VMX report"
expect_absent "$SERIAL_LOG" "VMXON executed successfully!" || fail "VMXON on a CPU without VMX"
pass
