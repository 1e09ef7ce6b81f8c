#!/usr/bin/env bash
# Guests that must not be launched: each gets a clear message and a clean stop
# (the machine powers off), never a VMLAUNCH of garbage.
. "$(dirname "$0")/lib.sh"
cfg=$PXHV_ROOT/scripts/pxhv-config.sh

refused() { # IMAGE MESSAGE [run_bochs option]...
    local img=$1 msg=$2
    shift 2
    run_bochs --disk "$img" --timeout 120 "$@"     # no --done: it must end by itself
    expect_in_order "$SERIAL_LOG" "VMXON executed successfully!" "pxHV: no guest launched: $msg" \
        "pxHV: stopping (no guest)" || fail "$msg"
    expect_absent "$SERIAL_LOG" "pxHV: launching guest" || fail "launched anyway: $msg"
    expect_end exit || fail "machine not powered off: $msg"
}

# A built-in guest sector without the 0xAA55 signature, and an all-zero one:
# written over a good image's guest area, as a damaged disk would be.
for bad in bad_unsigned empty; do
    img=$(pxhv_image --builtin "$(guest_bin hlt)" --name "$bad") || fail "image"
    dd if="$(guest_bin $bad)" of="$img" bs=512 seek=1536 conv=notrunc status=none
    case $bad in
        bad_unsigned) msg="the guest boot sector has no 0xAA55 signature" ;;
        empty) msg="the guest boot sector is empty (all zero)" ;;
    esac
    refused "$img" "$msg"
done

# No active partition on the boot disk (the default source, nothing embedded).
img=$(pxhv_image) || fail "image"
refused "$img" "no active partition on the boot disk"

# A BIOS drive that is not there.
img=$(pxhv_image --drive 0x82) || fail "image"
refused "$img" "the guest's BIOS drive is missing (drive 0x82)"

# A built-in guest larger than the 32 KiB window below stage 2.
img=$(pxhv_image --builtin "$(guest_bin hlt)" --name big) || fail "image"
bash "$cfg" "$img" --guest-sectors 65 >/dev/null || fail "pxhv-config"
refused "$img" "the built-in guest is larger than 32 KiB"
pass
