#!/usr/bin/env bash
# Full boot chain on a VMX-capable CPU (Bochs corei7_skylake_x): stage 1 -> stage 2 (VT-x
# check, long mode, VMXON) -> stage 3, which reports the E820 map of the emulated RAM.
# check: yes
. "$(dirname "$0")/lib.sh"
need_image
MEM=${MEM:-256}

run_bochs --cpu corei7_skylake_x --mem "$MEM" --timeout 120 \
    --done "Stage 3: C runtime ready" --done "usable RAM"
expect_in_order "$SERIAL_LOG" \
    "pxHV: Pixel Hypervisor v0.1" \
    "Jumping to hypervisor..." \
    "Stage 2: Hypervisor loader" \
    "VT-x supported" \
    "Long mode enabled" \
    "VMXON executed successfully!" \
    "Stage 3: C runtime ready" || fail "boot chain lines"

# Usable RAM is the emulated size less the 640 KiB-1 MiB hole and the BIOS's few reserved
# KiB (EBDA, ACPI tables), so within 1 MiB below the emulated size.
expect_line "$SERIAL_LOG" '^E820: [0-9]+ entries, usable RAM [0-9]+ KiB' || fail "E820 summary"
kib=$(sed -E 's/.*usable RAM ([0-9]+) KiB.*/\1/' <<<"$MATCH")
lo=$((MEM * 1024 - 1024)) hi=$((MEM * 1024))
[ "$kib" -gt "$lo" ] && [ "$kib" -le "$hi" ] ||
    fail "usable RAM $kib KiB is not in ($lo, $hi] KiB for $MEM MB"
pass "$MATCH"
