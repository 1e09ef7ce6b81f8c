#!/usr/bin/env bash
# pxHV on AMD-V under Bochs's `ryzen` model (SVM with nested paging and NRIP save):
# the SVM instructions stay #UD for the guest (test guest "svm"), the test guests behave
# as on VT-x, the guest's second CPU starts through intercepted ICR writes (SVM has no

# timeout: 1500
# check: yes
. "$(dirname "$0")/lib.sh"
boot_lines() {
    expect_in_order "$SERIAL_LOG" "Stage 2: Hypervisor loader" "AMD-V supported" \
        "Long mode enabled" "SVM enabled" "Stage 3: C runtime ready"
}

guest_run svm ryzen
boot_lines || fail "svm: boot lines"
expect_in_order "$SERIAL_LOG" 'svm: cpuid 80000001 svm=0' 'svm: efer.svme: #13(0000) rf=1' \
    'svm: efer.svme reads 0' 'svm: vmrun: #6(0000) rf=1' 'svm: vmload: #6(0000) rf=1' \
    'svm: vmsave: #6(0000) rf=1' 'svm: stgi: #6(0000) rf=1' 'svm: clgi: #6(0000) rf=1' \
    'svm: skinit: #6(0000) rf=1' 'svm: vm_cr=0x00000018' 'svm: done' \
    'pxHV: stopping (guest finished)' || fail "svm"
expect_line "$SERIAL_LOG" '^SVM: revision [0-9]+, [0-9]+ ASIDs, features 0x[0-9a-f]+: NPT NRIP-save.*' ||
    fail "svm: features"

for g in cpuid io realmode; do
    guest_run "$g" ryzen
    guest_expect "$g" || fail "$g: guest lines"
done

# The guest's INIT-SIPI-SIPI on SVM: the same test guest as on VT-x (test_smp.sh).
img=$(pxhv_image --builtin "$(guest_bin smp)" --name smp) || fail "image"
run_bochs --disk "$img" --cpu ryzen --cpus 2 --timeout 300 --done "pxHV: resetting the machine"
guest_expect smp || fail "smp: guest lines"
expect_in_order -E "$SERIAL_LOG" \
    "pxHV: the guest's INIT and SIPI: intercepted ICR writes \(no wait-for-SIPI activity state\)" \
    "pxHV: CPU 1 \(APIC 1\) under SVM, waiting in pxHV for the guest's SIPI \([0-9]+ TSC ticks to start\)" \
    'pxHV: CPU 1 \(APIC 1\): [0-9]+ exits: .*' 'pxHV: resetting the machine' || fail "smp"

pass "SVM under Bochs ryzen: SVM hidden, test guests, the guest's second CPU"
