#!/bin/bash
# mkimage.sh: assemble the raw pxHV disk image (layout in include/boot/layout.h).
#
# usage: mkimage.sh OUT --stage1 F --stage2 F --stage3 F
#                   [--builtin GUESTBIN [--name NAME]] [--partition DISKIMG]
#                   [--drive 0xNN] [--source none|partition|drive|builtin] [--flags N]
#
#   LBA 0       stage 1 + partition table     LBA 42..    stage 3
#   LBA 1..40   stage 2                       LBA 1536..  built-in guest
#   LBA 41      config block                  LBA 2048..  partition 1 (optional)
#
# Guest source: --source if given, else builtin with --builtin, else drive
# with --drive, else partition.  DISKIMG is either a bare volume (a FAT boot
# sector or anything else) copied whole, or a disk image with an MBR, whose
# active (else first) partition is copied; the partition type comes from
# that MBR entry, else 0x0C for FAT32, 0x0E for FAT16, 0x01 for FAT12,
# else 0x83.  The image size is a multiple of 516096 bytes (16 heads x 63
# sectors x 512), at least 4 MiB.  Pure shell: no root, no loop devices.
set -eu

prog=mkimage.sh
here=$(cd "$(dirname "$0")" && pwd)

die() { echo "$prog: $*" >&2; exit 1; }
# The header above is the usage text: --help prints it, a wrong command line gets it on stderr.
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
bad_usage() { usage >&2; exit 2; }
# Before consts.sh, which builds the generated constants: OUT comes first.
case ${1:-} in
    -h|--help) usage; exit 0 ;;
    ""|-*) bad_usage ;;
esac

. "$here/consts.sh"
STAGE2_LBA=$DISK_STAGE2_LBA
STAGE2_SECTORS=$DISK_STAGE2_SECTORS
STAGE3_LBA=$DISK_STAGE3_LBA
STAGE3_MAX=$DISK_STAGE3_MAX_SECTORS
BUILTIN_LBA=$DISK_BUILTIN_LBA
BUILTIN_MAX=$DISK_BUILTIN_MAX_SECTORS
PART1_LBA=$DISK_PART1_LBA
CYL_BYTES=$DISK_CYLINDER_BYTES
MIN_BYTES=$((4 * 1024 * 1024))

fsize() { stat -L -c %s "$1"; }
need_file() {  # need_file FILE WHAT
    [ -n "$1" ] || die "$2: no file given"
    [ -f "$1" ] || die "$2: $1: no such file"
    [ -s "$1" ] || die "$2: $1: empty file"
}
bytes_hex() {  # bytes_hex FILE OFFSET COUNT -> lowercase hex, no spaces
    od -An -tx1 -v -j "$2" -N "$3" "$1" | tr -d ' \n'
}
rd32() {  # rd32 FILE OFFSET
    local b
    b=($(od -An -tu1 -v -j "$2" -N4 "$1"))
    echo $(( b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 ))
}
u32le() {
    local v=$1
    printf "\\$(printf %03o $((v & 255)))\\$(printf %03o $((v >> 8 & 255)))"
    printf "\\$(printf %03o $((v >> 16 & 255)))\\$(printf %03o $((v >> 24 & 255)))"
}
sectors_of() { echo $(( ($(fsize "$1") + SECTOR_SIZE - 1) / SECTOR_SIZE )); }
# put FILE LBA [SKIP COUNT]: copy FILE (or COUNT sectors from SKIP) to LBA.
put() {
    if [ $# -gt 2 ]; then
        dd if="$1" of="$tmp" bs=$SECTOR_SIZE seek="$2" skip="$3" count="$4" conv=notrunc status=none
    else
        dd if="$1" of="$tmp" bs=$SECTOR_SIZE seek="$2" conv=notrunc status=none
    fi
}

out=$1; shift
stage1= stage2= stage3= builtin= name= part= drive= source= flags=0
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || die "option '$1' needs a value"
    case $1 in
    --stage1) stage1=$2 ;;
    --stage2) stage2=$2 ;;
    --stage3) stage3=$2 ;;
    --builtin) builtin=$2 ;;
    --name) name=$2 ;;
    --partition) part=$2 ;;
    --drive) drive=$2 ;;
    --source) source=$2 ;;
    --flags) flags=$2 ;;
    *) die "unknown option '$1'" ;;
    esac
    shift 2
done

# ---- checks ----
need_file "$stage1" "--stage1"
need_file "$stage2" "--stage2"
need_file "$stage3" "--stage3"
[ "$(fsize "$stage1")" -eq $SECTOR_SIZE ] || die "stage1: $stage1 is $(fsize "$stage1") bytes, must be $SECTOR_SIZE"
[ "$(bytes_hex "$stage1" 510 2)" = 55aa ] || die "stage1: $stage1 has no 0xAA55 boot signature"
[ "$(fsize "$stage2")" -le $((STAGE2_SECTORS * $SECTOR_SIZE)) ] ||
    die "stage2: $stage2 is $(fsize "$stage2") bytes, more than $STAGE2_SECTORS sectors"
s3_sectors=$(sectors_of "$stage3")
[ "$s3_sectors" -le "$STAGE3_MAX" ] ||
    die "stage3: $stage3 needs $s3_sectors sectors, more than DISK_STAGE3_MAX_SECTORS ($STAGE3_MAX)"
[ "$(rd32 "$stage3" 0)" = "$STAGE3_MAGIC" ] || die "stage3: $stage3 does not start with the PXS3 header"
[ "$(rd32 "$stage3" 8)" -le "$(fsize "$stage3")" ] ||
    die "stage3: header image_size $(rd32 "$stage3" 8) exceeds the file size"

gsectors=0
if [ -n "$builtin" ]; then
    need_file "$builtin" "--builtin"
    [ "$(fsize "$builtin")" -le $((BUILTIN_MAX * $SECTOR_SIZE)) ] ||
        die "builtin guest: $builtin is $(fsize "$builtin") bytes, more than $((BUILTIN_MAX * $SECTOR_SIZE))"
    [ "$(fsize "$builtin")" -ge $SECTOR_SIZE ] && [ "$(bytes_hex "$builtin" 510 2)" = 55aa ] ||
        die "builtin guest: $builtin has no 0xAA55 signature at offset 510"
    gsectors=$(sectors_of "$builtin")
fi
[ -z "$name" ] && [ -n "$builtin" ] && name=$(basename "$builtin" .bin | cut -c1-15)
if [ -z "$source" ]; then
    if [ -n "$builtin" ]; then source=builtin
    elif [ -n "$drive" ]; then source=drive
    else source=partition; fi
fi
if [ -z "$name" ]; then
    case $source in
    drive) name="drive $drive" ;;
    *) name=$source ;;
    esac
fi

# ---- partition 1 ----
p_sectors=0 p_skip=0 p_type=0 p_fat=0
if [ -n "$part" ]; then
    need_file "$part" "--partition"
    img_sectors=$(sectors_of "$part")
    fat16=$(bytes_hex "$part" 54 3)     # "FAT" at BPB offset 0x36 (FAT12/16)
    fat32=$(bytes_hex "$part" 82 5)     # "FAT32" at BPB offset 0x52
    oem=$(bytes_hex "$part" 3 4)        # "NTFS" / "EXFA"
    is_vbr=0
    case $fat16 in 464154) is_vbr=1 ;; esac
    case $fat32 in 464154*) is_vbr=1 ;; esac
    case $oem in 4e544653|45584641) is_vbr=1 ;; esac
    if [ "$img_sectors" -gt 0 ] && [ "$(bytes_hex "$part" 510 2)" = 55aa ] && [ $is_vbr -eq 0 ]; then
        # A disk image with an MBR: take the active entry, else the first used one.
        for want in active any; do
            for i in 0 1 2 3; do
                e=$((MBR_PART_TABLE + 16 * i))
                boot=$(bytes_hex "$part" $e 1); type=$((0x$(bytes_hex "$part" $((e + 4)) 1)))
                start=$(rd32 "$part" $((e + 8))); count=$(rd32 "$part" $((e + 12)))
                [ "$type" -ne 0 ] && [ "$start" -gt 0 ] && [ "$count" -gt 0 ] || continue
                [ $want = any ] || [ "$boot" = 80 ] || continue
                [ $((start + count)) -le "$img_sectors" ] ||
                    die "--partition: $part: partition $((i + 1)) runs past the end of the image"
                p_skip=$start p_sectors=$count p_type=$type
                break 2
            done
        done
        [ "$p_sectors" -gt 0 ] || die "--partition: $part has an MBR signature but no usable partition"
    else
        p_sectors=$img_sectors
    fi
    # The volume's own boot sector decides FAT handling.
    vbr16=$(dd if="$part" bs=$SECTOR_SIZE skip="$p_skip" count=1 status=none | od -An -tx1 -v -j 54 -N 3 | tr -d ' \n')
    vbr32=$(dd if="$part" bs=$SECTOR_SIZE skip="$p_skip" count=1 status=none | od -An -tx1 -v -j 82 -N 5 | tr -d ' \n')
    if [ "$vbr32" = 4641543332 ]; then p_fat=32; [ "$p_type" -ne 0 ] || p_type=$((0x0C))
    elif [ "$vbr16" = 464154 ]; then
        p_fat=16
        if [ "$p_type" -eq 0 ]; then
            fstype=$(dd if="$part" bs=$SECTOR_SIZE skip="$p_skip" count=1 status=none | od -An -c -v -j 54 -N 8 | tr -d ' \n')
            case $fstype in FAT12*) p_type=$((0x01)) ;; *) p_type=$((0x0E)) ;; esac
        fi
    fi
    [ "$p_type" -ne 0 ] || p_type=$((0x83))
fi

# ---- size ----
end=$(( (STAGE3_LBA + s3_sectors) * $SECTOR_SIZE ))
[ "$gsectors" -eq 0 ] || end=$(( (BUILTIN_LBA + gsectors) * $SECTOR_SIZE ))
[ "$p_sectors" -eq 0 ] || end=$(( (PART1_LBA + p_sectors) * $SECTOR_SIZE ))
[ "$end" -ge "$MIN_BYTES" ] || end=$MIN_BYTES
total=$(( (end + CYL_BYTES - 1) / CYL_BYTES * CYL_BYTES ))

# ---- write (to a temporary file, renamed at the end) ----
tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT
rm -f "$tmp"
dd if=/dev/zero of="$tmp" bs=$SECTOR_SIZE count=0 seek=$((total / $SECTOR_SIZE)) status=none
put "$stage1" 0
put "$stage2" "$STAGE2_LBA"
put "$stage3" "$STAGE3_LBA"
[ -z "$builtin" ] || put "$builtin" "$BUILTIN_LBA"

# Partition table (MBR offsets 0x1BE..0x1FD): entry 1 or nothing.
{
    if [ "$p_sectors" -gt 0 ]; then
        # status 0x80 (active); CHS start/end 0xFE 0xFF 0xFF: "use the LBA fields"
        printf '\200\376\377\377'
        printf "\\$(printf %03o "$p_type")"
        printf '\376\377\377'
        u32le "$PART1_LBA"; u32le "$p_sectors"
        head -c 48 /dev/zero
    else
        head -c 64 /dev/zero
    fi
} | dd of="$tmp" bs=1 seek=$MBR_PART_TABLE conv=notrunc status=none

if [ "$p_sectors" -gt 0 ]; then
    put "$part" "$PART1_LBA" "$p_skip" "$p_sectors"
    if [ "$p_fat" -ne 0 ]; then
        # FAT boot code finds its volume through BPB "hidden sectors" (0x1C);
        # FAT32 keeps a backup boot sector (BPB 0x32) that must agree.
        u32le "$PART1_LBA" | dd of="$tmp" bs=1 seek=$((PART1_LBA * $SECTOR_SIZE + 0x1C)) conv=notrunc status=none
        if [ "$p_fat" -eq 32 ]; then
            bk=$(( 0x$(bytes_hex "$tmp" $((PART1_LBA * $SECTOR_SIZE + 0x33)) 1)$(bytes_hex "$tmp" $((PART1_LBA * $SECTOR_SIZE + 0x32)) 1) ))
            if [ "$bk" -gt 0 ] && [ "$bk" -lt "$p_sectors" ]; then
                u32le "$PART1_LBA" | dd of="$tmp" bs=1 seek=$(((PART1_LBA + bk) * $SECTOR_SIZE + 0x1C)) conv=notrunc status=none
            fi
        fi
    fi
fi

cfg=(--init --stage3-sectors "$s3_sectors" --guest-sectors "$gsectors" --source "$source"
     --flags "$flags" --name "$name")
[ -z "$drive" ] || cfg+=(--drive "$drive")
"$here/pxhv-config.sh" "$tmp" "${cfg[@]}" >/dev/null || die "writing the config block failed"

mv "$tmp" "$out"
trap - EXIT
echo "$prog: $out: $((total / $SECTOR_SIZE)) sectors; stage 3 $s3_sectors sectors;" \
     "guest source $source${builtin:+, builtin $gsectors sectors}${part:+, partition 1 type 0x$(printf %02X "$p_type") $p_sectors sectors}"
