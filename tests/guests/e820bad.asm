; e820bad: e820.asm, then one write into the range pxHV hides from the guest
; (reported as type 2 in the guest's E820 map).  pxHV must stop the guest
; on that write; "e820bad: still running" must never appear.

%define GUEST_NAME "e820bad"
%define E820_BAD
%include "e820.asm"
