#!/bin/bash
# guest-floppy: a 1.44 MB FAT12 floppy (no partition table: sector 0 is the
# SYSLINUX boot sector) with the same config as the SYSLINUX disk.  Meant as
# "another BIOS drive" (drive 0x00) and to boot directly with boot: floppy.
# usage: [BUILD=build] guest_images/mk-floppy.sh   (make guest-floppy): $BUILD/guests/floppy.img
TAG=guest-floppy
# --help before lib.sh, which creates $BUILD and builds the generated constants.
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
case ${1:-} in
    -h|--help) usage; exit 0 ;;
    ?*) echo "mk-floppy.sh: no arguments (--help)" >&2; exit 2 ;;
esac
. "$(dirname "$0")/lib.sh"

OUT=$GUESTS/floppy.img
need_tool mkfs.fat dosfstools
say "making 1.44 MB FAT12 floppy"
rm -f "$OUT.tmp"
# 1440 KiB gets the standard 80x2x18 floppy BPB from mkfs.fat.
mkfs.fat -C -F 12 -n PXHVFLOPPY --invariant "$OUT.tmp" 1440 >/dev/null
say "installing SYSLINUX and its config"
# shellcheck disable=SC2086 # one word per module
syslinux_setup "$OUT.tmp" "$GUEST_SRC/syslinux/syslinux.cfg" \
    "syslinux-floppy ready (labels: marker poweroff reboot hd0 hd1 hd0p1 hd1p1)" $PROMPT_MODULES
mv "$OUT.tmp" "$OUT"
say "done: $OUT"
