#!/usr/bin/env bash
# usage: tests/check_guest_images.sh [CHECK...]   (make guests-check: all of them)
# The guest disks of guest_images/ booted directly by the emulator, without pxHV: each must
# reach its own prompt and answer on COM1, so a failure under pxHV is known to be pxHV's.
# Not part of `make test` (a few minutes); every run goes through tests/lib.sh like the
# tests do.  The CHECKs:
#   syslinux, floppy, grub, memtest, linux   each image alone (Linux also under QEMU:
#                                            linux-qemu)
#   grub-vbr, syslinux-moved                 the partition behind SYSLINUX's MBR, at LBA
#                                            2048 / 4096: the VBR must boot it as pxHV's
#                                            "partition" mode does
#   grub-hd1, grub-hd1p1, syslinux-hd1, linux-hd1
#                                            the image as BIOS disk 0x81, chained from the
#                                            floppy's SYSLINUX (chain.c32)
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
# --help before tests/lib.sh, which makes the run directories.
case ${1:-} in -h|--help) usage; exit 0 ;; esac
TEST_NAME=guest-images
. "$(dirname "$0")/lib.sh"

G=$PXHV_ROOT/build/guests
W=$TEST_TMP
passed=0 failed=0
KVER=$(cat "$G/linux.kernel-version" 2>/dev/null || echo unknown)

# chat NAME LINE...: a chat script (tests/lib.sh) in $W/NAME.chat
chat() { local n=$1; shift; printf '%s\n' "$@" >"$W/$n.chat"; echo "$W/$n.chat"; }
SYSL=("wait boot: " "send " "wait boot: " "send poweroff")
GRUB=("wait grub> " "send lsmmap" "wait available RAM" "wait grub> " "send halt")
LINUX=("wait PXHV-GUEST: linux init" "wait ~ # " "send uname -r" "wait $KVER" "wait ~ # "
       "send poweroff -f")

# check NAME EMULATOR MARKER... -- RUN-OPTIONS...: one boot, judged by its COM1 log.
check() {
    local name=$1 emu=$2 want=() ok=1
    shift 2
    while [ "$1" != -- ]; do want+=("$1"); shift; done
    shift
    echo "[$TEST_NAME] $name"
    "run_$emu" "$@"
    expect_in_order -F "$SERIAL_LOG" "${want[@]}" || ok=0
    if [ $ok = 1 ]; then passed=$((passed + 1)); echo "PASS  $name (${RUN_SECS}s)"
    else failed=$((failed + 1)); echo "FAIL  $name"; tail -n 20 "$SERIAL_LOG" | tr -d '\r'; fi
}
need() { [ -s "$G/$1" ] || { echo "$G/$1 missing: make guests" >&2; exit 1; }; }

# A disk like the guest recipes build: SYSLINUX's MBR, PART at LBA START (guest_images/lib.sh).
vbr_disk() { # OUT CYLINDERS PART START
    (. "$PXHV_ROOT/guest_images/lib.sh" && make_disk "$1" "$2" "$(syslinux_mbr)" "$3" 0e "$4")
}

check_syslinux() { need syslinux.img
    check syslinux bochs "PXHV-GUEST: syslinux-disk ready" -- --disk "$G/syslinux.img" \
        --timeout 60 --chat "$(chat syslinux "${SYSL[@]}")"; }
check_floppy() { need floppy.img
    check floppy bochs "PXHV-GUEST: syslinux-floppy ready" -- --floppy "$G/floppy.img" \
        --boot floppy --disk "$W/blank.img" --timeout 60 --chat "$(chat floppy "${SYSL[@]}")"; }
check_grub() { need grub.img
    check grub bochs "PXHV-GUEST: grub ready, root=hd0,msdos1" "available RAM" -- \
        --disk "$G/grub.img" --timeout 60 --chat "$(chat grub "${GRUB[@]}")"; }
check_memtest() { need memtest.img
    check memtest bochs "Memtest86+ v6" "Status: Testing" -- --disk "$G/memtest.img" --mem 64 \
        --timeout 180 --done "#4  ["; }
check_linux() { need linux.img
    check linux bochs "PXHV-GUEST: linux init" "$KVER" "reboot: Power down" -- \
        --disk "$G/linux.img" --timeout 300 --done "reboot: Power down" \
        --chat "$(chat linux "${LINUX[@]}")"; }
check_linux-qemu() { need linux.img
    check linux-qemu qemu "PXHV-GUEST: linux init" "$KVER" "reboot: Power down" -- \
        --disk "$G/linux.img" --timeout 120 --chat "$(chat linuxq "${LINUX[@]}")"; }
check_grub-vbr() { need grub.img
    bash "$PXHV_ROOT/guest_images/extract-partition.sh" "$G/grub.img" "$W/grub.part" >/dev/null
    vbr_disk "$W/grub-vbr.img" 16 "$W/grub.part" "$DISK_PART1_LBA"
    check grub-vbr bochs "PXHV-GUEST: grub ready, root=hd0,msdos1" -- --disk "$W/grub-vbr.img" \
        --timeout 60 --chat "$(chat grubv "${GRUB[@]}")"; }
check_syslinux-moved() { need syslinux.img
    bash "$PXHV_ROOT/guest_images/extract-partition.sh" "$G/syslinux.img" "$W/sl.part" >/dev/null
    vbr_disk "$W/syslinux-moved.img" 20 "$W/sl.part" 4096
    check syslinux-moved bochs "PXHV-GUEST: syslinux-disk ready" -- \
        --disk "$W/syslinux-moved.img" --timeout 60 --chat "$(chat slm "${SYSL[@]}")"; }
# hd1 NAME IMG LABEL MARKER CHAT...: the floppy chains IMG as BIOS disk 0x81; the first
# hard disk is blank, so nothing but the chain can boot.
hd1() {
    local name=$1 img=$2 label=$3 marker=$4
    shift 4
    need floppy.img
    need "$img"
    check "$name" bochs "PXHV-GUEST: syslinux-floppy ready" "$marker" -- --floppy "$G/floppy.img" \
        --boot floppy --disk "$W/blank.img" --disk2 "$G/$img" --timeout 300 \
        --chat "$(chat "$name" "wait boot: " "send $label" "$@")"
}
check_grub-hd1() { hd1 grub-hd1 grub.img hd1 "PXHV-GUEST: grub ready, root=hd1,msdos1" "${GRUB[@]}"; }
check_grub-hd1p1() { hd1 grub-hd1p1 grub.img hd1p1 "PXHV-GUEST: grub ready, root=hd1,msdos1" "${GRUB[@]}"; }
check_syslinux-hd1() { hd1 syslinux-hd1 syslinux.img hd1 "PXHV-GUEST: syslinux-disk ready" "${SYSL[@]}"; }
check_linux-hd1() { hd1 linux-hd1 linux.img hd1 "PXHV-GUEST: linux init" "${LINUX[@]}"; }

truncate -s "$DISK_CYLINDER_BYTES" "$W/blank.img"
ALL=(syslinux floppy grub memtest linux linux-qemu grub-vbr syslinux-moved
     grub-hd1 grub-hd1p1 syslinux-hd1 linux-hd1)
[ $# -gt 0 ] || set -- "${ALL[@]}"
for c in "$@"; do
    declare -F "check_$c" >/dev/null || { echo "unknown check $c (known: ${ALL[*]})" >&2; exit 2; }
    "check_$c"
done
echo "guest images: $passed passed, $failed failed"
[ "$failed" = 0 ] || fail "$failed guest image check(s) failed"
pass
