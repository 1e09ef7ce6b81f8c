#!/usr/bin/env bash
# The root guest against a cell (docs/cells.md, "Isolation"): tests/guests/cellattack.asm
# reads and writes cell rt's memory and sends INIT, SIPI, SIPI to the cell's CPU through the
# xAPIC ICR (and the x2APIC ICR MSR where the CPU has one: Bochs).  pxHV refuses each with its
# line, the access is stepped over (the read leaves its register as it was), no IPI reaches the
# cell, and the cell's ticks go on while the root waits and after.  On QEMU (AMD-V) and Bochs
# (VT-x), 2 CPUs, 256 MiB: cell rt's 16 MiB lie at 0x0EE00000, where the guest aims.
# timeout: 600
# needs: cells
# engines: qemu bochs
# weight: qemu=13 bochs=5
. "$(dirname "$0")/lib.sh"
tick=$PXHV_ROOT/build/cells/tick.bin
[ -s "$tick" ] || fail "$tick missing (make cells)"
guest=$(guest_bin cellattack)

for engine in $ENGINES; do
    img=$(pxhv_image --builtin "$guest" --name cellattack) || fail "image"
    bash "$PXHV_ROOT/scripts/pxhv-config.sh" "$img" --cell rt --cpus 1 --mem 16 --image "$tick" \
        --policy stop >/dev/null || fail "pxhv-config.sh --cell"
    if [ $engine = qemu ]; then
        run_qemu --disk "$img" --cpu "$SVM_QEMU_CPU" --cpus 2 --mem 256 \
            --arg -accel --arg tcg,thread=multi --timeout 300 --stall 60 --done "pxHV: stopping"
        x2=()
    else
        run_bochs --disk "$img" --cpus 2 --mem 256 --timeout 600 --stall 120 --done "pxHV: stopping"
        x2=("cellattack: x2APIC INIT, SIPI, SIPI to APIC 1")
    fi
    echo "[$TEST_NAME] $engine: run of ${RUN_SECS}s"
    LOG=$(untangle_cells "$SERIAL_LOG")
    expect_in_order -E "$LOG" \
        "pxHV: cell rt: 1 CPU \(APIC 1\), 16 MiB at 000000000ee00000, flat image 4096 bytes, policy stop" \
        "pxHV: launching guest 'cellattack' \(built-in\) at 0000:7C00, DL=0x80" \
        "cellattack: waiting for the cell to run" \
        "\[rt\] tick: APIC: .*" \
        "cellattack: reading the cell's memory" \
        "pxHV: refused: a read of cell rt's memory at GPA 0xeeff000; not performed at 0008:[0-9a-f]+.*" \
        "cellattack: read gave 0x5A5A5A5A" \
        "cellattack: writing the cell's memory" \
        "pxHV: refused: a write of cell rt's memory at GPA 0xeeff000; not performed at 0008:[0-9a-f]+.*" \
        "cellattack: xAPIC INIT, SIPI, SIPI to APIC 1" \
        "pxHV: refused: IPIs to APIC 1, a CPU of cell rt; not sent \(reported once\) at 0008:[0-9a-f]+.*" \
        ${x2[@]+"${x2[@]}"} \
        "cellattack: attacks done, waiting" \
        "\[rt\] tick [0-9]+" \
        "\[rt\] tick [0-9]+" \
        "cellattack: done" \
        "pxHV: stopping \(guest finished\)" || fail "$engine: the attacks"
    expect_absent "$LOG" "pxHV: cell rt stopped" || fail "$engine: the cell stopped"
    expect_absent "$LOG" "started again" || fail "$engine: an INIT reached the cell"
    expect_absent "$LOG" "cellattack: FAIL" || fail "$engine: the guest failed"
done
pass "the root's reads, writes and INIT-SIPI-SIPI at a cell refused on QEMU (AMD-V) and Bochs (VT-x); the cell ticks on"
