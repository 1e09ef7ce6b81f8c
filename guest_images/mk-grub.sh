#!/bin/bash
# guest-grub: GRUB 2 for i386-pc (Debian grub-pc-bin), installed the way
# grub-install would, but without root or loop devices:
#   LBA 0        boot.img (MBR code) + partition table
#   LBA 1..      core.img = diskboot.img + kernel + modules + early.cfg
#   LBA 2048..   partition 1, FAT16, active: /boot/grub/grub.cfg
#                Its boot sector is boot.img too (BPB kept), pointing at a
#                second copy of core.img in the FAT reserved sectors, so the
#                partition also boots on its own when a standard MBR chains
#                its VBR.
# GRUB ends at its grub> prompt with the serial port as terminal.
# usage: [BUILD=build] guest_images/mk-grub.sh   (make guest-grub): $BUILD/guests/grub.img
# shellcheck disable=SC2046 # put_bytes takes its bytes as separate words
TAG=guest-grub
# --help before lib.sh, which creates $BUILD and builds the generated constants.
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
case ${1:-} in
    -h|--help) usage; exit 0 ;;
    ?*) echo "mk-grub.sh: no arguments (--help)" >&2; exit 2 ;;
esac
. "$(dirname "$0")/lib.sh"

CYL=16
OUT=$GUESTS/grub.img
PART=$WORK/grub.part
CORE=$WORK/grub-core.img

GRUBDIR=$(unpack grub-pc-bin)/usr/lib/grub/i386-pc
MKIMAGE=$(unpack grub-common)/usr/bin/grub-mkimage
"$MKIMAGE" --version >/dev/null 2>&1 ||
    die "the packaged grub-mkimage does not run here (missing shared libraries:
$(ldd "$MKIMAGE" | grep 'not found')); run  apt-get install -y grub-common"

# Modules that the serial command line needs; "biosdisk part_msdos fat"
# let core.img find $prefix on the FAT partition.
MODULES="biosdisk part_msdos fat normal serial terminal terminfo echo
         reboot halt lsmmap ls cat configfile help minicmd test sleep search"
say "grub-mkimage -O i386-pc ($(echo "$MODULES" | wc -w) modules)"
# "(,msdos1)": the drive GRUB was booted from (DL), its partition 1.
# shellcheck disable=SC2086 # one word per module
"$MKIMAGE" -O i386-pc -d "$GRUBDIR" -o "$CORE" -p '(,msdos1)/boot/grub' \
    -c "$GUEST_SRC/grub/early.cfg" $MODULES
core_sectors=$(( ($(stat -c %s "$CORE") + 511) / 512 ))
say "core.img: $core_sectors sectors"
[ "$core_sectors" -lt 1000 ] || die "core.img too large"

# FAT16 with enough reserved sectors for sector 0 (VBR) + core.img.
reserved=$((core_sectors + 1))
say "making FAT16 partition (reserved sectors: $reserved)"
mkfat "$PART" "$(part_sectors $CYL)" 16 PXHVGRUB -s 1 -R "$reserved"
need_tool mcopy mtools
fat_mkdir "$PART" boot
fat_mkdir "$PART" boot/grub
mput "$PART" "$GUEST_SRC/grub/grub.cfg" boot/grub/grub.cfg

# The partition's copy of core.img at partition sector 1.  diskboot.img
# loads the rest of core.img from the absolute LBA in its block list
# (last 12 bytes of its sector: u64 LBA, u16 count, u16 segment), so the
# copy is patched for LBA 2048 + 2: the partition must sit at LBA 2048.
dd if="$CORE" of="$PART" bs=512 seek=1 conv=notrunc status=none
put_bytes "$PART" $((512 + 500)) $(le32 $((PART_LBA + 2))) 00 00 00 00
# VBR = boot.img around the FAT BPB: boot.img's jump (bytes 0-2), the
# BPB from mkfs.fat (3-0x59), boot.img's code from 0x5A on.  Its
# kernel_sector (0x5C, u64) is the absolute LBA of core.img's first sector.
dd if="$GRUBDIR/boot.img" of="$PART" bs=1 count=3 conv=notrunc status=none
dd if="$GRUBDIR/boot.img" of="$PART" bs=1 skip=$((0x5a)) seek=$((0x5a)) \
    count=$((512 - 0x5a)) conv=notrunc status=none
put_bytes "$PART" $((0x5c)) $(le32 $((PART_LBA + 1))) 00 00 00 00

say "assembling disk: boot.img + core.img at LBA 1 + partition 1 at LBA $PART_LBA"
# boot.img's defaults already match this layout: kernel_sector = 1 and
# diskboot's block list starts at LBA 2; boot_drive 0xFF = use DL.
make_disk "$OUT" $CYL "$GRUBDIR/boot.img" "$PART" 0e
dd if="$CORE" of="$OUT" bs=512 seek=1 conv=notrunc status=none
say "done: $OUT"
