#!/usr/bin/env bash
# Linux as a guest, the whole chain: MBR -> pxHV -> the Linux disk's boot
# sector (BIOS drive 0x81) -> SYSLINUX -> Debian kernel -> busybox shell.
# Commands typed on COM1 must be answered by the shell, so the test cannot
# pass on kernel output alone.  Then `poweroff -f` must end the run through
# pxHV, which prints its exit statistics (tests/lib.sh: linux_run, linux_expect).
# needs: guest-linux
# weight: 100
. "$(dirname "$0")/lib.sh"
linux=$PXHV_ROOT/build/guests/linux.img
[ -s "$linux" ] || fail "$linux missing (make guest-linux)"

img=$(pxhv_image --drive 0x81) || fail "image"
linux_run --disk "$img" --disk2 "$linux"
linux_expect "pxHV: launching guest .* \(BIOS drive\) at 0000:7C00, DL=0x81" || fail "Linux session"
pass "MemTotal $LINUX_MEMTOTAL KiB; booted and powered off in ${RUN_SECS}s"
