#!/usr/bin/env bash
# A hostile 64-bit UEFI application as pxHV's guest on the UEFI path (tests/efi/hostile.c):
# QEMU TCG q35 + OVMF, AMD-V emulated, 2 CPUs, the ESP of `make esp` with hostile.efi as
# pxhv.efi's next loader.  While boot services run, it finds the region (CPUID 40000001h),
# looks for it in the firmware's memory map and asks the firmware for its first and last
# page: the map shows it EfiReservedMemoryType with no free memory over it, AllocatePages
# answers EFI_NOT_FOUND.  Then one route per run, each ending in pxHV's nested-page-fault
# report and its stop, never in "still running":
#   read   a load from the region through the firmware's identity map;
#   free   FreePages over the region: the firmware's bookkeeping cannot tell pxHV's pages
#          from any allocation and takes them back, and OVMF's FreePages then writes into
#          them from the firmware's own code, which pxHV stops: the firmware's services
#          can be fooled, the memory still cannot be reached;
#   cr3    CR3 pointing into the region (the CPU's own page walk);
#   alias  the region's A20 alias, kept from the guest as well.
# needs: esp efi-tests
# weight: 18
. "$(dirname "$0")/lib.sh"
esp=$PXHV_ROOT/build/esp.img
app=$PXHV_ROOT/build/tests/hostile.efi
[ -s "$esp" ] || fail "$esp missing (make esp)"
[ -s "$app" ] || fail "$app missing (make efi-tests)"
H='[0-9a-f]+'

for route in read free cr3 alias; do
    img=$TEST_TMP/esp-$route.img
    cp "$esp" "$img"
    printf 'next=\\hostile.efi\noptions=%s\n' "$route" >"$img.cfg"
    MTOOLS_SKIP_CHECK=1 mcopy -o -i "$img" "$img.cfg" ::EFI/BOOT/pxhv.cfg || fail "mcopy pxhv.cfg"
    MTOOLS_SKIP_CHECK=1 mcopy -o -i "$img" "$app" ::hostile.efi || fail "mcopy hostile.efi"
    run_qemu --efi --machine q35 --disk "$img" --cpu "$SVM_QEMU_CPU" --cpus 2 --mem 512 \
        --arg -accel --arg tcg,thread=multi --timeout 300 --stall 120 \
        --done "pxHV: stopping" --fail "still running"
    expect_in_order -E "$SERIAL_LOG" \
        "pxHV: 2 of 2 CPUs under pxHV; pxhv\.efi goes on as its guest .*" \
        'pxHV: starting \\hostile\.efi' \
        "hostile\.efi: route '$route', hypervisor 'pxHVpxHVpxHV', region $H-$H \(CPUID 40000001h\)" \
        "hostile\.efi: the memory map holds the region's first page in EfiReservedMemoryType $H-$H" \
        'hostile\.efi: free memory \(EfiConventionalMemory\) over the region in the map: 0 KiB' \
        "hostile\.efi: AllocatePages at the region's first page $H: EFI_NOT_FOUND" \
        "hostile\.efi: AllocatePages at the region's last page $H: EFI_NOT_FOUND" ||
        fail "$route: the firmware's services"
    case $route in
        read) steps=("hostile\.efi: reading the region's first byte") ;;
        # OVMF's FreePages writes into the pages it takes back: the firmware's own write for
        # the application is the one stopped, inside FreePages.
        free) steps=('hostile\.efi: FreePages over the region') ;;
        cr3) steps=('hostile\.efi: CR3 into the region') ;;
        alias) steps=("hostile\.efi: reading the region's A20 alias at $H") ;;
    esac
    # cr3: the walk's first access to the PML4 entry sets its Accessed bit, a write (the
    # qualification's bit 33, a fault during the guest's page walk, APM Vol. 2 15.25.6).
    case $route in free|cr3) access=write ;; *) access=read ;; esac
    case $route in alias) what='the A20 alias of hypervisor memory' ;; *) what='hypervisor memory' ;; esac
    expect_in_order -E "$SERIAL_LOG" "${steps[@]}" \
        "pxHV: NPT violation: guest $access at GPA 0x$H.*, RIP 0038:$H.*" \
        "pxHV: the page is $what \(NPT permissions ---\)" \
        'pxHV: guest ended: NPT violation at 0038:[0-9a-f]+' \
        'pxHV: exit statistics: [0-9]+ exits' 'pxHV: stopping \(guest finished\)' ||
        fail "$route: not stopped by pxHV"
    expect_absent "$SERIAL_LOG" "still running" || fail "$route: the region was reached"
    # The GPA pxHV reports lies in the region (or its alias).
    expect_line "$SERIAL_LOG" "^hostile\.efi: route .* region $H-$H" || fail "$route: region"
    r=${MATCH##*region }; r=${r%% *}
    lo=$((16#${r%-*})) hi=$((16#${r#*-}))
    [ $route = alias ] && lo=$((lo + 0x100000)) hi=$((hi + 0x100000))
    expect_line "$SERIAL_LOG" "^pxHV: NPT violation: guest $access at GPA 0x$H" || fail "$route: violation"
    gpa=${MATCH##*GPA 0x}; gpa=$((16#${gpa%%[^0-9a-f]*}))
    (( gpa >= lo && gpa <= hi )) || fail "$route: the violation at $(printf %x $gpa) is outside $r"
    secs+=" $route ${RUN_SECS}s"
done
pass "the region unreachable from a UEFI application:$secs"
