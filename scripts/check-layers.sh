#!/usr/bin/env bash
# check-layers.sh: the layers of stage 3 stay apart (docs/architecture.md).
# usage: scripts/check-layers.sh   (make check-layers; no options)
#
#   lib/   pure logic: includes only lib/, hw/ and boot/ headers, names no core state.
#   core/  vendor-neutral policy: includes no backend header and, outside comments,
#          names no VMCS, VMCB, vmx_* or svm_* - it reaches the CPU through struct virt_ops.
#   iommu/ (DMA protection) is vendor-neutral as core/ is: the same two rules.
#   the backends (stage3/vmx, stage3/svm) never include each other.
#   stage3/virt.c is the one core-side file that names the backends' tables.
#
# Prints every breach as FILE:LINE: text, and exits non-zero if there is one.
set -uo pipefail
usage() { sed -n '/^#!/d; /^#/!q; /^# shellcheck/d; s/^# \{0,1\}//p' "$0"; }
# Before the cd: $0 may be a relative path.
case ${1:-} in
    -h|--help) usage; exit 0 ;;
    ?*) echo "check-layers.sh: no options (--help)" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
bad=0

# Every file without its comments, line numbers kept.
# Strings are not special-cased: no string in these layers holds a comment marker.
# Block comments become as many empty lines as they spanned, so line numbers hold.
# Each file is stripped once, into $TMP, by one perl for all of them.
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
perl -0777 -ne 'my $f = $ARGV; s{/\*.*?\*/}{ (my $c = $&) =~ s/[^\n]//g; $c }gse; s{//[^\n]*}{}g;
    $f =~ s{/}{%}g; open(my $o, ">", "'"$TMP"'/$f") or die; print $o $_' \
    stage3/*/*.[ch] include/*/*.h

# breach FILES WHY PATTERN: report every line of FILES (comments stripped) matching PATTERN.
breach() {
    local f h hits stripped=()
    for f in $1; do [ -e "$f" ] && stripped+=("$TMP/${f//\//%}"); done
    hits=$(grep -H -n -E "$3" "${stripped[@]}" || true)
    [ -n "$hits" ] || return 0
    bad=1
    while IFS= read -r h; do
        f=${h#"$TMP/"}; f=${f%%:*}
        h=${h#*:}
        echo "${f//%//}:${h%%:*}: $2: ${h#*:}"
    done <<<"$hits"
}

LIB="stage3/lib/*.c include/lib/*.h include/hw/*.h"
CORE="stage3/core/*.c include/core/*.h stage3/iommu/*.c stage3/iommu/*.h"

breach "$LIB" "lib includes a core or backend header" \
    '#include *"(core|vmx|svm)/|#include *"(vmx|svm|vmx_impl|svm_impl|vmcs_fields|backends)\.h"'
breach "$LIB $CORE" "vendor-neutral code includes a backend header" \
    '#include *"(vmx|svm)/|#include *"(vmx|svm|vmx_impl|svm_impl|vmcs_fields|backends)\.h"'
breach "$LIB $CORE" "vendor-neutral code names a backend's state" \
    '\b(vmx|svm)_[A-Za-z_]|\b(VMX|SVM)_[A-Z]|\b[Vv][Mm][Cc][SsBb]\b|\b(vmcs|vmcb)_|\b(VMCS|VMCB)_'
breach "stage3/vmx/*.c stage3/vmx/*.h" "the VMX backend reaches into the SVM backend" \
    '#include *"(svm|svm_impl)\.h"|#include *"svm/'
breach "stage3/svm/*.c stage3/svm/*.h" "the SVM backend reaches into the VMX backend" \
    '#include *"(vmx|vmx_impl|vmcs_fields)\.h"|#include *"vmx/'

if [ $bad = 0 ]; then
    n=$(ls $LIB $CORE stage3/vmx/*.[ch] stage3/svm/*.[ch] 2>/dev/null | wc -l)
    echo "check-layers: $n files, lib/core/backends apart"
fi
exit $bad
