#!/usr/bin/env bash
# Cells beside Linux (docs/cells.md): the root cell is the default Linux guest (its disk as
# BIOS drive 0x81) on CPU 0; cell `rt` takes CPU 1 and 16 MiB and runs the project's LAPIC
# timer program (tests/cells/tick.asm), whose tick lines pxHV prints as "[rt] ...".  On QEMU
# (AMD-V, -smp 2) and on Bochs (VT-x, 2 CPUs): Linux reaches its shell with one CPU
# (`nproc` 1: the cell's CPU is gone from the MADT and the MP table), without the cell's
# 16 MiB (MemTotal, and the cell's range reserved in Linux's e820), the cell's ticks keep
# coming while Linux boots and after it is up (two more tick lines are awaited after the
# shell answered), and the power-off ends the run through pxHV.
# timeout: 3300
# needs: guest-linux cells
# engines: qemu bochs
# weight: qemu=15 bochs=200
. "$(dirname "$0")/lib.sh"
linux=$PXHV_ROOT/build/guests/linux.img
[ -s "$linux" ] || fail "$linux missing (make guest-linux)"
tick=$PXHV_ROOT/build/cells/tick.bin
[ -s "$tick" ] || fail "$tick missing (make cells)"

chat=$TEST_TMP/cells.chat
cat >"$chat" <<'CHAT'
wait PXHV-GUEST: linux init
wait ~ # 
send echo "nproc=$(nproc) hv=$(grep -c -w hypervisor /proc/cpuinfo)"
wait nproc=
wait ~ # 
send echo "memtotal=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
wait memtotal=
wait ~ # 
send dmesg | grep 'BIOS-e820' | sed 's/^.*BIOS-e820/e820/'
wait ~ # 
wait [rt] tick
wait [rt] tick
send echo "still=up"
wait still=up
wait ~ # 
send poweroff -f
CHAT

# covered START END: Linux's e820 shows [START, END) inside one reserved range.
covered() {
    local a b
    while read -r a b; do
        (( 16#$a <= $1 && 16#$b >= $2 - 1 )) && return 0
    done < <(sed -nE 's/^e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] reserved$/\1 \2/p' "$LOG")
    return 1
}

# tick_count LINE_ERE: the highest tick count printed before the first line matching LINE_ERE.
ticks_before() {
    sed -nE "/$1/q; s/^\[rt\] tick ([0-9]+)$/\1/p" "$LOG" | tail -1
}

for engine in $ENGINES; do
    # tick.asm takes the x2APIC where the CPU offers it: Bochs's Skylake does, QEMU's does not.
    [ $engine = qemu ] && apic=xAPIC || apic=x2APIC
    img=$(pxhv_image --drive 0x81) || fail "image"
    bash "$PXHV_ROOT/scripts/pxhv-config.sh" "$img" --cell rt --cpus 1 --mem 16 --image "$tick" \
        --policy stop >/dev/null || fail "pxhv-config.sh --cell"
    if [ $engine = qemu ]; then
        run_qemu --disk "$img" --disk2 "$linux" --cpu "$SVM_QEMU_CPU" --cpus 2 --mem 256 \
            --arg -accel --arg tcg,thread=multi --timeout 600 --stall 180 --chat "$chat" \
            --done "pxHV: stopping"
    else
        # The cell prints every second, so --stall never fires here and only --timeout bounds
        # the run: the whole session is about 7.0e9 Bochs ticks (Linux computes for 0.26 s of
        # its own time, ~920 million ticks, silently after "evm: HMAC attrs"), about 1400 s
        # on a machine loaded to 10 times its cores.
        run_bochs --disk "$img" --disk2 "$linux" --cpus 2 --mem 256 --timeout 2400 --stall 300 \
            --chat "$chat" --done "pxHV: stopping"
    fi
    echo "[$TEST_NAME] $engine: Linux and the cell ran for ${RUN_SECS}s"
    LOG=$(untangle_cells "$SERIAL_LOG")
    expect_in_order -E "$LOG" \
        "pxHV: cell rt: 1 CPU \(APIC 1\), 16 MiB at ([0-9a-f]{16}), flat image 4096 bytes, policy stop" \
        "pxHV: the cells' CPUs are gone from the root's (ACPI MADT and MP table|ACPI MADT)" \
        "pxHV: the guest's INIT and SIPI: intercepted ICR writes \(IPIs stay inside each cell\)" \
        "pxHV: CPU 1 \(APIC 1\) for cell rt \([0-9]+ TSC ticks to start\)" \
        "pxHV: launching guest .* \(BIOS drive\) at 0000:7C00, DL=0x81" \
        "pxHV: cell rt: starting on CPU 1 \(APIC 1\)" \
        "\[rt\] tick: start" \
        "\[rt\] tick: pxHV ACPI tables at 0xe0000, PM timer 0x608, PM1a_CNT 0x604" \
        "\[rt\] tick: APIC: $apic, ID 1" \
        "\[rt\] tick 1000" \
        "PXHV-GUEST: linux init, kernel .*" \
        "nproc=1 hv=1" \
        "memtotal=[0-9]+" \
        "still=up" \
        "pxHV: guest ended: ACPI sleep/power-off request at .*" \
        "pxHV: CPU 1 \(APIC 1\): [0-9]+ exits: .*" \
        "pxHV: stopping \(guest finished\)" || fail "$engine: the session"
    expect_absent "$LOG" "pxHV: cell rt stopped" || fail "$engine: the cell stopped"
    # The cell's memory: 16 MiB below the region, reserved for Linux, gone from MemTotal.
    expect_line "$LOG" '^pxHV: cell rt: 1 CPU .* MiB at [0-9a-f]{16}' || fail "placement"
    base=${MATCH#* MiB at }; base=$((16#${base%%,*}))
    covered "$base" $((base + 16 * 1024 * 1024)) ||
        fail "$engine: Linux's e820 does not show the cell's memory reserved"
    expect_line "$LOG" '^memtotal=[0-9]+' || fail "memtotal"
    mt=${MATCH#memtotal=}
    [ "$mt" -le $((256 * 1024 - 16 * 1024)) ] ||
        fail "$engine: MemTotal $mt KiB does not miss the cell's 16 MiB"
    # Ticks while Linux booted, and more after its shell answered.
    t_boot=$(ticks_before '^PXHV-GUEST: linux init')
    t_up=$(ticks_before '^still=up')
    [ -n "$t_boot" ] && [ -n "$t_up" ] && [ "$t_up" -gt "$t_boot" ] ||
        fail "$engine: the cell's ticks did not go on (${t_boot:-none} at Linux's init, ${t_up:-none} later)"
    echo "[$TEST_NAME] $engine: MemTotal $mt KiB; tick ${t_boot} at Linux's init, ${t_up} once it was up"
done
pass "cell rt beside Linux on QEMU (AMD-V) and Bochs (VT-x)"
