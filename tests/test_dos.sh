#!/usr/bin/env bash
# Issue 15: a DOS-like boot (tests/guests/dosboot.asm).  The guest turns A20 off through the
# keyboard controller and port 92h, puts a resident INT 21h handler low, calls INT 15h from
# its own virtual-8086 monitor, turns A20 on through INT 15h AX=2401h, and runs a prompt
# `A:\>` in v86 mode on the screen and COM1; the test types ver, mem, a20, an unknown command
# and exit at it.  Under pxHV on Bochs VT-x and QEMU TCG AMD-V (not Bochs AMD-V: Bochs 2.7
# panics at any #VMEXIT from v86 mode, see test_hostile_v86.sh), and bare on Bochs: the same
# prompt lines.  What "mem" prints is what pxHV says the guest has.
# engines: corei7_skylake_x qemu
# check: qemu
. "$(dirname "$0")/lib.sh"
g=dosboot
cat >"$TEST_TMP/dos.chat" <<'CHAT'
wait A:\>
send ver
wait A:\>
send mem
wait A:\>
send a20
wait A:\>
send dir
wait A:\>
send exit
CHAT
session() { # the prompt's lines, the same bare and under pxHV
    expect_in_order -E "$SERIAL_LOG" "$g: start" \
        "$g: a20 off through the keyboard controller" "$g: a20 on through port 92h" \
        "$g: a20 off through port 92h" "$g: resident part at 0060:0000, int 21h hooked" \
        "$g: from v86 mode: int 15h e820 [1-9][0-9]* ranges, ah=88h 0x[0-9A-F]{4}" \
        "$g: himem: a20 on through int 15h ax=2401h from v86 mode" \
        "pxDOS version 7\.10 \(a DOS-like boot for pxHV's tests\)" \
        'A:\\>ver' 'pxDOS version 7\.10' \
        'A:\\>mem' 'Conventional memory: [0-9]+ KiB \(INT 12h\)' \
        'Extended memory: [0-9]+ KiB \(INT 15h AH=88h\)' 'Usable memory: [0-9]+ KiB \(INT 15h E820\)' \
        'A:\\>a20' 'A20 line: on' 'A:\\>dir' 'Bad command or file name' \
        'A:\\>exit' 'Shutting down' || return 1
    expect_absent "$SERIAL_LOG" "$g: FAIL" || return 1
    expect_absent "$SERIAL_LOG" "v86 mode: #" || return 1
}

for engine in $ENGINES; do
    if [ "$engine" = qemu ]; then
        guest_run_qemu $g --chat "$TEST_TMP/dos.chat" --stall 90 --timeout 300
    else
        guest_run $g "$engine" --chat "$TEST_TMP/dos.chat" --stall 90 --timeout 300
    fi
    session || fail "$g under pxHV on $engine"
    expect_in_order -E "$SERIAL_LOG" \
        'pxHV: region [0-9a-f]{16}-[0-9a-f]{16}: every page has address bit 20 clear, so the guest.s A20 gate cannot move pxHV.s own accesses' \
        "pxHV: launching guest '$g' .*" 'Shutting down' \
        'pxHV: guest ended: shutdown hypercall at 0008:[0-9a-f]+' 'pxHV: stopping \(guest finished\)' ||
        fail "$g under pxHV on $engine: the end"
    # "mem" says what pxHV gives the guest.
    expect_line "$SERIAL_LOG" '^pxHV: INT 15h hook at .*\(INT 12h [0-9]+ KiB\)$' || fail "no INT 12h line"
    conv=$(sed -E 's/.*\(INT 12h ([0-9]+) KiB\)$/\1/' <<<"$MATCH")
    expect_line "$SERIAL_LOG" '^pxHV: guest memory: [0-9]+ KiB usable' || fail "no guest memory line"
    usable=$(sed -E 's/^pxHV: guest memory: ([0-9]+) KiB usable.*/\1/' <<<"$MATCH")
    expect_in_order "$SERIAL_LOG" "Conventional memory: $conv KiB (INT 12h)" \
        "Usable memory: $usable KiB (INT 15h E820)" || fail "$g under pxHV on $engine: mem"
done

# Bare, on Bochs (with the Bochs engine's job): the guest is a DOS-like boot sector of its own.
if [[ " $ENGINES " == *" corei7_skylake_x "* ]]; then
    run_bochs --disk "$(guest_bin $g)" --chat "$TEST_TMP/dos.chat" --stall 90 --timeout 300 \
        --done "Shutting down"
    session || fail "$g bare"
fi
pass "the DOS-like boot reaches its prompt and answers under pxHV"
