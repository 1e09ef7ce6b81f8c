#!/usr/bin/env bash
# Build build/pxhv.img: the same build as `make`, for those who prefer one script.
# usage: ./build_pxhv.sh           check the tools, build the image, report its parts
#        ./build_pxhv.sh --deps    install missing Debian packages first (as root)
#        ./build_pxhv.sh clean     remove build/
# The build rules live in one place (Makefile and the */build.mk fragments); this script
# checks that every tool is there first and explains what is missing.
set -euo pipefail
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
# Before the cd: $0 may be a relative path.
case ${1:-} in -h|--help) usage; exit 0 ;; esac
cd "$(dirname "$0")"

case ${1:-} in
    clean) exec make clean ;;
    --deps) bash scripts/deps.sh ;;
    "") ;;
    *) echo "usage: $0 [--deps|clean] (--help)" >&2; exit 2 ;;
esac

missing=()
for tool in make nasm gcc ld objcopy readelf dd od stat; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "build_pxhv: missing tools: ${missing[*]}" >&2
    echo "build_pxhv: install them with:  sudo apt-get install nasm gcc binutils make coreutils" >&2
    echo "build_pxhv: (or run $0 --deps as root)" >&2
    exit 1
fi

make --no-print-directory all
s1=$(stat -c %s build/stage1.bin) s2=$(stat -c %s build/stage2.bin) s3=$(stat -c %s build/stage3.bin)
echo "build_pxhv: build/pxhv.img ready: stage 1 $s1 bytes, stage 2 $s2 bytes, stage 3 $s3 bytes"
echo "build_pxhv: boot it with 'make run' (or see README.md)"
