#!/usr/bin/env bash
# The in-place launch of the UEFI path (core/inplace.c, the backends' guest_set_state) under
# the engines that have no UEFI firmware: the built-in guest "relaunch" takes snapshots of
# itself and asks pxHV, through the test-only hypercall PXHV_HC_TEST_RELAUNCH (configuration
# flag test-relaunch), to launch it afresh from each (tests/guests/relaunch.asm): a snapshot
# naming no descriptor is refused; 32-bit protected mode and 64-bit mode with TR never loaded
# (the reset state pxHV rebuilds, as UEFI firmware leaves TR) and with a 64-bit TSS continue
# exactly where they were.  Under Bochs VT-x (the VMX launch with VMXOFF/VMXON and a fresh
# VMCS), Bochs ryzen and QEMU TCG (the SVM launch); without the flag the hypercall is ENOSYS.
# engines: corei7_skylake_x ryzen qemu
# check: qemu
. "$(dirname "$0")/lib.sh"
img=$(pxhv_image --builtin "$(guest_bin relaunch)" --name relaunch --flags "$CFG_FLAG_TEST_RELAUNCH") ||
    fail "image"
H='[0-9a-f]+'
for engine in $ENGINES; do
    if [ "$engine" = qemu ]; then
        run_qemu --disk "$img" --cpu "$SVM_QEMU_CPU" --timeout 120 --stall 60 --done "pxHV: stopping"
    else
        run_bochs --disk "$img" --cpu "$engine" --timeout 180 --stall 90 --done "pxHV: stopping"
    fi
    guest_expect relaunch || fail "$engine: the guest's lines"
    if [ "$(second_level "$engine")" = EPT ]; then on='VMXON executed successfully!' name=VMX call=VMCALL
    else on='SVM enabled' name=SVM call=VMMCALL; fi
    expect_in_order -E "$SERIAL_LOG" \
        "pxHV: refused: a relaunch from a snapshot in which CS 0080 does not name a present code or data descriptor at 0008:$H" \
        'relaunch: 32-bit protected mode, TR 0000: relaunch' \
        "pxHV: CPU 0: relaunch from the guest's own snapshot \(test\): virtualization off and on again, a fresh $name control block" \
        "$on" \
        "pxHV: CPU 0 \(APIC 0\) continues as the guest at 0008:$H in protected mode, CR3 $H, RFLAGS $H, TR 0000 \(none loaded: the reset state, a busy TSS at 0, limit ffff\)" \
        'relaunch: 64-bit mode, TR 0000: relaunch' \
        "pxHV: CPU 0: relaunch from the guest's own snapshot \(test\): .*" \
        "pxHV: CPU 0 \(APIC 0\) continues as the guest at 0018:$H in 64-bit mode, CR3 20000, RFLAGS $H, TR 0000 \(none loaded: the reset state, a busy TSS at 0, limit ffff\)" \
        'relaunch: 64-bit mode, TR 0020 \(a 64-bit TSS\): relaunch' \
        "pxHV: CPU 0 \(APIC 0\) continues as the guest at 0018:$H in 64-bit mode, CR3 20000, RFLAGS $H, TR 0020" \
        'relaunch: done' \
        'pxHV: guest requested shutdown, status 0' \
        'pxHV: exit statistics: [0-9]+ exits' || fail "$engine: pxHV's lines"
    expect_stats "$call" || fail "$engine: exit statistics"
    expect_absent "$SERIAL_LOG" PANIC || fail "$engine: panic"
    secs+=" $engine ${RUN_SECS}s"
done
# Without the flag: no such hypercall (once, with the QEMU engine).
noflag=
if [[ " $ENGINES " == *" qemu "* ]]; then
    plain=$(pxhv_image --builtin "$(guest_bin relaunch)" --name relaunch) || fail "image without the flag"
    run_qemu --disk "$plain" --cpu "$SVM_QEMU_CPU" --timeout 120 --stall 60 --done "pxHV: stopping"
    expect_in_order "$SERIAL_LOG" 'relaunch: start' \
        'relaunch: the relaunch hypercall answers ENOSYS: the configuration flag is off' 'relaunch: done' ||
        fail "without the flag"
    expect_absent "$SERIAL_LOG" "relaunch from the guest's own snapshot" || fail "without the flag: relaunched"
    noflag="; ENOSYS without the flag"
fi
pass "relaunched in 32-bit and 64-bit mode:$secs$noflag"
