; smpept: smp.asm's second CPU reads, then writes the range pxHV hides from
; the guest; pxHV must stop it with an EPT violation report that names CPU 1.
; "smpept: AP: still running after touching pxHV's memory" must never appear.
%define SMP_EPT
%include "smp.asm"
