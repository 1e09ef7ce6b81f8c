#!/usr/bin/env bash
# GRUB 2 (build/guests/grub.img, make guest-grub) as pxHV's guest, chained both
# ways a BIOS machine would start it:
#   partition  the image's partition 1 embedded as the pxHV disk's active
#              partition: pxHV starts its VBR (GRUB's boot.img) with DL = 0x80
#              and DS:SI -> the partition entry, as an MBR does;
#   drive      the whole image as the second hard disk, pxHV configured with
#              --drive 0x81: GRUB's own MBR code runs first.
# At grub> the test types `lsmmap` and `halt` over COM1.  GRUB reads the map
# through INT 15h E820, i.e. from pxHV's hook, so lsmmap must show the
# hypervisor's 2 MiB (pxHV's "hidden from the guest" line) as reserved, no
# available RAM over it, and otherwise exactly pxHV's "guest E820" map.
# `halt` is an ACPI S5 request (PM1a_CNT.SLP_EN): pxHV must catch it.
# (`reboot` is not used: GRUB's i386-pc reboot is a far jump to F000:FFF0;
# what follows depends on the BIOS, see test_guest_syslinux.sh.)
# needs: guest-grub
# check: yes
. "$(dirname "$0")/lib.sh"
GRUB_IMG=$PXHV_ROOT/build/guests/grub.img
[ -s "$GRUB_IMG" ] || fail "$GRUB_IMG missing (make guest-grub)"


# pxHV's guest map as "start end type" lines, decimal.
pxhv_map() {
    tr -d '\r' <"$SERIAL_LOG" | sed -nE 's/^guest E820: ([0-9a-f]+)-([0-9a-f]+) type ([0-9]+)$/\1 \2 \3/p' |
        while read -r s e t; do echo "$((16#$s)) $((16#$e)) $t"; done
}

# The lines between the echoed "grub> lsmmap" and the next prompt, checked
# against the hypervisor range, then compared with pxHV's map.
check_lsmmap() {
    local lines l base end kind type avail=0 covered=0 got=() want
    mapfile -t lines < <(tr -d '\r' <"$SERIAL_LOG" |
        awk '/^grub> lsmmap$/ { on = 1; next } on && /^grub> / { exit } on && NF')
    [ ${#lines[@]} -gt 0 ] || { echo "FAILED: lsmmap printed nothing"; return 1; }
    for l in "${lines[@]}"; do
        [[ $l =~ ^base_addr\ =\ 0x([0-9a-f]+),\ length\ =\ 0x([0-9a-f]+),\ (.+)$ ]] ||
            { echo "FAILED: not an lsmmap line: \"$l\""; return 1; }
        base=$((16#${BASH_REMATCH[1]})) end=$((16#${BASH_REMATCH[1]} + 16#${BASH_REMATCH[2]}))
        kind=${BASH_REMATCH[3]}
        # GRUB's names for the E820 types (grub-core/commands/lsmmap.c).
        case $kind in
            "available RAM") type=1; avail=$((avail + 1)) ;;
            "reserved RAM") type=2 ;;
            "ACPI reclaimable RAM") type=3 ;;
            "ACPI non-volatile storage RAM") type=4 ;;
            *) type="($kind)" ;;
        esac
        if [ "$type" = 1 ] && (( base < HV_END && HV_START < end )); then
            printf 'FAILED: GRUB sees available RAM over the hypervisor %x-%x: "%s"\n' \
                "$HV_START" "$HV_END" "$l"
            return 1
        fi
        [ "$type" != 2 ] || (( base > HV_START || end < HV_END )) || covered=1
        got+=("$base $end $type")
    done
    [ $avail -gt 0 ] || { echo "FAILED: lsmmap shows no available RAM at all"; return 1; }
    [ $covered = 1 ] || { printf 'FAILED: no reserved lsmmap range covers the hypervisor %x-%x\n' \
        "$HV_START" "$HV_END"; return 1; }
    want=$(pxhv_map)
    [ -n "$want" ] || { echo "FAILED: no \"guest E820:\" lines from pxHV"; return 1; }
    if [ "$(printf '%s\n' "${got[@]}")" != "$want" ]; then
        echo "FAILED: GRUB's map differs from pxHV's guest E820 map (start end type, decimal):"
        diff <(echo "$want") <(printf '%s\n' "${got[@]}") | sed 's/^/        /'
        return 1
    fi
}

cat >"$TEST_TMP/chat" <<'EOF'
wait grub> 
send lsmmap
wait grub> 
send halt
EOF

for mode in partition drive; do
    case $mode in
        partition)
            img=$(pxhv_image --partition "$GRUB_IMG") || fail "$mode: image"
            disk2=() root=hd0,msdos1
            launch="pxHV: launching guest 'partition' (active partition) at 0000:7C00, DL=0x80, DS:SI=0000:07be (partition at LBA 2048)" ;;
        drive)
            img=$(pxhv_image --drive 0x81) || fail "$mode: image"
            disk2=(--disk2 "$GRUB_IMG") root=hd1,msdos1
            launch="pxHV: launching guest 'drive 0x81' (BIOS drive) at 0000:7C00, DL=0x81" ;;
    esac
    run_bochs --disk "$img" "${disk2[@]}" --timeout 180 --chat "$TEST_TMP/chat" \
        --done "pxHV: stopping" --fail PANIC --fail "pxHV: EPT violation:"
    expect_in_order "$SERIAL_LOG" "VMXON executed successfully!" "$launch" \
        "PXHV-GUEST: grub ready, root=$root (try: lsmmap, ls, halt)" "grub> lsmmap" \
        "grub> halt" || fail "$mode: GRUB did not reach its prompt or take the commands"
    hv_range || fail "$mode: hypervisor range"
    check_lsmmap || fail "$mode: lsmmap"
    expect_in_order -E "$SERIAL_LOG" \
        'pxHV: guest wrote SLP_EN with SLP_TYP [0-9]+ to PM1a_CNT' \
        'pxHV: guest ended: ACPI sleep/power-off request at [0-9a-f]+:[0-9a-f]+' \
        'pxHV: stopping \(guest finished\)' || fail "$mode: halt not caught"
    expect_stats CPUID "I/O instruction" || fail "$mode: exit statistics"
    expect_absent "$SERIAL_LOG" "pxHV: EPT violation:" || fail "$mode: EPT violation"
    echo "[$TEST_NAME] $mode: lsmmap hides $(printf '%x-%x' "$HV_START" "$HV_END"), ${RUN_SECS}s"
done
pass
