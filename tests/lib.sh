# shellcheck shell=bash
# tests/lib.sh: shared functions for pxHV's emulator tests.  Source it from tests/test_*.sh.
#
# Every run boots a real image in a real emulator, headless, inside `timeout`, in its own
# temporary directory and process group (parallel runs share no file or port), and the
# process group is killed when the run ends or the test exits.
#
# Runs
#   run_bochs [opt]...   Bochs 2.7 (emulates VMX + EPT).  Options:
#       --disk IMG        boot disk (default $PXHV_IMG = build/pxhv.img); copied into the run
#                         directory and padded to a multiple of 516096 bytes (16 heads x 63 sectors)
#       --disk2 IMG       second hard disk (ata0-slave), copied the same way
#       --floppy IMG      floppy A: (360k/720k/1.2M/1.44M/2.88M image), copied
#       --cpu MODEL       default corei7_skylake_x;  --mem MB  default 256
#       --bios latest|legacy|FILE   default latest;   --boot disk|floppy  default disk
#       --rc LINE         extra bochsrc line (repeatable)
#   run_qemu [opt]...    QEMU TCG (no VMX; SVM with --cpu qemu64,+svm,+npt).  --disk --disk2
#                         --floppy --mem --boot as above, --cpu MODEL (default qemu64),
#                         --machine TYPE (-M, default QEMU's pc), --device DEV (-device, in
#                         order, before any --arg; repeatable), --arg ARG (extra QEMU
#                         argument, repeatable), --reboot (a guest reset restarts the
#                         machine instead of ending QEMU),
#                         --efi (UEFI instead of SeaBIOS: OVMF as two pflash drives, its code
#                         read-only from $OVMF_CODE, its variables a writable copy of
#                         $OVMF_VARS in the run directory, so every run starts from the
#                         packaged defaults; needs --machine q35)
#   Options common to both:
#       --cpus N          processors (Bochs cpu: count=N, QEMU -smp N; default 1)
#       --timeout SEC     bound of the run in the emulator's own CPU time (default 60): SEC
#                         seconds of the emulator's CPU time (times the CPUs QEMU may run
#                         at once), so a busy machine, which gives the emulator less of a
#                         core, does not end a run that is making progress; a wall-clock
#                         bound of PXHV_WALL_FACTOR (4) times SEC plus 60 s stays as the
#                         last resort for an emulator that sleeps
#       --done TEXT       the run ends as soon as TEXT has appeared on COM1; repeatable: the run
#                         ends when all of them have appeared
#       --fail TEXT       the run ends as soon as TEXT appears (repeatable; default "PANIC")
#       --stall SEC       the run ends (RUN_END=stall) when COM1 has not grown while the
#                         emulator spent SEC seconds of CPU time (as --timeout), or for
#                         PXHV_WALL_FACTOR times SEC of wall time: a guest or pxHV that stopped
#                         making progress (a livelock, or a halt) ends the run early without a
#                         tight --timeout
#       --chat FILE       drive COM1 interactively with FILE, lines of:
#                            wait TEXT     wait until TEXT appears after the previous match
#                            send TEXT     type TEXT and Enter (CR)
#                            sendraw FMT   printf FMT (e.g. \x03 for Ctrl-C)
#                            sleep SEC
#                         Bochs: com1 is a TCP server on a free 127.0.0.1 port; QEMU: a FIFO pair.
#   After a run: RUN_DIR, SERIAL_LOG (all COM1 output), EMU_LOG (the emulator's own log),
#   RUN_END = done | fail | exit (the emulator ended by itself) | timeout | stall, RUN_SECS
#   (wall), RUN_CPU (the emulator's CPU seconds).
#   The exit status of the emulator is not used: Bochs exits 1 even on a clean guest shutdown.
#
# Checks (print why and return 1 on failure; use as `check || fail "why"`)
#   expect_in_order LOG LINE...     each LINE is a whole COM1 line (CR removed), in this order;
#                                   other lines may come between.  -E: LINEs are EREs
#                                   (anchored to the whole line), -F: LINEs are substrings.
#   expect_line LOG ERE             some line matches ERE; the first such line goes in MATCH
#   expect_absent LOG TEXT          TEXT is nowhere in LOG (which must not be empty)
#   expect_end STATE                RUN_END is STATE (e.g. exit: the guest stopped the machine)
# Results
#   fail MSG   prints MSG, the last 40 COM1 lines and the emulator log tail, exits 1
#   pass [MSG] prints PASS and exits 0
#   need_image [IMG]  fails at once when the image is missing or empty
# Images
#   pxhv_image [mkimage.sh option]...  prints the path of a fresh pxHV image made from
#       build/stage{1,2,3}.bin by scripts/mkimage.sh in this test's scratch directory,
#       e.g.  img=$(pxhv_image --builtin "$(guest_bin hlt)") || fail "image"
#   guest_bin NAME    path of build/guests/NAME.bin (make test-guests), fails if missing

PXHV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The engines this run covers: a test names all it runs on in a "# engines: ..." line
# (Bochs CPU models such as corei7_skylake_x or ryzen, and qemu); tests/run.sh gives each
# engine a job of its own through ENGINE, a test run by hand covers them all.
ENGINES=${ENGINE:-${ENGINES:-$(sed -n 's/^# engines: *//p' "$0" | head -n 1)}}
PXHV_WALL_FACTOR=${PXHV_WALL_FACTOR:-4}
_NPROC=$(nproc 2>/dev/null || echo 1)
# The layout and configuration constants of the C headers (DISK_*, CFG_FLAG_*...).
. "$PXHV_ROOT/scripts/consts.sh"
PXHV_IMG=${PXHV_IMG:-$PXHV_ROOT/build/pxhv.img}
TEST_NAME=${TEST_NAME:-$(basename "$0" .sh)}
BOCHS=${BOCHS:-bochs}
QEMU=${QEMU:-qemu-system-x86_64}
# Debian's ovmf package: the 4 MiB flash layout, without Secure Boot keys enrolled.
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}

_run_dirs=()      # every run directory of this test, removed on a pass
_pgroups=()       # process groups still to kill
_bg_pids=()       # helpers (serial reader, chat) in our own group
_failed=0

_lib_cleanup() {
    local g p
    for g in ${_pgroups[@]+"${_pgroups[@]}"}; do _kill_group "$g"; done
    for p in ${_bg_pids[@]+"${_bg_pids[@]}"}; do kill "$p" 2>/dev/null || true; done
    if [ "$_failed" = 0 ] && [ -z "${PXHV_KEEP:-}" ]; then
        rm -rf ${_run_dirs[@]+"${_run_dirs[@]}"}
    elif [ ${#_run_dirs[@]} -gt 0 ]; then
        echo "run directories kept: ${_run_dirs[*]}"
    fi
}
trap _lib_cleanup EXIT
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pxhv-$TEST_NAME-tmp.XXXXXX")
_run_dirs+=("$TEST_TMP")
trap '_failed=1; exit 130' INT TERM HUP

# Stop a process group: SIGHUP first (Bochs's term display ignores SIGTERM but quits cleanly,
# flushing its logs, on SIGHUP; QEMU and timeout also stop on it), SIGKILL after 3 s.
_kill_group() {
    local g=$1 i
    kill -HUP -- "-$g" 2>/dev/null || return 0
    for i in $(seq 30); do kill -0 -- "-$g" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL -- "-$g" 2>/dev/null || true
}

_new_run_dir() {
    RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pxhv-$TEST_NAME.XXXXXX")
    _run_dirs+=("$RUN_DIR")
}

# Copy an image into the run directory; pad hard disks for Bochs's CHS geometry.
_copy_image() { # SRC NAME PAD(0|1)
    [ -s "$1" ] || { echo "image $1 missing or empty" >&2; return 1; }
    cp --reflink=auto "$1" "$RUN_DIR/$2"
    if [ "$3" = 1 ]; then
        local s; s=$(stat -c %s "$RUN_DIR/$2")
        truncate -s $(( (s + 516095) / 516096 * 516096 )) "$RUN_DIR/$2"
    fi
    echo "$RUN_DIR/$2"
}

_parse_run_opts() {
    o_disk=$PXHV_IMG o_disk2= o_floppy= o_cpu= o_cpus=1 o_mem=256 o_bios=latest o_boot=disk
    o_timeout=60 o_chat= o_done=() o_fail=() o_rc=() o_arg=() o_reboot=0 o_stall=0 o_machine= o_device=() o_efi=0
    while [ $# -gt 0 ]; do
        case $1 in
            --disk) o_disk=$2 ;;  --disk2) o_disk2=$2 ;;  --floppy) o_floppy=$2 ;;
            --cpu) o_cpu=$2 ;;    --mem) o_mem=$2 ;;      --bios) o_bios=$2 ;;
            --cpus) o_cpus=$2 ;;  --stall) o_stall=$2 ;;
            --boot) o_boot=$2 ;;  --timeout) o_timeout=$2 ;; --chat) o_chat=$2 ;;
            --done) o_done+=("$2") ;; --fail) o_fail+=("$2") ;;
            --rc) o_rc+=("$2") ;;  --arg) o_arg+=("$2") ;;
            --machine) o_machine=$2 ;; --device) o_device+=(-device "$2") ;;
            --reboot) o_reboot=1; shift; continue ;;
            --efi) o_efi=1; shift; continue ;;
            *) echo "run: unknown option $1" >&2; return 2 ;;
        esac
        shift 2
    done
    [ ${#o_fail[@]} -gt 0 ] || o_fail=(PANIC)
}

# Start "$@" in a new session (its own process group) under timeout; sets _pid.  The wall
# bound is only a last resort: _watch ends the run on the emulator's CPU time.
_start() {
    setsid timeout -s HUP -k 5 "$(( o_timeout * PXHV_WALL_FACTOR + 60 ))" "$@" </dev/null &
    _pid=$!
    _pgroups+=("$_pid")
}

# CPU seconds the emulator (timeout's child, all its threads) has used so far.
_emu_cpu() {
    ps -o times= --ppid "$_pid" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
}

# Watch the serial log until the emulator exits, a fail marker or all done markers appear,
# or the time runs out; then stop the emulator and set RUN_END and RUN_SECS.
_watch() {
    local start=$SECONDS t all rc size last_size=-1 last_change=$SECONDS tick=0
    local cpu=0 cpu_change=0 scale=1
    # QEMU runs a thread per processor (Bochs one thread for all): as many cores as it may use.
    [ "$_emu" != qemu ] || scale=$(( o_cpus < _NPROC ? o_cpus : _NPROC ))
    RUN_END=
    while kill -0 "$_pid" 2>/dev/null; do
        if (( tick++ % 5 == 0 )); then
            cpu=$(_emu_cpu)
            if (( cpu > o_timeout * scale )); then RUN_END=timeout; break; fi
        fi
        if [ "$o_stall" -gt 0 ]; then
            size=$(stat -c %s "$SERIAL_LOG" 2>/dev/null || echo 0)
            if [ "$size" != "$last_size" ]; then last_size=$size last_change=$SECONDS cpu_change=$cpu
            elif (( cpu - cpu_change > o_stall * scale ||
                    SECONDS - last_change > o_stall * PXHV_WALL_FACTOR )); then RUN_END=stall; break; fi
        fi
        for t in "${o_fail[@]}"; do
            if grep -aqF -- "$t" "$SERIAL_LOG" 2>/dev/null; then RUN_END=fail; break 2; fi
        done
        if [ ${#o_done[@]} -gt 0 ]; then
            all=1
            for t in "${o_done[@]}"; do
                grep -aqF -- "$t" "$SERIAL_LOG" 2>/dev/null || { all=0; break; }
            done
            [ $all = 0 ] || { RUN_END="done"; break; }
        fi
        if (( SECONDS - start > o_timeout * PXHV_WALL_FACTOR + 70 )); then RUN_END=timeout; break; fi
        sleep 0.2
    done
    t=$(_emu_cpu); (( t > cpu )) && cpu=$t
    RUN_CPU=$cpu
    if [ -n "$RUN_END" ]; then
        sleep 0.5                      # let the line that held the marker finish
        _kill_group "$_pid"
        wait "$_pid" 2>/dev/null
    else
        wait "$_pid"; rc=$?
        case $rc in 124|137) RUN_END=timeout ;; *) RUN_END=exit ;; esac
    fi
    local g left=()
    for g in "${_pgroups[@]}"; do [ "$g" = "$_pid" ] || left+=("$g"); done
    _pgroups=(${left[@]+"${left[@]}"})
    RUN_SECS=$(( SECONDS - start ))
    echo "[$TEST_NAME] run ended: $RUN_END after ${RUN_SECS}s, emulator CPU ${RUN_CPU}s (logs in $RUN_DIR)"
}

# Background COM1 driver for --chat: reads the script, writes keystrokes to fd $1.
_chat() { # FD SCRIPT
    local fd=$1 line kind arg off=0 hit
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in ''|'#'*) continue ;; esac
        kind=${line%% *}; arg=${line#"$kind"}; arg=${arg# }
        echo "chat: $kind $arg" >>"$RUN_DIR/chat.log"
        case $kind in
            wait)
                until hit=$(tail -c +$((off + 1)) "$SERIAL_LOG" | LC_ALL=C grep -abo -m1 -F -- "$arg"); do
                    sleep 0.2
                done
                off=$(( off + ${hit%%:*} + $(printf %s "$arg" | wc -c) )) ;;
            send) printf '%s\r' "$arg" >&"$fd" ;;
            sendraw) printf -- "$arg" >&"$fd" ;;
            sleep) sleep "$arg" ;;
            *) echo "chat: bad line: $line" >>"$RUN_DIR/chat.log" ;;
        esac
    done <"$2"
    echo "chat: script done" >>"$RUN_DIR/chat.log"
}

# A TCP port nobody listens on now.  Races are caught later: we only connect once our own
# Bochs has logged that it listens, and a failed bind makes it exit, which we retry.
_free_port() {
    local p used; used=$(ss -Hltn 2>/dev/null | awk '{print $4}')
    while :; do
        p=$(( 20000 + RANDOM % 40000 ))
        grep -q ":$p\$" <<<"$used" || { echo "$p"; return; }
    done
}

run_bochs() {
    _parse_run_opts "$@" || return 2
    _emu=bochs
    _new_run_dir
    SERIAL_LOG=$RUN_DIR/com1.log EMU_LOG=$RUN_DIR/bochs.log
    : >"$SERIAL_LOG"
    local disk disk2= floppy= rcargs=() l port= try fd=
    disk=$(_copy_image "$o_disk" disk.img 1) || return 1
    [ -z "$o_disk2" ] || disk2=$(_copy_image "$o_disk2" disk2.img 1) || return 1
    [ -z "$o_floppy" ] || floppy=$(_copy_image "$o_floppy" floppy.img 0) || return 1
    for l in ${o_rc[@]+"${o_rc[@]}"}; do rcargs+=(--rc "$l"); done
    printf 'continue\nquit\n' >"$RUN_DIR/cmds"     # the built-in debugger's first prompt
    for try in 1 2 3; do
        local com1="file:$SERIAL_LOG"
        [ -z "$o_chat" ] || { port=$(_free_port); com1="socket:$port"; }
        "$PXHV_ROOT/scripts/bochsrc.sh" --disk "$disk" ${disk2:+--disk2 "$disk2"} \
            ${floppy:+--floppy "$floppy"} --cpu "${o_cpu:-corei7_skylake_x}" --cpus "$o_cpus" --mem "$o_mem" \
            --bios "$o_bios" --boot "$o_boot" --com1 "$com1" --log "$EMU_LOG" \
            ${rcargs[@]+"${rcargs[@]}"} >"$RUN_DIR/bochsrc" || return 2
        : >"$EMU_LOG"
        # stdout only carries curses noise from the term display.
        _start "$BOCHS" -q -unlock -f "$RUN_DIR/bochsrc" -rc "$RUN_DIR/cmds" \
            >"$RUN_DIR/bochs.stdout" 2>"$RUN_DIR/bochs.stderr"
        [ -n "$o_chat" ] || break
        # Bochs blocks in device init until a client connects to com1; once it says it
        # listens, the port is ours (a failed bind makes Bochs exit instead).
        local ready="waiting for client to connect.*port:$port"
        until grep -q "$ready" "$RUN_DIR/bochs.stderr" || ! kill -0 "$_pid" 2>/dev/null; do
            sleep 0.1
        done
        if grep -q "$ready" "$RUN_DIR/bochs.stderr" && kill -0 "$_pid" 2>/dev/null &&
            exec {fd}<>"/dev/tcp/127.0.0.1/$port"; then break; fi 2>/dev/null
        _kill_group "$_pid"; wait "$_pid" 2>/dev/null; fd=
        echo "[$TEST_NAME] com1 port $port unusable, retrying" >&2
    done
    # The term display must be read or Bochs stalls (scripts/bochs-screen-drain.sh).
    "$PXHV_ROOT/scripts/bochs-screen-drain.sh" "$RUN_DIR/bochs.stderr" & _bg_pids+=($!)
    if [ -n "$o_chat" ]; then
        [ -n "$fd" ] || { echo "could not connect to Bochs com1" >&2; return 1; }
        cat <&"$fd" >>"$SERIAL_LOG" & _bg_pids+=($!)
        _chat "$fd" "$o_chat" & _bg_pids+=($!)
    fi
    _watch
    [ -z "$fd" ] || exec {fd}>&-
    _stop_helpers
}

run_qemu() {
    _parse_run_opts "$@" || return 2
    _emu=qemu
    _new_run_dir
    SERIAL_LOG=$RUN_DIR/com1.log EMU_LOG=$RUN_DIR/qemu.log
    : >"$SERIAL_LOG"
    local disk args fd= a
    disk=$(_copy_image "$o_disk" disk.img 0) || return 1
    args=(-display none -monitor none -nic none -m "$o_mem" -cpu "${o_cpu:-qemu64}" -smp "$o_cpus"
          -drive "format=raw,if=ide,index=0,file=$disk"
          -d guest_errors,cpu_reset -D "$EMU_LOG")
    [ -z "$o_machine" ] || args+=(-M "$o_machine")
    if [ "$o_efi" = 1 ]; then
        # OVMF picks its boot device from its own variables, not from -boot.
        [ -s "$OVMF_CODE" ] && [ -s "$OVMF_VARS" ] ||
            { echo "OVMF firmware missing ($OVMF_CODE, $OVMF_VARS): apt-get install ovmf" >&2; return 1; }
        cp "$OVMF_VARS" "$RUN_DIR/ovmf_vars.fd"
        args+=(-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE"
               -drive "if=pflash,format=raw,file=$RUN_DIR/ovmf_vars.fd")
    elif [ "$o_boot" = floppy ]; then
        args+=(-boot order=a)
    else
        args+=(-boot order=c)
    fi
    [ "$o_reboot" = 1 ] || args+=(-no-reboot)
    if [ -n "$o_disk2" ]; then
        a=$(_copy_image "$o_disk2" disk2.img 0) || return 1
        args+=(-drive "format=raw,if=ide,index=1,file=$a")
    fi
    if [ -n "$o_floppy" ]; then
        a=$(_copy_image "$o_floppy" floppy.img 0) || return 1
        args+=(-drive "format=raw,if=floppy,index=0,file=$a")
    fi
    if [ -n "$o_chat" ]; then
        # QEMU's pipe backend reads guest input from NAME.in and writes output to NAME.out.
        mkfifo "$RUN_DIR/com1.in" "$RUN_DIR/com1.out"
        args+=(-serial "pipe:$RUN_DIR/com1")
    else
        args+=(-serial "file:$SERIAL_LOG")
    fi
    args+=(${o_device[@]+"${o_device[@]}"} ${o_arg[@]+"${o_arg[@]}"})
    _start "$QEMU" "${args[@]}" >"$RUN_DIR/qemu.stderr" 2>&1
    if [ -n "$o_chat" ]; then
        exec {fd}<>"$RUN_DIR/com1.in"
        cat <>"$RUN_DIR/com1.out" >>"$SERIAL_LOG" & _bg_pids+=($!)
        _chat "$fd" "$o_chat" & _bg_pids+=($!)
    fi
    _watch
    [ -z "$fd" ] || exec {fd}>&-
    _stop_helpers
}

# The serial reader ends by itself at EOF (Bochs socket closed); give it a moment to drain.
_stop_helpers() {
    local p i
    for p in ${_bg_pids[@]+"${_bg_pids[@]}"}; do
        for i in 1 2 3 4 5; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill "$p" 2>/dev/null; wait "$p" 2>/dev/null
    done
    _bg_pids=()
}

expect_in_order() {
    local mode=x
    case $1 in -E) mode=E; shift ;; -F) mode=F; shift ;; esac
    local log=$1; shift
    [ $# -gt 0 ] || { echo "expect_in_order: nothing to expect" >&2; return 1; }
    [ -s "$log" ] || { echo "FAILED: serial log $log is empty"; return 1; }
    printf '%s\n' "$@" >"$RUN_DIR/expected"
    # gawk: mawk 1.3.4 silently ignores interval expressions such as {4}.
    gawk -v mode=$mode '
        function hit(line, w) {
            if (mode == "F") return index(line, w) > 0
            if (mode == "E") return line ~ ("^(" w ")$")
            return line == w
        }
        NR == FNR { want[++n] = $0; next }
        { gsub(/\r/, "") }
        k < n && hit($0, want[k + 1]) { k++; last = $0 }
        END {
            if (k == n) exit 0
            printf "FAILED: expected line %d of %d not found in order: \"%s\"\n", k + 1, n, want[k + 1]
            if (k) printf "        (after \"%s\")\n", last
            exit 1
        }' "$RUN_DIR/expected" "$log"
}

expect_line() {
    [ -s "$1" ] || { echo "FAILED: serial log $1 is empty"; return 1; }
    MATCH=$(tr -d '\r' <"$1" | grep -aE -m1 -- "$2") && return 0
    echo "FAILED: no line matches /$2/"
    return 1
}

expect_absent() {
    # Absent from nothing proves nothing: an empty log is a failed run.
    [ -s "$1" ] || { echo "FAILED: serial log $1 is empty"; return 1; }
    if grep -aqF -- "$2" "$1"; then echo "FAILED: \"$2\" present in $1"; return 1; fi
}

expect_end() {
    [ "$RUN_END" = "$1" ] && return 0
    echo "FAILED: run ended by \"$RUN_END\", expected \"$1\""
    return 1
}

pxhv_image() {
    local b=$PXHV_ROOT/build out
    out=$(mktemp "$TEST_TMP/pxhv.XXXXXX.img")
    bash "$PXHV_ROOT/scripts/mkimage.sh" "$out" --stage1 "$b/stage1.bin" --stage2 "$b/stage2.bin" \
        --stage3 "$b/stage3.bin" "$@" >"$out.log" 2>&1 || { cat "$out.log" >&2; return 1; }
    echo "$out"
}

guest_bin() {
    local f=$PXHV_ROOT/build/guests/$1.bin
    [ -s "$f" ] || fail "$f missing (make test-guests)"
    echo "$f"
}

need_image() {
    local img=${1:-$PXHV_IMG}
    [ -s "$img" ] || fail "$img is missing or empty (run make first)"
}

_tail() { # FILE TITLE LINES
    [ -s "$1" ] || return 0
    echo "---- $2 (last $3 lines of $1) ----"
    tail -n "$3" "$1" | tr -d '\r' | cut -c1-200
}

fail() {
    _failed=1
    echo "FAIL $TEST_NAME: $*"
    if [ -n "${RUN_DIR:-}" ]; then
        _tail "$SERIAL_LOG" "serial COM1" 40
        _tail "$EMU_LOG" "emulator log" 20
        _tail "$RUN_DIR/bochs.stderr" "bochs stderr" 10
        _tail "$RUN_DIR/qemu.stderr" "qemu stderr" 10
        _tail "$RUN_DIR/chat.log" "chat" 10
    fi
    exit 1
}

pass() {
    echo "PASS $TEST_NAME${1:+: $1}"
    exit 0
}

# Built-in test guests (tests/guests).
#   guest_run NAME CPU [run_bochs option]...   boots a private pxHV image whose built-in
#       guest is NAME on Bochs model CPU, until pxHV stops the machine
#   guest_expect NAME                          the guest's own expected lines
#       (tests/guests/expect/NAME.txt) in order, and no "NAME: FAIL" line
#   hv_range                                   HV_START/HV_END from pxHV's "hidden from
#       the guest" line
#   expect_stats REASON...                     the exit statistics were printed and count
#       at least one exit of each REASON (a name as pxHV prints it, e.g. CPUID)
#   guest_run_qemu NAME [run_qemu option]...   guest_run under QEMU TCG with AMD-V and nested
#       paging (SVM_QEMU_CPU), until pxHV stops the machine
#   guest_run_engine ENGINE NAME [option]...   ENGINE = a Bochs CPU model (guest_run) or
#       "qemu" (guest_run_qemu)
#   count_lines LOG ERE                        prints how many whole lines match ERE
#   second_level ENGINE                        EPT (a Bochs Intel model) or NPT (ryzen, qemu)
guest_run() {
    local name=$1 cpu=$2 img
    shift 2
    img=$(pxhv_image --builtin "$(guest_bin "$name")" --name "$name") || fail "image for $name"
    local done=(--done "pxHV: stopping")       # unless the caller names its own end
    [[ " $* " == *" --done "* ]] && done=()
    run_bochs --disk "$img" --cpu "$cpu" --timeout 120 "${done[@]}" "$@"
}

SVM_QEMU_CPU=qemu64,+svm,+npt
guest_run_qemu() {
    local name=$1 img
    shift
    img=$(pxhv_image --builtin "$(guest_bin "$name")" --name "$name") || fail "image for $name"
    local done=(--done "pxHV: stopping")
    [[ " $* " == *" --done "* ]] && done=()
    run_qemu --disk "$img" --cpu "$SVM_QEMU_CPU" --timeout 120 "${done[@]}" "$@"
}

guest_run_engine() {
    local engine=$1; shift
    if [ "$engine" = qemu ]; then guest_run_qemu "$@"; else
        local name=$1; shift; guest_run "$name" "$engine" "$@"; fi
}

count_lines() {
    tr -d '\r' <"$1" | grep -acE -- "^($2)\$" || true
}

second_level() {
    case $1 in qemu|ryzen|phenom|zambezi|trinity|turion64) echo NPT ;; *) echo EPT ;; esac
}

guest_expect() {
    local name=$1 lines=()
    mapfile -t lines <"$PXHV_ROOT/tests/guests/expect/$name.txt"
    expect_in_order "$SERIAL_LOG" "${lines[@]}" || return 1
    expect_absent "$SERIAL_LOG" "$name: FAIL"
}

expect_stats() {
    local r
    expect_line "$SERIAL_LOG" '^pxHV: exit statistics: [1-9][0-9]* exits' || return 1
    for r in "$@"; do
        expect_line "$SERIAL_LOG" "^pxHV:   $r +[1-9][0-9]*\$" || return 1
    done
}

# expect_region_at_top MAX_KIB: the hidden hypervisor range is where stage 3 places it
# (include/lib/region.h): page-aligned, at or above 16 MiB, at most MAX_KIB long, inside one
# even-numbered MiB (address bit 20 clear throughout), in a firmware RAM range (its "E820: ...
# type 1" lines) as is its A20 alias one MiB higher, and ending as high as those allow: at
# the end of its MiB, of its RAM range, or of the alias's RAM range less one MiB.
expect_region_at_top() {
    hv_range || return 1
    local max=$1 s e top=$((1 << 62)) atop=0 M=$((1 << 20))
    (( HV_START % 4096 == 0 && HV_END % 4096 == 0 )) || { echo "FAILED: region not page-aligned"; return 1; }
    (( HV_START >= 0x1000000 )) || { echo "FAILED: region below 16 MiB"; return 1; }
    (( HV_END - HV_START <= max * 1024 )) ||
        { echo "FAILED: region $(( (HV_END - HV_START) / 1024 )) KiB, more than $max KiB"; return 1; }
    (( (HV_START >> 20) % 2 == 0 && (HV_START >> 20) == ((HV_END - 1) >> 20) )) ||
        { echo "FAILED: region not inside one even-numbered MiB"; return 1; }
    while read -r s e; do
        s=$((16#$s)) e=$((16#$e))
        (( s <= HV_START && HV_END <= e )) && top=$e
        (( s <= HV_START + M && HV_END + M <= e )) && atop=$e
    done < <(tr -d '\r' <"$SERIAL_LOG" | sed -nE 's/^E820: ([0-9a-f]{16})-([0-9a-f]{16}) type 1$/\1 \2/p')
    (( top != 1 << 62 )) || { echo "FAILED: region not in a firmware RAM range"; return 1; }
    (( atop )) || { echo "FAILED: the region's A20 alias not in a firmware RAM range"; return 1; }
    (( atop - M < top )) && top=$((atop - M))
    (( ((HV_START >> 20) + 1) * M < top )) && top=$((((HV_START >> 20) + 1) * M))
    (( HV_END == top )) ||
        { echo "FAILED: region ends at $(printf %x $HV_END), not as high as its place allows ($(printf %x $top))"; return 1; }
}

# HV_START/HV_END: the hypervisor range from pxHV's "hidden from the guest" line.
hv_range() {
    expect_line "$SERIAL_LOG" \
        '^pxHV: hidden from the guest: [0-9a-f]{16}-[0-9a-f]{16} \(hypervisor' || return 1
    local r=${MATCH#pxHV: hidden from the guest: }
    r=${r%% *}
    HV_START=$((16#${r%-*})) HV_END=$((16#${r#*-}))
    (( HV_END > HV_START )) || { echo "FAILED: empty hypervisor range in: $MATCH"; return 1; }
}

# ---- Linux to the shell (test_guest_linux.sh, test_install.sh) ----
# linux_run DISK_OPTS...: boots Debian's kernel (build/guests/linux.img) under pxHV with the
# given disk options, in Bochs (or LINUX_ENGINE=run_qemu), types the usual commands at the busybox prompt, then
# `poweroff -f`; MEM=256.  linux_expect LAUNCH_ERE: the session's lines in order, the hidden
# range reserved in Linux's e820 and /proc/iomem and no usable RAM over it, MemTotal below
# the emulated RAM by at least the hidden range, CPUID and I/O exits counted.
LINUX_MEM=256
linux_run() {
    LINUX_KVER=$(cat "$PXHV_ROOT/build/guests/linux.kernel-version" 2>/dev/null)
    [ -n "$LINUX_KVER" ] || fail "build/guests/linux.kernel-version missing (make guest-linux)"
    cat >"$TEST_TMP/linux.chat" <<'CHAT'
wait PXHV-GUEST: linux init
wait ~ # 
send echo "uname=$(uname -r)"
wait uname=
wait ~ # 
send echo "hv=$(grep -c -w hypervisor /proc/cpuinfo)"
wait hv=
wait ~ # 
send echo "memtotal=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
wait memtotal=
wait ~ # 
send dmesg | grep 'BIOS-e820' | sed 's/^.*BIOS-e820/e820/'
wait ~ # 
send echo "iomem:"; grep -i reserved /proc/iomem | sed 's/^ */iomem /'
wait ~ # 
send poweroff -f
CHAT
    "${LINUX_ENGINE:-run_bochs}" "$@" --mem "$LINUX_MEM" --timeout 600 --chat "$TEST_TMP/linux.chat" \
        --done "pxHV: stopping"
    echo "[$TEST_NAME] Linux reached the shell and powered off in ${RUN_SECS}s"
}

linux_expect() {
    expect_in_order -E "$SERIAL_LOG" \
        "$1" \
        "PXHV-GUEST: linux init, kernel $LINUX_KVER, up [0-9.]+ s" \
        "uname=$LINUX_KVER" \
        "hv=[1-9][0-9]*" \
        "memtotal=[0-9]+" \
        "pxHV: guest ended: ACPI sleep/power-off request at .*" \
        "pxHV: exit statistics: [0-9]+ exits" \
        "pxHV: stopping \(guest finished\)" || { echo "FAILED: shell session"; return 1; }
    # What pxHV hides: the region from its own report; Linux must see it reserved.
    hv_range || return 1
    local lo=$HV_START hi=$HV_END s e mt
    # A reserved range that holds it (the firmware's next reserved range may join it).
    covered() { # ERE with two hex groups, start and end (inclusive)
        local a b
        while read -r a b; do
            (( 16#$a <= lo && 16#$b >= hi - 1 )) && return 0
        done < <(tr -d '\r' <"$SERIAL_LOG" | sed -nE "s/$1/\1 \2/p")
        return 1
    }
    covered '^e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] reserved$' ||
        { echo "FAILED: Linux's e820 does not show the hidden range reserved"; return 1; }
    covered '^iomem ([0-9a-f]+)-([0-9a-f]+) : Reserved$' ||
        { echo "FAILED: /proc/iomem does not show the hidden range reserved"; return 1; }
    # No usable e820 range may overlap it.
    while read -r s e; do
        [ $((16#$e)) -lt "$lo" ] || [ $((16#$s)) -ge "$hi" ] ||
            { echo "FAILED: Linux has usable RAM 0x$s-0x$e over the hidden range"; return 1; }
    done < <(sed -nE 's/^e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] usable.*/\1 \2/p' "$SERIAL_LOG" | tr -d '\r')
    # Usable RAM: below the emulated RAM by at least the hidden range.
    expect_line "$SERIAL_LOG" '^memtotal=[0-9]+' || return 1
    mt=${MATCH#memtotal=}
    [ "$mt" -le $((LINUX_MEM * 1024 - (hi - lo) / 1024)) ] ||
        { echo "FAILED: MemTotal $mt KiB is not below $LINUX_MEM MiB by the hidden $(((hi - lo) / 1024)) KiB"; return 1; }
    LINUX_MEMTOTAL=$mt
    expect_stats CPUID "I/O instruction" || return 1
}

# untangle_cells LOG: LOG with every cell's line ("[name] ...", whole: pxHV prints a cell's
# line at once) and every line of pxHV's own ("pxHV: ...", from another CPU) that landed
# inside a line of the root guest's moved to just after that line,
# so that both are whole lines again (the root writes COM1 directly, byte by byte, and pxHV
# cannot know where its line stands).  Prints the new file's name (LOG.lines).
untangle_cells() {
    perl -e 'local $/; my $s = <STDIN>; my ($o, $held, $bol) = ("", "", 1);
        while ($s =~ /\G(?:(\[[a-z0-9_-]{1,8}\] [^\n]*\n|pxHV: [^\n]*\n)|([^\n\[p]+|[\[p]|\n))/gc) {
            if (defined $1) { if ($bol) { $o .= $1 } else { $held .= $1 } next }
            $o .= $2;
            if ($2 eq "\n") { $o .= $held; $held = ""; $bol = 1 } else { $bol = 0 }
        }
        print $o, $held;' <"$1" | tr -d '\r' >"$1.lines"
    echo "$1.lines"
}
