#!/usr/bin/env bash
# SYSLINUX 6 (build/guests/syslinux.img, make guest-syslinux) as pxHV's guest.
# Its config (guest_images/syslinux/syslinux.cfg) prints a marker with cat.c32
# and waits at boot: with labels "poweroff" (poweroff.c32: APM set power state
# off, which the Bochs BIOS carries out by writing "Shutdown" to port 0x8900)
# and "reboot" (reboot.c32: a far jump to the reset vector F000:FFF0).
#   partition  partition 1 embedded in the pxHV disk, pxHV chains its VBR
#              (DL = 0x80, DS:SI -> partition entry).  Enter at boot: runs the
#              default label again (input reaches the guest), then poweroff.
#   drive      the whole image as disk 0x81: SYSLINUX's mbr.bin then finds and
#              starts the VBR inside the guest.  poweroff.
#   reboot     as "partition", with SeaBIOS: its reset-vector code sees that
#              POST already ran and resets through port 0xCF9, which pxHV
#              leaves to the chipset: the machine restarts, the BIOS boots pxHV
#              again and SYSLINUX comes up a second time; there "hd0" chains
#              pxHV's own MBR inside the guest, whose stage 2 finds pxHV
#              beneath it and asks it, by hypercall, to reset the machine.
#   reboot     with the Bochs BIOS: the jump re-runs POST inside the guest,
#              which boots pxHV's own MBR again; that stage 2 finds pxHV
#              beneath it (CPUID) and asks it, by hypercall, to reset the
#              machine.
# needs: guest-syslinux
. "$(dirname "$0")/lib.sh"
SL_IMG=$PXHV_ROOT/build/guests/syslinux.img
SEABIOS=/usr/share/seabios/bios.bin
[ -s "$SL_IMG" ] || fail "$SL_IMG missing (make guest-syslinux)"
[ -r "$SEABIOS" ] || fail "$SEABIOS missing (Debian package seabios, a dependency of qemu-system-x86)"

MARKER="PXHV-GUEST: syslinux-disk ready (labels: marker poweroff reboot hd0 hd1 hd0p1 hd1p1)"
BANNER_RE='SYSLINUX 6\.[0-9]+ .*'

chat() { # FILE LINE...: a --chat script
    local f=$1; shift
    printf '%s\n' "$@" >"$f"
}

# partition: the marker twice (the second time for the Enter), then poweroff.
img=$(pxhv_image --partition "$SL_IMG") || fail "partition: image"
chat "$TEST_TMP/chat1" "wait $MARKER" "wait boot: " "send " "wait $MARKER" "wait boot: " "send poweroff"
run_bochs --disk "$img" --timeout 120 --chat "$TEST_TMP/chat1" --done "pxHV: stopping" \
    --fail PANIC --fail "pxHV: EPT violation:"
expect_in_order "$SERIAL_LOG" "VMXON executed successfully!" \
    "pxHV: launching guest 'partition' (active partition) at 0000:7C00, DL=0x80, DS:SI=0000:07be (partition at LBA 2048)" \
    || fail "partition: not launched"
expect_in_order -F "$SERIAL_LOG" "SYSLINUX 6." "$MARKER" "$MARKER" "boot: poweroff" \
    || fail "partition: no boot: prompt, or Enter not taken"
expect_in_order -E "$SERIAL_LOG" \
    'pxHV: guest ended: power-off through port 0x8900 at f000:[0-9a-f]+' \
    'pxHV: stopping \(guest finished\)' || fail "partition: poweroff not caught"
expect_stats "I/O instruction" || fail "partition: exit statistics"
echo "[$TEST_NAME] partition: ${RUN_SECS}s"

# drive: SYSLINUX's own MBR code chains the VBR.
img=$(pxhv_image --drive 0x81) || fail "drive: image"
chat "$TEST_TMP/chat2" "wait $MARKER" "wait boot: " "send poweroff"
run_bochs --disk "$img" --disk2 "$SL_IMG" --timeout 120 --chat "$TEST_TMP/chat2" \
    --done "pxHV: stopping" --fail PANIC --fail "pxHV: EPT violation:"
expect_in_order -E "$SERIAL_LOG" \
    "pxHV: launching guest 'drive 0x81' \(BIOS drive\) at 0000:7C00, DL=0x81" \
    "$BANNER_RE" "PXHV-GUEST: syslinux-disk ready .*" 'boot: poweroff.*' \
    'pxHV: guest ended: power-off through port 0x8900 at f000:[0-9a-f]+' \
    'pxHV: stopping \(guest finished\)' || fail "drive: SYSLINUX via its MBR"
expect_stats "I/O instruction" || fail "drive: exit statistics"
echo "[$TEST_NAME] drive: ${RUN_SECS}s"

# reboot under SeaBIOS: a real machine reset, then pxHV and SYSLINUX again.
img=$(pxhv_image --partition "$SL_IMG") || fail "reboot: image"
chat "$TEST_TMP/chat3" "wait $MARKER" "wait boot: " "send reboot" \
    "wait $MARKER" "wait boot: " "send hd0"
run_bochs --disk "$img" --bios "$SEABIOS" --timeout 180 --chat "$TEST_TMP/chat3" \
    --done "pxHV: resetting the machine" --fail PANIC --fail "pxHV: EPT violation:"
expect_in_order -E "$SERIAL_LOG" \
    "pxHV: launching guest 'partition' \(active partition\) at 0000:7C00, DL=0x80, .*" \
    "$BANNER_RE" 'boot: reboot.*' \
    'pxHV: Pixel Hypervisor v0\.1' 'Stage 2: Hypervisor loader' 'VMXON executed successfully!' \
    "pxHV: launching guest 'partition' \(active partition\) at 0000:7C00, DL=0x80, .*" \
    "$BANNER_RE" 'boot: hd0.*' 'pxHV: Pixel Hypervisor v0\.1' 'Stage 2: Hypervisor loader' \
    'Stage 2: running under pxHV: the guest rebooted; resetting the machine' \
    'pxHV: guest ended: .* at [0-9a-f]+:[0-9a-f]+' 'pxHV: exit statistics: [0-9]+ exits' \
    'pxHV: resetting the machine' || fail "reboot: the machine did not start over"
expect_end "done" || fail "reboot: run did not end on the reset"
expect_stats CPUID HLT VMCALL || fail "reboot: exit statistics"
echo "[$TEST_NAME] reboot (SeaBIOS): ${RUN_SECS}s"

# reboot under the Bochs BIOS: POST runs again in the guest and boots pxHV's MBR.
img=$(pxhv_image --partition "$SL_IMG") || fail "reboot: image"
chat "$TEST_TMP/chat4" "wait $MARKER" "wait boot: " "send reboot"
run_bochs --disk "$img" --timeout 120 --chat "$TEST_TMP/chat4" \
    --done "pxHV: resetting the machine" --fail PANIC --fail "pxHV: EPT violation:"
expect_in_order -E "$SERIAL_LOG" \
    "pxHV: launching guest 'partition' \(active partition\) at 0000:7C00, DL=0x80, .*" \
    "$BANNER_RE" 'boot: reboot.*' 'pxHV: Pixel Hypervisor v0\.1' 'Stage 2: Hypervisor loader' \
    'Stage 2: running under pxHV: the guest rebooted; resetting the machine' \
    "pxHV: guest ended: reboot through the BIOS reset vector \(pxHV's boot sector ran again\) at [0-9a-f]+:[0-9a-f]+" \
    'pxHV: exit statistics: [0-9]+ exits' \
    'pxHV: resetting the machine' || fail "reboot (Bochs BIOS): reset not caught"
expect_end "done" || fail "reboot (Bochs BIOS): run did not end on the reset"
echo "[$TEST_NAME] reboot (Bochs BIOS): ${RUN_SECS}s"
pass
