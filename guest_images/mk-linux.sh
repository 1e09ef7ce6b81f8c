#!/bin/bash
# guest-linux: Debian's kernel (linux-image-amd64) + a busybox-static
# initramfs, booted by SYSLINUX from FAT16 partition 1 (LBA 2048) of a disk
# whose MBR is mbr.bin.  /init (linux/init) prints a marker and runs a
# shell on ttyS0 with the prompt "~ # "; "poweroff -f" turns it off (ACPI).
# usage: [BUILD=build] [LINUX_KERNEL=PACKAGE] [LINUX_APPEND=TEXT] guest_images/mk-linux.sh
#        (make guest-linux): $BUILD/guests/linux.img.  LINUX_KERNEL: the kernel's Debian
#        package (default linux-image-amd64); LINUX_APPEND: its command line.
TAG=guest-linux
# --help before lib.sh, which creates $BUILD and builds the generated constants.
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
case ${1:-} in
    -h|--help) usage; exit 0 ;;
    ?*) echo "mk-linux.sh: no arguments (--help)" >&2; exit 2 ;;
esac
. "$(dirname "$0")/lib.sh"

OUT=$GUESTS/linux.img
PART=$WORK/linux.part

# Kernel package: Debian's standard linux-image-amd64.  Under Bochs it
# spends ~75-100 s of CPU in its XZ decompressor before printing a line;
# LINUX_KERNEL=linux-image-cloud-amd64 (Debian's kernel for virtual
# machines, LZ4-compressed) reaches the shell about 80 s sooner
# (README.md, timings).
LINUX_KERNEL=${LINUX_KERNEL:-linux-image-amd64}

# Kernel command line (Documentation/admin-guide/kernel-parameters.txt):
#   console=ttyS0,115200  kernel log and /dev/console on COM1
#   nokaslr               fixed load address (16 MiB, the bzImage
#                         pref_address), same addresses on every boot
#   lapic=notscdeadline   the local APIC timer in one-shot mode, not TSC-deadline:
#                         on Bochs's Skylake model Linux skips TSC-deadline natively
#                         (a microcode erratum check) but uses it under any
#                         hypervisor, where it skips that check; with several CPUs
#                         Bochs's TSC-deadline timer slows the boot about fourfold
# Nothing else measurably shortened the boot under Bochs (README.md).
LINUX_APPEND=${LINUX_APPEND:-console=ttyS0,115200 nokaslr lapic=notscdeadline}

# The kernel package holds ~400 MB of modules that are not needed: take
# only ./boot out of it (dpkg-deb is what dpkg -x runs underneath).
kpkg=$(resolve_pkg "$LINUX_KERNEL")
[ -n "$kpkg" ] || die "cannot resolve $LINUX_KERNEL (try: apt-get update)"
kdeb=$(fetch_deb "$kpkg")
kdir=$PKGROOT/$kpkg-boot
if [ ! -f "$kdir/.stamp" ] || [ "$(cat "$kdir/.stamp")" != "$(basename "$kdeb")" ]; then
    say "extracting /boot of $(basename "$kdeb")"
    rm -rf "$kdir"; mkdir -p "$kdir"
    dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$kdir" ./boot
    basename "$kdeb" > "$kdir/.stamp"
fi
VMLINUZ=$(ls "$kdir"/boot/vmlinuz-* | head -n 1)
BUSYBOX=$(unpack busybox-static)/bin/busybox
[ -x "$BUSYBOX" ] || die "busybox-static has no /bin/busybox"

say "building initramfs (busybox $("$BUSYBOX" | head -n 1 | cut -d' ' -f2))"
sed -e "s|@BUSYBOX@|$BUSYBOX|" -e "s|@INIT@|$GUEST_SRC/linux/init|" \
    "$GUEST_SRC/linux/initramfs.list" > "$WORK/initramfs.list"
"$GUEST_SRC/mkcpio.sh" "$WORK/initramfs.list" "$WORK/initrd.cpio"
gzip -9 -n -c "$WORK/initrd.cpio" > "$WORK/initrd.gz"

# Disk size: kernel + initramfs + 2 MiB for SYSLINUX and FAT overhead,
# rounded up to whole cylinders.
need=$(( ($(stat -c %s "$VMLINUZ") + $(stat -c %s "$WORK/initrd.gz")) / 512 + 4096 ))
CYL=$(( (need + PART_LBA + HEADS * SPT - 1) / (HEADS * SPT) ))
say "making FAT16 partition ($CYL cylinders)"
mkfat "$PART" "$(part_sectors $CYL)" 16 PXHVLINUX -s 1
sed "s|@APPEND@|$LINUX_APPEND|" "$GUEST_SRC/linux/syslinux.cfg" > "$WORK/linux.cfg"
say "installing SYSLINUX, $(basename "$VMLINUZ"), initrd.gz"
say "kernel command line: $LINUX_APPEND"
syslinux_setup "$PART" "$WORK/linux.cfg" ""
mput "$PART" "$VMLINUZ" vmlinuz
mput "$PART" "$WORK/initrd.gz" initrd.gz
say "assembling disk: mbr.bin + partition 1 at LBA $PART_LBA"
make_disk "$OUT" $CYL "$(syslinux_mbr)" "$PART" 0e
# The version the guest's `uname -r` must print (tests/test_guest_linux.sh).
basename "$VMLINUZ" | sed 's/^vmlinuz-//' > "$GUESTS/linux.kernel-version"
say "done: $OUT"
