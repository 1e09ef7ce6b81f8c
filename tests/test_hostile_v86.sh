#!/usr/bin/env bash
# Issue 15, item 5: INT 15h from virtual-8086 mode (tests/guests/v86int15.asm).  The guest
# asks E820 (every range), E801 and 88h in real mode, then through its own v86 monitor (as
# EMM386, JEMM and DOS extenders have) at IOPL 0 (INT 15h faults and is reflected into the
# IVT) and at IOPL 3 (INT 15h comes through a DPL-3 IDT gate): each pass must get exactly the
# real-mode answers, with no exception in v86 mode, and the real-mode E820 map must be
# pxHV's guest map.  pxHV's INT 15h handler runs in the guest: no exit, the monitor emulates
# its PUSHF, POPF and IRET at IOPL 0 as for a BIOS handler.  On Bochs VT-x and QEMU TCG
# AMD-V.  Not on Bochs AMD-V (ryzen): Bochs 2.7 panics at any #VMEXIT from a
# virtual-8086-mode guest ("VM is set in long mode !": its VMEXIT loads the host's EFER
# before it clears the guest's EFLAGS.VM), so AMD-V is covered by QEMU.
# engines: corei7_skylake_x qemu
. "$(dirname "$0")/lib.sh"
g=v86int15

for engine in $ENGINES; do
    guest_run_engine "$engine" $g --stall 90
    expect_in_order -E "$SERIAL_LOG" "$g: start" \
        "$g: real mode: e820: [1-9][0-9]* entries" \
        "$g: real mode: e801 ax=0x[0-9A-F]{4} bx=0x[0-9A-F]{4} cx=0x[0-9A-F]{4} dx=0x[0-9A-F]{4} cf=0" \
        "$g: real mode: 88h ax=0x[0-9A-F]{4} cf=0" \
        "$g: v86 iopl 0: monitor: int n after #gp\(0\) yes, through the int 15h gate no, cli/sti/pushf/popf/iret emulated (yes|no)" \
        "$g: v86 iopl 0: the same as in real mode" \
        "$g: v86 iopl 3: monitor: int n after #gp\(0\) no, through the int 15h gate yes, cli/sti/pushf/popf/iret emulated (yes|no)" \
        "$g: v86 iopl 3: the same as in real mode" \
        "$g: done" 'pxHV: stopping \(guest finished\)' || fail "$g on $engine"
    expect_absent "$SERIAL_LOG" "$g: FAIL" || fail "$g on $engine: a FAIL line"
    ! grep -aqE "^$g: v86 iopl [03]: (e820|e801|88h): #" "$SERIAL_LOG" ||
        fail "$g on $engine: an exception in v86 mode"
    # Each pass printed the same lines as real mode, and real mode shows pxHV's guest map.
    for pass in "v86 iopl 0" "v86 iopl 3"; do
        diff <(tr -d '\r' <"$SERIAL_LOG" | sed -n "s/^$g: real mode: //p") \
             <(tr -d '\r' <"$SERIAL_LOG" | sed -n "s/^$g: $pass: //p" | grep -v '^monitor: \|^the same') ||
            fail "$g on $engine: $pass differs from real mode"
    done
    diff <(tr -d '\r' <"$SERIAL_LOG" | sed -nE 's/^guest E820: ([0-9a-f]{16})-([0-9a-f]{16}) type ([0-9]+)$/\1 \2 \3/p') \
         <(tr -d '\r' <"$SERIAL_LOG" | sed -nE "s/^$g: real mode: e820 base=0x([0-9A-F]{16}) len=0x([0-9A-F]{16}) type=([0-9]+)\$/\1 \2 \3/p" |
           while read -r b l t; do printf '%016x %016x %s\n' $((16#$b)) $((16#$b + 16#$l)) "$t"; done) ||
        fail "$g on $engine: INT 15h E820 is not pxHV's guest map"
done
pass "INT 15h E820/E801/88h answered alike in real mode and from v86 mode at IOPL 0 and 3"
