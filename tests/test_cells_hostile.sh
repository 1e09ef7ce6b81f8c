#!/usr/bin/env bash
# Hostile cells (docs/cells.md, "Isolation"): tests/cells/hostile.asm, one route per cell,
# three cells per run beside a root on a 4-CPU machine.  Each cell prints what it is about to
# do; pxHV ends the cell with the access named and its CS:RIP, and stops it (policy stop), or
# restarts it at most three times in a minute (policy restart).  The root goes on:
#   QEMU (AMD-V, -smp 4): the root is the default Linux guest, which answers at its shell after
#     its three cells have ended, and powers off through pxHV;
#   Bochs (VT-x, 4 CPUs): the root is tests/guests/cellroot.asm (alive for about six seconds,
#     then the shutdown hypercall), and the IPI routes run through the x2APIC too.
# The routes: root memory (read, write), pxHV's region (read, write: arg2 is the region's
# address, from the run before), INIT, SIPI, NMI and a fixed IPI to the root's boot CPU through
# the xAPIC ICR and the x2APIC ICR MSR, the root's COM2, PIT, PIC and disk controller ports,
# the resets through 0xCF9, the keyboard controller and port 0x92, the power-off through the
# cell's own PM1a_CNT, a triple fault, and an INIT to the cell's own CPU.
# timeout: 1800
# needs: guest-linux cells
# engines: qemu bochs
# weight: qemu=65 bochs=25
. "$(dirname "$0")/lib.sh"
hostile=$PXHV_ROOT/build/cells/hostile.bin
[ -s "$hostile" ] || fail "$hostile missing (make cells)"
linux=$PXHV_ROOT/build/guests/linux.img
[ -s "$linux" ] || fail "$linux missing (make guest-linux)"
root_bin=$(guest_bin cellroot)

# le_at FILE OFFSET BYTES VALUE: VALUE little-endian into FILE at OFFSET.
le_at() {
    local i s=
    for ((i = 0; i < $3; i++)); do s+=$(printf '\\x%02x' $(($4 >> (8 * i) & 255))); done
    printf "$s" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# image ROUTE ARG2: hostile.bin with the parameter block's arg0 and arg2 patched
# (celllib.inc: 48 bytes before the image's end; arg0 +12, arg1 +16 stays 0: the root's
# boot CPU, arg2 +24).
image() {
    local out=$TEST_TMP/hostile-$1-$2.bin at
    cp "$hostile" "$out"
    at=$(( $(stat -c %s "$out") - 48 ))
    le_at "$out" $((at + 12)) 4 "$1"
    le_at "$out" $((at + 24)) 8 "$2"
    echo "$out"
}

# The cases: NAME ROUTE ARG2 POLICY and the lines that must follow in that cell's order
# ("[NAME] hostile: ..." lines and pxHV's), separated by "|".  HI is the region's address.
AT='at 0008:[0-9a-f]+ \(CPU [0-9]\)'
case_lines() { # NAME -> the lines, after substituting HI
    local n=$1 hi=$(printf '0x%08x' "$HI") hx=$(printf '0x%x' "$HI")
    case $n in
        rmem) echo "\[$n\] hostile: read 0x01000000|pxHV: cell $n: read of guest-physical 0x1000000, outside the cell's memory and devices $AT" ;;
        wmem) echo "\[$n\] hostile: write 0x01000000|pxHV: cell $n: write of guest-physical 0x1000000, outside the cell's memory and devices $AT" ;;
        rhv) echo "\[$n\] hostile: read $hi|pxHV: cell $n: read of guest-physical $hx, outside the cell's memory and devices $AT" ;;
        whv) echo "\[$n\] hostile: write $hi|pxHV: cell $n: write of guest-physical $hx, outside the cell's memory and devices $AT" ;;
        xinit|xsipi|xnmi|xfix|zinit|zsipi|znmi|zfix)
            local mode=xAPIC what=${n:1} how=""
            [ "${n:0:1}" = z ] && mode=x2APIC how=" \(x2APIC\)"
            case $what in init) what=INIT ;; sipi) what=SIPI ;; nmi) what=NMI ;; fix) what="fixed IPI 0x40" ;; esac
            echo "\[$n\] hostile: $mode $what to APIC 0|pxHV: cell $n: an IPI to APIC 0, a CPU outside the cell$how $AT" ;;
        com2) echo "\[$n\] hostile: in 0x02f8|pxHV: cell $n: IN from port 0x2f8, outside the cell $AT" ;;
        pit) echo "\[$n\] hostile: in 0x0040|pxHV: cell $n: IN from port 0x40, outside the cell $AT" ;;
        pic) echo "\[$n\] hostile: in 0x0020|pxHV: cell $n: IN from port 0x20, outside the cell $AT" ;;
        disk) echo "\[$n\] hostile: in 0x01f0|pxHV: cell $n: IN from port 0x1f0, outside the cell $AT" ;;
        cf9) echo "\[$n\] hostile: out 0x0cf9 0x06|pxHV: cell $n: reset through port 0xCF9 \(value 0x6\) $AT" ;;
        kbc) echo "\[$n\] hostile: out 0x0064 0xfe|pxHV: cell $n: keyboard controller reset \(0xFE to port 0x64\) $AT" ;;
        p92) echo "\[$n\] hostile: out 0x0092 0x03|pxHV: cell $n: fast reset through port 0x92 $AT" ;;
        off) echo "\[$n\] hostile: out 0x0604 0x3400|pxHV: cell $n: powered off \(ACPI S5 through its PM1a_CNT\) $AT" ;;
        tf|tfr) echo "\[$n\] hostile: triple fault|pxHV: cell $n: triple fault \(shutdown\) $AT" ;;
        self) echo "\[$n\] hostile: INIT to itself \(APIC [0-9]\)|pxHV: cell $n: INIT to the CPU that starts the cell \(a reset\) $AT" ;;
    esac
}
route_of() {
    case $1 in
        rmem) echo "1 0" ;; wmem) echo "2 0" ;; rhv) echo "3 $HI" ;; whv) echo "4 $HI" ;;
        xinit) echo "5 0" ;; xsipi) echo "5 1" ;; xnmi) echo "5 2" ;; xfix) echo "5 3" ;;
        zinit) echo "6 0" ;; zsipi) echo "6 1" ;; znmi) echo "6 2" ;; zfix) echo "6 3" ;;
        com2) echo "7 0" ;; pit) echo "8 0" ;; pic) echo "9 0" ;; disk) echo "10 0" ;;
        cf9) echo "11 0" ;; kbc) echo "12 0" ;; p92) echo "13 0" ;; off) echo "14 0" ;;
        tf|tfr) echo "15 0" ;; self) echo "16 0" ;;
    esac
}

chat=$TEST_TMP/linux.chat
cat >"$chat" <<'CHAT'
wait PXHV-GUEST: linux init
wait ~ # 
send echo "root=$((6 * 7))"
wait root=42
wait ~ # 
send poweroff -f
CHAT

# run_cells ENGINE NAME NAME NAME: one run with these three cells.
run_cells() {
    local engine=$1 n r a p img; shift
    if [ "$engine" = qemu ]; then img=$(pxhv_image --drive 0x81) || fail "image"
    else img=$(pxhv_image --builtin "$root_bin" --name cellroot) || fail "image"; fi
    for n in "$@"; do
        read -r r a <<<"$(route_of "$n")"
        p=stop; [ "$n" = tfr ] && p=restart
        bash "$PXHV_ROOT/scripts/pxhv-config.sh" "$img" --cell "$n" --cpus 1 --mem 16 \
            --image "$(image "$r" "$a")" --policy $p >/dev/null || fail "pxhv-config.sh --cell $n"
    done
    if [ "$engine" = qemu ]; then
        run_qemu --disk "$img" --disk2 "$linux" --cpu "$SVM_QEMU_CPU" --cpus 4 --mem 256 \
            --arg -accel --arg tcg,thread=multi --timeout 600 --stall 120 --chat "$chat" \
            --done "pxHV: stopping"
    else
        run_bochs --disk "$img" --cpus 4 --mem 256 --timeout 600 --stall 120 --done "pxHV: stopping"
    fi
    LOG=$(untangle_cells "$SERIAL_LOG")
    echo "[$TEST_NAME] $engine: $* ended in ${RUN_SECS}s"
    # done, or exit: QEMU ends by itself at the power-off, possibly before the last look.
    [ "$RUN_END" = done ] || [ "$RUN_END" = exit ] || fail "$engine ($*): the run ended by $RUN_END"
    local lines
    for n in "$@"; do
        IFS='|' read -r -a lines <<<"$(case_lines "$n")"
        read -r r a <<<"$(route_of "$n")"
        local after=("pxHV: cell $n stopped: its CPU halts in pxHV; the rest of the machine runs on")
        [ "$n" = tfr ] && after=("pxHV: cell $n: restarting \(restart 1\)" "${lines[@]}"
            "pxHV: cell $n: restarting \(restart 2\)" "${lines[@]}"
            "pxHV: cell $n: restarting \(restart 3\)" "${lines[@]}"
            "pxHV: cell $n: 3 restarts in the last minute already: no more" "${after[@]}")
        expect_in_order -E "$LOG" "pxHV: cell $n: starting on CPU [0-9] \(APIC [0-9]\)" \
            "\[$n\] hostile: start" "\[$n\] hostile: route $r \([a-z0-9-]+\), M 0x01000000" \
            "${lines[@]}" "${after[@]}" || fail "$engine: cell $n"
        expect_absent "$LOG" "[$n] hostile: survived" || fail "$engine: cell $n survived its route"
    done
    if [ "$engine" = qemu ]; then
        expect_in_order -E "$LOG" "PXHV-GUEST: linux init, kernel .*" "root=42" \
            "pxHV: guest ended: ACPI sleep/power-off request at .*" "pxHV: stopping \(guest finished\)" ||
            fail "$engine ($*): the root Linux"
    else
        expect_in_order -E "$LOG" "cellroot: start" "cellroot: alive" "cellroot: done" \
            "pxHV: stopping \(guest finished\)" || fail "$engine ($*): the root"
    fi
    expect_absent "$LOG" "PANIC" || fail "$engine: pxHV panicked"
}

for engine in $ENGINES; do
    HI=0
    run_cells $engine rmem wmem tf
    expect_line "$LOG" '^Hypervisor region at 0x[0-9A-Fa-f]{16}$' || fail "no region line"
    HI=$((16#${MATCH#Hypervisor region at 0x}))
    run_cells $engine rhv whv self
    run_cells $engine xinit xsipi xnmi
    run_cells $engine xfix com2 pit
    run_cells $engine pic disk cf9
    run_cells $engine kbc p92 off
    if [ $engine = qemu ]; then
        run_cells $engine tfr           # QEMU 7.2's TCG has no x2APIC
    else
        run_cells $engine zinit zsipi znmi
        run_cells $engine zfix tfr
    fi
done
pass "each hostile cell's route ended its cell (three restarts by policy), the root Linux (QEMU) and cellroot (Bochs) running on"
