# Sourced by the image scripts: the layout constants (DISK_*, CFG_*, ...) generated
# from the C headers (include/boot/asm_exports.h, scripts/gen.mk), built on first use.
# usage: . scripts/consts.sh   (in bash; run as a command it builds nothing, only prints this)

# Run rather than sourced (BASH_SOURCE is then $0): the header above, on stdout for --help.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case ${1:-} in
        -h|--help) sed -n '/^#/!q; s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) sed -n '/^#/!q; s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
fi
_pxhv_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_pxhv_consts=${PXHV_GEN:-$_pxhv_root/build/gen}/layout.sh
if [ ! -s "$_pxhv_consts" ]; then
    # BUILD spelled absolute as well: make knows the file as $(BUILD)/gen/layout.sh, and the
    # absolute path asked for names that target only then.
    make -s --no-print-directory -C "$_pxhv_root" BUILD="${_pxhv_consts%/gen/layout.sh}" \
        "$_pxhv_consts" >&2 ||
        { echo "cannot generate $_pxhv_consts (make gen)" >&2; exit 1; }
fi
# shellcheck disable=SC1090
. "$_pxhv_consts"
