#!/usr/bin/env bash
# pxhv.efi on a UEFI machine: QEMU TCG q35 with OVMF (Debian's ovmf), AMD-V emulated, 2 CPUs,
# the ESP of `make esp` as the disk.  OVMF starts \EFI\BOOT\BOOTX64.EFI (pxhv.efi), whose
# lines on COM1 are checked exactly: the firmware, the CPU's virtualization, the RSDP from the
# configuration table, both CPUs from the MADT and the MP services protocol, the address
# space the guest reaches (the GCD memory space map's devices above 4 GiB), the region and
# its A20 alias as EfiReservedMemoryType; then stage 3's preparation, each AP checked, every
# CPU virtualized in place (the AP first, then the boot CPU, each continuing inside pxhv.efi
# as the guest, with TR as reset left it), and pxhv.efi itself running as pxHV's guest:
#   1. with no configuration it starts \EFI\BOOT\grubx64.efi, GRUB boots the Linux guest to
#      its busybox shell: 2 CPUs (the AP started by Linux through pxHV's virtual INIT/SIPI),
#      the hypervisor bit on both, the region and its alias reserved in Linux's E820 and
#      /proc/iomem and no usable RAM over them, MemTotal below the RAM by at least the region,
#      and power-off through pxHV, which ends the run with its exit statistics;
#   2. with next=\vmlinuz the kernel's own EFI stub is the next loader, its command line and
#      initrd= in the LoadOptions pxhv.efi passes: the same checks;
#   3. an unknown key, a missing and a broken next loader: the reason, the region freed, and
#      back to the firmware's boot manager, which goes on with its next boot option; no CPU
#      is virtualized;
#   4. four CPUs: three APs virtualized one after the other, Linux on all four.
# needs: esp guest-linux
# weight: 60
. "$(dirname "$0")/lib.sh"
esp=$PXHV_ROOT/build/esp.img
[ -s "$esp" ] || fail "$esp missing (make esp)"
LINUX_KVER=$(cat "$PXHV_ROOT/build/guests/linux.kernel-version" 2>/dev/null)
[ -n "$LINUX_KVER" ] || fail "build/guests/linux.kernel-version missing (make guest-linux)"
EFI_CPU=$SVM_QEMU_CPU
EFI_MEM=512
APPEND='console=ttyS0,115200 nokaslr lapic=notscdeadline'

# esp_with CFG_TEXT: a copy of the ESP with \EFI\BOOT\pxhv.cfg holding CFG_TEXT.
esp_with() {
    local img; img=$(mktemp "$TEST_TMP/esp.XXXXXX.img")
    cp "$esp" "$img"
    printf '%s\n' "$1" >"$img.cfg"
    MTOOLS_SKIP_CHECK=1 mcopy -o -i "$img" "$img.cfg" ::EFI/BOOT/pxhv.cfg || fail "mcopy pxhv.cfg"
    echo "$img"
}
efi_run() { # DISK [run_qemu option]...
    local disk=$1; shift
    # One host thread per vCPU: the APs' spin loops do not take the boot CPU's turns.
    run_qemu --efi --machine q35 --disk "$disk" --cpu "$EFI_CPU" --cpus 2 --mem "$EFI_MEM" \
        --arg -accel --arg tcg,thread=multi "$@"
}

# pxhv.efi's lines up to its configuration.
H='[0-9a-f]+'
start_lines() { # CONFIG_LINE_ERE
    expect_in_order -E "$SERIAL_LOG" \
        'pxHV: Pixel Hypervisor v0\.1 \(UEFI\)' \
        "UEFI: EDK II firmware revision 0x$H, UEFI 2\.[0-9.]+, [0-9]+ configuration tables" \
        "UEFI: pxhv\.efi is \\\\EFI\\\\BOOT\\\\BOOTX64\\.EFI at 0x$H \([0-9]+ KiB\)" \
        'AMD-V supported' \
        'Long mode enabled \(by the firmware\)' \
        "$1"
}

# From the RSDP to the region: REGION_LO/REGION_HI (inclusive), ALIAS_LO/ALIAS_HI.
region_lines() {
    expect_in_order -E "$SERIAL_LOG" \
        "ACPI: RSDP at 0x[0-9a-f]{16} \(EFI configuration table, ACPI 2\.0 GUID\), revision 2, OEM 'BOCHS ', XSDT at 0x$H" \
        'pxHV: 2 CPUs \(ACPI MADT\): APIC 0, APIC 1' \
        'pxHV: MP services: 2 CPUs, 2 enabled: APIC 0 \(boot, runs pxhv\.efi\), APIC 1' \
        "UEFI: the guest's address space reaches 0x$H \([0-9]+ device ranges? above 4 GiB in the GCD memory space map\): [0-9]+ page-table pages for it above 4 GiB" \
        'Hypervisor region at 0x[0-9A-F]{16}' \
        "pxHV: region $H-$H: [0-9]+ KiB for 2 CPUs \(stage 3 [0-9]+ KiB with data, [0-9]+ KiB per CPU, [0-9]+ page-table pages\), EfiReservedMemoryType" \
        "pxHV: its A20 alias $H-$H too, until stage 3 knows whether the A20 gate reaches VMX/SVM operation" \
        "pxHV: firmware memory map: [0-9a-f]{16}-[0-9a-f]{16} EfiReservedMemoryType, attributes $H" \
        'pxHV: [0-9]+ of [0-9]+ KiB of the region are EfiReservedMemoryType in the map \([0-9]+ descriptors\)' \
        "pxHV: AllocatePages at the region's first and last page: EFI_NOT_FOUND, it is pxHV's" ||
        return 1
    expect_line "$SERIAL_LOG" "^pxHV: region $H-$H: [0-9]+ KiB" || return 1
    local r=${MATCH#pxHV: region } kib
    kib=${r#*: }; kib=${kib%% KiB*}
    r=${r%%:*}
    REGION_LO=$((16#${r%-*})) REGION_HI=$((16#${r#*-}))
    (( REGION_HI + 1 - REGION_LO == kib * 1024 )) || { echo "FAILED: region $r is not $kib KiB"; return 1; }
    expect_line "$SERIAL_LOG" "^pxHV: $kib of $kib KiB of the region are EfiReservedMemoryType in the map" ||
        { echo "FAILED: the firmware's memory map does not hold all of the region as reserved"; return 1; }
    # Where stage 3 would put it (include/lib/region.h): page-aligned, 16 MiB..4 GiB, inside one
    # even-numbered MiB, its alias one MiB higher.
    (( REGION_LO % 4096 == 0 && REGION_LO >= 0x1000000 && REGION_HI < 0x100000000 )) ||
        { echo "FAILED: region $r not page-aligned between 16 MiB and 4 GiB"; return 1; }
    (( (REGION_LO >> 20) % 2 == 0 && (REGION_LO >> 20) == (REGION_HI >> 20) )) ||
        { echo "FAILED: region $r not inside one even-numbered MiB"; return 1; }
    expect_line "$SERIAL_LOG" "^pxHV: its A20 alias $H-$H" || return 1
    r=${MATCH#pxHV: its A20 alias }
    r=${r%% *}
    ALIAS_LO=$((16#${r%-*})) ALIAS_HI=$((16#${r#*-}))
    (( ALIAS_LO == REGION_LO + 0x100000 && ALIAS_HI == REGION_HI + 0x100000 )) ||
        { echo "FAILED: the alias is not the region one MiB higher"; return 1; }
    expect_line "$SERIAL_LOG" "^Hypervisor region at 0x0*$(printf '%X' "$REGION_LO")\$" ||
        { echo "FAILED: the two region lines disagree"; return 1; }
}

# Stage 3's preparation and the in-place launch of both CPUs, continuing inside pxhv.efi.
launch_lines() { # NEXT_LOADER_ERE
    expect_in_order -E "$SERIAL_LOG" \
        "pxHV: next loader $1 \([0-9]+ bytes\)" \
        "pxHV: boot_info: [0-9]+ E820 ranges from the firmware's memory map and [0-9]+ device ranges?, RSDP 0x$H, address space to 0x$H" \
        "pxHV: stage 3 at 0x$H prepares \(its lines on COM1\)" \
        'Stage 3: C runtime ready \(UEFI\)' \
        'E820: [0-9]+ entries, usable RAM [0-9]+ KiB \(from the UEFI memory map\)' \
        'pxHV: 2 CPUs \(ACPI MADT\): APIC 0 \(boot\) APIC 1' \
        'SVM enabled' \
        'pxHV: A20 gate applies in VMX/SVM operation on this CPU: the region.s A20 alias is kept from the guest too' \
        "pxHV: hidden from the guest: [0-9a-f]{16}-[0-9a-f]{16} \(hypervisor, [0-9]+ KiB\), [0-9a-f]{16}-[0-9a-f]{16} \(its A20 alias, [0-9]+ KiB\)" \
        "pxHV: the guest's memory map is the firmware's, in which pxhv.efi took these ranges as EfiReservedMemoryType" \
        "pxHV: the guest's INIT and SIPI: intercepted ICR writes \(no wait-for-SIPI activity state\)" \
        "NPT: [0-9]+ tables, .*, map up to 0x$H" \
        'pxHV: SMRAM: .*' \
        'pxHV: ready to virtualize 2 CPUs in place, the boot CPU last' \
        "pxHV: the A20 gate reaches VMX/SVM operation here: the region's A20 alias stays pxHV's" \
        "pxHV: CPU 1 \(APIC 1\) can be virtualized in place \(the firmware's MP services run it at 0038:$H\)" \
        'pxHV: putting 2 CPUs under pxHV in place: the APs, then this CPU' \
        "pxHV: CPU 1 \(APIC 1\) continues as the guest at 0038:$H in 64-bit mode, CR3 $H, RFLAGS $H, TR 0000 \(none loaded: the reset state, a busy TSS at 0, limit ffff\)" \
        "pxHV: CPU 0 \(APIC 0\) continues as the guest at 0038:$H in 64-bit mode, CR3 $H, RFLAGS $H, TR 0000 \(none loaded: the reset state, a busy TSS at 0, limit ffff\)" \
        "pxHV: 2 of 2 CPUs under pxHV; pxhv\.efi goes on as its guest \(CPUID: hypervisor bit 1, leaf 40000000h 'pxHVpxHVpxHV'\)" \
        "pxHV: starting $1" || return 1
    # hv_range's region is pxhv.efi's.
    hv_range || return 1
    (( HV_START == REGION_LO && HV_END == REGION_HI + 1 )) ||
        { echo "FAILED: stage 3 hides another range than pxhv.efi took"; return 1; }
    # Both CPUs continue at one instruction inside pxhv.efi's image: the return of efi/switch.S.
    expect_line "$SERIAL_LOG" "^UEFI: pxhv\.efi is .* at 0x$H \([0-9]+ KiB\)" || return 1
    local img=${MATCH##* at 0x} kib rip0 rip1
    kib=${img#* (}; kib=${kib%% KiB*}; img=$((16#${img%% *}))
    expect_line "$SERIAL_LOG" "^pxHV: CPU 1 \(APIC 1\) continues as the guest at 0038:$H" || return 1
    rip1=$(sed -E 's/.* at 0038:([0-9a-f]+) .*/\1/' <<<"$MATCH")
    expect_line "$SERIAL_LOG" "^pxHV: CPU 0 \(APIC 0\) continues as the guest at 0038:$H" || return 1
    rip0=$(sed -E 's/.* at 0038:([0-9a-f]+) .*/\1/' <<<"$MATCH")
    (( 16#$rip0 == 16#$rip1 && 16#$rip0 >= img && 16#$rip0 < img + kib * 1024 )) ||
        { echo "FAILED: the CPUs do not continue at one place inside pxhv.efi ($rip0, $rip1)"; return 1; }
}

# The Linux guest's shell: it answers, has both CPUs under pxHV, sees the region reserved,
# powers off through pxHV.
cat >"$TEST_TMP/linux.chat" <<'CHAT'
wait PXHV-GUEST: linux init
wait ~ # 
send echo "uname=$(uname -r) nproc=$(nproc) hv=$(grep -c -w hypervisor /proc/cpuinfo) memtotal=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
wait memtotal=
wait ~ # 
send dmesg | grep 'BIOS-e820' | sed 's/^.*BIOS-e820/e820/'; echo "iomem:"; grep -i reserved /proc/iomem | sed 's/^ */iomem /'
wait ~ # 
send poweroff -f
CHAT
linux_lines() {
    expect_in_order -E "$SERIAL_LOG" \
        "PXHV-GUEST: linux init, kernel $LINUX_KVER, up [0-9.]+ s" \
        "uname=$LINUX_KVER nproc=2 hv=2 memtotal=[0-9]+" \
        '.*reboot: Power down' \
        'pxHV: guest wrote SLP_EN with SLP_TYP [0-9]+ to PM1a_CNT' \
        'pxHV: guest ended: ACPI sleep/power-off request at .*' \
        'pxHV: exit statistics: [0-9]+ exits' \
        'pxHV: stopping \(guest finished\)' || return 1
    expect_stats CPUID "I/O instruction" "nested page fault" || return 1
    local a b lo hi mt
    for lo in $REGION_LO $ALIAS_LO; do
        hi=$((lo + REGION_HI - REGION_LO))
        local found=
        while read -r a b; do
            (( 16#$a <= lo && 16#$b >= hi )) && found=1
        done < <(tr -d '\r' <"$SERIAL_LOG" | sed -nE 's/^e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] reserved$/\1 \2/p')
        [ -n "$found" ] || { echo "FAILED: Linux's E820 shows no reserved range over $(printf %x $lo)"; return 1; }
        found=
        while read -r a b; do
            (( 16#$a <= lo && 16#$b >= hi )) && found=1
        done < <(tr -d '\r' <"$SERIAL_LOG" | sed -nE 's/^iomem ([0-9a-f]+)-([0-9a-f]+) : Reserved$/\1 \2/p')
        [ -n "$found" ] || { echo "FAILED: /proc/iomem shows no reserved range over $(printf %x $lo)"; return 1; }
        while read -r a b; do
            (( 16#$b < lo || 16#$a > hi )) ||
                { echo "FAILED: Linux has usable RAM 0x$a-0x$b over $(printf %x $lo)"; return 1; }
        done < <(tr -d '\r' <"$SERIAL_LOG" | sed -nE 's/^e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] usable$/\1 \2/p')
    done
    expect_line "$SERIAL_LOG" '^uname=.* memtotal=[0-9]+' || return 1
    mt=${MATCH##*memtotal=}
    (( mt <= EFI_MEM * 1024 - (REGION_HI + 1 - REGION_LO) / 1024 )) ||
        { echo "FAILED: MemTotal $mt KiB is not below $EFI_MEM MiB by the region"; return 1; }
}

# 1. No configuration: GRUB from pxhv.efi's directory, then Linux.
efi_run "$esp" --timeout 600 --stall 240 --chat "$TEST_TMP/linux.chat" --done "pxHV: stopping"
start_lines 'Config: no \\EFI\\BOOT\\pxhv\.cfg: the defaults' || fail "GRUB: pxhv.efi's first lines"
region_lines || fail "GRUB: the region"
launch_lines '\\EFI\\BOOT\\grubx64\.efi' || fail "GRUB: every CPU under pxHV"
expect_in_order -E "$SERIAL_LOG" 'pxHV: starting \\EFI\\BOOT\\grubx64\.efi' \
    '.*PXHV-GUEST: grub-efi loading /vmlinuz' \
    ".*Command line: BOOT_IMAGE=/vmlinuz $APPEND" \
    '.*smp: Brought up 1 node, 2 CPUs' || fail "GRUB: the chain to Linux"
linux_lines || fail "GRUB: the Linux guest"
grub_secs=$RUN_SECS

# 2. The kernel's EFI stub as the next loader, its command line in the LoadOptions.
img=$(esp_with "# the Linux kernel's own EFI stub, initrd= read by the stub from this volume
next=/vmlinuz
options=$APPEND initrd=\\initrd.gz")
efi_run "$img" --timeout 600 --stall 240 --chat "$TEST_TMP/linux.chat" --done "pxHV: stopping"
start_lines "Config: \\\\EFI\\\\BOOT\\\\pxhv\\.cfg: next=\\\\vmlinuz flags=none options=$APPEND initrd=\\\\initrd\\.gz" ||
    fail "EFI stub: pxhv.efi's first lines"
region_lines || fail "EFI stub: the region"
expect_in_order -E "$SERIAL_LOG" 'pxHV: next loader \\vmlinuz \([0-9]+ bytes\)' \
    "pxHV: load options: $APPEND initrd=\\\\initrd\\.gz" || fail "EFI stub: the load options"
launch_lines '\\vmlinuz' || fail "EFI stub: every CPU under pxHV"
expect_in_order -E "$SERIAL_LOG" 'pxHV: starting \\vmlinuz' \
    '.*EFI stub: Loaded initrd from command line option' \
    ".*Command line: $APPEND initrd=\\\\initrd\\.gz" \
    '.*smp: Brought up 1 node, 2 CPUs' || fail "EFI stub: the chain to Linux"
linux_lines || fail "EFI stub: the Linux guest"
stub_secs=$RUN_SECS

# 3. Bad input and bad loaders: the reason, then back to the firmware, which goes on with its
# next boot option (the UEFI Shell); pxHV never started.
stop_case() { # NAME CFG_TEXT REASON_ERE STATUS FIRMWARE_STATUS_TEXT
    efi_run "$(esp_with "$2")" --timeout 180 --stall 60 --done "BdsDxe: failed to start"
    expect_in_order -E "$SERIAL_LOG" 'pxHV: Pixel Hypervisor v0\.1 \(UEFI\)' "$3" \
        "pxHV: stopping: back to the firmware's boot manager \\($4\\)" \
        "BdsDxe: failed to start Boot[0-9A-F]{4} .*: $5" || fail "$1"
    expect_absent "$SERIAL_LOG" "Stage 3: C runtime ready" || fail "$1: stage 3 ran"
}
stop_case "unknown key" 'nxt=\EFI\BOOT\grubx64.efi' \
    "Config: \\\\EFI\\\\BOOT\\\\pxhv\\.cfg line 1: unknown key 'nxt' \\(keys: next, options, flags\\)" \
    EFI_LOAD_ERROR "Load Error"
expect_absent "$SERIAL_LOG" "Hypervisor region at" || fail "unknown key: went on after the error"
stop_case "missing loader" 'next=\EFI\BOOT\missing.efi' \
    'pxHV: next loader \\EFI\\BOOT\\missing\.efi: no such file \(EFI_NOT_FOUND\)' EFI_NOT_FOUND "Not Found"
# Not PE/COFF at all: OVMF's LoadImage answers EFI_UNSUPPORTED.
stop_case "broken loader" 'next=\initrd.gz' \
    'pxHV: next loader \\initrd\.gz: not an image type this firmware runs \(PE32\+ for x64\) \(LoadImage: EFI_UNSUPPORTED\)' \
    EFI_UNSUPPORTED "Unsupported"
expect_in_order -E "$SERIAL_LOG" "pxHV: the region's A20 alias $H-$H given back to the firmware" \
    "pxHV: region $H-$H given back to the firmware" \
    "pxHV: stopping: back to the firmware's boot manager \\(EFI_UNSUPPORTED\\)" ||
    fail "broken loader: the region was not given back"
# 4. Four CPUs: the firmware runs pxHV's CHECK and ENTER on three APs one after the other
# (StartupAllAPs, SingleThread), each woken by the firmware while the others already run as
# pxHV's guests; Linux then starts all three through pxHV.
cat >"$TEST_TMP/smp4.chat" <<'CHAT'
wait PXHV-GUEST: linux init
wait ~ # 
send echo "nproc=$(nproc) hv=$(grep -c -w hypervisor /proc/cpuinfo)"
wait ~ # 
send poweroff -f
CHAT
efi_run "$esp" --cpus 4 --timeout 600 --stall 240 --chat "$TEST_TMP/smp4.chat" --done "pxHV: stopping"
expect_in_order -E "$SERIAL_LOG" \
    'pxHV: MP services: 4 CPUs, 4 enabled: APIC 0 \(boot, runs pxhv\.efi\), APIC 1, APIC 2, APIC 3' \
    'pxHV: ready to virtualize 4 CPUs in place, the boot CPU last' \
    "pxHV: CPU 1 \(APIC 1\) can be virtualized in place .*" \
    "pxHV: CPU 2 \(APIC 2\) can be virtualized in place .*" \
    "pxHV: CPU 3 \(APIC 3\) can be virtualized in place .*" \
    "pxHV: CPU 1 \(APIC 1\) continues as the guest at 0038:$H in 64-bit mode, .*" \
    "pxHV: CPU 2 \(APIC 2\) continues as the guest at 0038:$H in 64-bit mode, .*" \
    "pxHV: CPU 3 \(APIC 3\) continues as the guest at 0038:$H in 64-bit mode, .*" \
    "pxHV: CPU 0 \(APIC 0\) continues as the guest at 0038:$H in 64-bit mode, .*" \
    "pxHV: 4 of 4 CPUs under pxHV; pxhv\.efi goes on as its guest .*" \
    '.*smp: Brought up 1 node, 4 CPUs' 'nproc=4 hv=4' \
    'pxHV: guest ended: ACPI sleep/power-off request at .*' 'pxHV: stopping \(guest finished\)' ||
    fail "4 CPUs"
smp4_secs=$RUN_SECS
pass "GRUB -> Linux in ${grub_secs}s, EFI stub -> Linux in ${stub_secs}s, both CPUs in place under pxHV; bad input and loaders refused; 4 CPUs in ${smp4_secs}s"
