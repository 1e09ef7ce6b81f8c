#!/usr/bin/env bash
# Linux under pxHV on 2 and on 4 CPUs (Bochs corei7_skylake_x), the default Linux disk
# chained as BIOS drive 0x81, with the default configuration: Linux starts its APs with
# INIT-SIPI-SIPI, which reach them through intercepted ICR writes because pxHV's INIT
# probe finds that Bochs keeps INIT pending after an INIT exit; every CPU must be up and
# virtualized (nproc, the hypervisor flag on each), a command pinned to each CPU must
# answer, the hidden range must be reserved, and `poweroff -f` must print statistics
# with exits on every CPU.  Bochs runs its CPUs in turn on one host thread: the 4-CPU
# boot takes about four times the 1-CPU one.
# timeout: 2700
# needs: guest-linux
. "$(dirname "$0")/lib.sh"
linux=$PXHV_ROOT/build/guests/linux.img
[ -s "$linux" ] || fail "$linux missing (make guest-linux)"

for n in 2 4; do
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
    run_bochs --disk "$img" --disk2 "$linux" --cpus $n --timeout $((600 * n)) --chat "$chat" \
        --done "pxHV: stopping"
    echo "[$TEST_NAME] $n CPUs: Linux reached the shell and powered off in ${RUN_SECS}s"
    want=("pxHV: $n CPUs \(ACPI MADT\): APIC 0 \(boot\) .*"
          "pxHV: CPU 1 \(APIC 1\): the INIT probe's INIT exited again at the next VM entry: .*")
    for c in $(seq 1 $((n - 1))); do
        want+=("pxHV: CPU $c \(APIC $c\) in VMX root, waiting in pxHV for the guest's SIPI .*")
    done
    want+=(".*smpboot: Total of $n processors activated .*" "nproc=$n hv=$n")
    for c in $(seq 0 $((n - 1))); do want+=("pinned to $c: ran on $c"); done
    want+=("pxHV: guest ended: ACPI sleep/power-off request at .*" "pxHV: exit statistics: [0-9]+ exits")
    for c in $(seq 0 $((n - 1))); do want+=("pxHV: CPU $c \(APIC $c\): [1-9][0-9]* exits: .*"); done
    want+=("pxHV: stopping \(guest finished\)")
    expect_in_order -E "$SERIAL_LOG" "${want[@]}" || fail "$n CPUs: session"
    hv_range || fail "$n CPUs: hidden-range line"
    expect_line "$SERIAL_LOG" "$(printf '^iomem %08x-%08x : Reserved$' "$HV_START" $((HV_END - 1)))" ||
        fail "$n CPUs: /proc/iomem does not show the hidden range reserved"
    expect_region_at_top $((512 + 64 * (n - 1))) || fail "$n CPUs: hypervisor region"
done
pass
