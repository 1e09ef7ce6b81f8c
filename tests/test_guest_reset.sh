#!/usr/bin/env bash
# Guest-initiated resets are seen by pxHV, which prints its exit statistics and
# then really resets the machine: the "reset" test guest tries one method per
# boot (port 0xCF9, keyboard controller 0xFE, port 0x92, triple fault), counting
# boots in CMOS, and powers off on the fifth.
. "$(dirname "$0")/lib.sh"
guest_run reset corei7_skylake_x --timeout 300
ended() { # REASON: one reset cycle as pxHV reports it
    printf '%s\n' "pxHV: guest ended: $1 at 0000:[0-9a-f]+" \
        'pxHV: exit statistics: [0-9]+ exits' 'pxHV: resetting the machine' \
        'pxHV: Pixel Hypervisor v0\.1' 'VMXON executed successfully!'
}
mapfile -t want < <(
    echo 'reset: boot 1'; ended 'reset through port 0xCF9'
    echo 'reset: boot 2'; ended 'reset through the keyboard controller'
    echo 'reset: boot 3'; ended 'fast reset through port 0x92'
    echo 'reset: boot 4'; ended 'triple fault'
    echo 'reset: boot 5'; echo 'reset: done'; echo 'pxHV: stopping \(guest finished\)')
expect_in_order -E "$SERIAL_LOG" "${want[@]}" || fail "reset cycles"
expect_absent "$SERIAL_LOG" "reset: FAIL" || fail "a reset request did not reset"
pass
