; hostile_a20w: hostile_a20 whose attack writes the A20 alias of pxHV's region
; first, without reading it.
%define GUEST_NAME "hostile_a20w"
%define A20_WRITE_FIRST
%include "hostile_a20.asm"
