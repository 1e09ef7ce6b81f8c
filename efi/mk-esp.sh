#!/bin/bash
# make esp: $(BUILD)/esp.img, an EFI System Partition image (FAT32 on the whole image, no
# partition table, as a removable medium) built without root or loop devices:
#   \EFI\BOOT\BOOTX64.EFI   pxhv.efi: the file a firmware starts from a removable medium it
#                           has no boot entry for (UEFI 2.11, 3.5.1.1 "Removable Media Boot
#                           Behavior")
#   \EFI\BOOT\grubx64.efi   GRUB for x86_64-efi (Debian grub-efi-amd64-bin) with
#                           efi/grub-esp.cfg inside: pxhv.efi's default next loader, the
#                           name shim uses for its second stage
#   \vmlinuz \initrd.gz     the Linux guest's kernel and busybox initramfs, taken from
#                           build/guests/linux.img (guest_images/mk-linux.sh)
# No pxhv.cfg: pxhv.efi's defaults.  tests/test_efi_boot.sh adds one to a copy.
# usage: [BUILD=build] [ESP_APPEND=TEXT] bash efi/mk-esp.sh   (make esp)
#        ESP_APPEND: the Linux guest's kernel command line (default: mk-linux.sh's)
TAG=esp
# --help before guest_images/lib.sh, which creates $BUILD and builds the generated constants.
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
case ${1:-} in
    -h|--help) usage; exit 0 ;;
    ?*) echo "mk-esp.sh: no arguments (--help)" >&2; exit 2 ;;
esac
. "$(dirname "$0")/../guest_images/lib.sh"

OUT=$BUILD/esp.img
EFI_APP=$BUILD/pxhv.efi
LINUX_IMG=$GUESTS/linux.img
[ -s "$EFI_APP" ] || die "$EFI_APP missing (make efi)"
[ -s "$LINUX_IMG" ] || die "$LINUX_IMG missing (make guest-linux)"
need_tool mcopy mtools
need_tool mkfs.fat dosfstools

# The kernel command line of the Linux guest (guest_images/mk-linux.sh explains each).
# ESP_APPEND="... efi=debug" makes the kernel print the firmware's memory map too (about
# 130 lines, 8 s more under QEMU TCG), where pxHV's region shows as [Reserved].
ESP_APPEND=${ESP_APPEND:-console=ttyS0,115200 nokaslr lapic=notscdeadline}

GRUBDIR=$(unpack grub-efi-amd64-bin)/usr/lib/grub/x86_64-efi
MKIMAGE=$(unpack grub-common)/usr/bin/grub-mkimage
"$MKIMAGE" --version >/dev/null 2>&1 ||
    die "the packaged grub-mkimage does not run here (missing shared libraries:
$(ldd "$MKIMAGE" | grep 'not found')); run  apt-get install -y grub-common"
sed -e '/^#/d' -e "s|@APPEND@|$ESP_APPEND|" "$(dirname "$0")/grub-esp.cfg" > "$WORK/grub-esp.cfg"
# efi_gop: GRUB hands the kernel the firmware's framebuffer (without a video driver it says
# "no suitable video mode found" and boots "in blind mode").
MODULES="part_gpt part_msdos fat linux normal serial terminal terminfo echo boot configfile efi_gop"
say "grub-mkimage -O x86_64-efi ($(echo "$MODULES" | wc -w) modules)"
# shellcheck disable=SC2086 # one word per module
"$MKIMAGE" -O x86_64-efi -d "$GRUBDIR" -o "$WORK/grubx64.efi" -p /EFI/BOOT \
    -c "$WORK/grub-esp.cfg" $MODULES

say "kernel and initramfs from $(basename "$LINUX_IMG")"
rm -f "$WORK/esp-vmlinuz" "$WORK/esp-initrd.gz"
MTOOLS_SKIP_CHECK=1 mcopy -n -i "$LINUX_IMG@@$((PART_LBA * 512))" ::vmlinuz "$WORK/esp-vmlinuz"
MTOOLS_SKIP_CHECK=1 mcopy -n -i "$LINUX_IMG@@$((PART_LBA * 512))" ::initrd.gz "$WORK/esp-initrd.gz"

# FAT32 needs at least 65525 clusters: 64 MiB with 512-byte clusters leaves room.
ESP_MIB=64
say "making FAT32 ($ESP_MIB MiB)"
rm -f "$OUT.tmp"
mkfs.fat -C -F 32 -S 512 -s 1 -n PXHVESP --invariant "$OUT.tmp" $((ESP_MIB * 1024)) >/dev/null
fat_mkdir "$OUT.tmp" EFI
fat_mkdir "$OUT.tmp" EFI/BOOT
mput "$OUT.tmp" "$EFI_APP" EFI/BOOT/BOOTX64.EFI
mput "$OUT.tmp" "$WORK/grubx64.efi" EFI/BOOT/grubx64.efi
mput "$OUT.tmp" "$WORK/esp-vmlinuz" vmlinuz
mput "$OUT.tmp" "$WORK/esp-initrd.gz" initrd.gz
mv "$OUT.tmp" "$OUT"
say "kernel command line: $ESP_APPEND"
say "done: $OUT"
