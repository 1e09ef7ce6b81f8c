#!/usr/bin/env bash
# Test guests "e820" and "e820bad" (tests/guests/e820.asm): the guest
# may use every byte its memory map calls RAM, and not one byte of what pxHV
# hides.  Run with 256 MiB and 32 MiB, so that the hypervisor region (the
# highest 2 MiB block of RAM at or above 16 MiB) moves and the checks use
# the range pxHV reports in the same run.
#   e820     reads the map with INT 15h E820, which must be exactly pxHV's
#            "guest E820" map; writes and checks every RAM byte from 1 MiB
#            up (and conventional memory): no EPT violation, "wrote N MiB ok"
#            with N = the map's RAM, and a clean shutdown.
#   e820bad  the same, then one write into the hidden range: pxHV stops it
#            with an EPT violation at that GPA, inside the range it hides.
# weight: 11
# check: yes
. "$(dirname "$0")/lib.sh"


# The map pxHV gives the guest and the map the guest read, as
# "start end type" lines in decimal; they must be equal, must mark the
# hypervisor range reserved and must not call any of it RAM.
check_map() { # NAME
    local want got s e t covered=0
    want=$(tr -d '\r' <"$SERIAL_LOG" |
        sed -nE 's/^guest E820: ([0-9a-f]+)-([0-9a-f]+) type ([0-9]+)$/\1 \2 \3/p' |
        while read -r s e t; do echo "$((16#$s)) $((16#$e)) $t"; done)
    got=$(tr -d '\r' <"$SERIAL_LOG" |
        sed -nE "s/^$1: base=0x([0-9A-F]{16}) len=0x([0-9A-F]{16}) type=([0-9]+)\$/\1 \2 \3/p" |
        while read -r s e t; do echo "$((16#$s)) $((16#$s + 16#$e)) $t"; done)
    [ -n "$want" ] || { echo "FAILED: no \"guest E820:\" lines from pxHV"; return 1; }
    [ -n "$got" ] || { echo "FAILED: the guest printed no E820 entries"; return 1; }
    if [ "$want" != "$got" ]; then
        echo "FAILED: the guest's E820 map differs from pxHV's (start end type, decimal):"
        diff <(echo "$want") <(echo "$got") | sed 's/^/        /'
        return 1
    fi
    while read -r s e t; do
        if [ "$t" = 1 ] && (( s < HV_END && HV_START < e )); then
            printf 'FAILED: E820 RAM %x-%x overlaps the hypervisor %x-%x\n' "$s" "$e" "$HV_START" "$HV_END"
            return 1
        fi
        [ "$t" != 2 ] || (( s > HV_START || e < HV_END )) || covered=1
    done <<<"$want"
    [ $covered = 1 ] || { printf 'FAILED: no reserved E820 entry covers %x-%x\n' "$HV_START" "$HV_END"; return 1; }
    # RAM from 1 MiB to 4 GiB, in MiB; the guest adds conventional memory
    # above its own image (< 640 KiB), so it reports this or one more.
    RAM_MIB=$(while read -r s e t; do
                  [ "$t" = 1 ] || continue
                  (( s < 0x100000 )) && s=0x100000
                  (( e > 0x100000000 )) && e=0x100000000
                  (( e > s )) && echo $((e - s))
              done <<<"$want" | awk '{ n += $1 } END { printf "%d\n", n / 1048576 }')
}

check_wrote() { # NAME
    expect_line "$SERIAL_LOG" "^$1: wrote [0-9]+ MiB ok\$" || return 1
    WROTE=${MATCH#"$1: wrote "}
    WROTE=${WROTE%% *}
    if (( WROTE < RAM_MIB || WROTE > RAM_MIB + 1 )); then
        echo "FAILED: the guest wrote $WROTE MiB, the map has $RAM_MIB MiB of RAM above 1 MiB"
        return 1
    fi
}

for mem in 256 32; do
    guest_run e820 corei7_skylake_x --mem "$mem" --fail PANIC --fail "pxHV: EPT violation:"
    guest_expect e820 || fail "e820, $mem MiB: guest lines"
    hv_range || fail "e820, $mem MiB: hypervisor range"
    check_map e820 || fail "e820, $mem MiB: memory map"
    check_wrote e820 || fail "e820, $mem MiB: amount written"
    expect_absent "$SERIAL_LOG" "pxHV: EPT violation:" || fail "e820, $mem MiB: EPT violation on usable RAM"
    expect_in_order -E "$SERIAL_LOG" 'e820: done' \
        'pxHV: guest ended: shutdown hypercall at [0-9a-f]+:[0-9a-f]+' \
        'pxHV: stopping \(guest finished\)' || fail "e820, $mem MiB: clean end"
    echo "[$TEST_NAME] e820, $mem MiB: hides $(printf '%x-%x' "$HV_START" "$HV_END"), wrote $WROTE MiB (map: $RAM_MIB MiB above 1 MiB), ${RUN_SECS}s"

    guest_run e820bad corei7_skylake_x --mem "$mem"
    guest_expect e820bad || fail "e820bad, $mem MiB: guest lines"
    hv_range || fail "e820bad, $mem MiB: hypervisor range"
    check_map e820bad || fail "e820bad, $mem MiB: memory map"
    check_wrote e820bad || fail "e820bad, $mem MiB: amount written"
    expect_in_order -E "$SERIAL_LOG" 'e820bad: wrote [0-9]+ MiB ok' \
        'e820bad: writing hidden 0x[0-9A-F]+' \
        'pxHV: EPT violation: guest write at GPA 0x[0-9a-f]+ \(GLA 0x[0-9a-f]+\), RIP 0008:[0-9a-f]+, qualification 0x[0-9a-f]+' \
        'pxHV: the page is (the A20 alias of )?hypervisor memory \(EPT permissions ---\)' \
        'pxHV: guest ended: EPT violation at 0008:[0-9a-f]+' \
        'pxHV: stopping \(guest finished\)' || fail "e820bad, $mem MiB: violation report"
    expect_line "$SERIAL_LOG" '^e820bad: writing hidden 0x[0-9A-F]+$' || fail "e820bad: target"
    target=$((16#${MATCH##*0x}))
    expect_line "$SERIAL_LOG" '^pxHV: EPT violation: guest write at GPA 0x[0-9a-f]+ ' || fail "e820bad: GPA"
    gpa=${MATCH#*GPA 0x}
    gpa=$((16#${gpa%% *}))
    (( gpa == target )) || fail "e820bad, $mem MiB: GPA $(printf %x $gpa) is not the target $(printf %x $target)"
    (( HV_START <= gpa && gpa < HV_END )) ||
        fail "e820bad, $mem MiB: GPA $(printf %x $gpa) outside the hidden $(printf '%x-%x' "$HV_START" "$HV_END")"
    expect_absent "$SERIAL_LOG" "e820bad: still running" || fail "e820bad, $mem MiB: guest kept running"
    expect_stats "EPT violation" || fail "e820bad, $mem MiB: exit statistics"
    echo "[$TEST_NAME] e820bad, $mem MiB: stopped at GPA $(printf %x $gpa), ${RUN_SECS}s"
done
pass
