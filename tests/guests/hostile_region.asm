; hostile_region: routes to pxHV's memory that EPT closes, kept here so that
; none comes back (tests/test_hostile.sh).  One route per image:
;   hostile_region       REP MOVSB from just below the region across its start
;   hostile_alias PAE paging with a 2 MiB page that maps the region at
;                        another linear address (1 GiB)
;   hostile_cr3   CR3 pointing into the region: the CPU's own page walk
; Each must end in pxHV's EPT violation report; "still running" never appears.
%ifndef GUEST_NAME
  %define GUEST_NAME "hostile_region"
%endif
%include "guestlib.inc"

PDPT    equ 0x20000
PD      equ 0x21000
PD2     equ 0x22000
ALIAS   equ 0x40000000

main:
        ENTER_PM32_REGION
%ifdef ROUTE_ALIAS
        ; PAE: PDPT[0] -> PD, identity 2 MiB pages for the first GiB;
        ; PDPT[1] -> PD2, whose first entry maps the region's 2 MiB at 1 GiB.
        mov     edi, PDPT
        xor     eax, eax
        mov     ecx, 3 * 1024
        rep     stosd
        mov     dword [PDPT], PD | 1
        mov     dword [PDPT + 8], PD2 | 1
        mov     edi, PD
        mov     eax, 0x83                       ; present, writable, 2 MiB
.pde:   mov     [edi], eax
        add     eax, 0x200000
        add     edi, 8
        cmp     edi, PD + 4096
        jb      .pde
        mov     eax, [region]
        and     eax, ~0x1FFFFF
        or      eax, 0x83
        mov     [PD2], eax                      ; linear 1 GiB -> the region's 2 MiB
        mov     eax, PDPT
        mov     cr3, eax
        mov     eax, cr4
        or      eax, 1 << 5
        mov     cr4, eax
        mov     eax, cr0
        or      eax, 1 << 31
        mov     cr0, eax
        mov     edi, [region]
        and     edi, 0x1FFFFF
        add     edi, ALIAS
        PRINT   "reading the region through a 2 MiB alias at 1 GiB"
        mov     eax, [edi]
%elifdef ROUTE_CR3
        mov     eax, [region]
        PRINT   "paging with CR3 inside the region"
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 1 << 31
        mov     cr0, eax
        mov     eax, [0x1000]                   ; a walk through the region
%else
        mov     esi, [region]
        sub     esi, 8
        mov     edi, 0x40000
        mov     ecx, 16
        PRINT   "rep movsb across the region's start"
        rep     movsb
%endif
        PRINT   "still running"
        FAIL    "the region was reached"

region: dd      0

        GUEST_END
