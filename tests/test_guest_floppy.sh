#!/usr/bin/env bash
# A floppy guest: build/guests/floppy.img (make guest-floppy; 1.44 MB FAT12,
# sector 0 is SYSLINUX's boot sector) in drive A:, pxHV configured with
# --drive 0x00, the machine booting from the pxHV hard disk.  pxHV loads the
# floppy's sector 0 through INT 13h and starts it with DL = 0x00, as a BIOS
# booting from A: would.  At boot: the "hd1" label (chain.c32) chains the
# next guest, GRUB on the second hard disk (build/guests/grub.img), whose
# halt pxHV must catch: pxHV -> floppy SYSLINUX -> GRUB, all on the BIOS.
# needs: guest-floppy guest-grub
. "$(dirname "$0")/lib.sh"
FLOPPY=$PXHV_ROOT/build/guests/floppy.img
GRUB_IMG=$PXHV_ROOT/build/guests/grub.img
[ -s "$FLOPPY" ] || fail "$FLOPPY missing (make guest-floppy)"
[ -s "$GRUB_IMG" ] || fail "$GRUB_IMG missing (make guest-grub)"

MARKER="PXHV-GUEST: syslinux-floppy ready (labels: marker poweroff reboot hd0 hd1 hd0p1 hd1p1)"
printf '%s\n' "wait $MARKER" "wait boot: " "send hd1" "wait grub> " "send halt" >"$TEST_TMP/chat"

img=$(pxhv_image --drive 0x00) || fail "image"
run_bochs --disk "$img" --floppy "$FLOPPY" --disk2 "$GRUB_IMG" --timeout 120 \
    --chat "$TEST_TMP/chat" --done "pxHV: stopping" --fail PANIC --fail "pxHV: EPT violation:"
expect_in_order "$SERIAL_LOG" "VMXON executed successfully!" \
    "pxHV: launching guest 'drive 0x00' (BIOS drive) at 0000:7C00, DL=0x00" \
    || fail "floppy not launched"
expect_in_order -F "$SERIAL_LOG" "SYSLINUX 6." "$MARKER" "boot: hd1" \
    || fail "the floppy's SYSLINUX did not reach boot:"
expect_in_order -E "$SERIAL_LOG" \
    'PXHV-GUEST: grub ready, root=hd1,msdos1 .*' 'grub> halt' \
    'pxHV: guest ended: ACPI sleep/power-off request at [0-9a-f]+:[0-9a-f]+' \
    'pxHV: stopping \(guest finished\)' || fail "GRUB chained from the floppy"
expect_stats CPUID "I/O instruction" || fail "exit statistics"
echo "[$TEST_NAME] floppy -> hd1 -> GRUB: ${RUN_SECS}s"
pass
