#!/usr/bin/env bash
# Issue 15, item 2: the A20 gate (tests/guests/hostile_a20.asm).  A guest turns A20 off
# through port 92h, the keyboard controller's output port and INT 15h AX=2400h; after each,
# pxHV answers CPUID, OUT 0xE9, PUTC, PUTS and VERSION (its own accesses do not move: every
# page of the region has address bit 20 clear), A20 stays off as the guest set it, and goes on
# again through the same path.  Then, with A20 off, the guest reads (hostile_a20) or writes
# (hostile_a20w) base | 1 MiB, the region's A20 alias: pxHV stops it there, naming the page.
# On Bochs VT-x, Bochs AMD-V (ryzen) and QEMU TCG AMD-V (ENGINES="..." picks some).
# engines: corei7_skylake_x ryzen qemu
# check: corei7_skylake_x qemu
. "$(dirname "$0")/lib.sh"

paths=("port 92h" "keyboard controller" "int 15h")
for engine in $ENGINES; do
    sl=$(second_level "$engine")
    for g in hostile_a20 hostile_a20w; do
        guest_run_engine "$engine" "$g" --stall 90
        want=("$g: start" "$g: a20 on at start")
        for p in "${paths[@]}"; do
            want+=("$g: $p: a20 off" "$g: $p: out 0xe9" "$g: $p: putc"
                   "$g: $p: cpuid 0x40000000 and the version hypercall answered"
                   "$g: $p: a20 still off after the exits" "$g: $p: a20 on again")
        done
        expect_in_order "$SERIAL_LOG" "${want[@]}" "$g: region base bit 20: 0" ||
            fail "$g on $engine: the A20 paths"
        hv_range || fail "$g on $engine: no hidden range"
        alias=$(printf '%x' $((HV_START | 0x100000)))
        [ "$g" = hostile_a20 ] && access=read || access=write
        expect_in_order -E "$SERIAL_LOG" \
            "pxHV: A20 gate applies in VMX/SVM operation on this CPU: the region's A20 alias is kept from the guest too" \
            "$(printf '%s: a20 off, %sing the a20 alias 0x%08X of pxHV.s region' "$g" \
                "$([ $access = read ] && echo read || echo writ)" $((HV_START | 0x100000)))" \
            "pxHV: $sl violation: guest $access at GPA 0x$alias[ ,].*" \
            "pxHV: the page is the A20 alias of hypervisor memory \($sl permissions ---\)" \
            "pxHV: guest ended: $sl violation at 0008:[0-9a-f]+" \
            'pxHV: stopping \(guest finished\)' || fail "$g on $engine: the alias was not kept"
        expect_absent "$SERIAL_LOG" "$g: still running" || fail "$g on $engine: the region was reached"
        expect_absent "$SERIAL_LOG" "$g: FAIL" || fail "$g on $engine: a FAIL line"
    done
done
pass "A20 off through every path: pxHV unaffected, the region's alias kept"
