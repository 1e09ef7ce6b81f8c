#!/usr/bin/env bash
# A machine with more CPUs than the build supports: pxHV built with PXHV_MAX_CPUS=2
# (in this test's own build directory) on 4 CPUs refuses to run, before any CPU is
# started, rather than leave two CPUs outside VMX where the guest could start them.
. "$(dirname "$0")/lib.sh"
b=$TEST_TMP/build
make -s --no-print-directory -C "$PXHV_ROOT" BUILD="$b" PXHV_MAX_CPUS=2 \
    "$b/stage1.bin" "$b/stage2.bin" "$b/stage3.bin" >"$TEST_TMP/make.log" 2>&1 ||
    { cat "$TEST_TMP/make.log"; fail "build with PXHV_MAX_CPUS=2"; }
img=$TEST_TMP/max2.img
bash "$PXHV_ROOT/scripts/mkimage.sh" "$img" --stage1 "$b/stage1.bin" --stage2 "$b/stage2.bin" \
    --stage3 "$b/stage3.bin" --builtin "$(guest_bin cpuid)" --name cpuid >/dev/null || fail "image"
run_bochs --disk "$img" --cpus 4 --timeout 120     # no --done: it must stop by itself
expect_in_order "$SERIAL_LOG" "VMXON executed successfully!" \
    "pxHV: 4 CPUs (ACPI MADT): APIC 0 (boot) APIC 1 ..." \
    "pxHV: 4 CPUs, more than the 2 this build supports (PXHV_MAX_CPUS): refusing to run, since a CPU outside VMX could reach pxHV's memory" \
    "pxHV: stopping (too many CPUs)" || fail "refusal"
expect_absent "$SERIAL_LOG" "in VMX root, waiting for SIPI" || fail "an AP was started"
expect_absent "$SERIAL_LOG" "cpuid: start" || fail "the guest ran"
expect_end exit || fail "the machine was not powered off"
pass
