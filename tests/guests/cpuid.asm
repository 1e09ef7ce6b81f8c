; cpuid: what pxHV shows through CPUID and the VERSION hypercall.
; Leaf 0x40000000 names the hypervisor, leaf 1 hides VMX (ECX[5]) and sets
; the hypervisor-present bit (ECX[31]); an unknown hypercall returns ENOSYS.

%define GUEST_NAME "cpuid"
%include "guestlib.inc"

UNKNOWN_HC equ 0x7FFF           ; no such function (include/boot/hypercall.h)

main:
        PRINT   "start"

        mov     eax, PXHV_CPUID_BASE
        cpuid
        mov     [sig + 0], ebx
        mov     [sig + 4], ecx
        mov     [sig + 8], edx
        LB_BEGIN
        LB_STR  "hv max=0x"
        LB_HEX  eax, 8
        LB_STR  " sig="
        mov     si, sig
        mov     cx, 12
.sig:   mov     al, [si]
        cmp     al, ' '                 ; keep the line printable
        jb      .dot
        cmp     al, '~'
        jbe     .put
.dot:   mov     al, '.'
.put:   call    lb_char16
        inc     si
        loop    .sig
        LB_END

        mov     eax, 1
        cpuid
        LB_BEGIN
        LB_STR  "leaf1 vmx="
        mov     eax, ecx
        shr     eax, 5
        and     eax, 1
        LB_DEC  eax
        LB_STR  " hypervisor="
        mov     eax, ecx
        shr     eax, 31
        LB_DEC  eax
        LB_END

        cmp     byte [hv_present], 1
        je      .hc
        PRINT   "no pxHV: hypercalls skipped"
        DONE

.hc:    mov     eax, PXHV_HC_VERSION
        xor     ebx, ebx
        HYPERCALL
        cmp     ebx, PXHV_CPUID_SIG
        je      .ver
        FAIL    "VERSION: EBX is not 'pxHV'"
.ver:   LB_BEGIN
        LB_STR  "version 0x"
        LB_HEX  eax, 4
        LB_END

        mov     eax, UNKNOWN_HC
        HYPERCALL
        cmp     eax, PXHV_HC_ENOSYS
        je      .enosys
        FAIL    "unknown hypercall did not return ENOSYS"
.enosys:
        PRINT   "unknown hypercall -> ENOSYS"

        ; PXHV_HC_SHUTDOWN with status 0.
        DONE

        section .bss
sig:    resb    12
        section .text

        GUEST_END
