#!/usr/bin/env bash
# Linux under pxHV on several CPUs, the default Linux disk chained as BIOS drive 0x81, with
# the default configuration: on 2 CPUs under Bochs corei7_skylake_x (VT-x), where Linux
# starts its AP with INIT-SIPI-SIPI, which reaches it through intercepted ICR writes
# because pxHV's INIT probe finds that Bochs keeps INIT pending after an INIT exit; on 4
# CPUs under QEMU (AMD-V, the guest's INIT and SIPI through intercepted ICR writes), where
# Linux takes about 20 s instead of Bochs's 5 minutes (Bochs runs its CPUs in turn on one
# host thread; pxHV's own bring-up of 4 CPUs under VT-x is test_cells_mb's).  Every CPU
# must be up and virtualized (nproc, the hypervisor flag on each), a command pinned to each
# CPU must answer, the hidden range must be reserved, and `poweroff -f` must print
# statistics with exits on every CPU.
# engines: corei7_skylake_x qemu
# weight: corei7_skylake_x=215 qemu=30
# timeout: 1200
# needs: guest-linux
. "$(dirname "$0")/lib.sh"
linux=$PXHV_ROOT/build/guests/linux.img
[ -s "$linux" ] || fail "$linux missing (make guest-linux)"

for engine in $ENGINES; do
    if [ "$engine" = qemu ]; then n=4 run=(run_qemu --cpu "$SVM_QEMU_CPU")
    else n=2 run=(run_bochs --cpu "$engine"); fi
    img=$(pxhv_image --drive 0x81) || fail "image"
    chat=$TEST_TMP/linux$n.chat
    cat >"$chat" <<'CHAT'
wait PXHV-GUEST: linux init
wait ~ # 
send echo "nproc=$(nproc) hv=$(grep -c -w hypervisor /proc/cpuinfo)"
wait nproc=
wait ~ # 
send for c in $(seq 0 $(($(nproc) - 1))); do taskset -c $c cut -d' ' -f39 /proc/self/stat | sed "s/^/pinned to $c: ran on /"; done
wait ~ # 
send echo "iomem:"; grep -i reserved /proc/iomem | sed 's/^ */iomem /'
wait ~ # 
send poweroff -f
CHAT
    "${run[@]}" --disk "$img" --disk2 "$linux" --cpus $n --timeout 600 --chat "$chat" \
        --done "pxHV: stopping"
    echo "[$TEST_NAME] $n CPUs: Linux reached the shell and powered off in ${RUN_SECS}s"
    want=("pxHV: $n CPUs \(ACPI MADT\): APIC 0 \(boot\) .*")
    if [ "$engine" = qemu ]; then root="under SVM"; else
        root="in VMX root"
        want+=("pxHV: CPU 1 \(APIC 1\): the INIT probe's INIT exited again at the next VM entry: .*")
    fi
    for c in $(seq 1 $((n - 1))); do
        want+=("pxHV: CPU $c \(APIC $c\) $root, waiting in pxHV for the guest's SIPI .*")
    done
    want+=(".*smpboot: Total of $n processors activated .*" "nproc=$n hv=$n")
    for c in $(seq 0 $((n - 1))); do want+=("pinned to $c: ran on $c"); done
    want+=("pxHV: guest ended: ACPI sleep/power-off request at .*" "pxHV: exit statistics: [0-9]+ exits")
    for c in $(seq 0 $((n - 1))); do want+=("pxHV: CPU $c \(APIC $c\): [1-9][0-9]* exits: .*"); done
    want+=("pxHV: stopping \(guest finished\)")
    expect_in_order -E "$SERIAL_LOG" "${want[@]}" || fail "$n CPUs on $engine: session"
    hv_range || fail "$n CPUs: hidden-range line"
    expect_line "$SERIAL_LOG" "$(printf '^iomem %08x-%08x : Reserved$' "$HV_START" $((HV_END - 1)))" ||
        fail "$n CPUs: /proc/iomem does not show the hidden range reserved"
    expect_region_at_top $((512 + 64 * (n - 1))) || fail "$n CPUs: hypervisor region"
    secs+=" $n CPUs on $engine ${RUN_SECS}s"
done
pass "Linux on$secs"
