#!/usr/bin/env bash
# `make usb`: build/usb.img, the Linux guest disk with pxHV installed in front of it by
# scripts/pxhv-install, booted as the only disk: pxHV, then the disk's own MBR code
# (SYSLINUX's mbr.bin) as the guest, SYSLINUX, Linux to the busybox shell with the usual
# checks (tests/lib.sh: linux_run, linux_expect).  Then --uninstall on a copy gives back
# the Linux disk byte for byte.  Under QEMU (AMD-V): what is checked is the image, and
# QEMU boots Linux about 13 times faster than Bochs; Linux on VT-x is test_guest_linux's.
# needs: usb
. "$(dirname "$0")/lib.sh"
usb=$PXHV_ROOT/build/usb.img
linux=$PXHV_ROOT/build/guests/linux.img
[ -s "$usb" ] || fail "$usb missing (make usb)"
[ "$usb" -nt "$linux" ] || fail "$usb is older than $linux (make usb)"

LINUX_ENGINE=run_qemu linux_run --disk "$usb" --cpu "$SVM_QEMU_CPU"
expect_in_order "$SERIAL_LOG" "Config: guest original MBR 'SYSLINUX'" \
    "Guest: original MBR, 512 bytes at 0x7C00" || fail "stage 2 did not load the original MBR"
linux_expect "pxHV: launching guest 'SYSLINUX' \(original MBR\) at 0000:7C00, DL=0x80" ||
    fail "Linux session"

cp "$usb" "$TEST_TMP/usb.img"
python3 "$PXHV_ROOT/scripts/pxhv-install" "$TEST_TMP/usb.img" --uninstall >/dev/null || fail "uninstall"
[ "$(sha256sum <"$TEST_TMP/usb.img")" = "$(sha256sum <"$linux")" ] ||
    fail "usb.img after --uninstall differs from the Linux disk"
pass "Linux under pxHV from the USB image alone in ${RUN_SECS}s; uninstalled: the Linux disk again"
