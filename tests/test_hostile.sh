#!/usr/bin/env bash
# The hostile suite (`make test T=hostile`): one guest per way a guest could take the
# machine from pxHV or see a CPU that does not behave as the SDM says (docs/security.md
# lists the routes), each with its exact outcome: the fault a CPU raises (vector, error
# code, RF), or pxHV's refusal with the guest's CS:RIP, and pxHV alive afterwards.
#   hostile_cpu    CPL 0: RF on injected faults, IP wrap, PDPTEs, TF and DR7 across exits,
#                  self-NMI, IA32_APIC_BASE, MTRRs, CMOS shutdown byte, S3, COM1, pointers
#                  across 4 GiB and into the region, segment limits, CR0.WP
#   hostile_user   CPL 3: XSETBV, CPUID 0x40000001, VMCALL, INS/OUTS on supervisor pages
#   hostile_long   MOV CR0 into and out of IA-32e mode that a CPU refuses (#GP)
#   hostile_cmos   a reset with a resume code armed, through routes pxHV does not intercept
#   hostile_smram  opening SMRAM
#   hostile_task   a hardware task switch
#   hostile_region REP MOVS across the region's start; hostile_alias a 2 MiB alias of
#                  the region; hostile_cr3 CR3 inside it (routes EPT already closes)
#   own MBR        pxHV's own disk configured as the guest; a configuration of another version
# Not here: DMA (route 7).  Bochs emulates no IOMMU, so a bus master the guest programs (the
# PIIX IDE controller's bus-master DMA) reaches pxHV's region: that route stays open on
# machines without an IOMMU, which pxHV says at start-up ("pxHV: no IOMMU ...").
# tests/test_iommu.sh shows it open on QEMU q35 without an IOMMU and closed with VT-d and
# with AMD-Vi.
# check: yes
. "$(dirname "$0")/lib.sh"
refused() { printf 'pxHV: refused: %s at [0-9a-f]{4}:[0-9a-f]+' "$1"; }

guest_run hostile_cpu corei7_skylake_x
expect_in_order -E "$SERIAL_LOG" \
    'hostile_cpu: cpuid at 1000:fffe: ip wrapped to 1000:0000' \
    'hostile_cpu: vmxon: #6\(0000\) rf=1' \
    'hostile_cpu: cr4\.smxe: #13\(0000\) rf=1' \
    'hostile_cpu: getsec: #6\(0000\) rf=1' \
    'hostile_cpu: pae paging over a bad pdpte: #13\(0000\) rf=1' \
    'hostile_cpu: tf over cpuid: #1\(0000\) rf=0' 'hostile_cpu: tf over cpuid: dr6\.bs=1' \
    'hostile_cpu: dr0 breakpoint after an exit: #1\(0000\) rf=0' \
    'hostile_cpu: dr0 breakpoint after an exit: dr6\.b0=1' \
    'hostile_cpu: nmi to self: #2\(0000\) rf=0' \
    "$(refused 'moving the local APIC from 0xfee00000 to 0xfec00000 \(IA32_APIC_BASE\); it stays where it is')" \
    'hostile_cpu: apic base after moving it: 0xFEE00000' \
    'hostile_cpu: mtrr def type 0: no fault' 'hostile_cpu: mtrr def type reads 0x00000000' \
    'hostile_cpu: mtrr def type 2: #13\(0000\) rf=1' \
    "$(refused 'CMOS shutdown code 0x0a \(after a reset the BIOS would resume guest code outside pxHV\); 0x00 written instead')" \
    'hostile_cpu: cmos shutdown byte after writing 0x0a: 0x00' \
    "$(refused 'ACPI sleep state with SLP_TYP 1 \(only S5, power-off, is possible under pxHV\); the write is ignored')" \
    'hostile_cpu: s3 request: still running' \
    'hostile_cpu: com1 dlab set: this line still comes out' \
    '\[guest\] pxHV: stopping \(guest finished\)' \
    'hostile_cpu: puts across 4 GiB: 0xFFFFFFFE' 'hostile_cpu: puts from pxHV.s region: 0xFFFFFFFE' \
    'hostile_cpu: insd across 4 GiB: no fault' \
    'hostile_cpu: insb past es.s limit: #13\(0000\) rf=1' \
    'hostile_cpu: insb into a read-only page: #14\(0003\) rf=1' 'hostile_cpu: cr2=0x00030010' \
    'hostile_cpu: done' 'pxHV: the machine.s MTRRs: as the firmware set them' \
    'pxHV: stopping \(guest finished\)' || fail "hostile_cpu"
expect_absent "$SERIAL_LOG" "hostile_cpu: FAIL" || fail "hostile_cpu: a FAIL line"
expect_line "$SERIAL_LOG" '^pxHV: ACPI sleep states S3 S4 hidden from the guest: only S5, power-off, works under pxHV$' ||
    fail "sleep states not hidden"
expect_line "$SERIAL_LOG" '^pxHV: SMRAM: left unlocked by the firmware: closed and locked \(register 0x72: 0x0a -> 0x1a\)$' ||
    fail "SMRAM not locked"

guest_run hostile_user corei7_skylake_x
expect_in_order "$SERIAL_LOG" \
    'hostile_user: xsetbv at cpl 3: #13(0000) rf=1' \
    'hostile_user: cpuid 0x40000001 at cpl 3: 0x00000000' \
    'hostile_user: vmcall at cpl 3: #6(0000) rf=1' \
    'hostile_user: insb into a supervisor page: #14(0007) rf=1' 'hostile_user: cr2=0x00030000' \
    'hostile_user: outsb from a supervisor page: #14(0005) rf=1' \
    'hostile_user: supervisor page byte: 0x5A' 'hostile_user: done' \
    'pxHV: stopping (guest finished)' || fail "hostile_user"

# Bochs's own BIOS cannot start over after a CPU-only reset with SMRAM locked; SeaBIOS can.
guest_run hostile_long corei7_skylake_x
expect_in_order "$SERIAL_LOG" \
    'hostile_long: ia-32e activation with a 16-bit tss: #13(0000) rf=1' \
    'hostile_long: ia-32e activation with cs.l=1: #13(0000) rf=1' \
    'hostile_long: ia-32e activation: no fault' 'hostile_long: paging off in 64-bit mode: #13(0000)' \
    'hostile_long: done' 'pxHV: stopping (guest finished)' || fail "hostile_long"

guest_run hostile_cmos corei7_skylake_x --bios /usr/share/seabios/bios.bin
cmos_refused=$(refused 'CMOS shutdown code 0x0a \(after a reset the BIOS would resume guest code outside pxHV\); 0x00 written instead')
expect_in_order -E "$SERIAL_LOG" \
    'hostile_cmos: boot 1, hypervisor present: 1' "$cmos_refused" \
    'hostile_cmos: reset through the keyboard controller, shutdown code 0x0a' \
    'pxHV: Pixel Hypervisor v0\.1' 'VMXON executed successfully!' \
    'hostile_cmos: boot 2, hypervisor present: 1' "$cmos_refused" \
    "hostile_cmos: reset through the keyboard controller's output port, shutdown code 0x0a" \
    'pxHV: Pixel Hypervisor v0\.1' 'VMXON executed successfully!' \
    'hostile_cmos: boot 3, hypervisor present: 1' 'hostile_cmos: done' \
    'pxHV: stopping \(guest finished\)' || fail "hostile_cmos"
expect_absent "$SERIAL_LOG" "hostile_cmos: FAIL" || fail "hostile_cmos: resumed natively"

guest_run hostile_smram corei7_skylake_x
expect_in_order "$SERIAL_LOG" 'hostile_smram: smram control 0x1A, after setting D_OPEN 0x1A' \
    'hostile_smram: smram stays closed' 'pxHV: stopping (guest finished)' || fail "hostile_smram"

guest_run hostile_task corei7_skylake_x
expect_in_order -E "$SERIAL_LOG" 'hostile_task: jmp to a tss' \
    "$(refused 'hardware task switch to TSS selector 0x0018 through JMP \(not emulated\)')" \
    'pxHV: guest ended: task switch at 0008:[0-9a-f]+' 'pxHV: stopping \(guest finished\)' ||
    fail "hostile_task"
expect_absent "$SERIAL_LOG" "hostile_task: FAIL" || fail "hostile_task: the switch happened"

for g in hostile_region hostile_alias hostile_cr3; do
    guest_run "$g" corei7_skylake_x
    expect_in_order -E "$SERIAL_LOG" \
        'pxHV: EPT violation: guest (read|write) at GPA 0x[0-9a-f]+ .*' \
        'pxHV: the page is hypervisor memory \(EPT permissions ---\)' \
        'pxHV: guest ended: EPT violation at 0008:[0-9a-f]+' 'pxHV: stopping \(guest finished\)' ||
        fail "$g"
    expect_absent "$SERIAL_LOG" "$g: still running" || fail "$g: the region was reached"
done

# pxHV's own boot sector as the guest (drive 0x80 is pxHV's disk): refused, not a reboot loop.
img=$(pxhv_image --drive 0x80) || fail "image"
run_bochs --disk "$img" --timeout 60 --done "pxHV: stopping"
expect_in_order -E "$SERIAL_LOG" \
    "pxHV: no guest launched: the guest boot sector \(drive 0x80\) is pxHV's own: the configuration points at pxHV's disk" \
    'pxHV: stopping \(no guest\)' || fail "own MBR"
[ "$(grep -c 'pxHV: Pixel Hypervisor v0.1' "$SERIAL_LOG")" = 1 ] || fail "own MBR: pxHV booted more than once"

# A configuration block of another version: stage 2 refuses to read it.
img=$(pxhv_image --builtin "$(guest_bin cpuid)") || fail "image"
printf '\002' | dd of="$img" bs=1 seek=$((DISK_CONFIG_LBA * SECTOR_SIZE + CFG_VERSION)) conv=notrunc status=none
run_bochs --disk "$img" --timeout 60
expect_in_order "$SERIAL_LOG" 'Stage 2: Hypervisor loader' 'Config block missing or invalid' ||
    fail "config version"
expect_absent "$SERIAL_LOG" "VMXON executed successfully!" || fail "config version: went on"
expect_end exit || fail "config version: the machine was not stopped"
pass "every route closed or refused, pxHV alive"
