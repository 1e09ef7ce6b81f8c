#!/bin/bash
# pxhv-config.sh: show or change the configuration block (struct pxhv_config,
# include/boot/pxhv_config.h) of a pxHV disk image in place.  No rebuild needed.
#
# usage: pxhv-config.sh IMG [--source none|partition|drive|builtin|mbr] [--drive 0xNN]
#                           [--flags N] [--name NAME] [--show] [CELL OPTIONS]
#
# Cells (docs/cells.md), each --cell NAME followed by what to set for it:
#   --cell NAME [--cpus N | --cpu-ids A,B] [--mem MIB] [--image FILE]
#               [--format flat|multiboot] [--policy stop|restart]
#               [--ports FIRST-LAST|FIRST+COUNT[,...]] [--cmdline TEXT]
#   --cell-remove NAME
# A new cell needs --image; it gets 1 CPU, 16 MiB, a flat image and the stop
# policy unless told otherwise.  Cell images live in pxHV's own sectors.
#
# --drive alone also selects --source drive.  With no option, or with
# --show, the block is printed (after any change).  The block is the sector
# after stage 2, which stage 1 names (MBR_STAGE2_LBA): LBA 41 of an image
# from mkimage.sh, elsewhere on a disk set up by scripts/pxhv-install, whose
# original boot code is the source `mbr`.
#
# scripts/mkimage.sh also uses: --init (write a fresh block instead of
# requiring one), --stage3-sectors N, --guest-sectors N.
set -eu

prog=pxhv-config.sh
here=$(cd "$(dirname "$0")" && pwd)

die() { echo "$prog: $*" >&2; exit 1; }

# The header above is the usage text: --help prints it, a wrong command line gets it on stderr.
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
bad_usage() { usage >&2; exit 2; }
# Before consts.sh, which builds the generated constants: IMG comes first.
case ${1:-} in
    -h|--help) usage; exit 0 ;;
    ""|-*) bad_usage ;;
esac

# The layout and struct pxhv_config's offsets, generated from the C headers.
. "$here/consts.sh"
STAGE3_LBA=$DISK_STAGE3_LBA
BUILTIN_LBA=$DISK_BUILTIN_LBA
MAGIC=$PXHV_CONFIG_MAGIC
VERSION=$PXHV_CONFIG_VERSION
OFF_VERSION=$CFG_VERSION OFF_S3_LBA=$CFG_STAGE3_LBA OFF_S3_SECTORS=$CFG_STAGE3_SECTORS
OFF_SOURCE=$CFG_GUEST_SOURCE OFF_DRIVE=$CFG_GUEST_DRIVE OFF_GLBA=$CFG_GUEST_LBA
OFF_GSECTORS=$CFG_GUEST_SECTORS OFF_FLAGS=$CFG_FLAGS OFF_NAME=$CFG_GUEST_NAME
NAME_MAX=$((CFG_GUEST_NAME_LEN - 1))

source_names=()
source_names[GUEST_SRC_NONE]=none source_names[GUEST_SRC_PARTITION]=partition
source_names[GUEST_SRC_DRIVE]=drive source_names[GUEST_SRC_BUILTIN]=builtin
source_names[GUEST_SRC_MBR]=mbr

# is_uint STRING: decimal or 0x hex.
is_uint() { [[ $1 =~ ^(0[xX][0-9a-fA-F]+|[0-9]+)$ ]]; }

rd32() {  # rd32 OFFSET-in-block
    local b
    b=($(od -An -tu1 -v -j $((CONFIG_LBA * $SECTOR_SIZE + $1)) -N4 "$img"))
    [ ${#b[@]} -eq 4 ] || die "$img: too short for a config block"
    echo $(( b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 ))
}

u32le() {
    local v=$1
    printf "\\$(printf %03o $((v & 255)))\\$(printf %03o $((v >> 8 & 255)))"
    printf "\\$(printf %03o $((v >> 16 & 255)))\\$(printf %03o $((v >> 24 & 255)))"
}

img=$1; shift
[ -f "$img" ] || die "$img: no such file"

init=0 show=0 changed=0 cell_args=()
new_source= new_drive= new_flags= new_name= name_set=0 new_s3= new_gs=
while [ $# -gt 0 ]; do
    case $1 in
    --source)  [ $# -ge 2 ] || bad_usage; new_source=$2; shift 2 ;;
    --drive)   [ $# -ge 2 ] || bad_usage; new_drive=$2; shift 2 ;;
    --flags)   [ $# -ge 2 ] || bad_usage; new_flags=$2; shift 2 ;;
    --name)    [ $# -ge 2 ] || bad_usage; new_name=$2; name_set=1; shift 2 ;;
    --show)    show=1; shift ;;
    --init)    init=1; shift ;;
    --stage3-sectors) [ $# -ge 2 ] || bad_usage; new_s3=$2; shift 2 ;;
    --guest-sectors)  [ $# -ge 2 ] || bad_usage; new_gs=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --cell|--cell-remove) cell_args=("$@"); break ;;
    *) die "unknown option '$1' (try --help)" ;;
    esac
done

size=$(stat -c %s "$img")
# Where stage 1 loads stage 2 from (a u64; pxHV keeps it below 2^32).
s2=($(od -An -tu1 -v -j "$MBR_STAGE2_LBA" -N4 "$img"))
[ ${#s2[@]} -eq 4 ] || die "$img: too short for a pxHV boot sector"
stage2_lba=$(( s2[0] | s2[1] << 8 | s2[2] << 16 | s2[3] << 24 ))
CONFIG_LBA=$((stage2_lba + DISK_STAGE2_SECTORS))
[ "$size" -ge $(( (CONFIG_LBA + 1) * $SECTOR_SIZE )) ] || die "$img: too small to hold a config block"

if [ $init -eq 1 ]; then
    version=$VERSION s3_lba=$STAGE3_LBA s3_sectors=0 source=$GUEST_SRC_PARTITION drive=0x80
    glba=$BUILTIN_LBA gsectors=0 flags=0 name=
else
    magic=$(dd if="$img" bs=$SECTOR_SIZE skip="$CONFIG_LBA" count=1 status=none | head -c 8 | tr -d '\000')
    [ "$magic" = "$MAGIC" ] || die "$img: no pxHV config block at LBA $CONFIG_LBA (magic '$MAGIC' missing)"
    version=$(rd32 $OFF_VERSION) s3_lba=$(rd32 $OFF_S3_LBA) s3_sectors=$(rd32 $OFF_S3_SECTORS)
    source=$(rd32 $OFF_SOURCE) drive=$(rd32 $OFF_DRIVE) glba=$(rd32 $OFF_GLBA)
    gsectors=$(rd32 $OFF_GSECTORS) flags=$(rd32 $OFF_FLAGS)
    name=$(dd if="$img" bs=1 skip=$((CONFIG_LBA * $SECTOR_SIZE + OFF_NAME)) count=$CFG_GUEST_NAME_LEN status=none | tr -d '\000')
fi

if [ -n "$new_s3" ]; then
    is_uint "$new_s3" || die "--stage3-sectors: '$new_s3' is not a number"
    s3_sectors=$((new_s3)); changed=1
fi
if [ -n "$new_gs" ]; then
    is_uint "$new_gs" || die "--guest-sectors: '$new_gs' is not a number"
    gsectors=$((new_gs)); changed=1
fi
if [ -n "$new_drive" ]; then
    is_uint "$new_drive" && [ $((new_drive)) -le 255 ] ||
        die "--drive: '$new_drive' is not a BIOS drive number (0x00..0xFF)"
    drive=$((new_drive)); changed=1
    [ -n "$new_source" ] || new_source=drive
fi
if [ -n "$new_source" ]; then
    case $new_source in
    none) source=$GUEST_SRC_NONE ;; partition) source=$GUEST_SRC_PARTITION ;;
    drive) source=$GUEST_SRC_DRIVE ;; builtin) source=$GUEST_SRC_BUILTIN ;;
    mbr) [ "$stage2_lba" -ne "$DISK_STAGE2_LBA" ] ||
             die "--source mbr: $img was not set up by pxhv-install: it has no saved boot code"
         source=$GUEST_SRC_MBR ;;
    *) die "--source: '$new_source' is not none, partition, drive, builtin or mbr" ;;
    esac
    changed=1
fi
if [ -n "$new_flags" ]; then
    is_uint "$new_flags" && [ $((new_flags)) -le 4294967295 ] ||
        die "--flags: '$new_flags' is not a 32-bit number"
    flags=$((new_flags)); changed=1
fi
if [ $name_set -eq 1 ]; then
    [[ $new_name =~ ^[\ -~]*$ ]] || die "--name: printable ASCII only"
    [ ${#new_name} -le $NAME_MAX ] || die "--name: '$new_name' is longer than $NAME_MAX characters"
    name=$new_name; changed=1
fi
if [ "$source" -eq "$GUEST_SRC_BUILTIN" ] && [ "$gsectors" -eq 0 ]; then
    die "$img: guest source 'builtin' but the image has no built-in guest"
fi

if [ $changed -eq 1 ] || [ $init -eq 1 ]; then
    {
        printf '%s' "$MAGIC"
        u32le "$version"; u32le "$s3_lba"; u32le "$s3_sectors"; u32le "$source"
        u32le "$drive"; u32le "$glba"; u32le "$gsectors"; u32le "$flags"
        printf '%s' "$name"
        head -c $((SECTOR_SIZE - OFF_NAME - ${#name})) /dev/zero
    } | if [ $init -eq 1 ]; then
        dd of="$img" bs="$SECTOR_SIZE" seek="$CONFIG_LBA" count=1 iflag=fullblock conv=notrunc status=none
    else
        # Only struct pxhv_config: the cells that follow it in the sector stay.
        head -c "$CFG_SIZE" | dd of="$img" bs=1 seek=$((CONFIG_LBA * SECTOR_SIZE)) conv=notrunc status=none
    fi
fi
cells() { python3 "$here/cellcfg.py" "$_pxhv_consts" "$img" "$CONFIG_LBA" "$@"; }
if [ ${#cell_args[@]} -gt 0 ]; then
    cells "${cell_args[@]}" >/dev/null || exit 1
    changed=1
fi

if [ $show -eq 1 ] || [ $changed -eq 0 ]; then
    sname=${source_names[$source]:-unknown}
    printf 'magic           %s\n' "$MAGIC"
    printf 'version         %u\n' "$version"
    printf 'stage3_lba      %u\n' "$s3_lba"
    printf 'stage3_sectors  %u\n' "$s3_sectors"
    printf 'guest_source    %s (%u)\n' "$sname" "$source"
    printf 'guest_drive     0x%02x\n' "$drive"
    printf 'guest_lba       %u\n' "$glba"
    printf 'guest_sectors   %u\n' "$gsectors"
    printf 'flags           0x%x%s%s\n' "$flags" \
        "$( [ $((flags & CFG_FLAG_TRACE_EXITS)) -ne 0 ] && echo ' trace-exits')" \
        "$( [ $((flags & CFG_FLAG_NO_POWEROFF)) -ne 0 ] && echo ' no-poweroff')$( [ $((flags & CFG_FLAG_INTERCEPT_IPI)) -ne 0 ] && echo ' intercept-ipi')$( [ $((flags & CFG_FLAG_REQUIRE_IOMMU)) -ne 0 ] && echo ' require-iommu')"
    printf 'guest_name      %s\n' "$name"
    cells --show
fi
