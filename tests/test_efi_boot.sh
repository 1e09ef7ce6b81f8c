#!/usr/bin/env bash
# pxhv.efi on a UEFI machine: QEMU TCG q35 with OVMF (Debian's ovmf), AMD-V emulated, 2 CPUs,
# the ESP of `make esp` as the disk.  OVMF starts \EFI\BOOT\BOOTX64.EFI (pxhv.efi), whose
# lines on COM1 are checked exactly: the firmware, the CPU's virtualization, the RSDP from the
# configuration table, both CPUs from the MADT and from the MP services protocol (the AP runs
# pxHV's function), the region as EfiReservedMemoryType; then
#   1. with no configuration it starts \EFI\BOOT\grubx64.efi, GRUB boots the Linux guest to
#      its busybox shell, which answers, shows the region reserved in its E820 map, and powers
#      the machine off;
#   2. with next=\vmlinuz the kernel's own EFI stub is the next loader, its command line and
#      initrd= in the LoadOptions pxhv.efi passes: the same shell;
#   3. an unknown key, a missing and a broken next loader: the reason, the region freed, and
#      back to the firmware's boot manager, which goes on with its next boot option.
# pxhv.efi does not launch stage 3 yet: the guest runs on the bare (emulated) CPUs.
. "$(dirname "$0")/lib.sh"
esp=$PXHV_ROOT/build/esp.img
[ -s "$esp" ] || fail "$esp missing (make esp)"
LINUX_KVER=$(cat "$PXHV_ROOT/build/guests/linux.kernel-version" 2>/dev/null)
[ -n "$LINUX_KVER" ] || fail "build/guests/linux.kernel-version missing (make guest-linux)"
EFI_CPU=qemu64,+svm,+npt
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
    run_qemu --efi --machine q35 --disk "$disk" --cpu "$EFI_CPU" --cpus 2 --mem 512 "$@"
}

# pxhv.efi's lines up to its configuration, then from the ACPI RSDP to the region.
ERE_HEX='[0-9a-f]+'
start_lines() { # CONFIG_LINE_ERE
    expect_in_order -E "$SERIAL_LOG" \
        'pxHV: Pixel Hypervisor v0\.1 \(UEFI\)' \
        "UEFI: EDK II firmware revision 0x$ERE_HEX, UEFI 2\.[0-9.]+, [0-9]+ configuration tables" \
        "UEFI: pxhv\.efi is \\\\EFI\\\\BOOT\\\\BOOTX64\\.EFI at 0x$ERE_HEX \([0-9]+ KiB\)" \
        'AMD-V supported' \
        'Long mode enabled \(by the firmware\)' \
        "$1"
}
prepare_lines() {
    expect_in_order -E "$SERIAL_LOG" \
        "ACPI: RSDP at 0x[0-9a-f]{16} \(EFI configuration table, ACPI 2\.0 GUID\), revision 2, OEM 'BOCHS ', XSDT at 0x$ERE_HEX" \
        'pxHV: 2 CPUs \(ACPI MADT\): APIC 0, APIC 1' \
        'pxHV: MP services: 2 CPUs, 2 enabled; pxhv\.efi runs on CPU 0' \
        'pxHV: CPU 0 \(APIC 0\): boot CPU, healthy, runs pxhv\.efi' \
        "pxHV: CPU 0 state: CR0 $ERE_HEX CR3 $ERE_HEX CR4 $ERE_HEX EFER $ERE_HEX PAT $ERE_HEX APIC_BASE $ERE_HEX" \
        "pxHV: CPU 1 \(APIC 1\): ran pxHV's function in [0-9]+ us, which read APIC ID 1" \
        "pxHV: CPU 1 state: CR0 $ERE_HEX CR3 $ERE_HEX CR4 $ERE_HEX EFER $ERE_HEX PAT $ERE_HEX APIC_BASE $ERE_HEX" \
        "pxHV: 2 of 2 CPUs ran pxHV's code" \
        'Hypervisor region at 0x[0-9A-F]{16}' \
        "pxHV: region $ERE_HEX-$ERE_HEX: [0-9]+ KiB for 2 CPUs \(stage 3 [0-9]+ KiB with data\), EfiReservedMemoryType" \
        "pxHV: firmware memory map: [0-9a-f]{16}-[0-9a-f]{16} EfiReservedMemoryType, attributes $ERE_HEX" \
        'pxHV: [0-9]+ of [0-9]+ KiB of the region are EfiReservedMemoryType in the map \([0-9]+ descriptors\)' \
        "pxHV: AllocatePages at the region's first and last page: EFI_NOT_FOUND, it is pxHV's" ||
        return 1
    # REGION_LO/REGION_HI (inclusive) from the region line, which must agree with its size.
    expect_line "$SERIAL_LOG" "^pxHV: region $ERE_HEX-$ERE_HEX: [0-9]+ KiB" || return 1
    local r=${MATCH#pxHV: region } kib
    kib=${r#*: }; kib=${kib%% KiB*}
    r=${r%%:*}
    REGION_LO=$((16#${r%-*})) REGION_HI=$((16#${r#*-}))
    (( REGION_HI + 1 - REGION_LO == kib * 1024 )) ||
        { echo "FAILED: region $r is not $kib KiB"; return 1; }
    expect_line "$SERIAL_LOG" "^pxHV: $kib of $kib KiB of the region are EfiReservedMemoryType in the map" ||
        { echo "FAILED: the firmware's memory map does not hold all of the region as reserved"; return 1; }
    (( REGION_LO % 4096 == 0 && REGION_LO >= 0x1000000 && REGION_HI < 0x100000000 )) ||
        { echo "FAILED: region $r not page-aligned between 16 MiB and 4 GiB"; return 1; }
    expect_line "$SERIAL_LOG" "^Hypervisor region at 0x0*$(printf '%X' "$REGION_LO")\$" ||
        { echo "FAILED: the two region lines disagree"; return 1; }
}

# The Linux guest's shell: it answers, has both CPUs, sees the region reserved, powers off.
cat >"$TEST_TMP/linux.chat" <<'CHAT'
wait PXHV-GUEST: linux init
wait ~ # 
send echo "uname=$(uname -r) nproc=$(nproc)"
wait nproc=
wait ~ # 
send dmesg | grep 'BIOS-e820' | sed 's/^.*BIOS-e820/e820/'
wait ~ # 
send poweroff -f
CHAT
linux_lines() { # the shell's answers, the region reserved in Linux's E820, the power-off
    # (which ends QEMU by itself)
    expect_in_order -E "$SERIAL_LOG" \
        "PXHV-GUEST: linux init, kernel $LINUX_KVER, up [0-9.]+ s" \
        "uname=$LINUX_KVER nproc=2" \
        '.*reboot: Power down' || return 1
    expect_end exit || return 1
    local a b found=
    while read -r a b; do
        (( 16#$a <= REGION_LO && 16#$b >= REGION_HI )) && found=1
    done < <(tr -d '\r' <"$SERIAL_LOG" | sed -nE 's/^e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] reserved$/\1 \2/p')
    [ -n "$found" ] || { echo "FAILED: Linux's E820 shows no reserved range over the region"; return 1; }
    while read -r a b; do
        (( 16#$b < REGION_LO || 16#$a > REGION_HI )) ||
            { echo "FAILED: Linux has usable RAM 0x$a-0x$b over the region"; return 1; }
    done < <(tr -d '\r' <"$SERIAL_LOG" | sed -nE 's/^e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] usable$/\1 \2/p')
}

# 1. No configuration: GRUB from pxhv.efi's directory, then Linux.
efi_run "$esp" --timeout 400 --chat "$TEST_TMP/linux.chat"
start_lines 'Config: no \\EFI\\BOOT\\pxhv\.cfg: the defaults' || fail "GRUB: pxhv.efi's first lines"
prepare_lines || fail "GRUB: pxhv.efi's preparation"
expect_in_order -E "$SERIAL_LOG" \
    'pxHV: the UEFI path does not launch stage 3 yet: the next loader runs without pxHV' \
    'pxHV: next loader \\EFI\\BOOT\\grubx64\.efi \([0-9]+ bytes\)' \
    'pxHV: starting \\EFI\\BOOT\\grubx64\.efi' \
    '.*PXHV-GUEST: grub-efi loading /vmlinuz' \
    ".*Command line: BOOT_IMAGE=/vmlinuz $APPEND" || fail "GRUB: the chain to Linux"
linux_lines || fail "GRUB: the Linux guest"
grub_secs=$RUN_SECS

# 2. The kernel's EFI stub as the next loader, its command line in the LoadOptions.
img=$(esp_with "# the Linux kernel's own EFI stub, initrd= read by the stub from this volume
next=/vmlinuz
options=$APPEND initrd=\\initrd.gz")
efi_run "$img" --timeout 400 --chat "$TEST_TMP/linux.chat"
start_lines "Config: \\\\EFI\\\\BOOT\\\\pxhv\\.cfg: next=\\\\vmlinuz flags=none options=$APPEND initrd=\\\\initrd\\.gz" ||
    fail "EFI stub: pxhv.efi's first lines"
prepare_lines || fail "EFI stub: pxhv.efi's preparation"
expect_in_order -E "$SERIAL_LOG" \
    'pxHV: next loader \\vmlinuz \([0-9]+ bytes\)' \
    "pxHV: load options: $APPEND initrd=\\\\initrd\\.gz" \
    'pxHV: starting \\vmlinuz' \
    ".*Command line: $APPEND initrd=\\\\initrd\\.gz" || fail "EFI stub: the chain to Linux"
linux_lines || fail "EFI stub: the Linux guest"
stub_secs=$RUN_SECS

# 3. Bad input and bad loaders: the reason, then back to the firmware, which goes on.
# OVMF's boot manager reports the failed boot option and starts its next one (the UEFI Shell).
stop_case() { # NAME CFG_TEXT REASON_ERE STATUS FIRMWARE_STATUS_TEXT
    efi_run "$(esp_with "$2")" --timeout 120 --done "BdsDxe: failed to start"
    expect_in_order -E "$SERIAL_LOG" 'pxHV: Pixel Hypervisor v0\.1 \(UEFI\)' "$3" \
        "pxHV: stopping: back to the firmware's boot manager \\($4\\)" \
        "BdsDxe: failed to start Boot[0-9A-F]{4} .*: $5" || fail "$1"
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
expect_in_order -E "$SERIAL_LOG" 'pxHV: the UEFI path does not launch stage 3 yet: the next loader runs without pxHV' \
    "pxHV: region $ERE_HEX-$ERE_HEX given back to the firmware" \
    "pxHV: stopping: back to the firmware's boot manager \\(EFI_UNSUPPORTED\\)" ||
    fail "broken loader: the region was not given back"
pass "GRUB -> Linux in ${grub_secs}s, EFI stub -> Linux in ${stub_secs}s, bad input and loaders refused"
