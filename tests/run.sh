#!/usr/bin/env bash
# pxHV test runner (make test, make check).
# Usage: tests/run.sh [--unit] [--image] [--emu] [--check] [FILTER]
#
# With no kind given, runs all three kinds, in this order:
#   unit   tests/unit/test_*.c: host C tests.  The first line of each names the stage 3 sources
#          it links:  // sources: stage3/lib/printf.c stage3/lib/e820.c
#          Built with $HOSTCC into build/tests/ (all first, one per CPU at a time), pass
#          when the program exits 0.
#   image  `make check-image` (scripts/image.mk), scripts/check-layers.sh (the layers of
#          stage 3 stay apart), scripts/check-cycles.sh (no loop of calls among the core's
#          files) and scripts/check-help.sh (every script answers --help).
#   emu    tests/test_*.sh: real emulator runs (see tests/lib.sh), J at a time (default: one
#          per CPU; J=1 runs them one after another).  A test's header lines say:
#            # engines: corei7_skylake_x ryzen qemu   one job per engine, the test sees it in
#                                                     $ENGINE (tests/lib.sh: $ENGINES)
#            # needs: guest-linux cells               the make goals it uses besides pxHV
#                                                     and the test guests (all test-guests):
#                                                     only the chosen tests' goals are built
#            # weight: 120 qemu=40                    seconds on a quiet machine, per engine:
#                                                     the longest start first
#            # timeout: 1500                          its whole-job bound (default 900), a last
#                                                     resort doubled here: each emulator run
#                                                     bounds itself by CPU time and progress
#            # check: qemu                            part of `make check` (these engines)
#          A test passes when it exits 0 and printed its PASS line.
# --check: `make check`, the edit loop's set: unit tests, image checks, and the emulator tests
# with a "# check:" line.  FILTER keeps only jobs whose name (test_x, or test_x[engine])
# contains it: make test T=boot, T=qemu.
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
J=${J:-$(nproc 2>/dev/null || echo 2)}
kinds=() filter= check=0
for a in "$@"; do
    case $a in
        --unit|--image|--emu) kinds+=("${a#--}") ;;
        --check) check=1 ;;
        -h|--help) sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        -*) echo "run.sh: unknown option $a (--help lists them)" >&2; exit 2 ;;
        *) filter=$a ;;
    esac
done
[[ $J =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: J=$J is not a number of jobs" >&2; exit 2; }
[ ${#kinds[@]} -gt 0 ] || kinds=(unit image emu)
mkdir -p "$OUT/logs"

passed=0 failed=0 failed_names=()
selected() { [ -z "$filter" ] || [[ $1 == *"$filter"* ]]; }
want() { [[ " ${kinds[*]} " == *" $1 "* ]]; }

# report NAME LOG RC SECS: one line; the log's tail on failure.  A test passes only when it
# exits 0 and its log holds its PASS line (an emulator test that ran nothing cannot pass).
report() {
    local name=$1 log=$2 rc=$3 secs=$4
    if [ "$rc" = 0 ] && { [[ $name != test_* ]] || grep -q '^PASS ' "$log"; }; then
        passed=$((passed + 1)); echo "PASS  $name (${secs}s)"
    else
        [ "$rc" != 0 ] || rc="0 but no PASS line"
        failed=$((failed + 1)); failed_names+=("$name")
        echo "FAIL  $name (${secs}s, exit $rc)"
        sed "s/^/    | /" "$log" | tail -n 120
    fi
}

# record NAME LOGFILE CMD...: run CMD with output to LOGFILE, then report.
record() {
    local name=$1 log=$2 start=$SECONDS rc; shift 2
    "$@" >"$log" 2>&1; rc=$?
    report "$name" "$log" "$rc" "$((SECONDS - start))"
}

# header KEY FILE: the value of a test's "# KEY: value" line.
header() { sed -n "s/^# $1: *//p" "$2" | head -n 1; }

# weight_of ENGINE WORD...: the seconds a job takes on a quiet machine, from a test's
# "# weight:" words: a bare number for every engine, ENGINE=N for one; 10 when unsaid.
weight_of() {
    local e=$1 w=10 x; shift
    for x in "$@"; do
        case $x in "$e="*) w=${x#*=}; break ;; *=*) ;; *) w=$x ;; esac
    done
    echo "$w"
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

# After check-image, which built the objects it reads.
if want image && selected check-cycles; then
    record check-cycles "$OUT/logs/check-cycles.log" bash scripts/check-cycles.sh
fi

if want image && selected check-help && [ -e scripts/check-help.sh ]; then
    record check-help "$OUT/logs/check-help.log" bash scripts/check-help.sh
fi

if want emu; then
    # Jobs: one per test, or one per engine of a test that names its engines.
    jobs_=()                                  # "weight name engine script limit", one each
    goals=()
    for t in tests/test_*.sh; do
        [ -e "$t" ] || continue
        base=$(basename "$t" .sh)
        engines=$(header engines "$t") needs=$(header needs "$t") weights=$(header weight "$t")
        limit=$(header timeout "$t"); limit=${TEST_TIMEOUT:-${limit:-900}}
        checks=$(header check "$t")
        for e in ${engines:--}; do
            name=$base; [ "$e" = - ] || name="$base[$e]"
            if [ $check = 1 ]; then
                [ -n "$checks" ] || continue
                [ "$e" = - ] || [[ " $checks " == *" $e "* ]] || continue
            fi
            selected "$name" || continue
            w=$(weight_of "$e" $weights)
            jobs_+=("$w $name $e $t $limit")
            # shellcheck disable=SC2206  # goal names are words
            goals+=(all test-guests $needs)
        done
    done
    if [ ${#jobs_[@]} -gt 0 ]; then
        # Only what the chosen tests use, once, before any of them starts.
        mapfile -t goals < <(printf '%s\n' "${goals[@]}" | sort -u)
        record build "$OUT/logs/build.log" $MAKE --no-print-directory -j"$(nproc 2>/dev/null || echo 2)" "${goals[@]}"
        # The longest first, so that the last to finish are short ones (weights in seconds).
        mapfile -t jobs_ < <(printf '%s\n' "${jobs_[@]}" | sort -k1,1nr -k2,2)
        echo "run.sh: ${#jobs_[@]} emulator jobs, $J at a time"
        declare -A job_of=() start_of=()
        next=0 running=0
        while [ $next -lt ${#jobs_[@]} ] || [ $running -gt 0 ]; do
            while [ $running -lt "$J" ] && [ $next -lt ${#jobs_[@]} ]; do
                read -r w name e t limit <<<"${jobs_[$next]}"
                f=${name/[/-}; f=${f%]}; log=$OUT/logs/$f.log
                eng=; [ "$e" = - ] || eng=$e
                # The outer bound is a last resort: every emulator run inside bounds itself
                # on the emulator's CPU time and on progress (tests/lib.sh).
                ENGINE=$eng TEST_NAME=$f \
                    timeout -k 10 "$((limit * 2))" bash "$t" >"$log" 2>&1 </dev/null &
                job_of[$!]="$name $log"; start_of[$!]=$SECONDS
                next=$((next + 1)) running=$((running + 1))
            done
            pid=
            wait -n -p pid; rc=$?
            [ -n "$pid" ] || continue
            running=$((running - 1))
            read -r name log <<<"${job_of[$pid]}"
            report "$name" "$log" "$rc" "$(( SECONDS - ${start_of[$pid]} ))"
            unset "job_of[$pid]" "start_of[$pid]"
        done
    fi
fi

[ $failed = 0 ] || echo "failed: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ $failed = 0 ] && [ $((passed + failed)) -gt 0 ]
