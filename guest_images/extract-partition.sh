#!/bin/bash
# usage: guest_images/extract-partition.sh IMG OUT [N]
# Copies partition N (default 1) of the MBR disk image IMG to OUT, e.g. to
# place it at LBA 2048 of the pxHV disk.
# Every image here puts partition 1 at LBA 2048, so where the copy lands at
# LBA 2048 again, absolute sector numbers recorded inside it stay right
# (this matters for guest-grub, see README.md).
set -euo pipefail
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
case ${1:-} in -h|--help) usage; exit 0 ;; esac
[ $# -ge 2 ] || { usage >&2; exit 2; }
img=$1 out=$2 n=${3:-1}
[ "$n" -ge 1 ] && [ "$n" -le 4 ] || { echo "partition number 1..4" >&2; exit 2; }
# u32 little endian at byte offset $1 of the image
u32() { od -A n -t u4 -j "$1" -N 4 "$img" | tr -d ' '; }
[ "$(od -A n -t x1 -j 510 -N 2 "$img" | tr -d ' ')" = 55aa ] ||
    { echo "$img: no MBR signature" >&2; exit 1; }
entry=$((446 + 16 * (n - 1)))
start=$(u32 $((entry + 8)))
count=$(u32 $((entry + 12)))
[ "$count" -gt 0 ] || { echo "$img: partition $n is empty" >&2; exit 1; }
dd if="$img" of="$out" bs=512 skip="$start" count="$count" status=none
echo "partition $n of $img: LBA $start, $count sectors -> $out"
