#!/usr/bin/env bash
# make gdb works: scripts/gdb.sh --batch finds stage 3's load address from COM1, loads the
# symbols there and stops QEMU at stage3_main; --real stops at the boot sector in 16-bit mode.
. "$(dirname "$0")/lib.sh"
need_image
need_image "$PXHV_ROOT/build/stage3.elf"

out=$("$PXHV_ROOT/scripts/gdb.sh" --batch 2>&1) || { tail -n 30 <<<"$out"; fail "gdb.sh --batch"; }
grep -q '^#0 .*stage3_main' <<<"$out" || { tail -n 30 <<<"$out"; fail "no stage3_main frame"; }
grep -q '^rip .*<stage3_main>' <<<"$out" || { tail -n 30 <<<"$out"; fail "RIP not symbolized"; }

out=$("$PXHV_ROOT/scripts/gdb.sh" --real --batch 2>&1) || { tail -n 30 <<<"$out"; fail "gdb.sh --real --batch"; }
# 16-bit decoding shows 16-bit registers (e.g. "xor %ax,%ax"), 32-bit would show %eax.
grep -A8 '^=> 0x7c00:' <<<"$out" | grep -q '%[abcd]x\b\|%[sd]i\b\|%sp\b' ||
    { tail -n 30 <<<"$out"; fail "boot sector not disassembled as 16-bit code"; }
pass
