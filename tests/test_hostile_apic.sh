#!/usr/bin/env bash
# Issue 15, item 3: the xAPIC page pxHV write-protects and emulates where it intercepts the
# guest's ICR (tests/guests/hostile_apic.asm, 2 CPUs, the default configuration).  Each store
# pxHV cannot emulate exactly is refused with a line and the guest goes on after it: byte
# stores at ICR+1..3 and ICR_HIGH+1..3, a word at ICR+2, a dword at ICR+4, a dword across the
# page end; CPU 1 runs on after each (no real INIT behind pxHV's back).  XCHG of each 32-bit
# register with the TPR writes back the old TPR into that register only; XCHG of AH, CH, DH,
# BH is refused and changes nothing.  Destinations as the APIC resolves them: logical flat and
# cluster INIT to CPU 1 stop it (a SIPI starts it again, its LDR and DFR reset by the INIT),
# to absent logical IDs, clusters and APIC IDs nothing happens and the boot CPU is never the
# one reset.  x2APIC MSRs in xAPIC mode #GP; in x2APIC mode (where the CPU has it) an INIT to
# an absent cluster reaches nobody.  On Bochs VT-x, Bochs AMD-V (ryzen), QEMU TCG AMD-V.
# engines: corei7_skylake_x ryzen qemu
. "$(dirname "$0")/lib.sh"
g=hostile_apic
# pxHV's refusal of a store it does not perform (stage3/core/xapic.c).
refused() { # SIZE OFFSET
    printf 'pxHV: refused: a %s-byte write to the local APIC at offset 0x%s \\(only aligned 32-bit writes to a register are defined, SDM Vol\\. 3A 10\\.4\\.1\\); dropped at 0008:[0-9a-f]+' "$1" "$2"
}
edge="pxHV: refused: a 4-byte write across the edge of the local APIC's page at GPA 0xfee00ffe; dropped at 0008:[0-9a-f]+"
running() { echo "$g: $1: cpu 1 starts $2, running"; }
stopped() { echo "$g: $1: cpu 1 starts $2, stopped"; }

for engine in $ENGINES; do
    guest_run_engine "$engine" $g --cpus 2 --stall 120 --timeout 600
    # pxHV must hold both CPUs (a CPU it does not know runs the guest natively).
    want=('pxHV: 2 CPUs .*' "$g: start" "$g: cpu 1 started: starts 1")
    for s in "1 301 byte store 0x45 at icr\\+1" "1 302 byte store 0x0c at icr\\+2" \
             "1 303 byte store 0x00 at icr\\+3" "1 311 byte store 0x01 at icr_high\\+1" \
             "1 312 byte store 0x01 at icr_high\\+2" "1 313 byte store 0x01 at icr_high\\+3" \
             "2 302 word store 0x000c at icr\\+2" "4 304 dword store 0x000c4500 at icr\\+4"; do
        set -- $s
        want+=("$(refused "$1" "$2")" "$(running "${s#* * }" 1)")
    done
    want+=("$edge" "$(running "dword store 0x000c4500 across the page end \\(offset 0xffe\\)" 1)")
    old=10
    for r in eax:20 ebx:30 ecx:40 edx:50 esp:60 ebp:70 esi:80 edi:90; do
        want+=("$g: xchg ${r%:*} with the tpr: ${r%:*}=0x000000$old \(the old tpr\), tpr=0x${r#*:}, other registers kept")
        old=${r#*:}
    done
    for r in ah ch dh bh; do
        want+=("$(refused 1 080)" "$g: xchg $r with the tpr \(a byte\): $r, the other registers and the tpr \(0x90\) kept")
    done
    # An INIT resets the target's LDR to 0 and its DFR to all ones (SDM Vol. 3A 10.4.7.3).
    after_init="$g: cpu 1 after the init: ldr 0x00000000, dfr 0xFFFFFFFF"
    want+=("$(stopped "logical flat init to 0x02 \(cpu 1's ldr\)" 1)" "$(running sipi 2)" "$after_init"
           "$(running "logical flat init to 0x80 \(no such cpu\)" 2)"
           "$(stopped "cluster init to 0x12 \(cluster 1 member 1: cpu 1\)" 2)" "$(running sipi 3)" "$after_init"
           "$(running "cluster init to 0x11 \(cluster 1 member 0: no such cpu\)" 3)"
           "$(running "cluster init to 0x21 \(cluster 2: no such cpu\)" 3)"
           "$(running "physical init to apic id 7 \(no such cpu\)" 3)"
           "$g: rdmsr 0x802 in xapic mode: #13\(0000\) rf=1"
           "$g: rdmsr 0x830 in xapic mode: #13\(0000\) rf=1"
           "$g: wrmsr 0x802 in xapic mode: #13\(0000\) rf=1"
           "$g: wrmsr 0x830 \(an init to cpu 1\) in xapic mode: #13\(0000\) rf=1"
           "$(running "after the x2apic msrs" 3)")
    if [ "$engine" != corei7_skylake_x ]; then
        # No x2APIC in CPUID.1:ECX[21] of QEMU's qemu64 and Bochs's ryzen.
        want+=("$g: x2apic: not available")
    else
        # The LDRs as the engine reports them: Bochs keeps CPU 1's logical ID from
        # xAPIC mode (0x12) where the SDM derives it from the x2APIC ID (0x2,
        # 10.12.10.2); pxHV addresses by the x2APIC ID either way (lib/apicdest.c).
        want+=("$g: x2apic: ldr cpu 0 0x00000001, cpu 1 0x000000(02|12)"
               "$(running "x2apic init to cluster 1 member 0 \(no such cpu\)" 3)")
    fi
    want+=("$g: done" 'pxHV: stopping \(guest finished\)')
    expect_in_order -E "$SERIAL_LOG" "${want[@]}" || fail "$g on $engine"
    expect_absent "$SERIAL_LOG" "$g: FAIL" || fail "$g on $engine: a FAIL line"
    expect_absent "$SERIAL_LOG" "not as expected" || fail "$g on $engine: a step went wrong"
    [ "$(count_lines "$SERIAL_LOG" "$g: start")" = 1 ] || fail "$g on $engine: the boot CPU was reset"
    expect_absent "$SERIAL_LOG" "PANIC" || fail "$g on $engine: the emulator panicked"
done
pass "every xAPIC store form, XCHG form and destination as the APIC has it"
