# Shared helpers for the guest image recipes (sourced, not run).
#
# Everything a guest needs comes from Debian packages fetched with
# `apt-get download` into $DEBS and unpacked with `dpkg -x` under $PKGROOT,
# so the recipes run unprivileged: no mounts, no loop devices, no mknod.
# The host only needs coreutils, apt/dpkg, mtools and dosfstools.
# usage: . guest_images/lib.sh   (in a recipe; run as a command it only prints this)

# Variables here are used by the recipes that source this file, and the
# byte lists of put_bytes are split into words on purpose.
# shellcheck disable=SC2034,SC2046
set -euo pipefail

# Run rather than sourced (BASH_SOURCE is then $0): the header above, on stdout for --help.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case ${1:-} in
        -h|--help) sed -n '/^#/!q; s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) sed -n '/^#/!q; s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
fi

GUEST_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=${BUILD:-build}
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
DEBS=$BUILD/debs            # downloaded .deb cache, kept across rebuilds
PKGROOT=$BUILD/pkgroot      # one dpkg -x tree per package
GUESTS=$BUILD/guests        # finished images
WORK=$BUILD/guests/work     # scratch files of the recipes
mkdir -p "$DEBS" "$PKGROOT" "$GUESTS" "$WORK"

# Geometry Bochs derives from the image size (sizes are whole cylinders), and
# where partition 1 starts: the layout constants of the C headers.
. "$GUEST_SRC/../scripts/consts.sh"
HEADS=16
SPT=63
CYL_BYTES=$DISK_CYLINDER_BYTES
PART_LBA=$DISK_PART1_LBA

TAG=${TAG:-guest}
say() { printf '[%s] %s\n' "$TAG" "$*"; }
die() { printf '[%s] error: %s\n' "$TAG" "$*" >&2; exit 1; }

# need_tool TOOL "PACKAGE...": a host tool; install it as root, else say how.
need_tool() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ]; then
        say "installing host package(s) $2 (for $1)"
        # shellcheck disable=SC2086 # a list of package names
        apt-get install -y $2 >/dev/null
        command -v "$1" >/dev/null 2>&1 && return 0
    fi
    die "missing host tool $1: run  apt-get install -y $2"
}

need_tool apt-get apt
need_tool dpkg dpkg

# apt_update: refresh the package lists once per run, as root only (a
# fresh machine may have none); returns false when that is not possible.
APT_UPDATED=0
apt_update() {
    [ "$APT_UPDATED" = 0 ] && [ "$(id -u)" = 0 ] || return 1
    APT_UPDATED=1
    say "apt-get update" >&2
    apt-get update >/dev/null 2>&1
}

# resolve PKG: follow a metapackage such as linux-image-amd64 to the
# package that holds the files (its first versioned dependency).
resolve_pkg() {
    local p
    case "$1" in
    linux-image-amd64|linux-image-cloud-amd64)
        p=$(apt-cache depends "$1" 2>/dev/null |
            awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
        if [ -z "$p" ] && apt_update; then
            p=$(apt-cache depends "$1" 2>/dev/null |
                awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
        fi
        echo "$p" ;;
    *) echo "$1" ;;
    esac
}

# fetch_deb PKG: print the path of the cached .deb, downloading it once.
fetch_deb() {
    local pkg=$1 deb
    deb=$(ls "$DEBS"/"${pkg}"_*.deb 2>/dev/null | sort | tail -n 1 || true)
    if [ -z "$deb" ]; then
        say "apt-get download $pkg" >&2
        (cd "$DEBS" && apt-get download "$pkg" >/dev/null 2>"$WORK/apt.err") ||
            { apt_update &&
              (cd "$DEBS" && apt-get download "$pkg" >/dev/null 2>"$WORK/apt.err"); } ||
            { cat "$WORK/apt.err" >&2
              die "apt-get download $pkg failed (try: apt-get update)"; }
        deb=$(ls "$DEBS"/"${pkg}"_*.deb | sort | tail -n 1)
    fi
    echo "$deb"
}

# unpack PKG: dpkg -x the package once; print its root directory.
unpack() {
    local pkg deb dir
    pkg=$(resolve_pkg "$1")
    [ -n "$pkg" ] || die "cannot resolve package $1 (try: apt-get update)"
    deb=$(fetch_deb "$pkg")
    dir=$PKGROOT/$pkg
    if [ ! -f "$dir/.stamp" ] || [ "$(cat "$dir/.stamp")" != "$(basename "$deb")" ]; then
        say "unpacking $(basename "$deb")" >&2
        rm -rf "$dir"
        mkdir -p "$dir"
        dpkg -x "$deb" "$dir"
        basename "$deb" > "$dir/.stamp"
    fi
    echo "$dir"
}

# put_bytes FILE OFFSET HEX...: overwrite bytes in place.
put_bytes() {
    local f=$1 off=$2 s="" b
    shift 2
    for b in "$@"; do s="$s\\x$b"; done
    printf "$s" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

# le32 N: the four little-endian byte values of N, as hex words.
le32() {
    printf '%02x %02x %02x %02x' $(($1 & 255)) $(($1 >> 8 & 255)) \
        $(($1 >> 16 & 255)) $(($1 >> 24 & 255))
}

# chs LBA: the 3 CHS bytes of a partition entry (head, sector|cyl-hi, cyl),
# clamped to 1023/15/63 as BIOSes expect for LBA beyond CHS reach.
chs() {
    local lba=$1 c h s
    c=$((lba / (HEADS * SPT)))
    h=$((lba / SPT % HEADS))
    s=$((lba % SPT + 1))
    if [ "$c" -gt 1023 ]; then c=1023; h=$((HEADS - 1)); s=$SPT; fi
    printf '%02x %02x %02x' "$h" $((s | (c >> 8 & 3) << 6)) $((c & 255))
}

# make_disk OUT CYLINDERS MBRCODE PARTFILE TYPE [START]
# A whole disk: boot code MBRCODE (its first 440 bytes) in sector 0, one
# active primary partition of type TYPE at LBA START (default 2048) holding
# PARTFILE, the rest of the disk after it left zero.
make_disk() {
    local out=$1 cyl=$2 mbr=$3 part=$4 type=$5 start=${6:-$PART_LBA} total psize
    total=$((cyl * HEADS * SPT))
    psize=$(( $(stat -c %s "$part") / 512 ))
    [ $((start + psize)) -le "$total" ] || die "$part does not fit $cyl cylinders"
    rm -f "$out"
    truncate -s $((total * 512)) "$out"
    dd if="$mbr" of="$out" bs=440 count=1 conv=notrunc status=none
    put_bytes "$out" 440 50 58 48 56 00 00        # disk signature "PXHV"
    # Partition entry 1 (MBR layout: status, CHS first, type, CHS last,
    # LBA first, sector count), then the 0x55AA signature.
    put_bytes "$out" 446 80 $(chs "$start") "$type" \
        $(chs $((start + psize - 1))) $(le32 "$start") $(le32 "$psize")
    put_bytes "$out" 510 55 aa
    dd if="$part" of="$out" bs=512 seek="$start" conv=notrunc status=none
}

# part_sectors CYLINDERS: sectors the partition gets on such a disk.
part_sectors() { echo $(($1 * HEADS * SPT - PART_LBA)); }

# mkfat FILE SECTORS FATBITS LABEL [extra mkfs.fat args]: a FAT file system
# in a file, BPB geometry 16/63 and hidden sectors = its LBA on the disk.
mkfat() {
    local f=$1 sectors=$2 bits=$3 label=$4
    shift 4
    need_tool mkfs.fat dosfstools
    rm -f "$f"
    mkfs.fat -C -F "$bits" -n "$label" -g $HEADS/$SPT -h $PART_LBA \
        --invariant "$@" "$f" $((sectors / 2)) >/dev/null
}

# syslinux_mbr: path of SYSLINUX's MBR boot code (mbr.bin: loads the
# active partition's VBR, DL = drive, DS:SI -> its partition entry).
syslinux_mbr() { echo "$(unpack syslinux-common)/usr/lib/syslinux/mbr/mbr.bin"; }

# syslinux_setup FATFILE CFG MARKER [MODULE...]: install the SYSLINUX VBR
# and ldlinux.sys with the packaged installer (same version as the packaged
# .c32 modules, which must match ldlinux.sys), then CFG as syslinux.cfg,
# marker.txt holding "PXHV-GUEST: MARKER" (unless MARKER is empty), and
# the listed modules.
syslinux_setup() {
    local f=$1 cfg=$2 marker=$3 sl mods m
    shift 3
    need_tool mcopy mtools
    sl=$(unpack syslinux)
    mods=$(unpack syslinux-common)/usr/lib/syslinux/modules/bios
    "$sl/usr/bin/syslinux" --install "$f"
    mput "$f" "$cfg" syslinux.cfg
    if [ -n "$marker" ]; then
        printf 'PXHV-GUEST: %s\n' "$marker" > "$WORK/marker.txt"
        mput "$f" "$WORK/marker.txt" marker.txt
    fi
    for m in "$@"; do
        mput "$f" "$mods/$m" "$m"
    done
}

# Modules that syslinux/syslinux.cfg uses.
PROMPT_MODULES="libcom32.c32 libutil.c32 cat.c32 poweroff.c32 reboot.c32 chain.c32"

# mput FATFILE SRC DEST: copy a file into the FAT image.
mput() { MTOOLS_SKIP_CHECK=1 mcopy -o -i "$1" "$2" "::$3"; }
fat_mkdir() { MTOOLS_SKIP_CHECK=1 mmd -i "$1" "::$2"; }
