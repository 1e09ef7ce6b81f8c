#!/usr/bin/env bash
# The guest's second CPU (Bochs corei7_skylake_x, 2 CPUs), with the default
# configuration.  pxHV starts CPU 1 into VMX root operation before the guest runs and
# probes INIT on it: Bochs keeps an INIT pending after its INIT exit, so the guest's INIT
# and SIPI reach CPU 1 through intercepted ICR writes (include/core/ipi.h); the configuration
# flag CFG_FLAG_INTERCEPT_IPI asks for the same without the probe (smpept below).  Test guest "smp": INIT-SIPI-SIPI starts
# the AP once in the INIT state of SDM Vol. 3A Table 9-1; its CPUID, OUT, VMCALL and
# HLT count on CPU 1; CLI; HLT parks it; a SIPI to it is ignored; INIT to it and to
# all but self, each followed by a SIPI, restart it at the SIPI's vector; INIT to self
# takes the boot CPU to the reset vector: the BIOS boots pxHV's sector again, which
# asks pxHV to reset the machine.  Test guest "smpept": the AP's access to pxHV's
# memory ends in the EPT violation report, on CPU 1.
# check: yes
. "$(dirname "$0")/lib.sh"

img=$(pxhv_image --builtin "$(guest_bin smp)" --name smp) || fail "image"
# Bochs's own BIOS fails its keyboard test after a reset of a 2-CPU machine (with or
# without pxHV): the run ends where pxHV resets.
run_bochs --disk "$img" --cpus 2 --timeout 300 --done "pxHV: resetting the machine"
guest_expect smp || fail "guest lines"
expect_in_order -E "$SERIAL_LOG" \
    'pxHV: 2 CPUs \(ACPI MADT\): APIC 0 \(boot\) APIC 1' \
    'pxHV: memory per CPU 48 KiB; region [0-9]+ KiB for 2 CPUs' \
    "pxHV: the guest's INIT and SIPI: INIT and SIPI exits, unless the first AP's probe shows the engine keeps INIT pending" \
    "pxHV: CPU 1 \(APIC 1\): the INIT probe's INIT exited again at the next VM entry: this engine keeps INIT pending, so the guest's INIT and SIPI go through intercepted ICR writes" \
    "pxHV: CPU 1 \(APIC 1\) in VMX root, waiting in pxHV for the guest's SIPI \([0-9]+ TSC ticks to start\)" \
    "pxHV: launching guest 'smp' \(built-in\) at 0000:7C00, DL=0x80" \
    'smp: INIT to self' 'Stage 2: running under pxHV: the guest rebooted; resetting the machine' \
    "pxHV: guest ended: reboot through the BIOS reset vector \(pxHV's boot sector ran again\) at [0-9a-f]+:[0-9a-f]+" \
    'pxHV: on CPU 0 \(APIC 0\) of 2' \
    'pxHV: exit statistics: [0-9]+ exits' \
    'pxHV: CPU 0 \(APIC 0\): [0-9]+ exits: .*' \
    'pxHV: CPU 1 \(APIC 1\): [0-9]+ exits: .*' \
    'pxHV: resetting the machine' || fail "the boot CPU's INIT to itself"
# The AP's own exits, counted on it.
expect_line "$SERIAL_LOG" '^pxHV: CPU 1 \(APIC 1\): [0-9]+ exits: .*' || fail "CPU 1's statistics"
for r in CPUID HLT VMCALL "I/O instruction"; do
    grep -qE "(: |, )$r [1-9][0-9]*(,|$)" <<<"$MATCH" || fail "CPU 1's statistics lack $r: $MATCH"
done
expect_absent "$SERIAL_LOG" "pxHV: EPT violation:" || fail "an EPT violation"

img=$(pxhv_image --builtin "$(guest_bin smpept)" --name smpept --flags $CFG_FLAG_INTERCEPT_IPI) || fail "image"
run_bochs --disk "$img" --cpus 2 --timeout 300 --done "pxHV: stopping"
guest_expect smpept || fail "smpept: guest lines"
expect_in_order -E "$SERIAL_LOG" \
    "pxHV: the guest's INIT and SIPI: intercepted ICR writes \(the configuration asks for it\)" \
    "pxHV: CPU 1 \(APIC 1\) in VMX root, waiting in pxHV for the guest's SIPI \([0-9]+ TSC ticks to start\)" \
    "pxHV: EPT violation: guest (read|write) at GPA 0x[0-9a-f]+ \(GLA 0x[0-9a-f]+\), RIP 0008:[0-9a-f]+, qualification 0x[0-9a-f]+" \
    'pxHV: the page is hypervisor memory \(EPT permissions ---\)' \
    'pxHV: guest ended: EPT violation at 0008:[0-9a-f]+' \
    'pxHV: on CPU 1 \(APIC 1\) of 2' \
    'pxHV: stopping \(guest finished\)' || fail "smpept: the AP's access was not stopped"
expect_absent "$SERIAL_LOG" "still running" || fail "smpept: the AP kept running"
pass
