#!/usr/bin/env bash
# Keep Bochs's "term" display from stalling the emulator.
# usage: scripts/bochs-screen-drain.sh BOCHS_STDERR_FILE
# With its debugger compiled in, Bochs 2.7 draws the term display into a pty of its own
# ("Bochs connected to screen /dev/pts/N" on stderr) that nobody reads.  Once that pty's
# buffer is full, Bochs blocks in write() and the guest stops (a Linux guest writing to the
# VGA console fills it within seconds).  This reads the pty and discards what it gets, until
# Bochs closes it.  It ends by itself when Bochs exits (or after 10 s if Bochs never says).
set -u
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
case ${1:-} in
    -h|--help) usage; exit 0 ;;
    ""|-*) usage >&2; exit 2 ;;
esac
err=$1
for _ in $(seq 100); do
    pts=$(sed -n 's/^Bochs connected to screen "\(\/dev\/pts\/[0-9]*\)".*/\1/p' "$err" 2>/dev/null | head -n 1)
    [ -z "$pts" ] || break
    sleep 0.1
done
[ -n "${pts:-}" ] || exit 0
# Raw and without echo: an echo would be written back towards Bochs, which never reads it.
stty -F "$pts" raw -echo 2>/dev/null
exec cat "$pts" >/dev/null 2>&1
