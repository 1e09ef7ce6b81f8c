#!/bin/bash
# check-guests.sh [CHECK...]: boot the guest images under Bochs (Linux also
# under QEMU) and talk to them over COM1 with serial-chat.py.  Without
# arguments every check runs; each prints PASS/FAIL with the times at which
# the markers appeared.  Transcripts: $BUILD/guests/check/CHECK.log.
#
# Checks (the images come from `make guests`):
#   syslinux      syslinux.img as the only disk: marker, Enter, poweroff
#   floppy        floppy.img, boot: floppy
#   grub          grub.img: marker, lsmmap answered, halt
#   memtest       memtest.img (64 MB): memtest86+ starts testing
#   linux         linux.img under Bochs: shell, uname -r, poweroff -f
#   linux-qemu    the same under QEMU TCG
#   grub-vbr      GRUB's partition alone at LBA 2048 behind SYSLINUX's
#                 mbr.bin: its VBR (boot.img) must boot it, as in pxHV's
#                 "partition" mode
#   syslinux-moved  SYSLINUX's partition moved to LBA 4096: its VBR must
#                 take the offset from DS:SI, not from the BPB
#   grub-hd1 / syslinux-hd1 / linux-hd1
#                 the image as the second BIOS disk (0x81), started by the
#                 floppy's "hd1" label (chain.c32: MBR, DL = 0x81)
#   grub-hd1p1    GRUB's partition VBR on the second disk ("hd1p1":
#                 chain.c32 passes DL = 0x81 and DS:SI -> partition entry)
TAG=check
. "$(dirname "$0")/lib.sh"

G=$GUEST_SRC
need_tool python3 python3
need_tool bochs-bin "bochs bochsbios vgabios bochs-term"
OUTDIR=$GUESTS/check
mkdir -p "$OUTDIR"
CHAT=$G/serial-chat.py
BOCHS=$G/bochs-run.sh
pass=0 fail=0

# run NAME TIMEOUT STEPS... -- COMMAND...
run() {
    local name=$1 tmo=$2 t0 rc
    shift 2
    say "$name: running (limit ${tmo}s)"
    t0=$(date +%s)
    set +e
    python3 "$CHAT" -t "$tmo" -l "$OUTDIR/$name.log" "$@" 2>"$OUTDIR/$name.times"
    rc=$?
    set -e
    sed 's/^/    /' "$OUTDIR/$name.times"
    if [ "$rc" = 0 ]; then
        pass=$((pass + 1)); say "PASS $name ($(( $(date +%s) - t0 )) s)"
    else
        fail=$((fail + 1)); say "FAIL $name (transcript: $OUTDIR/$name.log)"
    fi
}

need() { [ -f "$GUESTS/$1" ] || die "$GUESTS/$1 missing: run make guests"; }

SYSL_STEPS=(-e 'boot: ' -s '\r' -e 'boot: ' -s 'poweroff\r' --keep)
GRUB_STEPS=(-e 'grub> ' -s 'lsmmap\r' -e 'available RAM' -e 'grub> ' -s 'halt\r' --keep)
LINUX_STEPS=(-e 'PXHV-GUEST: linux init' -e '~ # ' -s 'uname -r\r'
             -e '[0-9]+\.[0-9]+\.[0-9]+-[0-9]+-(cloud-)?amd64' -e '~ # '
             -s 'poweroff -f\r' -e 'reboot: Power down' --keep)

check_syslinux() {
    need syslinux.img
    run syslinux 60 -e 'PXHV-GUEST: syslinux-disk ready' "${SYSL_STEPS[@]}" \
        -- "$BOCHS" --hd "$GUESTS/syslinux.img" --timeout 60
}
check_floppy() {
    need floppy.img
    run floppy 60 -e 'PXHV-GUEST: syslinux-floppy ready' "${SYSL_STEPS[@]}" \
        -- "$BOCHS" --floppy "$GUESTS/floppy.img" --boot floppy --timeout 60
}
check_grub() {
    need grub.img
    run grub 60 -e 'PXHV-GUEST: grub ready, root=hd0,msdos1' "${GRUB_STEPS[@]}" \
        -- "$BOCHS" --hd "$GUESTS/grub.img" --timeout 60
}
check_memtest() {
    need memtest.img
    run memtest 180 -e 'Memtest86\+ v6' -e 'Status: Testing' \
        -e '#3  \[Moving inversions, 1s & 0s' -e '#4  \[Moving inversions, 8 bit' \
        -- "$BOCHS" --hd "$GUESTS/memtest.img" --megs 64 --timeout 180
}
check_linux() {
    need linux.img
    run linux 300 "${LINUX_STEPS[@]}" \
        -- "$BOCHS" --hd "$GUESTS/linux.img" --megs 256 --timeout 300
}
check_linux-qemu() {
    need linux.img
    command -v qemu-system-x86_64 >/dev/null ||
        { say "SKIP linux-qemu: apt-get install -y qemu-system-x86"; return; }
    run linux-qemu 120 "${LINUX_STEPS[@]}" \
        -- timeout -s KILL 120 qemu-system-x86_64 -accel tcg -m 256 \
        -display none -no-reboot -drive "file=$GUESTS/linux.img,format=raw,if=ide" \
        -serial 'tcp:127.0.0.1:{port}'
}
check_grub-vbr() {
    need grub.img
    "$G/extract-partition.sh" "$GUESTS/grub.img" "$OUTDIR/grub.part" >/dev/null
    make_disk "$OUTDIR/grub-vbr.img" 16 "$(syslinux_mbr)" "$OUTDIR/grub.part" 0e
    run grub-vbr 60 -e 'PXHV-GUEST: grub ready, root=hd0,msdos1' "${GRUB_STEPS[@]}" \
        -- "$BOCHS" --hd "$OUTDIR/grub-vbr.img" --timeout 60
}
check_syslinux-moved() {
    need syslinux.img
    "$G/extract-partition.sh" "$GUESTS/syslinux.img" "$OUTDIR/syslinux.part" >/dev/null
    make_disk "$OUTDIR/syslinux-moved.img" 20 "$(syslinux_mbr)" \
        "$OUTDIR/syslinux.part" 0e 4096
    run syslinux-moved 60 -e 'PXHV-GUEST: syslinux-disk ready' "${SYSL_STEPS[@]}" \
        -- "$BOCHS" --hd "$OUTDIR/syslinux-moved.img" --timeout 60
}
# hd1 NAME IMG LABEL STEPS...: boot the floppy, chain IMG as BIOS disk 0x81.
# The first hard disk is a blank one, so nothing but the chain can boot.
hd1() {
    local name=$1 img=$2 label=$3
    shift 3
    need floppy.img
    need "$img"
    [ -f "$OUTDIR/blank.img" ] || truncate -s $CYL_BYTES "$OUTDIR/blank.img"
    run "$name" 300 -e 'PXHV-GUEST: syslinux-floppy ready' -e 'boot: ' \
        -s "$label\\r" "$@" \
        -- "$BOCHS" --floppy "$GUESTS/floppy.img" --boot floppy \
        --hd "$OUTDIR/blank.img" --hd2 "$GUESTS/$img" --timeout 300
}
check_grub-hd1() {
    hd1 grub-hd1 grub.img hd1 -e 'PXHV-GUEST: grub ready, root=hd1,msdos1' "${GRUB_STEPS[@]}"
}
check_grub-hd1p1() {
    hd1 grub-hd1p1 grub.img hd1p1 -e 'PXHV-GUEST: grub ready, root=hd1,msdos1' "${GRUB_STEPS[@]}"
}
check_syslinux-hd1() {
    hd1 syslinux-hd1 syslinux.img hd1 -e 'PXHV-GUEST: syslinux-disk ready' "${SYSL_STEPS[@]}"
}
check_linux-hd1() {
    hd1 linux-hd1 linux.img hd1 "${LINUX_STEPS[@]}"
}

ALL=(syslinux floppy grub memtest linux linux-qemu grub-vbr syslinux-moved
     grub-hd1 grub-hd1p1 syslinux-hd1 linux-hd1)
[ $# -gt 0 ] || set -- "${ALL[@]}"
for c in "$@"; do
    declare -F "check_$c" >/dev/null || die "unknown check $c (known: ${ALL[*]})"
    "check_$c"
done
echo "guests: $pass passed, $fail failed"
[ "$fail" = 0 ]
