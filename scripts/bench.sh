#!/usr/bin/env bash
# scripts/bench.sh: measure pxHV under Bochs and print a table (`make bench`).
# docs/performance.md explains every figure and records a run.
# usage: [VARIABLE=VALUE]... scripts/bench.sh   (no arguments; the variables:)
#
#   BENCH_LINUX=0   skip the Linux boots (one and two CPUs, native and pxHV, Bochs and QEMU:
#                   most of the 16 minutes a run takes on an idle 2-CPU machine)
#   BENCH_REPEAT=N  pairs of bench-guest runs, native and pxHV (default 2)
#   BENCH_CPU       Bochs CPU model (default corei7_skylake_x)
#   BENCH_MEM       RAM in MB (default 256)
#   BENCH_TSCALE=N  multiply every run's time bound by N (default 1): the bounds fit an idle
#                   machine, and a busy one can slow Bochs to half its speed; the figures are
#                   the same, only the wall-clock ones are slower
#   BENCH_IOMMU_REPEAT=N  rounds of the q35 Linux boots without and with an IOMMU (default 2)
#   BENCH_ONLY=iommu      only those boots (section 8: a few minutes)
#   BENCH_CELLS_REPEAT=N  rounds of the root Linux alone and beside a busy cell (default 2)
#   BENCH_ONLY=cells      only section 9 (cells: a few minutes)
#
# Needs build/pxhv.img's parts (make), build/guests/bench.bin (make test-guests)
# and, for the Linux figures, build/guests/linux.img (make guest-linux).
# Runs one emulator at a time, each bounded and headless (tests/lib.sh), and
# leaves the table and the serial logs in build/bench/.
set -u
# --help before tests/lib.sh, which makes the run directories, and before build/bench/.
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
case ${1:-} in
    -h|--help) usage; exit 0 ;;
    ?*) echo "bench.sh: no arguments (--help)" >&2; exit 2 ;;
esac
TEST_NAME=bench
. "$(dirname "$0")/../tests/lib.sh"
. "$(dirname "$0")/consts.sh"

B=$PXHV_ROOT/build
OUT=$B/bench
CPU=${BENCH_CPU:-corei7_skylake_x}
MEM=${BENCH_MEM:-256}
LINUX=${BENCH_LINUX:-1}
mkdir -p "$OUT"
rm -f "$OUT"/*.log "$OUT"/*.stamps "$OUT"/table.txt
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

say() { echo "bench: $*"; }

# ---- wall-clock stamps of serial lines -----------------------------------
# Every run's COM1 lines are stamped with the host time at which they appear
# (polled every 20 ms; Bochs flushes each byte to the file as its UART sends
# it), so a phase of a run can be timed without Bochs' start-up.  The stamper
# starts with the run directory (tests/lib.sh's _new_run_dir, wrapped here)
# and is stopped with the run's other helpers.
_stamp() { # LOG: "<epoch seconds> <line>" for each line of LOG as it arrives
    local l part=
    while [ ! -e "$1" ]; do sleep 0.02; done
    exec 3<"$1"
    while :; do
        if IFS= read -r -u 3 l; then
            l=$part$l
            part=
            printf '%s %s\n' "$EPOCHREALTIME" "${l//$'\r'/}"
        else
            part+=$l
            sleep 0.02
        fi
    done
}
eval "_lib_new_run_dir() $(declare -f _new_run_dir | tail -n +2)"
_new_run_dir() {
    _lib_new_run_dir
    RUN_T0=$EPOCHREALTIME
    _stamp "$RUN_DIR/com1.log" >"$RUN_DIR/stamps" &
    _bg_pids+=($!)
}

# stamp_of ERE: seconds from the emulator's start to the first line matching ERE.
stamp_of() {
    awk -v t0="$RUN_T0" -v re="$1" '{ t = $1; sub(/^[^ ]* /, "") } $0 ~ re { printf "%.2f", t - t0; exit }' \
        "$RUN_DIR/stamps"
}
# span STARTERE ENDERE: seconds between the first lines matching the two.
span() {
    awk -v a="$1" -v b="$2" '{ t = $1; sub(/^[^ ]* /, "") }
        s == "" && $0 ~ a { s = t } s != "" && $0 ~ b { printf "%.3f", t - s; exit }' "$RUN_DIR/stamps"
}

# Keep a run's serial log and stamps in build/bench/NAME.*.
keep() {
    tr -d '\r' <"$SERIAL_LOG" >"$OUT/$1.log"
    cp "$RUN_DIR/stamps" "$OUT/$1.stamps" 2>/dev/null || true
}

# ---- parsing -------------------------------------------------------------
line_of() { tr -d '\r' <"$1" | grep -aE -m1 -- "$2"; }
# ticks LOG KIND -> "N TICKS" of a "bench: KIND n=N ticks=0x..." line
ticks() {
    local l
    l=$(line_of "$1" "^bench: $2 n=[0-9]+ ticks=0x[0-9A-F]{16}\$") || { echo "0 0"; return 1; }
    l=${l#"bench: $2 n="}
    echo "${l%% *} $((16#${l##*=0x}))"
}
hex_after() { # LOG ERE-with-0x-prefix-at-end -> decimal of the hex that follows
    local l
    l=$(line_of "$1" "$2") || return 1
    l=${l##*=0x}
    echo $((16#$l))
}
calc() { awk "BEGIN { printf $1 }"; }
# per LOG KIND: ticks per loop iteration beyond the 3-instruction frame ("empty" loop)
per() {
    local n t en et
    read -r n t < <(ticks "$1" "$2")
    read -r en et < <(ticks "$1" empty)
    [ "$n" != 0 ] && [ "$en" != 0 ] || { echo "-"; return; }
    calc "\"%.1f\", ($t / $n) - ($et / $en)"
}
u32_at() { # FILE OFFSET
    local b
    b=($(od -An -tu1 -v -j "$2" -N4 "$1"))
    echo $(( b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 ))
}
used_bytes() { # FILE [LIMIT]: offset after the last non-zero byte below LIMIT
    local lim=${2:-$(stat -c %s "$1")}
    head -c "$lim" "$1" | od -An -tu1 -v -w1 | awk '$1 != 0 { n = NR } END { print n + 0 }'
}
ratio() { [ -n "$1" ] && [ -n "$2" ] && calc "\"%.2fx\", $2 / $1" || echo ""; }
kib() { calc "\"%.1f KiB\", $1 / 1024"; }

# profile_boot IMG BASE: where pxHV's boot ticks go.  Boots IMG in Bochs with
# its debugger stopping at the first instruction of each part (linear
# breakpoints) and reading the tick count there (`ptime`); prints lines
# "TICKS LABEL" in the order the CPU got there.  BASE is the hypervisor
# region (stage 3 runs there), STAGE3 entry from the header, functions of
# stage 3 from build/stage3.elf's symbols (missing ones are left out).
profile_boot() {
    local img=$1 base=$2 disk a l n=0 labels=() lba
    # The symbols must belong to the stage 3 in IMG (the build may have moved on).
    cmp -s -n "$(stat -c %s "$B/stage3.bin")" -i $((DISK_STAGE3_LBA * SECTOR_SIZE)):0 "$img" \
        "$B/stage3.bin" || return 1
    _lib_new_run_dir
    disk=$(_copy_image "$img" disk.img 1) || return 1
    "$PXHV_ROOT/scripts/bochsrc.sh" --disk "$disk" --cpu "$CPU" --mem "$MEM" --com1 null \
        --log "$RUN_DIR/bochs.log" >"$RUN_DIR/bochsrc" || return 1
    : >"$RUN_DIR/cmds"
    bp() { printf 'lb 0x%x\n' "$1" >>"$RUN_DIR/cmds"; labels+=("$(printf '%x' "$1") $2"); n=$((n + 1)); }
    bp 0x7C00 "stage 1: loads stage 2 (BIOS disk reads)"
    bp "$LOW_STAGE2" "stage 2: E820, loads stage 3 + guest, long mode"
    bp $((LOW_STAGE3_BOUNCE + $(u32_at "$B/stage3.bin" 4))) \
        "stage 3 early start: relocation, 4 GiB map, ACPI, placement, copy + bss"
    for l in "stage3_main:boot info, host map" "acpi_scan:ACPI tables" \
             "host_init:host IDT, page tables" "cpu_load:this CPU's GDT/TSS" \
             "vmx_cpu_enable:VMXON, E820 lines, CPUs, SMRAM, ACPI sleep states" \
             "guest_plan_memory:guest E820, MTRRs, lines" \
             "vmx_setup:VMX capability lines, bitmaps" "ept_setup:EPT build, EPT lines" \
             "vmx_cpu_init:VMCS" "guest_boot_regs:INT 15h hook, launch line" \
             "vmx_run:VM entry"; do
        a=$(nm "$B/stage3.elf" 2>/dev/null | awk -v s="${l%%:*}" '$3 == s { print $1 }')
        [ -z "$a" ] || bp $((base + 16#$a)) "${l%%:*}: ${l#*:}"
    done
    for _ in $(seq 0 "$n"); do printf 'c\nptime\n' >>"$RUN_DIR/cmds"; done   # + the guest's 0x7C00
    echo quit >>"$RUN_DIR/cmds"
    o_timeout=$(( 60 * ${BENCH_TSCALE:-1} ))
    _start "$BOCHS" -q -unlock -f "$RUN_DIR/bochsrc" -rc "$RUN_DIR/cmds" \
        >"$RUN_DIR/bochs.stdout" 2>"$RUN_DIR/bochs.stderr"
    wait "$_pid"
    _kill_group "$_pid"
    printf '%s\n' "${labels[@]}" >"$RUN_DIR/labels"
    # Pair each "Breakpoint K, 0xADDR" with the "ptime: T" after it; the
    # second stop at 0x7C00 is the guest's first instruction.
    LC_ALL=C grep -aoE 'Breakpoint [0-9]+, 0x[0-9a-f]+|ptime: [0-9]+' "$RUN_DIR/bochs.stdout" |
        awk 'NR == FNR { a = $1; sub(/^[^ ]* /, ""); lab[a] = $0; next }
             /^Breakpoint/ { a = $3; sub(/^0x0*/, "", a); next }
             /^ptime/ && a != "" { l = (a in lab) ? lab[a] : a; if (a == "7c00" && seen) l = "guest"
                                   if (a == "7c00") seen = 1; print $2, l; a = "" }' "$RUN_DIR/labels" -
}

# keep_min VAR VALUE: VAR = the smaller of the two (an empty VALUE is ignored)
keep_min() {
    [ -n "$2" ] || return 0
    if [ -z "${!1}" ] || awk "BEGIN { exit !($2 < ${!1}) }"; then printf -v "$1" '%s' "$2"; fi
}
# ---- 8. DMA protection (issue 17): Linux on q35 without and with the IOMMU --
# The same Linux boot under pxHV on QEMU TCG q35 (AMD-V), without an IOMMU,
# with intel-iommu and with amd-iommu, BENCH_IOMMU_REPEAT rounds of the three
# in turn (default 2), each figure the best of its rounds (the host's other
# load only ever adds).  The ratio is IOMMU / none; the goal is at most 1.05x.
# With amd-iommu the IOMMU is a PCI function, so pxHV intercepts the PCI
# configuration ports: its line counts the accesses.
iommu_bench() {
    local r dev name w
    local -A best=([none]= [intel-iommu]= [amd-iommu]=) exits=() region=() tables=() pci=()
    local rounds=${BENCH_IOMMU_REPEAT:-2}
    sect "8. DMA protection: Linux under pxHV on q35 (QEMU TCG), by IOMMU" "wall s" "exits" \
        "best of $rounds round(s); region = the hypervisor region"
    for r in $(seq "$rounds"); do
        for dev in none intel-iommu amd-iommu; do
            say "[9] Linux under pxHV on q35, IOMMU $dev, round $r of $rounds"
            local devs=()
            [ "$dev" = none ] || devs=(--device "$dev")
            run_qemu --disk "$(pxhv_image --drive 0x81)" --disk2 "$LIMG" --cpu "$SVM_CPU" \
                --mem "$MEM" --machine q35 "${devs[@]}" --timeout 600 --chat "$chat" \
                --done "pxHV: stopping"
            name=iommu-$dev-$r
            keep "$name"
            w=$(stamp_of '^uptime=')
            [ -n "$w" ] || { say "Linux with $dev did not answer at the prompt (ended: $RUN_END)"; continue; }
            local before=${best[$dev]}
            keep_min "best[$dev]" "$w"
            # The best round's count, from the last statistics line: a guest that halts
            # with interrupts off (SeaBIOS waiting for its SMI) prints an earlier one.
            [ "${best[$dev]}" = "$before" ] ||
                exits[$dev]=$(tr -d '\r' <"$OUT/$name.log" | grep -aE '^pxHV: exit statistics:' | tail -n 1 |
                    sed -E 's/^pxHV: exit statistics: ([0-9]+) exits.*/\1/')
            region[$dev]=$(line_of "$OUT/$name.log" '^Stage 3 loaded at ' | sed -nE 's/.*region ([0-9]+ KiB).*/\1/p')
            tables[$dev]=$(line_of "$OUT/$name.log" '^pxHV: IOMMU on: ' | sed -nE 's/.*; ([0-9]+ KiB) of tables.*/\1/p')
            pci[$dev]=$(line_of "$OUT/$name.log" '^pxHV: IOMMU: PCI configuration intercepts: ' |
                sed 's/^pxHV: IOMMU: PCI configuration intercepts: //')
        done
    done
    for dev in none intel-iommu amd-iommu; do
        local note="region ${region[$dev]:-?}"
        [ "$dev" = none ] || note+=", ${tables[$dev]:-?} of IOMMU tables in it"
        [ "$dev" = none ] || note+=", $(ratio "${best[none]:-}" "${best[$dev]:-}") of none's wall (goal <= 1.05x)"
        [ -z "${pci[$dev]:-}" ] || note+="; PCI config intercepts: ${pci[$dev]}"
        row "  $dev" "${best[$dev]:-?}" "${exits[$dev]:-?}" "$note"
    done
}
# ---- 9. Cells (issue 19): the root beside a busy cell; a cell's timer jitter ----
# QEMU TCG (AMD-V), one host thread per CPU.  (a) The root Linux alone on a
# 1-CPU machine, and on CPU 0 of a 2-CPU machine whose CPU 1 is cell `busy`
# (tests/cells/busy.asm: writes and reads back its 16 MiB, pass after pass,
# saying so every 1000th pass so that its lines do not split the root's):
# wall seconds to the prompt's answer and Linux's own uptime there, best of
# BENCH_CELLS_REPEAT rounds (default 2).  (b) Cell `rt` runs tick.asm with a
# jitter window of 1000 ticks (1 s at 1 kHz): the delay of each LAPIC timer
# interrupt after the TSC time it was due, in TSC ticks, as the maximum and the
# mean over the windows; beside the idle cellroot guest ("alone") and while the
# root Linux boots to its prompt.  Under TCG the delays are mostly the host's
# scheduling of the vCPU threads: a comparison, not a real machine's figure.
cell_image() { # SRC ARG0 -> a copy of SRC with the parameter block's arg0 set
    local out=$TEST_TMP/$(basename "$1" .bin)-$2.bin at i s=
    cp "$1" "$out"
    at=$(( $(stat -c %s "$out") - 48 + 12 ))
    for i in 0 1 2 3; do s+=$(printf '\\x%02x' $(($2 >> (8 * i) & 255))); done
    printf "$s" | dd of="$out" bs=1 seek="$at" conv=notrunc status=none
    echo "$out"
}
# jitter LOG [UNTIL-ERE]: "MAX MEAN WINDOWS" of the [rt] jitter lines (before UNTIL-ERE).
jitter() {
    tr -d '\r' <"$1" | awk -v until="${2:-^$}" '
        until != "^$" && $0 ~ until { exit }
        match($0, /\[rt\] jitter max [0-9]+ mean [0-9]+/) {
            split(substr($0, RSTART, RLENGTH), f, " ")
            if (f[4] + 0 > max) max = f[4] + 0
            sum += f[6]; n++ }
        END { if (n) printf "%d %d %d", max, sum / n, n }'
}
cells_bench() {
    local r name w u rounds=${BENCH_CELLS_REPEAT:-2} img
    local -A wall=([alone]= [busy]=) up=([alone]= [busy]=)
    local busy=$B/cells/busy.bin tick=$B/cells/tick.bin root=$B/guests/cellroot.bin
    for f in "$busy" "$tick" "$root"; do
        [ -s "$f" ] || { ROWS+=("" "9. Cells: $f missing (make cells test-guests)"); return; }
    done
    sect "9. Cells: the root Linux on QEMU TCG (AMD-V), beside a busy cell" "wall s" "Linux uptime s" \
        "best of $rounds round(s)"
    for r in $(seq "$rounds"); do
        for kind in alone busy; do
            say "[9] the root Linux $kind, round $r of $rounds"
            img=$(pxhv_image --drive 0x81) || fail "image"
            local n=1
            if [ $kind = busy ]; then
                n=2
                bash "$PXHV_ROOT/scripts/pxhv-config.sh" "$img" --cell busy --cpus 1 --mem 16 \
                    --image "$(cell_image "$busy" 1000)" >/dev/null || fail "pxhv-config.sh --cell busy"
            fi
            run_qemu --disk "$img" --disk2 "$LIMG" --cpu "$SVM_CPU" --cpus $n --mem "$MEM" \
                --arg -accel --arg tcg,thread=multi --timeout 600 --chat "$chat" --done "pxHV: stopping"
            name=cells-linux-$kind-$r
            keep "$name"
            w=$(stamp_of '^uptime=')
            u=$(tr -d '\r' <"$OUT/$name.log" | sed -nE 's/^uptime=([0-9.]+)$/\1/p' | head -n 1)
            [ -n "$w" ] || { say "Linux ($kind) did not answer at the prompt (ended: $RUN_END)"; continue; }
            keep_min "wall[$kind]" "$w"
            keep_min "up[$kind]" "$u"
        done
    done
    row "  root Linux on 1 CPU, no cell" "${wall[alone]:-?}" "${up[alone]:-?}" ""
    row "  root Linux on CPU 0, cell busy on CPU 1" "${wall[busy]:-?}" "${up[busy]:-?}" \
        "$(ratio "${wall[alone]:-}" "${wall[busy]:-}") of the wall alone"
    sect "   cell rt's LAPIC timer (1 kHz), delay after due" "max ticks" "mean ticks" "TSC ticks; windows of 1000"
    local t1k j
    t1k=$(cell_image "$tick" 1000)
    say "[9] cell rt beside the idle cellroot guest"
    img=$(pxhv_image --builtin "$root" --name cellroot) || fail "image"
    bash "$PXHV_ROOT/scripts/pxhv-config.sh" "$img" --cell rt --cpus 1 --mem 16 --image "$t1k" \
        >/dev/null || fail "pxhv-config.sh --cell rt"
    run_qemu --disk "$img" --cpu "$SVM_CPU" --cpus 2 --mem "$MEM" --arg -accel --arg tcg,thread=multi \
        --timeout 300 --done "pxHV: stopping"
    keep cells-tick-alone
    read -r jm ja jn <<<"$(jitter "$OUT/cells-tick-alone.log")"
    row "  beside the idle cellroot guest" "${jm:-?}" "${ja:-?}" "${jn:-0} windows"
    say "[9] cell rt while the root Linux boots"
    img=$(pxhv_image --drive 0x81) || fail "image"
    bash "$PXHV_ROOT/scripts/pxhv-config.sh" "$img" --cell rt --cpus 1 --mem 16 --image "$t1k" \
        >/dev/null || fail "pxhv-config.sh --cell rt"
    run_qemu --disk "$img" --disk2 "$LIMG" --cpu "$SVM_CPU" --cpus 2 --mem "$MEM" \
        --arg -accel --arg tcg,thread=multi --timeout 600 --chat "$chat" --done "pxHV: stopping"
    keep cells-tick-linux
    read -r jm ja jn <<<"$(jitter "$OUT/cells-tick-linux.log" '^uptime=')"
    row "  while the root Linux boots to its prompt" "${jm:-?}" "${ja:-?}" "${jn:-0} windows"
    ROWS+=("    TSC: $(tr -d '\r' <"$OUT/cells-tick-alone.log" | grep -aoE 'TSC [0-9]+ ticks/ms' | head -n 1)")
}
SVM_CPU=qemu64,+svm,+npt
LINUX_IMG=$B/guests/linux.img
# The Linux boots' copy of the image (whatever happens to the file meanwhile)
# and their session: one command at the prompt, then power-off.
LIMG=$TEST_TMP/linux.img
chat=$TEST_TMP/linux.chat
cat >"$chat" <<'CHAT'
wait PXHV-GUEST: linux init
wait ~ # 
send echo "uptime=$(cut -d' ' -f1 /proc/uptime)"; grep MemTotal /proc/meminfo
wait MemTotal:
wait ~ # 
send poweroff -f
CHAT

if [ "${BENCH_ONLY:-}" = cells ]; then
    [ -s "$LINUX_IMG" ] || fail "$LINUX_IMG missing (make guest-linux)"
    cp "$LINUX_IMG" "$LIMG"
    ROWS=()
    row() { ROWS+=("$(printf '%-46s %16s %16s  %s' "$@")"); }
    sect() { ROWS+=("" "$(printf '%-46s %16s %16s  %s' "$1" "${2:-}" "${3:-}" "${4:-}")"); }
    cells_bench
    { echo "pxHV benchmark (section 9 only), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) host CPUs," \
           "load average at the start $LOAD0, at the end $(cut -d' ' -f1-3 /proc/loadavg)"
      printf '%s\n' "${ROWS[@]}"; } | tee "$OUT/table.txt"
    exit 0
fi

if [ "${BENCH_ONLY:-}" = iommu ]; then
    [ -s "$LINUX_IMG" ] || fail "$LINUX_IMG missing (make guest-linux)"
    cp "$LINUX_IMG" "$LIMG"
    ROWS=()
    row() { ROWS+=("$(printf '%-46s %16s %16s  %s' "$@")"); }
    sect() { ROWS+=("" "$(printf '%-46s %16s %16s  %s' "$1" "${2:-}" "${3:-}" "${4:-}")"); }
    iommu_bench
    { echo "pxHV benchmark (section 8 only), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) host CPUs," \
           "load average at the start $LOAD0, at the end $(cut -d' ' -f1-3 /proc/loadavg)"
      printf '%s\n' "${ROWS[@]}"; } | tee "$OUT/table.txt"
    exit 0
fi

for f in stage1.bin stage2.bin stage3.bin pxhv.img guests/bench.bin; do
    [ -s "$B/$f" ] || fail "$B/$f missing (make all test-guests)"
done

ROWS=()
row() { ROWS+=("$(printf '%-46s %16s %16s  %s' "$@")"); }
sect() { ROWS+=("" "$(printf '%-46s %16s %16s  %s' "$1" "${2:-}" "${3:-}" "${4:-}")"); }

# ---- 1. image ------------------------------------------------------------
say "[1/5] image sizes"
s3_img=$(u32_at "$B/stage3.bin" 8)
s3_mem=$(u32_at "$B/stage3.bin" 12)
sect "1. Image (bytes)"
row "  stage 1 (MBR: code / room for code)" "" \
    "$(used_bytes "$B/stage1.bin" $((MBR_STAGE2_LBA - 8))) / $((MBR_STAGE2_LBA - 8))" \
    "then the 16-byte disk address packet; bytes $MBR_CODE_BYTES-511 are the disk's"
row "  stage 2 (to last non-zero byte / file)" "" \
    "$(used_bytes "$B/stage2.bin") / $(stat -c %s "$B/stage2.bin")" "limit $((DISK_STAGE2_SECTORS * SECTOR_SIZE))"
row "  stage 3 image (header image_size)" "" "$s3_img ($(kib "$s3_img"))" \
    "stage3.bin $(stat -c %s "$B/stage3.bin") with header"
row "  stage 3 in memory (header mem_size)" "" "$s3_mem ($(kib "$s3_mem"))" "image + bss"
row "  pxhv.img file (padded to $DISK_CYLINDER_BYTES-byte cylinders)" "" "$(stat -c %s "$B/pxhv.img")" ""

# ---- 2.-4. the bench guest, natively and under pxHV ----------------------
# BENCH_REPEAT pairs of runs, alternating; a wall-clock figure is the smallest
# of its repeats (the least disturbed by whatever else the host runs), tick
# figures come from the first pair and must be the same in every pair.
REPEAT=${BENCH_REPEAT:-2}
img=$(pxhv_image --builtin "$B/guests/bench.bin" --name bench) || fail "pxHV image with the bench guest"
# wall_spans PREFIX: from this run's stamps, PREFIX_first = seconds to the
# guest's first line, PREFIX_spin / _cpuid / _pages = seconds of the long loops.
wall_spans() {
    local k
    printf -v "${1}_first" '%s' "$(stamp_of '^bench: hv=')"
    for k in spin cpuid pages; do
        printf -v "${1}_$k" '%s' "$(span "^bench: wall $k n=[0-9]+ start" "^bench: wall $k n=[0-9]+ ticks=")"
    done
}
hv_first='' hv_spin='' hv_wcpuid='' hv_pages='' na_first='' na_spin='' na_wcpuid='' na_pages='' same=yes
for r in $(seq "$REPEAT"); do
    say "[2/5] bench guest under pxHV ($CPU, $MEM MB), run $r of $REPEAT"
    run_bochs --disk "$img" --cpu "$CPU" --mem "$MEM" --timeout $(( 300 * ${BENCH_TSCALE:-1} )) --done "pxHV: stopping"
    keep "bench-pxhv-$r"
    expect_in_order "$OUT/bench-pxhv-$r.log" "bench: hv=1" "bench: done" "pxHV: stopping (guest finished)" ||
        fail "bench guest under pxHV did not finish"
    wall_spans w
    keep_min hv_first "$w_first"; keep_min hv_spin "$w_spin"
    keep_min hv_wcpuid "$w_cpuid"; keep_min hv_pages "$w_pages"
    # Console bytes pxHV (stage 2 and 3) wrote before the guest started.
    [ "$r" != 1 ] || IPS=$(sed -nE 's/.*IPS is set to ([0-9]+).*/\1/p' "$EMU_LOG" | head -n 1)
    [ "$r" != 1 ] || hv_bytes=$(LC_ALL=C awk '/pxHV: launching guest/ { exit } { n += length($0) + 1 } END { print n + 0 }' "$SERIAL_LOG")

    say "[3/5] bench guest natively (same Bochs configuration), run $r of $REPEAT"
    run_bochs --disk "$B/guests/bench.bin" --cpu "$CPU" --mem "$MEM" --timeout $(( 120 * ${BENCH_TSCALE:-1} )) --done "bench: done"
    keep "bench-native-$r"
    expect_in_order "$OUT/bench-native-$r.log" "bench: hv=0" "bench: done" || fail "bench guest natively did not finish"
    wall_spans w
    keep_min na_first "$w_first"; keep_min na_spin "$w_spin"
    keep_min na_wcpuid "$w_cpuid"; keep_min na_pages "$w_pages"
    for k in pxhv native; do
        cmp -s <(grep -a 'ticks=' "$OUT/bench-$k-1.log") <(grep -a 'ticks=' "$OUT/bench-$k-$r.log") || same=no
    done
done
HV=$OUT/bench-pxhv-1.log NA=$OUT/bench-native-1.log

# 2. memory
fw=$(line_of "$HV" '^E820: [0-9]+ entries, usable RAM [0-9]+ KiB' | sed -E 's/.*usable RAM ([0-9]+) KiB.*/\1/')
gm=$(line_of "$HV" '^pxHV: guest memory: [0-9]+ KiB usable' | sed -E 's/.*memory: ([0-9]+) KiB.*/\1/')
hid=$(line_of "$HV" '^pxHV: hidden from the guest:' | sed 's/^pxHV: hidden from the guest: //')
sect "2. Memory hidden from the guest (KiB)" firmware guest
row "  E820 usable RAM (firmware / guest)" "${fw:-?}" "${gm:-?}" \
    "$( [ -n "$fw" ] && [ -n "$gm" ] && echo "-$((fw - gm)) KiB" )"
ROWS+=("    ranges: $hid")

# 3. boot
calib=$(ticks "$HV" calib); n_calib=${calib% *}; t_calib=${calib#* }
hv_boot=$(hex_after "$HV" '^bench: boot tsc=0x[0-9A-F]{16}$')
na_boot=$(hex_after "$NA" '^bench: boot tsc=0x[0-9A-F]{16}$')
sect "3. Power-on to the guest's first instruction" native pxHV
row "  TSC ticks per instruction (DEC/JNZ loop)" \
    "$(read -r n t < <(ticks "$NA" calib); calc "\"%.6f\", $t / (2 * $n)")" \
    "$(calc "\"%.6f\", $t_calib / (2 * $n_calib)")" "2 instructions per iteration"
row "  tick figures the same in every pair of runs" "" "$same" "$REPEAT pair(s); sections 3 and 4"
row "  TSC at the guest's 2nd instruction" "$na_boot" "$hv_boot" \
    "pxHV adds $((hv_boot - na_boot)) ticks ($(calc "\"%.2f\", $hv_boot / $na_boot")x)"
row "  wall s, emulator start to the guest's 1st line" "${na_first:-?}" "${hv_first:-?}" \
    "noisy: includes Bochs start-up"
read -r u_n u_t < <(ticks "$HV" uart)
read -r nu_n nu_t < <(ticks "$NA" uart)
row "  COM1 output before the guest (bytes)" "" "$hv_bytes" \
    "at the UART pace below: ~$(calc "\"%.0f\", $hv_bytes * $u_t / $u_n") ticks"

say "[3b/5] where pxHV's boot ticks go (Bochs debugger breakpoints)"
hv_base=$(line_of "$HV" '^Hypervisor region at 0x[0-9A-Fa-f]+' | sed -E 's/.* 0x([0-9A-Fa-f]+).*/\1/')
# Not in $(...): the run directory and process group must stay known to tests/lib.sh.
if [ -n "$hv_base" ] && profile_boot "$img" $((16#$hv_base)) >"$TEST_TMP/profile" &&
        prof=$(cat "$TEST_TMP/profile") && [ -n "$prof" ]; then
    prev='' prevl=''
    while read -r t l; do
        [ -z "$prev" ] || ROWS+=("$(printf '    %-60s %14s  %5s' "$prevl" "$((t - prev))" \
            "$(calc "\"%.1f%%\", 100 * ($t - $prev) / ($hv_boot - $na_boot)")")")
        prev=$t prevl=$l
    done <<<"$prof"
    ROWS+=("    (stage 3 copies and zeroes $s3_mem bytes with REP MOVSB/STOSB: Bochs counts a tick per byte)")
else
    ROWS+=("    boot profile not available")
fi

# 4. exits
# vmcs_per REASON: the VMREAD/VMWRITE per exit of that kind, from pxHV's statistics.
vmcs_per() {
    line_of "$HV" '^pxHV: VMCS accesses per exit: ' | tr ',' '\n' |
        sed -nE "s|^ *(pxHV: VMCS accesses per exit: )?$1 ([0-9.]+)\$|\2|p"
}
sect "4. Cost per operation in TSC ticks" native pxHV "pxHV - native = exit round trip; VMCS accesses"
for k in cpuid:"CPUID leaf 0":CPUID in:"IN AL, 0xE9":"I/O instruction" \
         out:"OUT 0xE9, AL (a byte to COM1)":"I/O instruction" \
         pci:"OUT 0xCF8, EAX (PCI config address)":"I/O instruction" \
         kbc:"IN AL, 0x64 (keyboard status, 1 M polls)":"I/O instruction" \
         vmcall:"VMCALL PXHV_HC_VERSION":VMCALL; do
    kind=${k%%:*} rest=${k#*:}
    what=${rest%%:*} reason=${rest#*:}
    a=$(per "$NA" "$kind") h=$(per "$HV" "$kind")
    v=$(vmcs_per "$reason")
    if [ "$kind" = vmcall ]; then
        row "  $what" "#UD" "$h" "${v:-?} per $reason exit"
    else
        if [ "$(calc "\"%d\", $h - $a")" = 0 ]; then
            row "  $what" "$a" "$h" "no exit"
        else
            row "  $what" "$a" "$h" "$(calc "\"%+.1f ticks\", $h - $a"), ${v:-?} per $reason exit"
        fi
    fi
done
read -r _ kbc_na < <(ticks "$NA" kbc)
read -r _ kbc_hv < <(ticks "$HV" kbc)
row "  1 M keyboard-status polls, ticks in all" "$kbc_na" "$kbc_hv" "$(ratio "$kbc_na" "$kbc_hv") (a PS/2 mouse probe)"
row "  COM1 output, ticks per byte (${u_n}-byte line)" "$(calc "\"%.1f\", $nu_t / $nu_n")" \
    "$(calc "\"%.1f\", $u_t / $u_n")" "pxHV: one PUTS hypercall for the line"
read -r ws_n ws_t < <(ticks "$HV" "wall spin")
read -r wc_n wc_t < <(ticks "$HV" "wall cpuid")
mips() { [ -n "$1" ] && calc "\"%.1f\", 2 * $ws_n / $1 / 1e6" || echo "?"; }
ROWS+=("  wall-clock figures below: the best of $REPEAT run(s)")
row "  Bochs speed, guest DEC/JNZ loop (M instr/s)" "$(mips "$na_spin")" "$(mips "$hv_spin")" \
    "$(calc "\"%d M instructions\", 2 * $ws_n / 1e6")"
if [ -n "$hv_wcpuid" ] && [ -n "$hv_spin" ]; then
    # Wall time of one iteration, and how much of it the exit's instructions
    # explain at the run's own instruction rate: the rest is Bochs emulating
    # the VM exit and the VM entry.
    it_us=$(calc "\"%.2f\", $hv_wcpuid / $wc_n * 1e6")
    ins_us=$(calc "\"%.2f\", $wc_t / $wc_n / (2 * $ws_n / $hv_spin) * 1e6")
    row "  wall us per CPUID loop iteration" \
        "$( [ -n "$na_spin" ] && calc "\"%.3f\", 4 / (2 * $ws_n / $na_spin) * 1e6")" "$it_us" \
        "native: 4 instructions at the rate above"
    row "    of which the $(calc "\"%.0f\", $wc_t / $wc_n") instructions" "" "$ins_us" "at the pxHV rate above"
    row "    of which Bochs' VM exit + VM entry" "" "$(calc "\"%.2f\", $it_us - $ins_us")" \
        "$wc_n iterations took $(calc "\"%.1f\", $hv_wcpuid") s"
fi
read -r wp_n wp_t < <(ticks "$HV" "wall pages")
read -r nwp_n nwp_t < <(ticks "$NA" "wall pages")
if [ -n "$hv_pages" ] && [ -n "$na_pages" ]; then
    row "  wall ns per load from a new page (TLB miss)" "$(calc "\"%.0f\", $na_pages / $nwp_n * 1e9")" \
        "$(calc "\"%.0f\", $hv_pages / $wp_n * 1e9")" \
        "$(ratio "$(calc "\"%.9f\", $na_pages / $nwp_n")" "$(calc "\"%.9f\", $hv_pages / $wp_n")");\
 ticks per load $(calc "\"%.2f\", $nwp_t / $nwp_n") / $(calc "\"%.2f\", $wp_t / $wp_n")"
    # The same in units of the DEC/JNZ instruction time: Bochs' own speed
    # (and, as far as it stays the same over the run, the host's load) divides out.
    if [ -n "$na_spin" ] && [ -n "$hv_spin" ]; then
        nl=$(calc "\"%.1f\", ($na_pages / $nwp_n) / ($na_spin / (2 * $ws_n))")
        hl=$(calc "\"%.1f\", ($hv_pages / $wp_n) / ($hv_spin / (2 * $ws_n))")
        row "    the same in DEC/JNZ instruction times" "$nl" "$hl" "$(ratio "$nl" "$hl")"
    fi
fi
ROWS+=("    pxHV exits during the bench guest: $(line_of "$HV" '^pxHV: exit statistics:' | sed 's/^pxHV: exit statistics: //')")

# ---- 5. Linux ------------------------------------------------------------
linux_figures() { # LOG -> k_init (kernel time of "Run /init"), up_init, up_prompt, memtotal, mark, tsc_mhz
    k_init=$(line_of "$1" '^\[ *[0-9]+\.[0-9]+\] Run /init' | sed -E 's/^\[ *([0-9.]+)\].*/\1/')
    up_init=$(line_of "$1" '^PXHV-GUEST: linux init, .* up [0-9.]+ s' | sed -E 's/.* up ([0-9.]+) s.*/\1/')
    up_prompt=$(line_of "$1" '^uptime=[0-9.]+' | sed -E 's/^uptime=([0-9.]+).*/\1/')
    memtotal=$(line_of "$1" '^MemTotal: +[0-9]+ kB' | sed -E 's/^MemTotal: +([0-9]+).*/\1/')
    mark=$(grep -a -m1 'ACPI control: soft power off' "$EMU_LOG" | sed -E 's/^0*([0-9]+)[a-z].*/\1/')
    kver=$(line_of "$1" '^PXHV-GUEST: linux init, kernel ' | sed -E 's/.*kernel ([^,]+),.*/\1/')
    tsc_mhz=$(line_of "$1" 'tsc: Detected [0-9.]+ MHz TSC' | sed -E 's/.* ([0-9.]+) MHz.*/\1/')
}

sect "5. Linux boot to the shell prompt" native pxHV "pxHV / native"
if [ "$LINUX" = 0 ]; then
    say "[4/5] [5/5] Linux boots skipped (BENCH_LINUX=0)"
    ROWS+=("  skipped (BENCH_LINUX=0)")
elif [ ! -s "$LINUX_IMG" ]; then
    say "[4/5] [5/5] $LINUX_IMG missing (make guest-linux): Linux boots skipped"
    ROWS+=("  skipped: $LINUX_IMG missing (make guest-linux)")
else
    cp "$LINUX_IMG" "$LIMG"
    # Bochs logs the ACPI power-off (natively from Linux, under pxHV from
    # pxHV after its statistics) with its tick count: "power-on to
    # power-off" in ticks.
    say "[4/5] Linux booted directly by Bochs (1-3 minutes)"
    run_bochs --disk "$LIMG" --cpu "$CPU" --mem "$MEM" --timeout $(( 300 * ${BENCH_TSCALE:-1} )) --chat "$chat" \
        --done "reboot: Power down"
    keep linux-native
    n_load=$(cut -d' ' -f1 /proc/loadavg)
    LN=$OUT/linux-native.log
    linux_figures "$LN"
    n_kver=$kver n_k=$k_init n_up=$up_init n_upp=$up_prompt n_mt=$memtotal n_tsc=$tsc_mhz n_mark=$mark
    n_wi=$(stamp_of '^PXHV-GUEST: linux init') n_wp=$(stamp_of '^uptime=')
    n_end=$RUN_END
    [ -n "$n_up" ] || say "native Linux run did not reach init (ended: $n_end)"

    say "[5/5] Linux under pxHV (1-3 minutes)"
    img=$(pxhv_image --drive 0x81) || fail "pxHV image for drive 0x81"
    run_bochs --disk "$img" --disk2 "$LIMG" --cpu "$CPU" --mem "$MEM" --timeout $(( 600 * ${BENCH_TSCALE:-1} )) \
        --chat "$chat" --done "pxHV: stopping"
    keep linux-pxhv
    h_load=$(cut -d' ' -f1 /proc/loadavg)
    LH=$OUT/linux-pxhv.log
    linux_figures "$LH"
    h_wi=$(stamp_of '^PXHV-GUEST: linux init') h_wp=$(stamp_of '^uptime=')
    [ -n "$up_init" ] || say "Linux under pxHV did not reach init (ended: $RUN_END)"

    ROWS+=("  kernel ${n_kver:-?} (native), ${kver:-?} (pxHV); linux.img of $(stat -c %y "$LINUX_IMG" | cut -c1-19)")
    row "  wall s, emulator start to init's line" "${n_wi:-?}" "${h_wi:-?}" "$(ratio "$n_wi" "$h_wi")"
    row "  wall s, emulator start to the prompt's answer" "${n_wp:-?}" "${h_wp:-?}" "$(ratio "$n_wp" "$h_wp")"
    row "  host load average (1 min) at the end of the run" "$n_load" "$h_load" "wall clock depends on it"
    row "  TSC ticks, power-on to power-off" "${n_mark:-?}" "${mark:-?}" "$(ratio "$n_mark" "$mark")"
    row "  kernel timestamp of \"Run /init\" (s)" "${n_k:-?}" "${k_init:-?}" "$(ratio "$n_k" "$k_init")"
    row "  init's \"up\" (/proc/uptime, s)" "${n_up:-?}" "${up_init:-?}" "$(ratio "$n_up" "$up_init")"
    row "  /proc/uptime at the prompt (s)" "${n_upp:-?}" "${up_prompt:-?}" "$(ratio "$n_upp" "$up_prompt")"
    row "  kernel's TSC (MHz)" "${n_tsc:-?}" "${tsc_mhz:-?}" ""
    row "  MemTotal (KiB)" "${n_mt:-?}" "${memtotal:-?}" \
        "$( [ -n "$n_mt" ] && [ -n "$memtotal" ] && echo "-$((n_mt - memtotal)) KiB" )"
    tot=$(line_of "$LH" '^pxHV: exit statistics:' | sed 's/^pxHV: exit statistics: //')
    ROWS+=("  VM exits, power-on to poweroff: ${tot:-none printed}")
    # What the exits cost, at the bench guest's CPUID round trip (ticks, wall).
    ne=${tot%% *}
    if [ -n "$ne" ] && [ -n "${it_us:-}" ]; then
        ct=$(per "$HV" cpuid)
        ROWS+=("    at the CPUID round trip of section 4: ~$(calc "\"%.1f M ticks, %.2f s wall\", $ne * $ct / 1e6, $ne * $it_us / 1e6")")
    fi
    while IFS= read -r l; do
        ROWS+=("$(printf '    %-34s %12s' "$(sed -E 's/^pxHV:   (.*[^ ]) +[0-9]+$/\1/' <<<"$l")" "${l##* }")")
    done < <(tr -d '\r' <"$LH" | sed -n '/^pxHV: exit statistics:/,/^pxHV: [^ ]/p' | grep -aE '^pxHV:   .* [0-9]+$')
fi

# ---- 6. several CPUs -------------------------------------------------------
sect "6. Several CPUs" "" "pxHV" ""
say "[6] region size and AP bring-up with 1, 2 and 4 CPUs"
smp_img=$(pxhv_image --builtin "$(guest_bin cpuid)" --name cpuid) || fail "pxHV image with the cpuid guest"
for n in 1 2 4; do
    run_bochs --disk "$smp_img" --cpu "$CPU" --mem "$MEM" --cpus "$n" --timeout $(( 300 * ${BENCH_TSCALE:-1} )) \
        --done "pxHV: launching guest"
    keep "cpus$n"
    L=$OUT/cpus$n.log
    region=$(line_of "$L" '^pxHV: memory per CPU ' | sed -nE 's/.*region ([0-9]+ KiB).*/\1/p')
    hidden=$(line_of "$L" '^pxHV: hidden from the guest: ' | sed -nE 's/.*\(hypervisor, ([0-9]+ KiB)\).*/\1/p')
    row "  $n CPU(s): hypervisor region" "" "${region:-?}" "hidden from the guest: ${hidden:-?}"
    if [ "$n" -gt 1 ]; then
        starts=$(tr -d '\r' <"$L" | sed -nE 's/^pxHV: CPU ([0-9]+) \(APIC [0-9]+\) in VMX root.* \(([0-9]+) TSC ticks to start\)$/CPU \1: \2/p' |
            paste -sd' ' | sed 's/ CPU/, CPU/g')
        row "    AP bring-up, INIT to VMX root + VMCS (ticks)" "" "" "${starts:-?}"
    fi
done
per_cpu=$(line_of "$OUT/cpus2.log" '^pxHV: memory per CPU [0-9]+ KiB' | sed -E 's/^pxHV: memory per CPU ([0-9]+ KiB).*/\1/')
ROWS+=("    memory per further CPU: ${per_cpu:-?} (struct cpu_block); Bochs' TSC counts instructions")

if [ "$LINUX" != 0 ] && [ -s "$LINUX_IMG" ]; then
    say "[7] Linux with 2 CPUs, directly by Bochs and under pxHV (4-10 minutes)"
    chat2=$TEST_TMP/linux2.chat
    cat >"$chat2" <<'CHAT'
wait PXHV-GUEST: linux init
wait ~ # 
send echo "uptime=$(cut -d' ' -f1 /proc/uptime) nproc=$(nproc)"
wait nproc=
wait ~ # 
send poweroff -f
CHAT
    run_bochs --disk "$LIMG" --cpu "$CPU" --mem "$MEM" --cpus 2 --timeout $(( 600 * ${BENCH_TSCALE:-1} )) --chat "$chat2" \
        --done "reboot: Power down"
    keep linux2-native
    linux_figures "$OUT/linux2-native.log"
    n_mark=$mark n_wp=$(stamp_of '^uptime=') n_np=$(line_of "$OUT/linux2-native.log" '^uptime=' | sed -nE 's/.*nproc=([0-9]+).*/\1/p')
    img=$(pxhv_image --drive 0x81 --flags "$CFG_FLAG_INTERCEPT_IPI") || fail "pxHV image for drive 0x81"
    run_bochs --disk "$img" --disk2 "$LIMG" --cpu "$CPU" --mem "$MEM" --cpus 2 --timeout $(( 900 * ${BENCH_TSCALE:-1} )) \
        --chat "$chat2" --done "pxHV: stopping"
    keep linux2-pxhv
    linux_figures "$OUT/linux2-pxhv.log"
    h_wp=$(stamp_of '^uptime=') h_np=$(line_of "$OUT/linux2-pxhv.log" '^uptime=' | sed -nE 's/.*nproc=([0-9]+).*/\1/p')
    row "  Linux, 2 CPUs: nproc at the prompt" "${n_np:-?}" "${h_np:-?}" "native / pxHV"
    row "  wall s, emulator start to the prompt's answer" "${n_wp:-?}" "${h_wp:-?}" "$(ratio "$n_wp" "$h_wp")"
    row "  TSC ticks (instructions), power-on to power-off" "${n_mark:-?}" "${mark:-?}" "$(ratio "$n_mark" "$mark")"
    while IFS= read -r l; do ROWS+=("    $l"); done < <(tr -d '\r' <"$OUT/linux2-pxhv.log" |
        grep -aE '^pxHV: (exit statistics: |CPU [0-9]+ \(APIC [0-9]+\): [0-9]+ exits)')
fi

# ---- 7. AMD-V (QEMU TCG) ------------------------------------------------
# QEMU with -icount shift=0 advances the TSC by one per instruction, as Bochs does:
# the same per-operation figures, for the SVM backend (no NRIP save: pxHV decodes).
sect "7. AMD-V under QEMU TCG ($SVM_CPU)" native pxHV "pxHV - native = exit round trip (instructions)"
say "[8] the bench guest under pxHV on SVM and natively (QEMU TCG, -icount shift=0)"
svm_img=$(pxhv_image --builtin "$B/guests/bench.bin" --name bench) || fail "pxHV image with the bench guest"
run_qemu --disk "$svm_img" --cpu "$SVM_CPU" --mem "$MEM" --arg -icount --arg shift=0 --timeout $(( 300 * ${BENCH_TSCALE:-1} )) \
    --done "pxHV: stopping"
keep svm-bench-pxhv
run_qemu --disk "$B/guests/bench.bin" --cpu "$SVM_CPU" --mem "$MEM" --arg -icount --arg shift=0 \
    --timeout $(( 300 * ${BENCH_TSCALE:-1} )) --done "bench: done"
keep svm-bench-native
SH=$OUT/svm-bench-pxhv.log SN=$OUT/svm-bench-native.log
if expect_in_order "$SH" "bench: hv=1" "bench: done" >/dev/null && expect_in_order "$SN" "bench: done" >/dev/null; then
    for k in cpuid:"CPUID leaf 0" in:"IN AL, 0xE9" out:"OUT 0xE9, AL (a byte to COM1)" \
             kbc:"IN AL, 0x64 (keyboard status)" vmcall:"VMMCALL PXHV_HC_VERSION"; do
        kind=${k%%:*} what=${k#*:}
        a=$(per "$SN" "$kind") h=$(per "$SH" "$kind")
        if [ "$kind" = vmcall ]; then row "  $what" "#UD" "$h" "instructions per call"
        else row "  $what" "$a" "$h" "$(calc "\"%+.1f\", $h - $a")"; fi
    done
    ROWS+=("    pxHV exits during the bench guest: $(line_of "$SH" '^pxHV: exit statistics:' | sed 's/^pxHV: exit statistics: //')")
else
    ROWS+=("  the bench guest did not finish under QEMU (logs in $OUT/svm-bench-*.log)")
fi
if [ "$LINUX" != 0 ] && [ -s "$LINUX_IMG" ]; then
    say "[8] Linux under QEMU TCG, directly and under pxHV on SVM"
    run_qemu --disk "$LIMG" --cpu "$SVM_CPU" --mem "$MEM" --timeout $(( 300 * ${BENCH_TSCALE:-1} )) --chat "$chat" \
        --done "reboot: Power down"
    keep svm-linux-native
    q_n=$(stamp_of '^uptime=')
    run_qemu --disk "$(pxhv_image --drive 0x81)" --disk2 "$LIMG" --cpu "$SVM_CPU" --mem "$MEM" \
        --timeout $(( 300 * ${BENCH_TSCALE:-1} )) --chat "$chat" --done "pxHV: stopping"
    keep svm-linux-pxhv
    q_h=$(stamp_of '^uptime=')
    row "  Linux: wall s, QEMU start to the prompt's answer" "${q_n:-?}" "${q_h:-?}" "$(ratio "$q_n" "$q_h") (goal: at most 1.15x)"
    ROWS+=("    VM exits: $(line_of "$OUT/svm-linux-pxhv.log" '^pxHV: exit statistics:' | sed 's/^pxHV: exit statistics: //')")
fi

# ---- 8. DMA protection: the q35 boots (iommu_bench, above) ------------------
if [ "$LINUX" != 0 ] && [ -s "$LINUX_IMG" ]; then
    iommu_bench
fi

# ---- 9. Cells (cells_bench, above) -------------------------------------------
if [ "$LINUX" != 0 ] && [ -s "$LINUX_IMG" ]; then
    cells_bench
fi

# ---- table ---------------------------------------------------------------
{
    echo "pxHV benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "Bochs $(dpkg-query -W -f '${Version}' bochs 2>/dev/null || echo '?'), model $CPU, $MEM MB," \
         "ips ${IPS:-?} (timer devices; the TSC counts instructions);" \
         "host $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) CPUs," \
         "load average at the start $LOAD0"
    printf '%s\n' "${ROWS[@]}"
} | tee "$OUT/table.txt"
say "table and serial logs in $OUT/"
