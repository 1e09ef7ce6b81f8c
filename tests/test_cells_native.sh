#!/usr/bin/env bash
# The cell programs (tests/cells, docs/cells.md) on bare emulated machines, without pxHV, so
# that they are known good before a cell runs them:
#   tick, busy, hostile as BIOS images (QEMU -bios, Bochs romimage: the CPU starts at F000:FFF0
#   as in a cell; no pxHV ACPI tables, so they use the contract's ports and enable the PIIX4's
#   PM I/O block themselves; the UART is the real COM1);
#   mbtest and mbtest-aout as Multiboot kernels loaded by QEMU (-kernel, -initrd: a module),
#   with SeaBIOS's ACPI tables, 2 CPUs, powering the machine off;
#   the load plans stage3/lib/multiboot.c makes of both kernels, against readelf;
#   a simulated cell (tests/cells/cellsim.c: a ROM with the ACPI tables of stage3/lib/cellacpi.c
#   at 0xE0000, and a flat image at its place or a Multiboot kernel loaded by the plan of
#   stage3/lib/multiboot.c with the information page of mb_build_info()): tick, hostile and
#   mbtest find pxHV's tables, mbtest sees the cell's memory map and command line.
# The x2APIC paths (tick, hostile route 6, mbtest in the simulated cell) run on Bochs: QEMU
# 7.2's TCG has no x2APIC.
# timeout: 300
# needs: cells
# weight: 16
. "$(dirname "$0")/lib.sh"

make -s -C "$PXHV_ROOT" cells >"$TEST_TMP/make.log" 2>&1 || { cat "$TEST_TMP/make.log"; fail "make cells"; }
C=$PXHV_ROOT/build/cells
DISK=$TEST_TMP/disk.img                 # the emulators want a disk; nothing boots from it
head -c 512 /dev/zero >"$DISK"

# rom NAME ARG0 [ARG1 [ARG2]]: a copy of NAME.rom with the parameter block's args patched
# (celllib.inc: the block is 48 bytes before the image's end; arg0 +12, arg1 +16, arg2 +24).
rom() {
    local out=$TEST_TMP/$1-$2-${3:-0}.rom at=$((65536 - 48))
    cp "$C/$1.rom" "$out"
    le32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) \
                      $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"; }
    le32 "$2" | dd of="$out" bs=1 seek=$((at + 12)) conv=notrunc status=none
    le32 "${3:-0}" | dd of="$out" bs=1 seek=$((at + 16)) conv=notrunc status=none
    le32 "${4:-0}" | dd of="$out" bs=1 seek=$((at + 24)) conv=notrunc status=none
    grep -q PXCELLP1 "$out" || fail "$1.rom has no parameter block"
    echo "$out"
}
qemu_rom() { # ROM CPUS [run_qemu option]...
    local r=$1 n=$2; shift 2
    run_qemu --disk "$DISK" --mem 64 --cpus "$n" --timeout 30 --arg -bios --arg "$r" "$@"
}
bochs_rom() { # ROM CPUS [run_bochs option]...
    local r=$1 n=$2; shift 2
    run_bochs --disk "$DISK" --mem 64 --cpus "$n" --bios "$r" --timeout 60 "$@"
}
native="no pxHV ACPI tables: contract ports, PIIX4 PM I/O enabled at 0x600"

# ---- tick: xAPIC on QEMU, jitter every 1000 ticks (the parameter; 10000 by default); the
# calibration must find QEMU's 1 GHz APIC timer within 10 % through the PM timer.
qemu_rom "$(rom tick 1000)" 1 --done "tick 2000"
expect_in_order -E "$SERIAL_LOG" "tick: start" "tick: $native" "tick: APIC: xAPIC, ID 0" \
    "tick: LAPIC timer [0-9]+ counts/ms, TSC [0-9]+ ticks/ms" "tick 1000" \
    "jitter max [0-9]+ mean [0-9]+" "tick 2000" || fail "tick on QEMU"
expect_line "$SERIAL_LOG" '^tick: LAPIC timer [0-9]+ ' || fail "tick: no calibration"
rate=$(sed -E 's/^tick: LAPIC timer ([0-9]+) .*/\1/' <<<"$MATCH")
(( rate > 900000 && rate < 1100000 )) || fail "tick: APIC timer $rate counts/ms, QEMU's runs at 1000000"
expect_absent "$SERIAL_LOG" "FAIL" || fail "tick"

# ---- tick: x2APIC on Bochs.
bochs_rom "$(rom tick 1000)" 1 --done "tick 2000"
expect_in_order -E "$SERIAL_LOG" "tick: start" "tick: $native" "tick: APIC: x2APIC, ID 0" \
    "tick: LAPIC timer [0-9]+ counts/ms, TSC [0-9]+ ticks/ms" "tick 1000" \
    "jitter max [0-9]+ mean [0-9]+" "tick 2000" || fail "tick on Bochs (x2APIC)"

# ---- busy: three passes over 16 MiB.
qemu_rom "$C/busy.rom" 1 --done "busy: pass 3"
expect_in_order "$SERIAL_LOG" "busy: start, RAM 0x00010000-0x0009f000 and 0x00100000-0x01000000" \
    "busy: pass 1" "busy: pass 2" "busy: pass 3" || fail "busy"
expect_absent "$SERIAL_LOG" "FAIL" || fail "busy"

# ---- hostile.  Natively memory beyond M and the "region" (arg2) are plain RAM, the ports
# answer, PM1a S5 with SLP_TYP 5 is no sleep state of QEMU's PIIX4: all survive.
hi=$((0x3F00000))                        # inside QEMU's 64 MiB
qemu_rom "$(rom hostile 255 0 $hi)" 1 --done "hostile: done"
want=("hostile: start" "hostile: $native")
for r in "1 read-beyond:read 0x01000000" "2 write-beyond:write 0x01000000" \
         "3 read-high:read 0x03f00000" "4 write-high:write 0x03f00000" \
         "7 com2:in 0x02f8:out 0x02f8" "8 pit:in 0x0040:out 0x0040" "9 pic:in 0x0020:out 0x0020" \
         "10 disk:in 0x01f0:out 0x01f0" "14 poweroff:out 0x0604 0x3400"; do
    IFS=: read -r -a parts <<<"$r"
    want+=("hostile: route ${parts[0]% *} (${parts[0]#* }), M 0x01000000")
    for p in "${parts[@]:1}"; do want+=("hostile: $p"); done
    want+=("hostile: survived")
done
want+=("hostile: done")
expect_in_order "$SERIAL_LOG" "${want[@]}" || fail "hostile: the survivable routes"

# IPIs to the second CPU (waiting for SIPI; the SIPI starts it in the image's `cli; hlt`).
ipis() { # MODE
    local w=() k
    for k in INIT SIPI NMI "fixed IPI 0x40"; do w+=("hostile: $1 $k to APIC 1"); done
    expect_in_order "$SERIAL_LOG" "${w[@]}" "hostile: survived"
}
qemu_rom "$(rom hostile 5 1)" 2 --done "hostile: survived"
expect_in_order "$SERIAL_LOG" "hostile: route 5 (ipi-xapic), M 0x01000000" || fail "hostile: route 5"
ipis xAPIC || fail "hostile: xAPIC IPIs"
bochs_rom "$(rom hostile 6 1)" 2 --done "hostile: survived"
expect_in_order "$SERIAL_LOG" "hostile: route 6 (ipi-x2apic), M 0x01000000" || fail "hostile: route 6"
ipis x2APIC || fail "hostile: x2APIC IPIs"

# Each reset path resets the machine (QEMU runs with -no-reboot: it ends): the line before
# it is the last, nothing survives it.
for r in "11 reset-cf9:out 0x0cf9 0x06" "12 reset-kbc:out 0x0064 0xfe" "13 reset-92:out 0x0092 0x03" \
         "15 triple-fault:triple fault"; do
    n=${r%% *} what=${r#*:} name=${r#* }; name=${name%%:*}
    qemu_rom "$(rom hostile "$n")" 1 --done "hostile: survived"
    expect_end exit || fail "hostile: route $n did not reset the machine"
    expect_in_order "$SERIAL_LOG" "hostile: route $n ($name), M 0x01000000" "hostile: $what" ||
        fail "hostile: route $n"
    [ "$(tr -d '\r' <"$SERIAL_LOG" | tail -n 1)" = "hostile: $what" ] || fail "hostile: route $n: lines after the reset"
done
# INIT to itself: the boot CPU starts again at the reset vector and finds its mark.
qemu_rom "$(rom hostile 16)" 1 --done "hostile: started again"
expect_in_order "$SERIAL_LOG" "hostile: route 16 (init-self), M 0x01000000" "hostile: INIT to itself (APIC 0)" \
    "hostile: started again after INIT to itself" || fail "hostile: route 16"
expect_absent "$SERIAL_LOG" "hostile: survived" || fail "hostile: route 16"

# ---- mbtest: QEMU's Multiboot loader, a module, SeaBIOS's ACPI tables (RSDT, _S5 = 0), 2 CPUs.
printf 'first module\n' >"$TEST_TMP/mod.txt"
mbtest() { # FILE APPEND
    run_qemu --disk "$DISK" --mem 128 --cpus 2 --timeout 60 --arg -kernel --arg "$1" \
        --arg -append --arg "$2" --arg -initrd --arg "$TEST_TMP/mod.txt modarg" --done "mb: FAIL"
    expect_end exit || fail "$(basename "$1"): the machine did not power off"
    expect_in_order -E "$SERIAL_LOG" \
        "mb: magic 0x2badb002, info at 0x[0-9a-f]{8}" \
        "mb: loader 'qemu'" \
        "mb: cmdline '[^ ]*/$(basename "$1") $2'" \
        "mb: mem_lower 639 KiB, mem_upper 129920 KiB" \
        "mb: mmap 0000000000000000-000000000009fc00 1" \
        "mb: mmap 000000000009fc00-00000000000a0000 2" \
        "mb: mmap 00000000000f0000-0000000000100000 2" \
        "mb: mmap 0000000000100000-0000000007fe0000 1" \
        "mb: mmap 0000000007fe0000-0000000008000000 2" \
        "mb: mods 1" \
        "mb: mod 0 0x[0-9a-f]{5}000-0x[0-9a-f]{8} '$TEST_TMP/mod.txt modarg' begins 'first module'" \
        "mb: RSDP rev [0-9] OEM 'BOCHS ' at 0x000[ef][0-9a-f]{4}" \
        "mb: RSDT with [0-9]+ tables" || fail "$(basename "$1"): information and RSDP"
    expect_in_order "$SERIAL_LOG" \
        "mb: MADT: 2 CPUs, APIC IDs 0 1" \
        "mb: APIC: xAPIC, boot CPU APIC 0" \
        "mb: starting CPU 1 (APIC 1)" \
        "mb: CPU 1 (APIC 1) up" \
        "mb: powering off" || fail "$(basename "$1"): MADT and the second CPU"
    expect_in_order "$SERIAL_LOG" "mb: FADT: PM1a_CNT 0x0604, PM_TMR 0x0608" \
        "mb: DSDT: _S5 SLP_TYPa 0, SLP_TYPb 0" "mb: powering off" || fail "$(basename "$1"): FADT and DSDT"
    expect_absent "$SERIAL_LOG" "mb: FAIL" || fail "$(basename "$1")"
}
mbtest "$C/mbtest.elf" "rt=1 hello"
mbtest "$C/mbtest-aout.bin" "aout=1"

# ---- stage3/lib/multiboot.c on both kernels: the plan readelf and the a.out header describe.
cat >"$TEST_TMP/plan.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include "lib/multiboot.h"
int main(int argc, char **argv)
{
    static unsigned char img[1 << 20];
    FILE *f = fopen(argv[1], "rb");
    size_t n = fread(img, 1, sizeof img, f);
    struct mb_plan p;
    if (!mb_parse(img, (u32)n, 16ull << 20, &p)) { printf("refused: %s\n", p.why); return 1; }
    printf("entry 0x%x aout %d\n", p.entry, p.aout);
    for (u32 i = 0; i < p.nseg; i++)
        printf("seg 0x%06x 0x%05x 0x%08x 0x%05x\n", p.seg[i].file_off, p.seg[i].file_bytes,
               p.seg[i].load_addr, p.seg[i].mem_bytes);
    return argc > 2;
}
EOF
${HOSTCC:-gcc} -std=gnu11 -Wall -Werror -I"$PXHV_ROOT/include" -o "$TEST_TMP/plan" "$TEST_TMP/plan.c" \
    "$PXHV_ROOT/stage3/lib/multiboot.c" "$PXHV_ROOT/stage3/lib/printf.c" "$PXHV_ROOT/stage3/lib/lib.c" ||
    fail "plan tool"
got=$("$TEST_TMP/plan" "$C/mbtest.elf") || fail "mbtest.elf: $got"
want="entry 0x$(readelf -hW "$C/mbtest.elf" | sed -n 's/.*Entry point address: *0x//p') aout 0
$(readelf -lW "$C/mbtest.elf" | awk '$1 == "LOAD" { printf "seg 0x%06x 0x%05x 0x%08x 0x%05x\n",
    strtonum($2), strtonum($5), strtonum($4), strtonum($6) }')"
[ "$got" = "$want" ] || fail "mbtest.elf: plan
$got
readelf says
$want"
got=$("$TEST_TMP/plan" "$C/mbtest-aout.bin") || fail "mbtest-aout.bin: $got"
sym() { nm "$C/mbtest-aout.elf" | awk -v s="$1" '$3 == s { print strtonum("0x" $1) }'; }
want=$(printf 'entry 0x%x aout 1\nseg 0x%06x 0x%05x 0x%08x 0x%05x' "$(sym _start)" 0 \
    $(( $(sym _edata) - $(sym _load_start) )) "$(sym _load_start)" $(( $(sym _end) - $(sym _load_start) )))
[ "$got" = "$want" ] || fail "mbtest-aout.bin: plan
$got
the symbols say
$want"
[ "$(stat -c %s "$C/mbtest-aout.bin")" = $(( $(sym _edata) - $(sym _load_start) )) ] ||
    fail "mbtest-aout.bin is not load_end_addr - load_addr bytes long"

# ---- The simulated cell: 16 MiB, CPUs with APIC IDs 0 and 1.
sim() { # OUT flat IMAGE | OUT multiboot KERNEL CMDLINE
    local out=$TEST_TMP/$1; shift
    "$C/cellsim" "$out" "$C/cellsim.bin" 16 "0 1" "$@" >"$out.log" 2>&1 || { cat "$out.log"; fail "cellsim $*"; }
    echo "$out"
}
tables="pxHV ACPI tables at 0xe0000, PM timer 0x608, PM1a_CNT 0x604"
qemu_rom "$(sim tick.rom flat "$(rom tick 1000)")" 1 --done "tick 2000"
expect_in_order -E "$SERIAL_LOG" "tick: start" "tick: $tables" "tick: APIC: xAPIC, ID 0" \
    "tick: LAPIC timer [0-9]+ counts/ms, TSC [0-9]+ ticks/ms" "tick 1000" \
    "jitter max [0-9]+ mean [0-9]+" "tick 2000" || fail "tick in the simulated cell"
qemu_rom "$(sim hostile.rom flat "$(rom hostile 255 0 $hi)")" 1 --done "hostile: done"
expect_in_order "$SERIAL_LOG" "hostile: start" "hostile: $tables" "hostile: route 14 (poweroff), M 0x01000000" \
    "hostile: out 0x0604 0x3400" "hostile: survived" "hostile: done" || fail "hostile in the simulated cell"
# The PIIX4 has no sleep state for SLP_TYP 5: natively mbtest's power-off ends in its FAIL line.
sim_mbtest() { # run_qemu|run_bochs KERNEL CMDLINE APIC-MODE
    local rom how
    rom=$(sim "$(basename "$2").rom" multiboot "$2" "$3")
    how=(--bios "$rom")
    [ "$1" = run_qemu ] && how=(--arg -bios --arg "$rom")
    "$1" --disk "$DISK" --mem 64 --cpus 2 --timeout 60 "${how[@]}" --done "mb: powering off"
    expect_in_order "$SERIAL_LOG" \
        "mb: magic 0x2badb002, info at 0x00009000" "mb: loader 'pxHV'" "mb: cmdline '$3'" \
        "mb: mem_lower 639 KiB, mem_upper 15360 KiB" \
        "mb: mmap 0000000000000000-000000000009fc00 1" "mb: mmap 000000000009fc00-00000000000a0000 2" \
        "mb: mmap 00000000000e0000-0000000000100000 2" "mb: mmap 0000000000100000-0000000001000000 1" \
        "mb: mods 0" "mb: RSDP rev 2 OEM 'PXHV  ' at 0x000e0000" "mb: XSDT with 2 tables" \
        "mb: FADT: PM1a_CNT 0x0604, PM_TMR 0x0608" "mb: DSDT: _S5 SLP_TYPa 5, SLP_TYPb 5" \
        "mb: MADT: 2 CPUs, APIC IDs 0 1" "mb: APIC: $4, boot CPU APIC 0" "mb: starting CPU 1 (APIC 1)" \
        "mb: CPU 1 (APIC 1) up" "mb: powering off" || fail "$(basename "$2") in the simulated cell"
    ! tr -d '\r' <"$SERIAL_LOG" | grep -v '^mb: FAIL: still running 100 ms after the power-off request$' |
        grep -q '^mb: FAIL' || fail "$(basename "$2") in the simulated cell"
}
sim_mbtest run_qemu "$C/mbtest-aout.bin" "rt=1 hello" xAPIC
sim_mbtest run_bochs "$C/mbtest.elf" "cell=mb two words" x2APIC

pass "tick (xAPIC, x2APIC), busy, every hostile route, mbtest (ELF, a.out) natively and in a simulated cell; the load plans"
