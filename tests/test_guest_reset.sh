#!/usr/bin/env bash
# Guest-initiated resets end in the BIOS, which boots pxHV again: the "reset" test guest
# tries one method per boot (port 0xCF9, keyboard controller 0xFE, port 0x92, triple
# fault), counting boots in CMOS, and powers off on the fifth.  pxHV does not intercept
# the reset ports (their polling would cost an exit each); their resets restart the
# machine, and the BIOS's full start-up runs pxHV first again.  A triple fault exits:
# pxHV reports it with its statistics and resets the machine itself.
. "$(dirname "$0")/lib.sh"
guest_run reset corei7_skylake_x --timeout 300 --bios /usr/share/seabios/bios.bin
again() { # the machine starting over: the BIOS boots pxHV, which launches the guest
    printf '%s\n' 'pxHV: Pixel Hypervisor v0\.1' 'Stage 2: Hypervisor loader' \
        'VMXON executed successfully!' "pxHV: launching guest 'reset' \(built-in\) at 0000:7C00, DL=0x80"
}
mapfile -t want < <(
    echo 'reset: boot 1'; echo 'reset: reset through port 0xCF9'; again
    echo 'reset: boot 2'; echo 'reset: reset through the keyboard controller'; again
    echo 'reset: boot 3'; echo 'reset: reset through port 0x92'; again
    echo 'reset: boot 4'; echo 'reset: triple fault'
    printf '%s\n' 'pxHV: guest ended: triple fault at 0000:[0-9a-f]+' \
        'pxHV: exit statistics: [0-9]+ exits' 'pxHV: resetting the machine'; again
    echo 'reset: boot 5'; echo 'reset: done'; echo 'pxHV: stopping \(guest finished\)')
expect_in_order -E "$SERIAL_LOG" "${want[@]}" || fail "reset cycles"
expect_absent "$SERIAL_LOG" "reset: FAIL" || fail "a reset request did not reset"
[ "$(grep -c 'VMXON executed successfully!' "$SERIAL_LOG")" = 5 ] || fail "not five boots of pxHV"
pass
