#!/bin/bash
# usage: guest_images/mkcpio.sh LIST OUT
# Writes a "newc" cpio archive (the initramfs format, Linux
# Documentation/driver-api/early-userspace/buffer-format.rst) from a list
# in the style of the kernel's usr/gen_init_cpio:
#     dir   NAME MODE
#     file  NAME SOURCE MODE
#     slink NAME TARGET MODE
#     nod   NAME MODE c|b MAJOR MINOR
# Everything is owned by root; device nodes are recorded without root
# privileges because nothing is created on the host.
set -euo pipefail
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
case ${1:-} in -h|--help) usage; exit 0 ;; esac
[ $# = 2 ] || { usage >&2; exit 2; }
list=$1 out=$2
ino=1000
: > "$out"

pad4() {    # pad4 N: zero bytes up to the next multiple of 4 after N
    local n=$(( (4 - $1 % 4) % 4 ))
    [ "$n" = 0 ] || head -c "$n" /dev/zero >> "$out"
}

# entry NAME MODE SIZE RMAJ RMIN: one header plus the NUL-ended name.
# Header: magic 070701 then 13 eight-digit hex fields: ino, mode, uid,
# gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor,
# namesize (with NUL), check (0 for newc).
entry() {
    local name=${1#/} mode=$2 size=$3 rmaj=$4 rmin=$5
    ino=$((ino + 1))
    printf '070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x' \
        "$ino" "$mode" 0 0 1 0 "$size" 0 0 "$rmaj" "$rmin" \
        $(( ${#name} + 1 )) 0 >> "$out"
    printf '%s\0' "$name" >> "$out"
    pad4 $(( 110 + ${#name} + 1 ))
}

while read -r kind name a b c d; do
    case "$kind" in
    ''|'#'*) continue ;;
    dir)   entry "$name" $((0040000 | 0$a)) 0 0 0 ;;
    file)  size=$(stat -L -c %s "$a")
           entry "$name" $((0100000 | 0$b)) "$size" 0 0
           cat "$a" >> "$out"
           pad4 "$size" ;;
    slink) entry "$name" $((0120000 | 0$b)) ${#a} 0 0
           printf '%s' "$a" >> "$out"
           pad4 ${#a} ;;
    nod)   case "$b" in c) t=0020000 ;; b) t=0060000 ;; *) echo "bad node type $b" >&2; exit 1 ;; esac
           entry "$name" $((t | 0$a)) 0 "$c" "$d" ;;
    *) echo "mkcpio.sh: unknown entry '$kind'" >&2; exit 1 ;;
    esac
done < "$list"
entry TRAILER!!! 0 0 0 0
