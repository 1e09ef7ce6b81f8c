#!/usr/bin/env bash
# scripts/pxhv-install on disk image files (no root, no loop devices).
#   boot      pxHV installed in front of the GRUB disk (boot.img + core.img in the gap) and
#             of the SYSLINUX disk, each booted alone: pxHV's lines, then the disk's own MBR
#             code as the guest, up to its prompt; the Linux disk is covered by `make usb`
#             (test_install_usb.sh).
#   restore   --uninstall after each gives the image back byte for byte (sha256); so do two
#             installs and one uninstall, a configuration change in between
#             (pxhv-config.sh), and a damaged install record with --backup FILE.
#   GPT       a GPT disk with a BIOS boot partition (EF02): pxHV goes into it.
#   refusals  each with its exact message, the image unchanged: no 0x55AA, a disk smaller
#             than 1 MiB, a partition image, a gap too small, unknown data in the gap, no boot
#             code, a GPT disk without EF02, a read-only file, a block device without --yes,
#             pxHV's own image (not an install).
# needs: guest-grub guest-syslinux
# weight: 11
# check: yes
. "$(dirname "$0")/lib.sh"
G=$PXHV_ROOT/build/guests
INSTALL=(python3 "$PXHV_ROOT/scripts/pxhv-install")
CONFIG=$PXHV_ROOT/scripts/pxhv-config.sh
for f in grub.img syslinux.img; do [ -s "$G/$f" ] || fail "$G/$f missing (make guests)"; done
command -v sgdisk >/dev/null || fail "sgdisk missing (Debian package gdisk; make deps)"
S3=$(stat -c %s "$PXHV_ROOT/build/stage3.bin")
N=$((2 + DISK_STAGE2_SECTORS + 1 + (S3 + SECTOR_SIZE - 1) / SECTOR_SIZE))   # sectors pxHV takes

sum() { sha256sum "$1" | cut -d' ' -f1; }
# refuse DISK MESSAGE [OPTION...]: the installer fails with exactly "pxhv-install: refused: MESSAGE"
# and DISK keeps its bytes.
refuse() {
    local disk=$1 want="pxhv-install: refused: $2" before out; shift 2
    before=$(sum "$disk")
    out=$("${INSTALL[@]}" "$disk" "$@" 2>&1) && fail "accepted $disk ($*): $out"
    [ "$out" = "$want" ] || fail "$(printf 'message for %s:\n  got:  %s\n  want: %s' "$disk" "$out" "$want")"
    [ "$(sum "$disk")" = "$before" ] || fail "$disk changed although refused"
    echo "[$TEST_NAME] refused as expected: ${want#pxhv-install: refused: }"
}
# roundtrip DISK: install twice, configure, uninstall: the original bytes.
roundtrip() {
    local disk=$1 orig
    orig=$(sum "$disk")
    "${INSTALL[@]}" "$disk" --dry-run >/dev/null || fail "$disk: --dry-run"
    [ "$(sum "$disk")" = "$orig" ] || fail "$disk: --dry-run changed it"
    "${INSTALL[@]}" "$disk" >/dev/null || fail "$disk: install"
    [ "$(sum "$disk")" != "$orig" ] || fail "$disk: install changed nothing"
    "${INSTALL[@]}" "$disk" >"$TEST_TMP/again" || fail "$disk: second install"
    grep -q 'upgraded in place' "$TEST_TMP/again" || fail "$disk: second install not an upgrade"
    bash "$CONFIG" "$disk" --flags "$CFG_FLAG_TRACE_EXITS" >/dev/null || fail "$disk: pxhv-config.sh"
    bash "$CONFIG" "$disk" | grep -qx 'guest_source    mbr (4)' || fail "$disk: config not found"
    "${INSTALL[@]}" "$disk" --uninstall >/dev/null || fail "$disk: uninstall"
    [ "$(sum "$disk")" = "$orig" ] || fail "$disk: not restored byte for byte"
    echo "[$TEST_NAME] $(basename "$disk"): install, reinstall, configure, uninstall: sha256 as before"
}

# ---- boot: GRUB and SYSLINUX disks with pxHV in front, each the only disk ----
cp "$G/grub.img" "$TEST_TMP/grub.img"
orig=$(sum "$TEST_TMP/grub.img")
"${INSTALL[@]}" "$TEST_TMP/grub.img" >"$TEST_TMP/out" || fail "grub: install: $(cat "$TEST_TMP/out")"
grep -q "^  LBA 1-[0-9]*: GRUB's core.img, left alone$" "$TEST_TMP/out" || fail "grub: core.img not recognised"
printf '%s\n' "wait grub> " "send lsmmap" "wait grub> " "send halt" >"$TEST_TMP/grub.chat"
run_bochs --disk "$TEST_TMP/grub.img" --timeout 120 --chat "$TEST_TMP/grub.chat" --done "pxHV: stopping"
expect_in_order -E "$SERIAL_LOG" "pxHV: Pixel Hypervisor v0.1" "Jumping to hypervisor..." \
    "Stage 2: Hypervisor loader" "Config: guest original MBR 'GRUB'" \
    "Stage 3: [0-9]+ sectors from LBA [0-9]+" "Guest: original MBR, 512 bytes at 0x7C00" \
    "VT-x supported" "Long mode enabled" "VMXON executed successfully!" \
    "pxHV: launching guest 'GRUB' \(original MBR\) at 0000:7C00, DL=0x80" \
    "PXHV-GUEST: grub ready, root=hd0,msdos1 .*" "grub> lsmmap" ".*available RAM" "grub> halt" \
    "pxHV: guest ended: ACPI sleep/power-off request at .*" \
    "pxHV: stopping \(guest finished\)" || fail "grub: boot"
"${INSTALL[@]}" "$TEST_TMP/grub.img" --uninstall >/dev/null || fail "grub: uninstall"
[ "$(sum "$TEST_TMP/grub.img")" = "$orig" ] || fail "grub: not restored"

cp "$G/syslinux.img" "$TEST_TMP/syslinux.img"
orig=$(sum "$TEST_TMP/syslinux.img")
"${INSTALL[@]}" "$TEST_TMP/syslinux.img" >/dev/null || fail "syslinux: install"
printf '%s\n' "wait boot: " "send poweroff" >"$TEST_TMP/sl.chat"
run_bochs --disk "$TEST_TMP/syslinux.img" --timeout 120 --chat "$TEST_TMP/sl.chat" --done "pxHV: stopping"
expect_in_order -E "$SERIAL_LOG" "Config: guest original MBR 'SYSLINUX'" \
    "Guest: original MBR, 512 bytes at 0x7C00" "VMXON executed successfully!" \
    "pxHV: launching guest 'SYSLINUX' \(original MBR\) at 0000:7C00, DL=0x80" \
    "SYSLINUX 6\.[0-9]+ .*" "PXHV-GUEST: syslinux-disk ready .*" "boot: poweroff.*" \
    "pxHV: guest ended: power-off through port 0x8900 at f000:[0-9a-f]+" \
    "pxHV: stopping \(guest finished\)" || fail "syslinux: boot"
"${INSTALL[@]}" "$TEST_TMP/syslinux.img" --uninstall >/dev/null || fail "syslinux: uninstall"
[ "$(sum "$TEST_TMP/syslinux.img")" = "$orig" ] || fail "syslinux: not restored"

# ---- restore ----
cp "$G/grub.img" "$TEST_TMP/g2.img"; roundtrip "$TEST_TMP/g2.img"
cp "$G/syslinux.img" "$TEST_TMP/s2.img"; roundtrip "$TEST_TMP/s2.img"
# A damaged record: only the backup file can say what was there.
d=$TEST_TMP/g3.img
cp "$G/grub.img" "$d"; orig=$(sum "$d")
"${INSTALL[@]}" "$d" --backup "$TEST_TMP/g3.bak" >"$TEST_TMP/out" || fail "g3: install"
run=$(sed -nE 's/^  LBA ([0-9]+)-[0-9]+ \([0-9]+ sectors.*/\1/p' "$TEST_TMP/out")
[ -n "$run" ] || fail "g3: no run in the plan: $(cat "$TEST_TMP/out")"
dd if=/dev/zero of="$d" bs="$SECTOR_SIZE" seek="$run" count=1 conv=notrunc status=none
refuse "$d" "$d: pxHV's install record is missing or damaged: give the backup file with --backup FILE" --uninstall
"${INSTALL[@]}" "$d" --uninstall --backup "$TEST_TMP/g3.bak" >/dev/null || fail "g3: uninstall from backup"
[ "$(sum "$d")" = "$orig" ] || fail "g3: not restored from the backup file"
echo "[$TEST_NAME] damaged record: restored from the backup file"

# ---- GPT with a BIOS boot partition ----
gpt=$TEST_TMP/gpt.img
truncate -s 16M "$gpt"
sgdisk -o -n 1:2048:+1M -t 1:EF02 -n 2:0:0 -t 2:8300 "$gpt" >/dev/null 2>&1 || fail "sgdisk"
dd if=/usr/lib/syslinux/mbr/gptmbr.bin of="$gpt" bs="$MBR_CODE_BYTES" count=1 conv=notrunc status=none ||
    fail "gptmbr.bin (Debian package syslinux-common)"
"${INSTALL[@]}" "$gpt" --dry-run >"$TEST_TMP/out" || fail "GPT: --dry-run"
grep -q 'pxHV goes in the BIOS boot partition (LBA 2048-4095)' "$TEST_TMP/out" ||
    fail "GPT: not planned into the BIOS boot partition: $(cat "$TEST_TMP/out")"
roundtrip "$gpt"

# ---- refusals ----
truncate -s 2M "$TEST_TMP/zero.img"
refuse "$TEST_TMP/zero.img" "$TEST_TMP/zero.img: sector 0 has no 0x55AA boot signature: not a partitioned disk (MBR or GPT) that a BIOS boots"
head -c $((512 * 1024)) "$G/syslinux.img" >"$TEST_TMP/small.img"
refuse "$TEST_TMP/small.img" "$TEST_TMP/small.img: 524288 bytes, smaller than 1 MiB: too small for a partitioned disk with pxHV in front of it"
bash "$PXHV_ROOT/guest_images/extract-partition.sh" "$G/grub.img" "$TEST_TMP/part.img" >/dev/null || fail "extract"
refuse "$TEST_TMP/part.img" "$TEST_TMP/part.img looks like a partition (a file system's boot sector at sector 0), not a whole disk: give the disk it belongs to"
# A DOS-era layout: the first partition at LBA 63.
d=$TEST_TMP/dos.img
cp "$G/syslinux.img" "$d"
printf '\x3f\x00\x00\x00' | dd of="$d" bs=1 seek=$((MBR_PART_TABLE + 8)) conv=notrunc status=none
refuse "$d" "$d: pxHV needs $N free sectors in one run in the gap before the first partition (LBA 1-62); the longest free run has 62: the first partition starts too early (repartition leaving 1 MiB before it)"
d=$TEST_TMP/junk.img
cp "$G/grub.img" "$d"
printf 'another boot manager' | dd of="$d" bs="$SECTOR_SIZE" seek=1500 conv=notrunc status=none
printf 'and more' | dd of="$d" bs="$SECTOR_SIZE" seek=1501 conv=notrunc status=none
refuse "$d" "$d: LBA 1500-1501 in the gap before the first partition (LBA 1-2047) hold data pxHV does not recognise (not zero, not GRUB's core.img, not pxHV's): refusing to overwrite them"
d=$TEST_TMP/nocode.img
cp "$G/syslinux.img" "$d"
dd if=/dev/zero of="$d" bs="$MBR_CODE_BYTES" count=1 conv=notrunc status=none
refuse "$d" "$d: sector 0 has no boot code (bytes 0-439 are zero): there is nothing for pxHV to start; install a boot loader first"
d=$TEST_TMP/gpt2.img
truncate -s 16M "$d"
sgdisk -o -n 1:2048:0 -t 1:8300 "$d" >/dev/null 2>&1 || fail "sgdisk"
dd if=/usr/lib/syslinux/mbr/gptmbr.bin of="$d" bs="$MBR_CODE_BYTES" count=1 conv=notrunc status=none
refuse "$d" "$d: GPT disk without a BIOS boot partition (type EF02) for pxHV; create one in free space, e.g.: sgdisk --new=0:0:+1M --typecode=0:EF02 $d"
d=$TEST_TMP/ro.img
cp "$G/syslinux.img" "$d"; chmod 444 "$d"
refuse "$d" "$d: read-only file (no write permission): nothing was changed"
d=$(pxhv_image --partition "$G/syslinux.img") || fail "pxHV image"
refuse "$d" "$d: sector 0 holds pxHV's boot code but no valid install record: not installed by pxhv-install (a pxHV image), or damaged; restore it with --uninstall --backup FILE first"
# A block device: refused before it is opened, so a node nobody can open is enough.
blk=
if [ "$(id -u)" = 0 ] && mknod "$TEST_TMP/blk" b 7 250 2>/dev/null; then blk=$TEST_TMP/blk
else blk=$(find /dev -maxdepth 1 -type b 2>/dev/null | head -n 1); fi
[ -n "$blk" ] || fail "no block device node to test with (not root, none in /dev)"
out=$("${INSTALL[@]}" "$blk" 2>&1) && fail "accepted block device $blk"
[ "$out" = "pxhv-install: refused: $blk is a block device: this writes to its boot sectors; add --yes to confirm (try --dry-run first)" ] ||
    fail "block device message: $out"
echo "[$TEST_NAME] refused as expected: a block device without --yes"
pass "GRUB and SYSLINUX disks booted through pxHV and restored; GPT; 11 refusals"
