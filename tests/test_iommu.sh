#!/usr/bin/env bash
# DMA protection (issue 17, docs/security.md route 7): the hostile_dma guest aims QEMU's edu
# device and the q35 AHCI controller at pxHV's region, on QEMU TCG q35 with AMD-V
# (-cpu qemu64,+svm,+npt), the only engine here with an IOMMU:
#   no IOMMU     the route is open: the guest reads pxHV's image, its write and the disk
#                read land in the region, pxHV's image check says CHANGED
#   intel-iommu  every blocked DMA named by pxHV (the VT-d fault recording registers),
#                the same DMAs into guest memory work, the image unchanged
#   amd-iommu    the same DMAs blocked and the image unchanged; QEMU 7.2's amd-iommu writes
#                no event-log entry for a not-present page, so there is no line to name them
# then hostile_iommu tries to undo the protection (the units' registers, DMA aimed at them,
# the AMD IOMMU's PCI function and the ECAM window's base, the A20 gate), then Linux (the default guest) to the shell and power-off with each IOMMU on, on 1 and 2
# CPUs, and on Bochs the "no IOMMU" line and the refusal CFG_FLAG_REQUIRE_IOMMU asks for.
# The IOMMU device is given first: amd-iommu then takes 00:02.0 and edu 00:03.0 (the order
# only decides the slots; edu given first is translated too).
# timeout: 1500
# needs: guest-linux
# weight: 65
. "$(dirname "$0")/lib.sh"
SVM_CPU=qemu64,+svm,+npt
G=$PXHV_ROOT/build/guests

dma_run() { # IOMMU-DEVICE|none: with an IOMMU, the configuration requires one
    local img devs=()
    [ "$1" = none ] || devs=(--device "$1")
    img=$(pxhv_image --builtin "$(guest_bin hostile_dma)" --name hostile_dma) || fail "image"
    [ "$1" = none ] || bash "$PXHV_ROOT/scripts/pxhv-config.sh" "$img" --flags "$CFG_FLAG_REQUIRE_IOMMU" \
        >/dev/null || fail "flags"
    run_qemu --disk "$img" --cpu "$SVM_CPU" --machine q35 "${devs[@]}" --device edu --timeout 300 \
        --stall 60 --done "pxHV: stopping"
    expect_absent "$SERIAL_LOG" "hostile_dma: FAIL" || fail "$1: a FAIL line"
    expect_line "$SERIAL_LOG" '^hostile_dma: region at 0x[0-9A-F]{8}$' || fail "$1: no region line"
    REGION=0x${MATCH##*0x}
}
blocked() { # DEVICE KIND: pxHV's line for a blocked DMA at the region's first page
    printf 'pxHV: DMA blocked: device %s %s at 0x%016x (hypervisor memory)' "$1" "$2" "$REGION"
}

# ---- no IOMMU: the route is open, and this is what it does
dma_run none
expect_in_order "$SERIAL_LOG" \
    "pxHV: no IOMMU (no DMAR/IVRS table): devices can reach pxHV's memory by DMA" \
    'hostile_dma: DMAR or IVRS listed in the RSDT: no' \
    'hostile_dma: edu at 00:02.0' 'hostile_dma: edu dma into guest memory: ok' \
    "hostile_dma: edu read of pxHV's region: 0x33535850, pxHV's image" \
    "hostile_dma: edu write of 16 bytes to pxHV's region: issued" \
    "hostile_dma: edu read back of the region: the guest's bytes: the write reached pxHV's memory" \
    'hostile_dma: ahci at 00:1F.2' \
    "hostile_dma: ahci read of the guest's sector into guest memory: ok" \
    "hostile_dma: ahci read with 16 bytes aimed at pxHV's region: the guest's 496 bytes arrived" \
    "hostile_dma: edu read back of the region: the disk's bytes: the read reached pxHV's memory" \
    'hostile_dma: pxHV answers after the DMAs: version 0x00000001' 'hostile_dma: done' \
    || fail "no IOMMU: the open route"
expect_in_order -E "$SERIAL_LOG" 'hostile_dma: done' \
    'pxHV: hypervisor image CHANGED since the guest started \([0-9]+ KiB checked\)' \
    'pxHV: stopping \(guest finished\)' || fail "no IOMMU: the image check"

# ---- VT-d
dma_run intel-iommu
expect_in_order -E "$SERIAL_LOG" \
    'pxHV: IOMMU: Intel VT-d \(DMAR\), 1 unit, address width 39' \
    'pxHV: IOMMU unit 0 at 0xfed90000, segment 0: ff:00.0 \(I/O APIC\) 00:00.0 00:01.0 00:02.0 00:1f.0 00:1f.2 00:1f.3' \
    'pxHV: VT-d: root table at 0x[0-9a-f]+, 1 context table, 3-level second-stage walk' \
    'pxHV: IOMMU on: DMA cannot reach [0-9a-f]{16}-[0-9a-f]{16}; [0-9]+ KiB of tables in the region; DMAR hidden from the guest' \
    || fail "VT-d: set-up"
expect_in_order "$SERIAL_LOG" \
    'hostile_dma: DMAR or IVRS listed in the RSDT: no' \
    'hostile_dma: edu at 00:02.0' 'hostile_dma: edu dma into guest memory: ok' \
    "$(blocked 00:02.0 read)" \
    "hostile_dma: edu read of pxHV's region: 0x00000000, not pxHV's image" \
    "$(blocked 00:02.0 write)" \
    "hostile_dma: edu write of 16 bytes to pxHV's region: issued" \
    "hostile_dma: edu read back of the region: not the guest's bytes" \
    'hostile_dma: ahci at 00:1F.2' \
    "hostile_dma: ahci read of the guest's sector into guest memory: ok" \
    "$(blocked 00:1f.2 write)" \
    "hostile_dma: ahci read with 16 bytes aimed at pxHV's region: the guest's 496 bytes arrived" \
    "hostile_dma: edu read back of the region: not the disk's bytes" \
    'hostile_dma: pxHV answers after the DMAs: version 0x00000001' 'hostile_dma: done' \
    'pxHV: DMA blocked by the IOMMU: 5 reports' || fail "VT-d: the DMAs"
expect_in_order -E "$SERIAL_LOG" 'pxHV: DMA blocked by the IOMMU: 5 reports' \
    'pxHV: hypervisor image unchanged since the guest started \([0-9]+ KiB checked\)' \
    'pxHV: stopping \(guest finished\)' || fail "VT-d: the image check"
expect_absent "$SERIAL_LOG" "reached pxHV's memory" || fail "VT-d: a DMA reached pxHV"

# ---- AMD-Vi
dma_run amd-iommu
expect_in_order -E "$SERIAL_LOG" \
    'pxHV: IOMMU: AMD-Vi \(IVRS\), 1 unit, address width 40' \
    'pxHV: IOMMU unit 0 at 0xfed80000, segment 0: 00:00.0 00:01.0 00:02.0 00:03.0 00:1f.0 00:1f.2 00:1f.3 00:14.0 \(I/O APIC\)' \
    'pxHV: AMD-Vi: device table at 0x[0-9a-f]+ for device IDs 0000-00ff, 4-level I/O page table' \
    'pxHV: AMD-Vi unit at 0xfed80000 \(device 00:02.0\): EFR 0x[0-9a-f]{16}' \
    'pxHV: IOMMU on: DMA cannot reach [0-9a-f]{16}-[0-9a-f]{16}; [0-9]+ KiB of tables in the region; IVRS hidden from the guest' \
    || fail "AMD-Vi: set-up"
expect_in_order "$SERIAL_LOG" \
    'hostile_dma: DMAR or IVRS listed in the RSDT: no' \
    'hostile_dma: edu at 00:03.0' 'hostile_dma: edu dma into guest memory: ok' \
    "hostile_dma: edu read of pxHV's region: 0x00000000, not pxHV's image" \
    "hostile_dma: edu write of 16 bytes to pxHV's region: issued" \
    "hostile_dma: edu read back of the region: not the guest's bytes" \
    'hostile_dma: ahci at 00:1F.2' \
    "hostile_dma: ahci read of the guest's sector into guest memory: ok" \
    "hostile_dma: ahci read with 16 bytes aimed at pxHV's region: the guest's 496 bytes arrived" \
    "hostile_dma: edu read back of the region: not the disk's bytes" \
    'hostile_dma: pxHV answers after the DMAs: version 0x00000001' 'hostile_dma: done' \
    || fail "AMD-Vi: the DMAs"
expect_in_order -E "$SERIAL_LOG" 'hostile_dma: done' 'pxHV: DMA blocked by the IOMMU: [0-9]+ reports?' \
    'pxHV: hypervisor image unchanged since the guest started \([0-9]+ KiB checked\)' \
    'pxHV: stopping \(guest finished\)' || fail "AMD-Vi: the image check"
expect_absent "$SERIAL_LOG" "reached pxHV's memory" || fail "AMD-Vi: a DMA reached pxHV"

# ---- the guest cannot undo it (hostile_iommu): the registers read all ones and drop writes,
# DMA aimed at them is refused, the AMD IOMMU's PCI function and the ECAM window's base keep
# their values through 0xCF8/0xCFC, ECAM and ECAM's A20 alias, a poll with the guest's A20 gate
# off is put off (the registers' A20 alias is not the unit), a string store into the registers
# ends the guest cleanly.  edu's dma_mask opens the addresses above 256 MiB to it.
undo_run() { # IOMMU-DEVICE
    local img
    img=$(pxhv_image --builtin "$(guest_bin hostile_iommu)" --name hostile_iommu) || fail "image"
    run_qemu --disk "$img" --cpu "$SVM_CPU" --machine q35 --device "$1" \
        --device edu,dma_mask=0xffffffff --timeout 300 --stall 60 --done "pxHV: stopping"
    expect_absent "$SERIAL_LOG" "hostile_iommu: FAIL" || fail "$1: a FAIL line"
    expect_line "$SERIAL_LOG" '^hostile_iommu: region at 0x[0-9A-F]{8}$' || fail "$1: no region line"
    REGION=0x${MATCH##*0x}
}
page2() { printf '0x%016x' $((REGION + 0x1000)); }
for iommu in intel-iommu amd-iommu; do
    undo_run "$iommu"
    if [ $iommu = intel-iommu ]; then
        base=0xfed90000 edu=00:02.0
        where="hostile_iommu: no iommu function on bus 0: the vt-d unit at q35's 0xFED90000"
        dma_write="$(printf 'pxHV: DMA blocked: device %s write at 0x%016x (the IOMMU'"'"'s registers)' $edu $base)"
        region_read="$(blocked $edu read)"
        page2_read="pxHV: DMA blocked: device $edu read at $(page2) (hypervisor memory)"
    else
        base=0xfed80000 edu=00:03.0
        where="hostile_iommu: amd iommu function at 00:02.0, registers at 0xFED80000"
        dma_write= region_read= page2_read=     # no event-log entries under QEMU (docs/iommu.md)
    fi
    lines=("$where"
        'hostile_iommu: register reads: 0xFFFFFFFF 0xFFFFFFFF 0xFFFF 0xFF'
        "pxHV: IOMMU: the guest wrote 4 bytes to unit 0's registers at ${base%0000}0018: dropped, as every later write (reads give all ones)"
        'hostile_iommu: register writes issued; xchg gave 0xFFFFFFFF; reads after them: 0xFFFFFFFF 0xFFFFFFFF')
    [ -z "$region_read" ] || lines+=("$region_read")
    lines+=("hostile_iommu: edu read of pxHV's region after the writes: 0x00000000")
    [ -z "$dma_write" ] || lines+=("$dma_write")
    lines+=('hostile_iommu: edu write of zeros to the registers: issued'
        'hostile_iommu: register read after it: 0xFFFFFFFF'
        'hostile_iommu: edu read of the registers: 0xFFFFFFFF'
        "hostile_iommu: edu read of pxHV's region after it: 0x00000000")
    [ $iommu = intel-iommu ] || lines+=(
        "pxHV: IOMMU: the guest wrote to the AMD IOMMU's PCI function, 00:02.0 offset 0x04, through port 0xCFC: dropped, as every later write"
        'hostile_iommu: cf8: command 0x0103 written 0, reads 0x0103; base written 0xFE000001, reads 0xFED80000'
        'hostile_iommu: ecam at 0xB0000000: command written 0, reads 0x0103; base written 0xFE000001, reads 0xFED80000'
        'hostile_iommu: ecam a20 alias: command written 0 with a20 off, reads 0x0103'
        "pxHV: IOMMU: the guest wrote to the chipset's ECAM base (PCIEXBAR), 00:00.0 offset 0x60, through port 0xCFC: dropped, as every later write"
        'hostile_iommu: pciexbar written 0xA0000001 through cf8 and ecam, reads 0xB0000001')
    lines+=(
        "pxHV: IOMMU: unit 0's registers do not read as they must (the guest's A20 gate off?): its faults are read at a later poll"
        "hostile_iommu: a20 off, edu read of the region's second page done")
    [ -z "$page2_read" ] || lines+=("$page2_read")
    lines+=('hostile_iommu: a20 on again'
        'hostile_iommu: pxHV answers: version 0x00000001'
        'hostile_iommu: last: a string store into the registers')
    expect_in_order "$SERIAL_LOG" "${lines[@]}" || fail "$iommu: the guest undoing it"
    tail=(
        "pxHV: refused: a write to the IOMMU's registers at GPA ${base%0000}0100 by an instruction pxHV does not decode at [0-9a-f]{4}:[0-9a-f]+"
        "pxHV: guest ended: unsupported write to the IOMMU's registers at [0-9a-f]{4}:[0-9a-f]+"
        "pxHV: IOMMU: 6 guest writes to unit 0's registers dropped"
        "pxHV: IOMMU: 1 poll of unit 0 put off while its registers did not answer")
    [ $iommu = intel-iommu ] || tail+=(
        "pxHV: IOMMU: PCI configuration intercepts: [0-9]+ port accesses, 4 ECAM writes"
        "pxHV: IOMMU: 4 guest writes to the AMD IOMMU's PCI function dropped"
        "pxHV: IOMMU: 2 guest writes to the chipset's ECAM base \\(PCIEXBAR\\) dropped")
    tail+=(
        'pxHV: hypervisor image unchanged since the guest started \([0-9]+ KiB checked\)'
        'pxHV: stopping \(guest finished\)')
    expect_in_order -E "$SERIAL_LOG" "${tail[@]}" || fail "$iommu: the guest's end"
done
expect_in_order "$SERIAL_LOG" \
    "pxHV: IOMMU: the AMD IOMMU's PCI function 00:02.0 is kept from the guest's writes: ports 0xCF8/0xCFC and its ECAM page" \
    "pxHV: IOMMU: the ECAM window's base (00:00.0 PCIEXBAR) is kept from the guest's writes: the window stays at 0xb0000000" \
    || fail "amd-iommu: the PCI function's protection"

# ---- Bochs has no IOMMU: one line says so, the guest runs as before; a configuration that
# requires an IOMMU launches no guest and stops the machine
img=$(pxhv_image --builtin "$(guest_bin cpuid)" --name cpuid) || fail "image"
run_bochs --disk "$img" --timeout 300 --stall 60 --done "pxHV: stopping"
expect_in_order -E "$SERIAL_LOG" \
    "pxHV: no IOMMU \(no DMAR/IVRS table\): devices can reach pxHV's memory by DMA" \
    'cpuid: done' 'pxHV: hypervisor image unchanged since the guest started \([0-9]+ KiB checked\)' \
    || fail "Bochs: no IOMMU"
bash "$PXHV_ROOT/scripts/pxhv-config.sh" "$img" --flags "$CFG_FLAG_REQUIRE_IOMMU" >/dev/null || fail "flags"
run_bochs --disk "$img" --timeout 300 --stall 60
expect_in_order "$SERIAL_LOG" \
    "pxHV: no IOMMU (no DMAR/IVRS table): devices can reach pxHV's memory by DMA" \
    'pxHV: no guest launched: the configuration requires an IOMMU' 'pxHV: stopping (no IOMMU)' \
    || fail "Bochs: the refusal"
expect_absent "$SERIAL_LOG" "pxHV: launching guest" || fail "Bochs: a guest was launched"
expect_end exit || fail "Bochs: the machine was not stopped"

# ---- Linux with each IOMMU on: its disk (AHCI) and everything else by DMA into its memory
for iommu in intel-iommu amd-iommu; do
    LINUX_ENGINE=run_qemu linux_run --disk "$(pxhv_image --drive 0x81)" --disk2 "$G/linux.img" \
        --cpu "$SVM_CPU" --machine q35 --device "$iommu" --stall 120
    expect_line "$SERIAL_LOG" '^pxHV: IOMMU on: DMA cannot reach ' || fail "Linux, $iommu: IOMMU not on"
    linux_expect "pxHV: launching guest .* \(BIOS drive\) at 0000:7C00, DL=0x81" ||
        fail "Linux, $iommu"
    expect_line "$SERIAL_LOG" '^pxHV: hypervisor image unchanged since the guest started' ||
        fail "Linux, $iommu: image"
done
# Linux on 2 CPUs with each IOMMU on: the second CPU starts through the guest's
# INIT-SIPI-SIPI; QEMU runs one host thread per CPU (-accel tcg,thread=multi), so the two
# CPUs really run at the same time, against the shared PCI configuration lock on AMD-Vi.
img=$(pxhv_image --drive 0x81) || fail "image"
cat >"$TEST_TMP/smp.chat" <<'CHAT'
wait PXHV-GUEST: linux init
wait ~ # 
send echo "nproc=$(nproc)"
wait nproc=
wait ~ # 
send poweroff -f
CHAT
for iommu in intel-iommu amd-iommu; do
    run_qemu --disk "$img" --disk2 "$G/linux.img" --cpu "$SVM_CPU" --cpus 2 --machine q35 \
        --device "$iommu" --arg -accel --arg tcg,thread=multi --timeout 600 --stall 120 \
        --chat "$TEST_TMP/smp.chat" --done "pxHV: stopping"
    expect_in_order -E "$SERIAL_LOG" '^pxHV: IOMMU on: DMA cannot reach .*' \
        '.*smpboot: Total of 2 processors activated .*' 'nproc=2' \
        'pxHV: guest ended: ACPI sleep/power-off request at .*' \
        'pxHV: hypervisor image unchanged since the guest started \([0-9]+ KiB checked\)' \
        'pxHV: stopping \(guest finished\)' || fail "Linux on 2 CPUs with $iommu"
done
pass "DMA into pxHV's region blocked by VT-d and AMD-Vi, guest DMA works, the guest cannot undo it, Linux boots with either on 1 and 2 CPUs"
