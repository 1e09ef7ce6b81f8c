#!/bin/bash
# guest-memtest: memtest86+ (Debian package memtest86+, v6) on a SYSLINUX
# disk laid out like guest-syslinux (mbr.bin, FAT16 partition 1 at 2048).
# /boot/memtest86+x64.bin is the BIOS build that follows the Linux zImage
# boot protocol, so SYSLINUX's LINUX directive loads it.
# usage: [BUILD=build] guest_images/mk-memtest.sh   (make guest-memtest): $BUILD/guests/memtest.img
TAG=guest-memtest
# --help before lib.sh, which creates $BUILD and builds the generated constants.
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
case ${1:-} in
    -h|--help) usage; exit 0 ;;
    ?*) echo "mk-memtest.sh: no arguments (--help)" >&2; exit 2 ;;
esac
. "$(dirname "$0")/lib.sh"

CYL=16
OUT=$GUESTS/memtest.img
PART=$WORK/memtest.part

MT=$(unpack memtest86+)/boot/memtest86+x64.bin
[ -f "$MT" ] || die "memtest86+ package has no /boot/memtest86+x64.bin"
say "making FAT16 partition"
mkfat "$PART" "$(part_sectors $CYL)" 16 PXHVMEMT -s 1
say "installing SYSLINUX and memtest86+x64.bin"
syslinux_setup "$PART" "$GUEST_SRC/memtest/syslinux.cfg" ""
mput "$PART" "$MT" memtest.bin
say "assembling disk: mbr.bin + partition 1 at LBA $PART_LBA"
make_disk "$OUT" $CYL "$(syslinux_mbr)" "$PART" 0e
say "done: $OUT"
