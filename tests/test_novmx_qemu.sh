#!/usr/bin/env bash
# A CPU pxHV cannot use: pxHV must say why and power the machine off by itself,
# well before the timeout.  QEMU's TCG emulates no VMX; its qemu64 model has SVM
# but no nested paging, and with -svm it has neither.
. "$(dirname "$0")/lib.sh"
need_image

# Neither VT-x nor AMD-V: stage 2 reports both and stops.
run_qemu --cpu qemu64,-svm --timeout 60
expect_in_order "$SERIAL_LOG" \
    "pxHV: Pixel Hypervisor v0.1" \
    "Jumping to hypervisor..." \
    "Stage 2: Hypervisor loader" \
    "VT-x not supported by this CPU" \
    "AMD-V not supported by this CPU" || fail "no-VMX, no-SVM report"
expect_absent "$SERIAL_LOG" "VMXON executed successfully!" || fail "VMXON on a CPU without VMX"
expect_absent "$SERIAL_LOG" "power-off did not take effect" || fail "power-off reported as failed"
expect_end exit || fail "no VT-x/AMD-V: pxHV did not power the machine off"
echo "[$TEST_NAME] no VT-x, no AMD-V: ${RUN_SECS}s"

# SVM without nested paging (CPUID 8000000Ah:EDX.NP = 0): stage 3 refuses by name.
run_qemu --cpu qemu64 --timeout 60
expect_in_order "$SERIAL_LOG" \
    "Stage 2: Hypervisor loader" \
    "AMD-V supported" \
    "pxHV: cannot run guests: AMD-V without nested paging (NPT), which pxHV needs" \
    "pxHV: stopping (no AMD-V)" || fail "SVM-without-NPT report"
expect_absent "$SERIAL_LOG" "VT-x supported" || fail "VT-x reported on an AMD model"
expect_absent "$SERIAL_LOG" "pxHV: launching guest" || fail "guest launched without NPT"
expect_end exit || fail "SVM without NPT: pxHV did not power the machine off"
echo "[$TEST_NAME] SVM without NPT: ${RUN_SECS}s"
pass
