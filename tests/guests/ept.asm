; ept: the guest touches the hypervisor's own memory and must be stopped.
; EPT does not map the hypervisor region (or maps it without write access),
; so the access causes an EPT violation (SDM Vol. 3C "EPT Violations") and pxHV ends
; the run with a report.  The line "ept: still running" must never appear.
;
; The region base comes from CPUID leaf 0x40000001 (EAX = bits 31:0,
; EBX = bits 63:32), the test contract in README.md.  Without pxHV (native
; runs) the guest aims at 16 MiB instead, which is ordinary RAM there, so
; the native run does print "still running".

%define GUEST_NAME "ept"
%include "guestlib.inc"

NATIVE_TARGET   equ 0x01000000  ; HV_REGION_MIN_BASE (include/boot/layout.h)

main:
        PRINT   "start"
        call    a20_enable16            ; the target is above 1 MiB
        jnc     .a20
        FAIL    "A20 stays off"
.a20:
        ENTER_PM32
        PRINT   "protected mode ok"

        mov     edi, NATIVE_TARGET
        cmp     byte [hv_present], 1
        jne     .touch
        mov     eax, PXHV_CPUID_REGION
        cpuid
        mov     edi, eax
        test    ebx, ebx
        jz      .below4g
        FAIL    "region base above 4 GiB"
.below4g:
        test    edi, edi
        jz      .bad
        test    edi, HV_REGION_ALIGN - 1
        jz      .touch
.bad:   FAIL    "CPUID 0x40000001 gave no page-aligned region base"

.touch: LB_BEGIN
        LB_STR  "touching 0x"
        LB_HEX  edi, 8
        LB_END
        mov     eax, [edi]              ; read, then write
        not     eax
        mov     [edi], eax
        PRINT   "still running"
        mov     ebx, 1
        jmp     shutdown32

        GUEST_END
