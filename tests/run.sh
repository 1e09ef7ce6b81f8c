#!/usr/bin/env bash
# pxHV test runner (make test).  Usage: tests/run.sh [--unit] [--image] [--emu] [FILTER]
#
# With no kind given, runs all three kinds, in this order:
#   unit   tests/unit/test_*.c: host C tests.  The first line of each names the stage 3 sources
#          it links:  // sources: stage3/lib/printf.c stage3/lib/e820.c
#          Built with $HOSTCC into build/tests/ (all first, one per CPU at a time), pass
#          when the program exits 0.
#   image  `make check-image` (scripts/image.mk), when that target exists, and
#          scripts/check-layers.sh (the layers of stage 3 stay apart).
#   emu    tests/test_*.sh: real emulator runs of build/pxhv.img (see tests/lib.sh); the image
#          (and the built-in test guests) are built first; a failed build is a failed test.
# FILTER keeps only tests whose name contains it (make test T=boot).
# Ends with the line "N passed, M failed" and exits non-zero if any test failed.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
HOSTCC=${HOSTCC:-gcc}
UNIT_CFLAGS=${UNIT_CFLAGS:--std=gnu11 -O1 -g -Wall -Wextra -Iinclude -Istage3 -Istage3/vmx -Istage3/svm -DPXHV_UNIT_TEST \
    -fsanitize=undefined -fno-sanitize-recover=all}
OUT=$BUILD/tests
kinds=() filter=
for a in "$@"; do
    case $a in
        --unit|--image|--emu) kinds+=("${a#--}") ;;
        -*) echo "run.sh: unknown option $a" >&2; exit 2 ;;
        *) filter=$a ;;
    esac
done
[ ${#kinds[@]} -gt 0 ] || kinds=(unit image emu)
mkdir -p "$OUT/logs"

passed=0 failed=0 failed_names=()
selected() { [ -z "$filter" ] || [[ $1 == *"$filter"* ]]; }
want() { [[ " ${kinds[*]} " == *" $1 "* ]]; }

# record NAME LOGFILE CMD...: run CMD with output to LOGFILE; print one line, the log on failure.
record() {
    local name=$1 log=$2 start=$SECONDS rc; shift 2
    "$@" >"$log" 2>&1; rc=$?
    if [ $rc = 0 ]; then
        passed=$((passed + 1)); echo "PASS  $name ($((SECONDS - start))s)"
    else
        failed=$((failed + 1)); failed_names+=("$name")
        echo "FAIL  $name ($((SECONDS - start))s, exit $rc)"
        sed "s/^/    | /" "$log" | tail -n 120
    fi
}

# unit_build SRC BIN: compile one unit test, its output and status beside BIN.
unit_build() {
    local srcs rc
    srcs=$(sed -n '1s|^// *sources:||p' "$1")
    # shellcheck disable=SC2086  # word splitting of the flag and source lists is wanted
    $HOSTCC $UNIT_CFLAGS -o "$2" "$1" $srcs >"$2.build" 2>&1; rc=$?
    echo $rc >"$2.rc"
}

unit_one() { # SRC BIN: its build's output, then the test if it built
    cat "$2.build"
    [ "$(cat "$2.rc")" = 0 ] || return "$(cat "$2.rc")"
    timeout -k 5 120 "$2"
}

if want unit; then
    # The generated headers, whose test reads them (tests/unit/test_genconsts.c).
    $MAKE --no-print-directory -s gen >/dev/null || echo "run.sh: make gen failed" >&2
    units=()
    for t in tests/unit/test_*.c; do
        [ -e "$t" ] && selected "unit/$(basename "$t" .c)" && units+=("$t")
    done
    mkdir -p "$OUT/unit"
    # The compiler is most of the time: every test is built first, one per CPU at once.
    max=$(nproc 2>/dev/null || echo 2)
    for t in "${units[@]}"; do
        while [ "$(jobs -rp | wc -l)" -ge "$max" ]; do wait -n; done
        unit_build "$t" "$OUT/unit/$(basename "$t" .c)" &
    done
    wait
    for t in "${units[@]}"; do
        name=unit/$(basename "$t" .c)
        record "$name" "$OUT/logs/${name#unit/}.log" unit_one "$t" "$OUT/unit/$(basename "$t" .c)"
    done
fi

if want image && selected check-image; then
    if $MAKE -n check-image >/dev/null 2>&1; then
        record check-image "$OUT/logs/check-image.log" $MAKE --no-print-directory check-image
    else
        echo "SKIP  check-image (no such make target yet)"
    fi
fi

if want image && selected check-layers; then
    record check-layers "$OUT/logs/check-layers.log" bash scripts/check-layers.sh
fi

if want emu; then
    emu=()
    for t in tests/test_*.sh; do
        [ -e "$t" ] && selected "$(basename "$t" .sh)" && emu+=("$t")
    done
    if [ ${#emu[@]} -gt 0 ]; then
        # pxHV, the built-in test guests, the guest disks built from Debian packages, the
        # ESP and the EFI test applications, the cells' programs.
        goals=(all test-guests guests usb esp efi-tests cells)
        record build "$OUT/logs/build.log" $MAKE --no-print-directory "${goals[@]}"
        for t in "${emu[@]}"; do
            name=$(basename "$t" .sh)
            # A test may need longer than the default: a "# timeout: SECONDS" line says so.
            limit=$(sed -n 's/^# timeout: *\([0-9][0-9]*\)$/\1/p' "$t" | head -n 1)
            record "$name" "$OUT/logs/$name.log" timeout -k 10 "${TEST_TIMEOUT:-${limit:-900}}" bash "$t"
        done
    fi
fi

[ $failed = 0 ] || echo "failed: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ $failed = 0 ] && [ $((passed + failed)) -gt 0 ]
