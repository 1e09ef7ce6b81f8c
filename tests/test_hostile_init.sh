#!/usr/bin/env bash
# Issue 15, item 4: INIT to itself (tests/guests/hostile_init.asm) on 1 and 2 CPUs.  Boot 1:
# INIT to the boot CPU's own APIC ID; boot 2: INIT with the all-including-self shorthand;
# boot 3: CPU 1 (if any) starts again with INIT-SIPI-SIPI, then the guest ends.  The boot CPU
# goes to the reset vector in the INIT state, the BIOS runs again and boots pxHV's sector,
# which starts the machine over: a CMOS byte counts the boots.  pxHV must never livelock: the
# run ends on the guest's "done" or when COM1 stops growing (--stall), not on a tight limit.
# SeaBIOS under Bochs (Bochs's own BIOS cannot run its POST again after an INIT: its WRMSR
# to the locked IA32_FEATURE_CONTROL faults); QEMU restarts on a reset (--reboot).
# Bochs: an AP that was in VMX or SVM operation when the machine reset (SeaBIOS resets
# through 0xCF9 from inside the guest) takes no INIT afterwards (a RESET clears VMX
# operation on a CPU), so the next boot has one CPU: the AP is halted for good, out of
# anyone's reach. There each INIT gets a fresh 2-CPU machine: hostile_init for the INIT to
# the boot CPU's own ID, hostile_initall for the all-including-self shorthand, each run
# until pxHV has booted again.
# engines: corei7_skylake_x ryzen qemu
. "$(dirname "$0")/lib.sh"
g=hostile_init

for engine in $ENGINES; do
    for cpus in 1 2; do
        if [ "$engine" != qemu ] && [ $cpus = 2 ]; then
            for v in hostile_init hostile_initall; do
                step="INIT to self, physical destination APIC ID 0"
                [ $v = hostile_init ] || step="INIT to all including self"
                guest_run $v "$engine" --cpus 2 --bios /usr/share/seabios/bios.bin --timeout 900 \
                    --stall 120 --done "$v: boot 2, hypervisor present: 1" --fail "$v: FAIL"
                [ "$RUN_END" = done ] || [ "$RUN_END" = exit ] || fail "$v on $engine, 2 CPUs: run ended by $RUN_END"
                expect_in_order -E "$SERIAL_LOG" 'pxHV: 2 CPUs \(.*\): APIC 0 \(boot\) APIC 1' \
                    "$v: boot 1, hypervisor present: 1" "$v: cpus: 2" "$v: $step" \
                    'pxHV: Pixel Hypervisor v0\.1' "$v: boot 2, hypervisor present: 1" ||
                    fail "$v on $engine, 2 CPUs"
                expect_absent "$SERIAL_LOG" "PANIC" || fail "$v on $engine, 2 CPUs: the emulator panicked"
            done
            continue
        fi
        if [ "$engine" = qemu ]; then
            guest_run_qemu $g --cpus $cpus --reboot --timeout 600 --stall 90 \
                --done "pxHV: stopping" --fail "$g: FAIL"
        else
            guest_run $g "$engine" --cpus $cpus --bios /usr/share/seabios/bios.bin --timeout 900 \
                --stall 120 --done "pxHV: stopping" --fail "$g: FAIL"
        fi
        [ "$RUN_END" != stall ] || fail "$g on $engine, $cpus CPUs: no progress (a livelock?)"
        # pxHV must hold every CPU: one it does not know runs the guest natively.
        expect_line "$SERIAL_LOG" "^pxHV: $cpus CPUs? " || fail "$g on $engine: pxHV does not hold $cpus CPUs"
        want=()
        for n in 1 2 3; do
            want+=("$g: boot $n, hypervisor present: 1" "$g: cpus: $cpus")
            case $n in
                1) want+=("$g: INIT to self, physical destination APIC ID 0") ;;
                2) want+=("$g: INIT to all including self") ;;
            esac
            [ $n = 3 ] || want+=("pxHV: Pixel Hypervisor v0\.1")
        done
        [ $cpus = 1 ] || want+=("$g: cpu 1 started again after the INITs")
        want+=("$g: done" "pxHV: stopping \(guest finished\)")
        expect_in_order -E "$SERIAL_LOG" "${want[@]}" || fail "$g on $engine, $cpus CPUs"
        expect_absent "$SERIAL_LOG" "$g: FAIL" || fail "$g on $engine, $cpus CPUs: still running after INIT"
        expect_absent "$SERIAL_LOG" "PANIC" || fail "$g on $engine, $cpus CPUs: the emulator panicked"
    done
done
pass "INIT to self and to all including self: the reset vector, pxHV again, no livelock"
