#!/usr/bin/env bash
# Debug pxHV with gdb on QEMU (make gdb, make gdb-real).
# usage: scripts/gdb.sh [--batch]          stop at stage3_main with stage 3's symbols
#        scripts/gdb.sh --real [--batch]   stop at 0000:7C00 (stage 1) with 16-bit disassembly
# --batch: no prompt; run to the breakpoint, print a backtrace (or the next instructions),
# quit; exit 0 only if the breakpoint was hit.  Interactive runs send COM1 to a file whose
# path is printed.  Environment: IMG (build/pxhv.img), ELF (build/stage3.elf), MEM (MB, 256),
# KVM=1 (-enable-kvm -cpu host), PXHV_BASE=0x... (skip finding the load address).
#
# Stage 3 is linked at 0 (position-independent) and copied by stage 2 to the base of the
# hypervisor region, which depends only on the memory map, so for a given MEM it is the same on
# every boot: a first short run reads "Stage 3 loaded at 0x..." from COM1, and gdb loads the
# symbols with `add-symbol-file stage3.elf -o BASE`.  The breakpoint is a hardware one (hbreak):
# stage 2 copies stage 3 into place after gdb attaches, which would overwrite the int3 of a
# software breakpoint under KVM.
#
# Real mode: gdb disassembles as the target description says, and qemu-system-x86_64 says
# x86-64 (gdb then ignores `set architecture i8086`).  --real uses qemu-system-i386 and a copy
# of its target description with <architecture>i8086</architecture>.  $pc is then IP only:
# for code outside segment 0 use  x/8i $cs*16+$pc ; break on linear addresses (break *0x10000).
set -euo pipefail

usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMG=${IMG:-$ROOT/build/pxhv.img}
ELF=${ELF:-$ROOT/build/stage3.elf}
MEM=${MEM:-256}
batch=0 real=0
for a in "$@"; do
    case $a in
        --batch) batch=1 ;; --real) real=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "gdb.sh: unknown option '$a'; usage: scripts/gdb.sh [--real] [--batch] (--help)" >&2; exit 2 ;;
    esac
done

die() { echo "gdb.sh: $*" >&2; exit 1; }
[ -s "$IMG" ] || die "$IMG missing: run make"
[ $real = 1 ] || [ -s "$ELF" ] || die "$ELF missing: run make"
command -v gdb >/dev/null || die "gdb not installed (make deps)"

dir=$(mktemp -d "${TMPDIR:-/tmp}/pxhv-gdb.XXXXXX")
pgs=()
stop_all() {
    local g
    for g in ${pgs[@]+"${pgs[@]}"}; do kill -- "-$g" 2>/dev/null || true; done
    sleep 0.3
    for g in ${pgs[@]+"${pgs[@]}"}; do kill -KILL -- "-$g" 2>/dev/null || true; done
    pgs=()
}
trap 'stop_all; [ $batch = 0 ] || rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM HUP

qemu_bin=qemu-system-x86_64
[ $real = 0 ] || qemu_bin=qemu-system-i386
qemu_args=(-display none -no-reboot -nic none -m "$MEM")
[ "${KVM:-0}" != 1 ] || qemu_args+=(-enable-kvm -cpu host)

# qemu NAME EXTRA...: start QEMU on a copy of the image in its own process group,
# COM1 to $dir/NAME.log
qemu() {
    local name=$1; shift
    : >"$dir/$name.log"
    cp --reflink=auto "$IMG" "$dir/$name.img"
    setsid timeout -k 5 "${GDB_TIMEOUT:-3600}" "$qemu_bin" "${qemu_args[@]}" \
        -drive "format=raw,if=ide,index=0,file=$dir/$name.img" -serial "file:$dir/$name.log" "$@" \
        </dev/null >"$dir/$name.stderr" 2>&1 &
    pgs+=($!)
}

# qemu_gdb NAME: QEMU stopped at the reset vector with a gdb server on a free port ($port)
qemu_gdb() {
    port=$(( 20000 + RANDOM % 40000 ))
    while ss -Hltn | awk '{print $4}' | grep -q ":$port\$"; do port=$(( 20000 + RANDOM % 40000 )); done
    qemu "$1" -S -gdb "tcp:127.0.0.1:$port"
    for _ in $(seq 50); do ss -Hltn | grep -q "127.0.0.1:$port " && return; sleep 0.1; done
    die "QEMU's gdb server did not start: $(cat "$dir/$1.stderr")"
}

{ echo 'set pagination off'; echo 'set confirm off'; } >"$dir/gdbinit"
if [ $real = 1 ]; then
    qemu_gdb tdesc
    gdb -q -nx -batch -ex "target remote 127.0.0.1:$port" -ex 'maint print xml-tdesc' </dev/null \
        2>/dev/null | sed -n '/^<?xml/,/^<\/target>/p' |
        sed 's|<architecture>i386</architecture>|<architecture>i8086</architecture>|' >"$dir/i8086.xml"
    grep -q i8086 "$dir/i8086.xml" || die "could not read QEMU's target description"
    stop_all
    qemu_gdb debug
    cat >>"$dir/gdbinit" <<EOF
set tdesc filename $dir/i8086.xml
target remote 127.0.0.1:$port
break *0x7c00
continue
EOF
    after=('x/8i $pc' 'info registers eip esp edx')
    hit='^=> 0x7c00:'
else
    base=${PXHV_BASE:-}
    if [ -z "$base" ]; then
        qemu probe
        for _ in $(seq 300); do
            base=$(sed -n 's/.*Stage 3 loaded at \(0x[0-9a-fA-F]*\).*/\1/p' "$dir/probe.log" | head -n1)
            [ -z "$base" ] || break
            sleep 0.1
        done
        stop_all
        [ -n "$base" ] || { tail -n 20 "$dir/probe.log" >&2; die "no 'Stage 3 loaded at' line on COM1 in 30 s"; }
    fi
    echo "gdb.sh: stage 3 base $base ($MEM MB)"
    qemu_gdb debug
    cat >>"$dir/gdbinit" <<EOF
add-symbol-file $ELF -o $base
target remote 127.0.0.1:$port
hbreak stage3_main
continue
EOF
    after=(bt 'info registers rip rdi rsp')
    hit='^#0 .*stage3_main'
fi

if [ $batch = 1 ]; then
    printf '%s\n' "${after[@]}" kill quit >>"$dir/gdbinit"
    timeout -k 5 120 gdb -q -nx -batch -x "$dir/gdbinit" </dev/null 2>&1 | tee "$dir/gdb.out"
    grep -q "$hit" "$dir/gdb.out" || die "breakpoint not reached"
else
    echo "gdb.sh: COM1 output: tail -f $dir/debug.log"
    gdb -q -nx -x "$dir/gdbinit"
fi
