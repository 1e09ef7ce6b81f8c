#!/usr/bin/env bash
# Issue 15, item 1: two CPUs against the CMOS filter (tests/guests/hostile_race.asm).  CPU 1
# keeps selecting CMOS register 3Fh and reading it, and reading register 0Fh (it counts every
# time it finds a resume code there), while the boot CPU does 10,000 rounds of "select 0Fh,
# write 0Ah" with the 0040:0067 vector at code that prints a FAIL line natively.  pxHV must
# refuse every 0Ah that reaches register 0Fh (one line each, counted here, at most one per
# round: a round whose write CPU 1 redirected to 3Fh has none), CPU 1 must never see the byte
# armed, it must read 00h at the end, and the keyboard-controller reset must boot pxHV and the
# guest again ("boot 2"), never resume natively.  With 2 CPUs: SeaBIOS under Bochs (its own
# BIOS fails its keyboard test after a reset of a 2-CPU machine), QEMU with its
# multi-threaded TCG (the default round-robin one runs CPU 0's whole loop in one time slice,
# so the CPUs would not interleave at all).
# engines: qemu corei7_skylake_x ryzen
. "$(dirname "$0")/lib.sh"
ROUNDS=10000
refused='pxHV: refused: CMOS shutdown code 0x0a \(after a reset the BIOS would resume guest code outside pxHV\); 0x00 written instead at [0-9a-f]{4}:[0-9a-f]+'
# pxHV prints the first refusals of one kind, then one at every tenfold count with the count
# ("(100 times)"): the refusals counted are the highest count printed.
refusals() {
    local n m
    n=$(count_lines "$SERIAL_LOG" "$refused( \\(.*\\))?")
    m=$(tr -d '\r' <"$SERIAL_LOG" | grep -aE "^$refused \\(" | sed -nE 's/.*\(([0-9]+) times[;)].*/\1/p' | sort -n | tail -1)
    echo $(( ${m:-0} > n ? ${m:-0} : n ))
}

for engine in $ENGINES; do
    if [ "$engine" = qemu ]; then
        guest_run_qemu hostile_race --cpus 2 --reboot --arg -accel --arg tcg,thread=multi \
            --timeout 600 --stall 120 --done "pxHV: stopping" --fail "hostile_race: FAIL"
    else
        guest_run hostile_race "$engine" --cpus 2 --bios /usr/share/seabios/bios.bin \
            --timeout 1800 --stall 180 --done "pxHV: stopping" --fail "hostile_race: FAIL"
    fi
    # pxHV must hold both CPUs: one it does not know runs the guest natively.
    expect_in_order -E "$SERIAL_LOG" 'pxHV: 2 CPUs .*' \
        'hostile_race: boot 1, hypervisor present: 1' \
        'hostile_race: cpu 1 is writing the cmos index' \
        "hostile_race: rounds: $ROUNDS" \
        'hostile_race: cpu 1 selected register 0x3f during the rounds: yes' \
        'hostile_race: cpu 1 found the shutdown byte armed: no' \
        'hostile_race: cmos shutdown byte after the rounds: 0x00' \
        'hostile_race: reset through the keyboard controller' \
        'pxHV: Pixel Hypervisor v0\.1' \
        'hostile_race: boot 2, hypervisor present: 1' 'hostile_race: done' \
        'pxHV: stopping \(guest finished\)' || fail "hostile_race on $engine"
    expect_absent "$SERIAL_LOG" "hostile_race: FAIL" || fail "hostile_race on $engine: resumed natively"
    n=$(refusals)
    echo "[$TEST_NAME] $engine: at least $n of $ROUNDS shutdown-code writes refused"
    (( n >= 1000 && n <= ROUNDS )) || fail "hostile_race on $engine: $n refusals for $ROUNDS rounds"
done
pass "the shutdown byte never armed by two CPUs at once"
