#!/usr/bin/env bash
# scripts/pxhv-install --efi on ESP image files (mtools: no root, no loop devices).
#   removable  an ESP as a distribution leaves a removable medium: GRUB as
#              \EFI\BOOT\BOOTX64.EFI beside the Linux guest's kernel and initramfs.  --dry-run
#              changes nothing; the install puts pxhv.efi in BOOTX64.EFI, moves GRUB to
#              pxhv-next.efi and names it in pxhv.cfg; OVMF (QEMU TCG q35, AMD-V, 2 CPUs) then
#              boots pxhv.efi, which puts both CPUs under pxHV and starts GRUB, which starts
#              Linux; a second install is refused; --uninstall gives back every file as it was.
#   GPT        the same ESP as the EFI System partition of a GPT disk image.
#   entry      a mounted ESP of a running system, --dry-run only (this machine has no UEFI
#              variables): the files and the efibootmgr command it would run.
#   refusals   each with its exact message, the image unchanged.
# needs: esp
# weight: 18
. "$(dirname "$0")/lib.sh"
INSTALL=(python3 "$PXHV_ROOT/scripts/pxhv-install" --efi)
esp=$PXHV_ROOT/build/esp.img
app=$PXHV_ROOT/build/pxhv.efi
[ -s "$esp" ] || fail "$esp missing (make esp)"
export MTOOLS_SKIP_CHECK=1

sum() { sha256sum "$1" | cut -d' ' -f1; }
# files IMG[@@OFFSET]: every file's path and sha256, sorted: what an uninstall must give back.
files() {
    local spec=$1 f
    mdir -i "$spec" -/ -b :: | sed 's|^::||' | sort | while read -r f; do
        case $f in */) continue ;; esac
        printf '%s %s\n' "$f" "$(mtype -i "$spec" "::$f" | sha256sum | cut -d' ' -f1)"
    done
}
refuse() { # IMG MESSAGE [OPTION...]
    local img=$1 want="pxhv-install: refused: $2" before out; shift 2
    before=$(sum "$img")
    out=$("${INSTALL[@]}" "$img" "$@" 2>&1) && fail "accepted $img ($*): $out"
    [ "$out" = "$want" ] || fail "$(printf 'message:\n  got:  %s\n  want: %s' "$out" "$want")"
    [ "$(sum "$img")" = "$before" ] || fail "$img changed although refused"
    echo "[$TEST_NAME] refused as expected: ${want#pxhv-install: refused: }"
}

# A distribution's removable ESP: GRUB is BOOTX64.EFI.
dist=$TEST_TMP/dist.img
cp "$esp" "$dist"
mcopy -i "$dist" ::EFI/BOOT/grubx64.efi "$TEST_TMP/grub.efi" || fail "mcopy grub"
mdel -i "$dist" ::EFI/BOOT/BOOTX64.EFI ::EFI/BOOT/grubx64.efi || fail "mdel"
mcopy -i "$dist" "$TEST_TMP/grub.efi" ::EFI/BOOT/BOOTX64.EFI || fail "mcopy BOOTX64.EFI"
before=$(files "$dist")

out=$("${INSTALL[@]}" "$dist" --dry-run) || fail "--dry-run: $out"
[ "$out" = "pxhv-install: would \\EFI\\BOOT\\BOOTX64.EFI -> \\EFI\\BOOT\\pxhv-next.efi (the next loader)
pxhv-install: would pxhv.efi -> \\EFI\\BOOT\\BOOTX64.EFI (what the firmware starts from a removable medium)
pxhv-install: would /EFI/BOOT/pxhv.cfg: next=pxhv-next.efi" ] || fail "--dry-run said: $out"
[ "$(files "$dist")" = "$before" ] || fail "--dry-run changed the ESP"

"${INSTALL[@]}" "$dist" || fail "install"
[ "$(mtype -i "$dist" ::EFI/BOOT/BOOTX64.EFI | sum /dev/stdin)" = "$(sum "$app")" ] ||
    fail "BOOTX64.EFI is not pxhv.efi"
[ "$(mtype -i "$dist" ::EFI/BOOT/pxhv-next.efi | sum /dev/stdin)" = "$(sum "$TEST_TMP/grub.efi")" ] ||
    fail "pxhv-next.efi is not the old BOOTX64.EFI"
mtype -i "$dist" ::EFI/BOOT/pxhv.cfg | grep -qx 'next=pxhv-next.efi' || fail "pxhv.cfg"
refuse "$dist" 'pxhv.efi is installed already (/EFI/BOOT/pxhv-install.txt): --uninstall first'

# The installed ESP boots: pxhv.efi, both CPUs under pxHV, the old loader, Linux.
run_qemu --efi --machine q35 --disk "$dist" --cpu "$SVM_QEMU_CPU" --cpus 2 --mem 512 \
    --arg -accel --arg tcg,thread=multi --timeout 300 --stall 120 --done "PXHV-GUEST: linux init"
expect_in_order -E "$SERIAL_LOG" 'pxHV: Pixel Hypervisor v0\.1 \(UEFI\)' \
    'Config: \\EFI\\BOOT\\pxhv\.cfg: next=pxhv-next\.efi flags=none' \
    'pxHV: next loader \\EFI\\BOOT\\pxhv-next\.efi \([0-9]+ bytes\)' \
    "pxHV: 2 of 2 CPUs under pxHV; pxhv\\.efi goes on as its guest .*" \
    'pxHV: starting \\EFI\\BOOT\\pxhv-next\.efi' '.*PXHV-GUEST: grub-efi loading /vmlinuz' \
    'PXHV-GUEST: linux init, .*' || fail "the installed ESP did not boot through pxHV"
boot_secs=$RUN_SECS

"${INSTALL[@]}" "$dist" --uninstall || fail "uninstall"
[ "$(files "$dist")" = "$before" ] ||
    fail "$(printf 'uninstall did not give the files back:\n%s' "$(diff <(echo "$before") <(files "$dist"))")"
refuse "$dist" 'no install record /EFI/BOOT/pxhv-install.txt: pxhv.efi is not installed there' --uninstall

# The ESP as the EFI System partition of a GPT disk, at 1 MiB.
gpt=$TEST_TMP/gpt.img
truncate -s $((66 * 1024 * 1024)) "$gpt"
sgdisk --new=1:2048:+64M --typecode=1:EF00 "$gpt" >/dev/null 2>&1 || fail "sgdisk"
dd if="$TEST_TMP/dist.img" of="$gpt" bs=1M seek=1 conv=notrunc status=none
"${INSTALL[@]}" "$gpt" || fail "GPT: install"
[ "$(mtype -i "$gpt@@1M" ::EFI/BOOT/BOOTX64.EFI | sum /dev/stdin)" = "$(sum "$app")" ] ||
    fail "GPT: BOOTX64.EFI is not pxhv.efi"
"${INSTALL[@]}" "$gpt" --uninstall >/dev/null || fail "GPT: uninstall"
[ "$(files "$gpt@@1M")" = "$before" ] || fail "GPT: uninstall did not give the files back"

# A running system's mounted ESP: --dry-run names the files and the boot entry.
mnt=$TEST_TMP/mnt
mkdir -p "$mnt/EFI/debian"
out=$("${INSTALL[@]}" "$mnt" --dry-run --next '\EFI\debian\shimx64.efi') || fail "entry --dry-run: $out"
[ "$out" = "pxhv-install: would pxhv.efi -> \\EFI\\pxhv\\pxhv.efi
pxhv-install: would boot entry 'pxHV' (DISK partition N) first in BootOrder
pxhv-install: would /EFI/pxhv/pxhv.cfg: next=\\EFI\\debian\\shimx64.efi
pxhv-install: would run: efibootmgr --create --disk DISK --part N --label pxHV --loader '\\EFI\\pxhv\\pxhv.efi'" ] ||
    fail "entry --dry-run said: $out"
[ -z "$(ls -A "$mnt/EFI/debian")" ] && [ ! -e "$mnt/EFI/pxhv" ] || fail "entry --dry-run wrote files"
out=$("${INSTALL[@]}" "$mnt" 2>&1) && fail "entry without --yes accepted"
[ "$out" = "pxhv-install: refused: $mnt is the running system's ESP: this adds a boot entry first in BootOrder; add --yes to confirm (try --dry-run first)" ] ||
    fail "entry without --yes said: $out"

# Refusals.
refuse "$esp" '\EFI\BOOT\BOOTX64.EFI is a pxhv.efi already (as make esp leaves it): left alone'
empty=$TEST_TMP/empty.img
cp "$esp" "$empty"
mdel -i "$empty" ::EFI/BOOT/BOOTX64.EFI ::EFI/BOOT/grubx64.efi || fail "mdel"
refuse "$empty" 'no \EFI\BOOT\BOOTX64.EFI and no \EFI\BOOT\grubx64.efi: nothing for pxhv.efi to start (give --next PATH)'
notfat=$TEST_TMP/notfat.img
head -c 1048576 /dev/zero >"$notfat"
refuse "$notfat" "$notfat: no boot signature 0xAA55 in sector 0: neither a FAT ESP image nor a partitioned disk"
cp "$dist" "$TEST_TMP/own.cfg.img"
printf 'next=\\x.efi\n' >"$TEST_TMP/x.cfg"
mcopy -i "$TEST_TMP/own.cfg.img" "$TEST_TMP/x.cfg" ::EFI/BOOT/pxhv.cfg || fail "mcopy"
refuse "$TEST_TMP/own.cfg.img" "/EFI/BOOT/pxhv.cfg exists but no install record: not this installer's, left alone"
pass "removable ESP installed, booted through pxHV to Linux in ${boot_secs}s, uninstalled file for file; GPT ESP; boot-entry dry run; refusals"
