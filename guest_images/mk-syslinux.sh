#!/bin/bash
# guest-syslinux: a hard disk whose MBR is SYSLINUX's mbr.bin and whose
# partition 1 (LBA 2048, FAT16, active) holds the SYSLINUX VBR, ldlinux.sys
# and the config in syslinux/syslinux.cfg: a marker line, then the boot:
# prompt on COM1.  `poweroff` at the prompt ends the machine (APM).
# usage: [BUILD=build] guest_images/mk-syslinux.sh   (make guest-syslinux): $BUILD/guests/syslinux.img
TAG=guest-syslinux
# --help before lib.sh, which creates $BUILD and builds the generated constants.
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
case ${1:-} in
    -h|--help) usage; exit 0 ;;
    ?*) echo "mk-syslinux.sh: no arguments (--help)" >&2; exit 2 ;;
esac
. "$(dirname "$0")/lib.sh"

CYL=16                                   # 16 x 516096 bytes = 7.9 MiB
OUT=$GUESTS/syslinux.img
PART=$WORK/syslinux.part

say "making FAT16 partition ($(part_sectors $CYL) sectors)"
mkfat "$PART" "$(part_sectors $CYL)" 16 PXHVSYSL -s 1
say "installing SYSLINUX and its config"
# shellcheck disable=SC2086 # one word per module
syslinux_setup "$PART" "$GUEST_SRC/syslinux/syslinux.cfg" \
    "syslinux-disk ready (labels: marker poweroff reboot hd0 hd1 hd0p1 hd1p1)" $PROMPT_MODULES
say "assembling disk: mbr.bin + partition 1 at LBA $PART_LBA"
make_disk "$OUT" $CYL "$(syslinux_mbr)" "$PART" 0e
say "done: $OUT"
