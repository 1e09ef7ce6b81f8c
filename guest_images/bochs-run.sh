#!/bin/bash
# Boot guest images directly under Bochs, headless and bounded in time.
#
#   bochs-run.sh [options]
#     --hd IMG        ata0-master hard disk (BIOS drive 0x80)
#     --hd2 IMG       ata0-slave hard disk (BIOS drive 0x81)
#     --floppy IMG    1.44 MB floppy in drive A:
#     --boot DEV      disk (default) or floppy
#     --megs N        guest RAM in MiB (default 256)
#     --cpu MODEL     Bochs CPU model (default corei7_skylake_x)
#     --ips N         instructions per emulated second (Bochs default 4000000)
#     --serial LOG    COM1 output file (default: socket when PXHV_SERIAL_PORT
#                     is set, see serial-chat.py; else ./serial.log)
#     --timeout S     hard limit in seconds (default 120)
#     --screen FILE   keep the VGA screen as drawn by the term display
#                     (curses escape sequences) in FILE
#   BOCHS_LOG=FILE    keep Bochs's own log in FILE
#
# Bochs ignores SIGTERM while its term display is active, so the limit is
# enforced with SIGKILL.  Bochs always exits 1: judge a run by its serial log.
set -euo pipefail
hd="" hd2="" fd="" screen="" boot=disk megs=256 cpu=corei7_skylake_x ips="" log=serial.log tmo=120
while [ $# -gt 0 ]; do
    case "$1" in
    --hd) hd=$2; shift ;;
    --hd2) hd2=$2; shift ;;
    --floppy) fd=$2; shift ;;
    --boot) boot=$2; shift ;;
    --megs) megs=$2; shift ;;
    --cpu) cpu=$2; shift ;;
    --ips) ips=$2; shift ;;
    --serial) log=$2; shift ;;
    --timeout) tmo=$2; shift ;;
    --screen) screen=$2; shift ;;
    *) echo "bochs-run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
command -v bochs-bin >/dev/null || { echo "bochs-run.sh: apt-get install -y bochs bochsbios vgabios bochs-term" >&2; exit 2; }

dir=$(mktemp -d /tmp/pxhv-guest-bochs.XXXXXX)
trap 'rm -rf "$dir"' EXIT
{
    echo "megs: $megs"
    echo "romimage: file=/usr/share/bochs/BIOS-bochs-latest"
    echo "vgaromimage: file=/usr/share/vgabios/vgabios.bin"
    echo "cpu: model=$cpu, reset_on_triple_fault=0${ips:+, ips=$ips}"
    echo "display_library: term"
    echo "speaker: enabled=0"
    echo "port_e9_hack: enabled=1"
    echo "log: $dir/bochs.log"
    [ -n "$hd" ] && echo "ata0-master: type=disk, path=$(realpath "$hd"), mode=flat"
    [ -n "$hd2" ] && echo "ata0-slave: type=disk, path=$(realpath "$hd2"), mode=flat"
    [ -n "$fd" ] && echo "floppya: 1_44=$(realpath "$fd"), status=inserted"
    echo "boot: $boot"
    if [ -n "${PXHV_SERIAL_PORT:-}" ]; then
        # Bochs connects to the listener that serial-chat.py opened.
        echo "com1: enabled=1, mode=socket-client, dev=127.0.0.1:$PXHV_SERIAL_PORT"
    else
        echo "com1: enabled=1, mode=file, dev=$(realpath -m "$log")"
    fi
} > "$dir/bochsrc"
printf 'continue\nquit\n' > "$dir/cmds"

# The term display library draws the VGA screen with curses on a pty of its
# own and names it on stderr ("Bochs connected to screen "/dev/pts/N"").
# Nobody reads that pty, so a guest that keeps updating the screen
# (memtest86+) fills it and Bochs blocks in write() for good.  Drain it
# (into --screen FILE if given).
timeout --foreground -s KILL "$tmo" bochs-bin -q -unlock -f "$dir/bochsrc" \
    -rc "$dir/cmds" </dev/null >/dev/null 2>"$dir/stderr" &
bpid=$!
cpid=""
for _ in $(seq 100); do
    pts=$(grep -o '/dev/pts/[0-9]*' "$dir/stderr" 2>/dev/null | head -n 1 || true)
    if [ -n "$pts" ]; then
        stty -F "$pts" raw -echo 2>/dev/null || true
        cat "$pts" > "${screen:-/dev/null}" 2>/dev/null &
        cpid=$!
        break
    fi
    kill -0 "$bpid" 2>/dev/null || break
    sleep 0.1
done
set +e
wait "$bpid"
rc=$?
set -e
[ -n "$cpid" ] && kill "$cpid" 2>/dev/null
if [ "$rc" = 137 ]; then echo "bochs-run.sh: time limit ${tmo}s reached" >&2; fi
if [ -n "${BOCHS_LOG:-}" ]; then cp "$dir/bochs.log" "$BOCHS_LOG"; fi
exit 0
