; hostile_initall: hostile_init whose first boot sends the INIT with the
; all-including-self shorthand (for engines that lose an AP across the reset
; that follows, so that each INIT gets a fresh machine: tests/test_hostile_init.sh).
%define GUEST_NAME "hostile_initall"
%define INIT_ALL_FIRST
%include "hostile_init.asm"
