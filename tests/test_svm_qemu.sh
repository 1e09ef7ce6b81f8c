#!/usr/bin/env bash
# pxHV on AMD-V: QEMU TCG with SVM and nested paging (-cpu qemu64,+svm,+npt), which has
# no NRIP save and no decode assists, so pxHV decodes instruction lengths itself.  The
# same guests as on VT-x with the same lines where the behaviour is the same: the built-in
# test guests (cpuid, io, realmode, e820, hlt, ept, reset), GRUB, SYSLINUX, memtest86+,
# the floppy chain, and Linux to the shell with the usual checks, on 1 and on 2 CPUs.
# needs: guests
# weight: 60
. "$(dirname "$0")/lib.sh"
SVM_CPU=qemu64,+svm,+npt
G=$PXHV_ROOT/build/guests
boot_lines() { # the seed's AMD equivalents
    expect_in_order "$SERIAL_LOG" "pxHV: Pixel Hypervisor v0.1" "Jumping to hypervisor..." \
        "Stage 2: Hypervisor loader" "AMD-V supported" "Long mode enabled" "SVM enabled" \
        "Stage 3: C runtime ready"
}
guest() { # NAME [run_qemu option]...: the built-in guest NAME under SVM
    local name=$1 img; shift
    img=$(pxhv_image --builtin "$(guest_bin "$name")" --name "$name") || fail "image for $name"
    local done=(--done "pxHV: stopping")
    [[ " $* " == *" --done "* ]] && done=()
    run_qemu --disk "$img" --cpu "$SVM_CPU" --timeout 60 "${done[@]}" "$@"
    boot_lines || fail "$name: boot lines"
}

for g in cpuid io realmode e820; do
    guest "$g"
    guest_expect "$g" || fail "$g: guest lines"
    expect_in_order "$SERIAL_LOG" "pxHV: stopping (guest finished)" || fail "$g: end"
done
expect_line "$SERIAL_LOG" '^SVM: no NRIP save: instruction lengths come from pxHV.s decoder$' ||
    fail "the decoder is not in use"

guest hlt --done "pxHV: core events"
guest_expect hlt || fail "hlt: guest lines"
expect_in_order -E "$SERIAL_LOG" \
    'pxHV: CPU 0 halted with interrupts disabled at 0000:[0-9a-f]+; only an NMI, INIT or SMI wakes it' \
    'pxHV: exit statistics: [0-9]+ exits' || fail "hlt: report"

guest ept
guest_expect ept || fail "ept: guest lines"
expect_in_order -E "$SERIAL_LOG" \
    "pxHV: NPT violation: guest (read|write) at GPA 0x[0-9a-f]+, RIP 0008:[0-9a-f]+, qualification 0x[0-9a-f]+" \
    'pxHV: the page is hypervisor memory \(NPT permissions ---\)' \
    'pxHV: guest ended: NPT violation at 0008:[0-9a-f]+' 'pxHV: stopping \(guest finished\)' ||
    fail "ept: the access was not stopped"
expect_absent "$SERIAL_LOG" "ept: still running" || fail "ept: guest kept running"

# Resets through the ports pxHV leaves alone restart the machine and pxHV; a triple fault
# exits to pxHV (SVM's shutdown intercept), which resets it.
guest reset --reboot --timeout 120
mapfile -t want < <(for n in 1 2 3; do echo "reset: boot $n"; echo 'SVM enabled'; done
                    echo 'reset: boot 4'; echo 'pxHV: guest ended: triple fault at 0000:[0-9a-f]+'
                    echo 'SVM enabled'; echo 'reset: boot 5'; echo 'reset: done'
                    echo 'pxHV: stopping \(guest finished\)')
expect_in_order -E "$SERIAL_LOG" "${want[@]}" || fail "reset cycles"

# GRUB as the second disk: lsmmap shows the region reserved, halt is caught.
img=$(pxhv_image --drive 0x81) || fail "image"
printf '%s\n' "wait grub> " "send lsmmap" "wait grub> " "send halt" >"$TEST_TMP/grub.chat"
run_qemu --disk "$img" --disk2 "$G/grub.img" --cpu "$SVM_CPU" --timeout 60 \
    --chat "$TEST_TMP/grub.chat" --done "pxHV: stopping"
hv_range || fail "grub: hidden range"
expect_in_order -E "$SERIAL_LOG" "PXHV-GUEST: grub ready, .*" \
    "$(printf 'base_addr = 0x%x, length = 0x[0-9a-f]+, reserved RAM' "$HV_START")" \
    'pxHV: guest ended: ACPI sleep/power-off request at .*' || fail "grub"

# SYSLINUX from the pxHV disk's partition, then its poweroff label.
img=$(pxhv_image --partition "$G/syslinux.img") || fail "image"
printf '%s\n' "wait boot: " "send poweroff" >"$TEST_TMP/sl.chat"
run_qemu --disk "$img" --cpu "$SVM_CPU" --timeout 60 --chat "$TEST_TMP/sl.chat" \
    --done "pxHV: stopping"
expect_in_order -E "$SERIAL_LOG" "SYSLINUX 6\.[0-9]+ .*" "PXHV-GUEST: syslinux-disk ready .*" \
    'pxHV: guest ended: .*' 'pxHV: stopping \(guest finished\)' || fail "syslinux"

# The floppy's SYSLINUX chains GRUB on disk 0x81.
img=$(pxhv_image --drive 0x00) || fail "image"
printf '%s\n' "wait boot: " "send hd1" "wait grub> " "send halt" >"$TEST_TMP/fl.chat"
run_qemu --disk "$img" --floppy "$G/floppy.img" --disk2 "$G/grub.img" --cpu "$SVM_CPU" \
    --timeout 60 --chat "$TEST_TMP/fl.chat" --done "pxHV: stopping"
expect_in_order -E "$SERIAL_LOG" "PXHV-GUEST: syslinux-floppy ready.*" \
    "PXHV-GUEST: grub ready, .*" 'pxHV: guest ended: .*' || fail "floppy chain"

# memtest86+ over the memory pxHV leaves, through tests #0-#9 to the bit fade test (#10).
# Under QEMU the quick tests (#1-#4) can all start and end between two of memtest's screen
# refreshes, so no single one of them is a reliable marker; #10 waits 80 s and is always shown.
img=$(pxhv_image --drive 0x81) || fail "image"
run_qemu --disk "$img" --disk2 "$G/memtest.img" --cpu "$SVM_CPU" --mem 64 --timeout 240 \
    --stall 60 --done "#10 [Bit fade" --fail "PANIC" --fail "pxHV: NPT violation:"
for t in "Memtest86+ v6" "Status: Testing" "#10 [Bit fade" "Errors: 0"; do   # one screen, one line
    grep -aqF "$t" "$SERIAL_LOG" || fail "memtest86+: no \"$t\""
done

# Linux to the shell.
LINUX_ENGINE=run_qemu linux_run --disk "$(pxhv_image --drive 0x81)" --disk2 "$G/linux.img" \
    --cpu "$SVM_CPU"
boot_lines || fail "linux: boot lines"
linux_expect "pxHV: launching guest .* \(BIOS drive\) at 0000:7C00, DL=0x81" || fail "Linux"
# Linux on 2 CPUs: the second starts through the guest's intercepted INIT-SIPI-SIPI.
img=$(pxhv_image --drive 0x81) || fail "image"
cat >"$TEST_TMP/smp.chat" <<'CHAT'
wait PXHV-GUEST: linux init
wait ~ # 
send echo "nproc=$(nproc) hv=$(grep -c -w hypervisor /proc/cpuinfo)"
wait nproc=
wait ~ # 
send poweroff -f
CHAT
run_qemu --disk "$img" --disk2 "$G/linux.img" --cpu "$SVM_CPU" --cpus 2 --timeout 300 \
    --chat "$TEST_TMP/smp.chat" --done "pxHV: stopping"
expect_in_order -E "$SERIAL_LOG" \
    "pxHV: CPU 1 \(APIC 1\) under SVM, waiting in pxHV for the guest's SIPI \([0-9]+ TSC ticks to start\)" \
    '.*smpboot: Total of 2 processors activated .*' 'nproc=2 hv=2' \
    'pxHV: guest ended: ACPI sleep/power-off request at .*' \
    'pxHV: CPU 0 \(APIC 0\): [1-9][0-9]* exits: .*' 'pxHV: CPU 1 \(APIC 1\): [1-9][0-9]* exits: .*' \
    'pxHV: stopping \(guest finished\)' || fail "Linux on 2 CPUs"
pass "test guests, GRUB, SYSLINUX, the floppy chain, memtest86+ and Linux on 1 and 2 CPUs on SVM"
