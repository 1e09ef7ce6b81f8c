; cellroot: the root guest beside cells in the cell tests: it stays alive for
; a while (the BIOS timer's ticks, HLT by HLT), printing that it does, then
; ends the run with the shutdown hypercall.
%define GUEST_NAME "cellroot"
%include "guestlib.inc"

BDA_TICKS equ 0x046C            ; BIOS tick count, 18.2 Hz

main:
        PRINT   "start"
        sti
        mov     cx, 6
.round: mov     eax, [BDA_TICKS]
        add     eax, 18         ; about a second
.wait:  hlt
        cmp     eax, [BDA_TICKS]
        ja      .wait
        PRINT   "alive"
        loop    .round
        DONE

        GUEST_END
