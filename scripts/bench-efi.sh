#!/usr/bin/env bash
# scripts/bench-efi.sh: the UEFI path's figures (`make bench`, after scripts/bench.sh;
# docs/performance.md and docs/uefi.md).  QEMU TCG q35 + OVMF, AMD-V emulated, 2 CPUs, 512 MB:
#   1. firmware start to the guest loader's first instruction, with and without pxhv.efi in
#      front of it, under -icount shift=0,sleep=off: one virtual nanosecond per guest
#      instruction, idle time skipped instead of waited for in host time, and the TSC
#      counting that virtual time, so the figure does not depend on the host's load (two
#      runs gave the same ticks to the unit): the loader is tests/efi/stamp.efi, which
#      prints the TSC at its first instruction (0 at the machine's reset) and the TSC per
#      millisecond of the firmware's Stall;
#   2. Linux to its init through GRUB EFI, with and without pxhv.efi (multi-threaded TCG,
#      no -icount): host wall seconds from QEMU's start to init's line, and the kernel's
#      own clock (init's "up", /proc/uptime) there.
# usage: [VARIABLE=VALUE]... scripts/bench-efi.sh   (no arguments; the variables:)
#   BENCH_EFI_LINUX=0   skips 2.
#   BENCH_EFI_REPEAT=N  runs of each Linux boot in 2., the least kept (default 2)
# One emulator at a time, each bounded and headless (tests/lib.sh); the table goes to
# build/bench/efi-table.txt, the serial logs beside it.
set -u
# --help before tests/lib.sh, which makes the run directories, and before build/bench/.
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
case ${1:-} in
    -h|--help) usage; exit 0 ;;
    ?*) echo "bench-efi.sh: no arguments (--help)" >&2; exit 2 ;;
esac
TEST_NAME=bench-efi
. "$(dirname "$0")/../tests/lib.sh"
B=$PXHV_ROOT/build
OUT=$B/bench
mkdir -p "$OUT"
rm -f "$OUT"/efi-*.log "$OUT"/efi-table.txt
export MTOOLS_SKIP_CHECK=1
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
say() { echo "bench-efi: $*"; }
for f in "$B/esp.img" "$B/tests/stamp.efi" "$B/pxhv.efi"; do
    [ -s "$f" ] || { say "$f missing (make esp efi-tests)"; exit 1; }
done

efi_run() { # IMG LOGNAME DONE [run_qemu option]...
    local img=$1 name=$2 done=$3; shift 3
    run_qemu --efi --machine q35 --disk "$img" --cpu "$SVM_QEMU_CPU" --cpus 2 --mem 512 \
        --timeout 900 --stall 300 --done "$done" "$@"
    tr -d '\r' <"$SERIAL_LOG" >"$OUT/efi-$name.log"
}
field() { sed -nE "s/$2/\\1/p" "$OUT/efi-$1.log" | head -n 1; }
calc() { awk "BEGIN { printf $1 }"; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && calc "\"%.3fx\", $2 / $1" || echo "?"; }

# ESP images: the loader alone as BOOTX64.EFI, and behind pxhv.efi (pxhv.cfg next=).
bare=$TEST_TMP/stamp-bare.img hv=$TEST_TMP/stamp-pxhv.img
cp "$B/esp.img" "$bare"
cp "$B/esp.img" "$hv"
mcopy -o -i "$bare" "$B/tests/stamp.efi" ::EFI/BOOT/BOOTX64.EFI
mcopy -o -i "$hv" "$B/tests/stamp.efi" ::stamp.efi
printf 'next=\\stamp.efi\n' >"$TEST_TMP/stamp.cfg"
mcopy -o -i "$hv" "$TEST_TMP/stamp.cfg" ::EFI/BOOT/pxhv.cfg

STAMP='^stamp\.efi: TSC at the loader.s first instruction ([0-9]+), .*'
PERMS='^stamp\.efi: .*, ([0-9]+) per ms \(Stall\).*'
say "[1/4] firmware -> loader, no pxHV (-icount, about 3 minutes)"
efi_run "$bare" stamp-bare "stamp.efi: TSC" --arg -icount --arg shift=0,sleep=off
say "[2/4] firmware -> pxhv.efi -> loader (-icount, about 3 minutes)"
efi_run "$hv" stamp-pxhv "pxHV: stopping" --arg -icount --arg shift=0,sleep=off
t_bare=$(field stamp-bare "$STAMP") t_hv=$(field stamp-pxhv "$STAMP")
pm=$(field stamp-bare "$PERMS")
ms() { [ -n "$1" ] && [ -n "$pm" ] && calc "\"%.1f\", $1 / $pm" || echo "?"; }

rows=()
row() { rows+=("$(printf '%-52s %14s %14s  %s' "$@")"); }
row "UEFI path (QEMU TCG q35, OVMF, AMD-V, 2 CPUs)" "no pxHV" "pxhv.efi" ""
row "1. firmware start -> loader's first instruction" "" "" ""
row "  TSC ticks (-icount shift=0,sleep=off)" "${t_bare:-?}" "${t_hv:-?}" "$(ratio "$t_bare" "$t_hv")"
row "  virtual ms (TSC per ms of Stall: ${pm:-?})" "$(ms "$t_bare")" "$(ms "$t_hv")" \
    "pxhv.efi: $( [ -n "$t_bare" ] && [ -n "$t_hv" ] && ms $((t_hv - t_bare)) || echo "?") ms"

if [ "${BENCH_EFI_LINUX:-1}" != 0 ]; then
    grub=$TEST_TMP/grub-bare.img
    cp "$B/esp.img" "$grub"
    mcopy -i "$grub" ::EFI/BOOT/grubx64.efi "$TEST_TMP/grub.efi"
    mcopy -o -i "$grub" "$TEST_TMP/grub.efi" ::EFI/BOOT/BOOTX64.EFI
    # The host's load moves these wall-clock figures (other work on the machine shares its
    # CPUs): each boot runs BENCH_EFI_REPEAT times (default 2), alternating, and the
    # smallest of each figure is kept, as scripts/bench.sh does.
    UP='^PXHV-GUEST: linux init, .* up ([0-9.]+) s'
    min() { [ -z "$1" ] && echo "$2" || awk -v a="$1" -v b="$2" 'BEGIN { print (b != "" && b + 0 < a + 0) ? b : a }'; }
    w_bare= w_hv= u_bare= u_hv=
    for r in $(seq 1 "${BENCH_EFI_REPEAT:-2}"); do
        say "[3/4] firmware -> GRUB -> Linux init, no pxHV, run $r"
        efi_run "$grub" linux-bare-$r "PXHV-GUEST: linux init" --arg -accel --arg tcg,thread=multi
        w_bare=$(min "$w_bare" "$RUN_SECS") u_bare=$(min "$u_bare" "$(field linux-bare-$r "$UP")")
        say "[4/4] firmware -> pxhv.efi -> GRUB -> Linux init, run $r"
        efi_run "$B/esp.img" linux-pxhv-$r "PXHV-GUEST: linux init" --arg -accel --arg tcg,thread=multi
        w_hv=$(min "$w_hv" "$RUN_SECS") u_hv=$(min "$u_hv" "$(field linux-pxhv-$r "$UP")")
    done
    row "2. firmware start -> Linux init (GRUB EFI)" "" "" ""
    row "  wall s, QEMU start to init's line (least of ${BENCH_EFI_REPEAT:-2})" "$w_bare" "$w_hv" "$(ratio "$w_bare" "$w_hv")"
    row "  init's \"up\" (/proc/uptime, s; least)" "${u_bare:-?}" "${u_hv:-?}" "$(ratio "$u_bare" "$u_hv")"
fi
{
    echo "pxHV UEFI-path benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), load average at start $LOAD0"
    printf '%s\n' "${rows[@]}"
} | tee "$OUT/efi-table.txt"
