#!/usr/bin/env bash
# check-help.sh: every script of pxHV answers --help and -h with its usage: on stdout, with
# "usage" in it, exit status 0, and nothing built or written.
# usage: scripts/check-help.sh   (make check-help; no options)
#
# The scripts are found, not listed, so a new one is checked too: build_pxhv.sh, and in
# scripts/, guest_images/ and efi/ every file that is executable or ends in .sh or .py, and
# tests/check_*.sh (sourced helpers as well: run as a command they say what they are).
# Executables run as they are, the others with bash or python3.  tests/run.sh and
# tests/test_*.sh are tests/run.sh's business, not this check's.
#
# Each runs in a copy of the checkout's files (git ls-files: no build/, however much is
# built here, and no ignored file), from an empty working directory, with an empty HOME
# and TMPDIR and BUILD unset; every file there has its time set to 2000 first, so a script
# that runs make or writes anything before answering leaves a newer file and fails, as
# does one that needs the build; the copy is then made afresh for the next script.  The
# checkout's own `git status` must not change either.
# Prints each failure with the start of its stderr, or "check-help: N scripts answer
# --help"; exits 1 if a script failed.
set -euo pipefail

usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
case ${1:-} in
    -h|--help) usage; exit 0 ;;
    ?*) echo "check-help.sh: no options (--help)" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
git -C "$root" rev-parse --git-dir >/dev/null 2>&1 ||
    { echo "check-help: $root is not a git checkout: the copy is made from git ls-files" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pxhv-check-help.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
copy=$tmp/repo watched=("$tmp/repo" "$tmp/home" "$tmp/cwd" "$tmp/tmp")
touch -d 2000-01-01T00:00:01 "$tmp/stamp"
fresh() {
    rm -rf "${watched[@]}"
    mkdir "${watched[@]}"
    # The work tree's files as they are now (edits and new files included); a deleted file
    # that git still tracks is skipped.
    (cd "$root" && git ls-files -z --cached --others --exclude-standard |
        tar -c --null --ignore-failed-read -T -) | tar -x -C "$copy"
    find "${watched[@]}" -exec touch -h -d 2000-01-01T00:00:00 {} +
}
fresh
status() { git -C "$root" status --porcelain; }
status0=$(status)

n=0 bad=0
for s in "$copy"/build_pxhv.sh "$copy"/scripts/* "$copy"/guest_images/* "$copy"/efi/* \
         "$copy"/tests/check_*.sh; do
    [ -f "$s" ] || continue
    if [ -x "$s" ]; then run=("$s")
    else
        case $s in
            *.sh) run=(bash "$s") ;;
            *.py) run=(python3 "$s") ;;
            *) continue ;;
        esac
    fi
    name=${s#"$copy/"}
    n=$((n + 1)) failed=0
    for opt in --help -h; do
        why=
        # stdin from /dev/null and a time bound: a script that ignores --help may wait or boot.
        (cd "$tmp/cwd" && env -u BUILD -u PXHV_GEN HOME="$tmp/home" TMPDIR="$tmp/tmp" \
            timeout -k 5 30 "${run[@]}" "$opt" </dev/null >"$tmp/out" 2>"$tmp/err") ||
            why="exit status $?"
        [ -n "$why" ] || [ -s "$tmp/out" ] || why="nothing on stdout"
        [ -n "$why" ] || grep -qi usage "$tmp/out" || why="no \"usage\" on stdout"
        new=$(find "${watched[@]}" -newer "$tmp/stamp" |
              sed -e "s|^$copy/||" -e "s|^$copy\$|.|" -e "s|^$tmp/||" | head -n 5 | tr '\n' ' ')
        if [ -n "$new" ]; then
            why="${why:+$why; }wrote or changed: $new"
            fresh      # the next script is judged by what it does itself
        fi
        if [ "$(status)" != "$status0" ]; then
            why="${why:+$why; }changed the checkout (git status)"
            status0=$(status)
        fi
        if [ -n "$why" ]; then
            failed=1
            echo "check-help: FAIL $name $opt: $why"
            head -n 5 "$tmp/err" | sed 's/^/    /'
        fi
    done
    bad=$((bad + failed))
done

if [ $bad -gt 0 ]; then
    echo "check-help: $bad of $n scripts fail"
    exit 1
fi
echo "check-help: $n scripts answer --help"
