#!/usr/bin/env bash
# Checks the harness itself (tests/lib.sh) with small boot sectors from tests/harness/mbr.asm:
# both emulators, ordered line checks, the done/fail markers, the timeout, leftover processes
# and interactive COM1 driving.
# weight: 11
. "$(dirname "$0")/lib.sh"

mbrs=$(mktemp -d "${TMPDIR:-/tmp}/pxhv-harness-mbr.XXXXXX")
_run_dirs+=("$mbrs")
for v in plain HANG ECHO; do
    flag=; [ $v = plain ] || flag=-D$v
    nasm -f bin $flag -o "$mbrs/$v.img" "$PXHV_ROOT/tests/harness/mbr.asm" || fail "nasm $v"
done
L1="harness: boot sector running" L2="harness: second line"

no_leftovers() { ! pgrep -f -- "$RUN_DIR/" >/dev/null || fail "processes left behind in $RUN_DIR"; }

for emu in bochs qemu; do
    run_$emu --disk "$mbrs/plain.img" --timeout 30
    expect_end exit || fail "$emu: the guest's power-off should end the run"
    expect_in_order "$SERIAL_LOG" "$L1" "$L2" || fail "$emu: lines in order"
    expect_in_order "$SERIAL_LOG" "$L2" "$L1" >/dev/null && fail "$emu: reversed order accepted"
    expect_in_order "$SERIAL_LOG" "harness: second" >/dev/null && fail "$emu: partial line accepted"
    expect_in_order -F "$SERIAL_LOG" "boot sector" "second" || fail "$emu: -F"
    expect_in_order -E "$SERIAL_LOG" "harness: .* running" || fail "$emu: -E"
    no_leftovers
done

: >"$RUN_DIR/empty"
expect_in_order "$RUN_DIR/empty" "$L1" >/dev/null && fail "an empty log passed"

run_bochs --disk "$mbrs/HANG.img" --timeout 60 --done "$L2"
expect_end "done" || fail "bochs: done marker"
[ "$RUN_SECS" -lt 30 ] || fail "bochs: done marker took ${RUN_SECS}s"
no_leftovers

run_qemu --disk "$mbrs/HANG.img" --timeout 60 --fail "second line"
expect_end fail || fail "qemu: fail marker"
no_leftovers

for emu in bochs qemu; do
    run_$emu --disk "$mbrs/HANG.img" --timeout 3
    expect_end timeout || fail "$emu: timeout"
    no_leftovers
done

chat=$mbrs/chat
printf '%s\n' '# answer the prompt twice' 'wait READY> ' 'send hello world' \
    'wait You said: hello world' 'wait READY> ' 'send quit' >"$chat"
for emu in bochs qemu; do
    run_$emu --disk "$mbrs/ECHO.img" --timeout 30 --chat "$chat"
    expect_end exit || fail "$emu chat: the guest should power off after quit"
    expect_in_order "$SERIAL_LOG" "$L1" "READY> hello world" "You said: hello world" \
        "READY> quit" "You said: quit" || fail "$emu: interactive COM1"
    no_leftovers
done
pass "harness works on Bochs and QEMU"
