#!/usr/bin/env bash
# Linux as a guest, the whole chain: MBR -> pxHV -> the Linux disk's boot
# sector (BIOS drive 0x81) -> SYSLINUX -> Debian kernel -> busybox shell.
# Commands typed on COM1 must be answered by the shell, so the test cannot
# pass on kernel output alone.  Then `poweroff -f` must end the run through
# pxHV, which prints its exit statistics.
. "$(dirname "$0")/lib.sh"
linux=$PXHV_ROOT/build/guests/linux.img
[ -s "$linux" ] || fail "$linux missing (make guest-linux)"
# The version of the Debian kernel package the image was built from (mk-linux.sh).
kver=$(cat "$PXHV_ROOT/build/guests/linux.kernel-version" 2>/dev/null)
[ -n "$kver" ] || fail "build/guests/linux.kernel-version missing (make guest-linux)"
MEM=256

img=$(pxhv_image --drive 0x81) || fail "image"
chat=$TEST_TMP/linux.chat
cat >"$chat" <<'CHAT'
wait PXHV-GUEST: linux init
wait ~ # 
send echo "uname=$(uname -r)"
wait uname=
wait ~ # 
send echo "hv=$(grep -c -w hypervisor /proc/cpuinfo)"
wait hv=
wait ~ # 
send echo "memtotal=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
wait memtotal=
wait ~ # 
send dmesg | grep 'BIOS-e820' | sed 's/^.*BIOS-e820/e820/'
wait ~ # 
send echo "iomem:"; grep -i reserved /proc/iomem | sed 's/^ */iomem /'
wait ~ # 
send poweroff -f
CHAT
run_bochs --disk "$img" --disk2 "$linux" --mem "$MEM" --timeout 600 --chat "$chat" \
    --done "pxHV: stopping"
echo "Linux reached the shell and powered off in ${RUN_SECS}s"

expect_in_order -E "$SERIAL_LOG" \
    "pxHV: launching guest .* \(BIOS drive\) at 0000:7C00, DL=0x81" \
    "PXHV-GUEST: linux init, kernel $kver, up [0-9.]+ s" \
    "uname=$kver" \
    "hv=[1-9][0-9]*" \
    "memtotal=[0-9]+" \
    "pxHV: guest ended: ACPI sleep/power-off request at .*" \
    "pxHV: exit statistics: [0-9]+ exits" \
    "pxHV: stopping \(guest finished\)" || fail "shell session"

# What pxHV hides: the region from its own report; Linux must see it reserved.
hv_range || fail "hidden-range line"
lo=$HV_START hi=$HV_END
e820=$(printf 'e820: \\[mem 0x%016x-0x%016x\\] reserved' "$lo" $((hi - 1)))
expect_line "$SERIAL_LOG" "^$e820\$" || fail "Linux's e820 does not show the hidden range reserved"
expect_line "$SERIAL_LOG" "$(printf '^iomem %08x-%08x : Reserved$' "$lo" $((hi - 1)))" ||
    fail "/proc/iomem does not show the hidden range reserved"
# No usable e820 range may overlap it.
while read -r s e; do
    [ $((16#$e)) -lt "$lo" ] || [ $((16#$s)) -ge "$hi" ] ||
        fail "Linux has usable RAM 0x$s-0x$e over the hidden range"
done < <(sed -nE 's/^e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] usable.*/\1 \2/p' "$SERIAL_LOG" | tr -d '\r')

# Usable RAM: below the emulated RAM by at least the hidden range.
expect_line "$SERIAL_LOG" '^memtotal=[0-9]+' || fail "memtotal"
mt=${MATCH#memtotal=}
[ "$mt" -le $((MEM * 1024 - (hi - lo) / 1024)) ] ||
    fail "MemTotal $mt KiB is not below $MEM MiB by the hidden $(((hi - lo) / 1024)) KiB"
expect_stats CPUID "I/O instruction" || fail "exit statistics"
pass "MemTotal $mt KiB; booted and powered off in ${RUN_SECS}s"
