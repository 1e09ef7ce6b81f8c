#!/usr/bin/env bash
# A Multiboot kernel in a 2-CPU cell of a 4-CPU machine (docs/cells.md): tests/cells/mbtest.c,
# entered by pxHV as the Multiboot Specification 0.6.96 says, prints its Multiboot information
# (the cell's memory map, its command line, the loader's name), finds the RSDP, the FADT's ports,
# the DSDT's _S5 and the MADT's two CPUs, starts its second CPU with INIT-SIPI-SIPI (which pxHV
# delivers inside the cell), and powers its cell off through the cell's PM1a_CNT; the root
# (tests/guests/cellroot.asm) runs on to its end.  QEMU (AMD-V, -smp 4, xAPIC) and Bochs
# (VT-x, cpu count=1:4:1, x2APIC).
# timeout: 600
# needs: cells
# engines: qemu bochs
# check: qemu
. "$(dirname "$0")/lib.sh"
mb=$PXHV_ROOT/build/cells/mbtest.elf
[ -s "$mb" ] || fail "$mb missing (make cells)"
root=$(guest_bin cellroot)
cmdline="cell=mb two words"

for engine in $ENGINES; do
    img=$(pxhv_image --builtin "$root" --name cellroot) || fail "image"
    bash "$PXHV_ROOT/scripts/pxhv-config.sh" "$img" --cell mb --cpus 2 --mem 16 --format multiboot \
        --image "$mb" --cmdline "$cmdline" >/dev/null || fail "pxhv-config.sh --cell"
    if [ $engine = qemu ]; then
        run_qemu --disk "$img" --cpu "$SVM_QEMU_CPU" --cpus 4 --mem 256 \
            --arg -accel --arg tcg,thread=multi --timeout 300 --stall 60 --done "pxHV: stopping"
        apic=xAPIC
    else
        run_bochs --disk "$img" --cpus 1:4:1 --mem 256 --timeout 600 --stall 120 --done "pxHV: stopping"
        apic=x2APIC
    fi
    echo "[$TEST_NAME] $engine: run of ${RUN_SECS}s"
    LOG=$(untangle_cells "$SERIAL_LOG")
    bytes=$(stat -c %s "$mb")
    expect_in_order -E "$LOG" \
        "pxHV: cell mb: 2 CPUs \(APIC 2 3\), 16 MiB at [0-9a-f]{16}, Multiboot image $bytes bytes, policy stop" \
        "pxHV: cell mb: starting on CPU 2 \(APIC 2\)" || fail "$engine: the cell's start"
    expect_in_order -F "$LOG" \
        "[mb] mb: magic 0x2badb002, info at 0x00009000" "[mb] mb: loader 'pxHV'" \
        "[mb] mb: cmdline '$cmdline'" "[mb] mb: mem_lower 639 KiB, mem_upper 15360 KiB" \
        "[mb] mb: mmap 0000000000000000-000000000009fc00 1" "[mb] mb: mmap 000000000009fc00-00000000000a0000 2" \
        "[mb] mb: mmap 00000000000e0000-0000000000100000 2" "[mb] mb: mmap 0000000000100000-0000000001000000 1" \
        "[mb] mb: mods 0" "[mb] mb: RSDP rev 2 OEM 'PXHV  ' at 0x000e0000" "[mb] mb: XSDT with 2 tables" \
        "[mb] mb: FADT: PM1a_CNT 0x0604, PM_TMR 0x0608" "[mb] mb: DSDT: _S5 SLP_TYPa 5, SLP_TYPb 5" \
        "[mb] mb: MADT: 2 CPUs, APIC IDs 2 3" "[mb] mb: APIC: $apic, boot CPU APIC 2" \
        "[mb] mb: starting CPU 1 (APIC 3)" "[mb] mb: CPU 1 (APIC 3) up" "[mb] mb: powering off" ||
        fail "$engine: the Multiboot kernel"
    expect_in_order -E "$LOG" "\[mb\] mb: powering off" \
        "pxHV: cell mb: powered off \(ACPI S5 through its PM1a_CNT\) at 0008:[0-9a-f]+ \(CPU 2\)" \
        "pxHV: cell mb stopped: its CPUs halt in pxHV; the rest of the machine runs on" \
        "cellroot: done" "pxHV: stopping \(guest finished\)" || fail "$engine: the power-off"
    expect_absent "$LOG" "[mb] mb: FAIL" || fail "$engine: the kernel failed"
done
pass "a Multiboot kernel in a 2-CPU cell of 4 CPUs on QEMU (AMD-V, xAPIC) and Bochs (VT-x, x2APIC): its information, tables, second CPU and power-off"
