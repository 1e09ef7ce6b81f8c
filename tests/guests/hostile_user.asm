; hostile_user: what a program at CPL 3 (with IOPL 3, so that it may do I/O)
; tries against pxHV, and the faults a CPU gives it (tests/test_hostile.sh):
;   XSETBV                  #GP(0) at CPL > 0 (SDM Vol. 2D XSETBV)
;   CPUID 0x40000001        zeros: pxHV's region is no business of a program
;   VMCALL                  #UD, as without a hypervisor
;   INS into a supervisor   #PF(0007): present, write, user (SDM Vol. 3A 4.7),
;   read-only page          with CR2 = the address; the page stays unwritten
;   OUTS from a supervisor  #PF(0005): the kernel's bytes do not leave
;   page
; Paging: the first 4 MiB identity mapped, user pages, except one supervisor
; read-only page.  A TSS gives the ring-0 stack for the exceptions.
%define GUEST_NAME "hostile_user"
%include "guestlib.inc"
%include "hostile.inc"

PD32            equ 0x21000
PT32            equ 0x22000
KERNEL_PAGE     equ 0x30000             ; supervisor, read-only
USER_CS         equ 0x18 | 3
USER_DS         equ 0x20 | 3
TSS_SEL         equ 0x28
RING0_STACK     equ 0x6000
USER_STACK      equ 0x5000

main:
        PRINT   "start"
        ENTER_PM32
        lgdt    [my_gdt_desc]
        call    catch_install32
        ; The TSS: SS0:ESP0 for exceptions from ring 3, no I/O bitmap.
        mov     dword [tss + 4], RING0_STACK
        mov     dword [tss + 8], DATA32_SEL
        mov     word [tss + 102], 104
        mov     eax, tss
        mov     [my_gdt + TSS_SEL + 2], ax
        shr     eax, 16
        mov     [my_gdt + TSS_SEL + 4], al
        mov     [my_gdt + TSS_SEL + 7], ah
        mov     ax, TSS_SEL
        ltr     ax
        ; Paging: user pages everywhere in the first 4 MiB but KERNEL_PAGE.
        mov     edi, PD32
        xor     eax, eax
        mov     ecx, 1024
        rep     stosd
        mov     dword [PD32], PT32 | 7
        mov     edi, PT32
        mov     eax, 7
.pte:   stosd
        add     eax, 0x1000
        cmp     edi, PT32 + 4096
        jb      .pte
        mov     dword [PT32 + (KERNEL_PAGE >> 12) * 4], KERNEL_PAGE | 1
        mov     byte [KERNEL_PAGE], 0x5A
        mov     eax, PD32
        mov     cr3, eax
        mov     eax, cr4
        or      eax, 1 << 18                    ; OSXSAVE: XSETBV exists
        mov     cr4, eax
        mov     eax, cr0
        or      eax, (1 << 31) | (1 << 16)      ; PG, WP
        mov     cr0, eax
        ; Back to ring 0 through INT 1Fh (a DPL-3 gate); output through port
        ; 0xE9, since VMCALL is #UD at CPL 3.
        mov     eax, 0x1F
        mov     ebx, ring0
        call    idt_set32
        mov     word [idt + 0x1F * 8 + 4], 0xEE00
        mov     byte [out_mode], OUT_E9
        ; To ring 3 with IOPL 3.
        push    dword USER_DS
        push    dword USER_STACK
        push    dword 0x3002                    ; IOPL 3, IF 0
        push    dword USER_CS
        push    dword user
        iretd

user:   mov     ax, USER_DS
        mov     ds, ax
        mov     es, ax
        xor     ecx, ecx
        mov     eax, 1
        xor     edx, edx
        TRY
        xsetbv
        ENDTRY
        EXPECT_FAULT "xsetbv at cpl 3", 13, 0
        mov     eax, PXHV_CPUID_REGION
        cpuid
        or      eax, ebx
        or      eax, ecx
        LB_BEGIN
        LB_STR  "cpuid 0x40000001 at cpl 3: 0x"
        LB_HEX  eax, 8
        LB_END
        mov     eax, PXHV_HC_VERSION
        TRY
        HYPERCALL
        ENDTRY
        EXPECT_FAULT "vmcall at cpl 3", 6, 0
        mov     edi, KERNEL_PAGE
        mov     dx, PXHV_DEBUG_PORT
        TRY
        insb
        ENDTRY
        EXPECT_FAULT "insb into a supervisor page", 14, 7
        LB_BEGIN
        LB_STR  "cr2=0x"
        LB_HEX  [caught_cr2], 8
        LB_END
        mov     esi, KERNEL_PAGE
        TRY
        outsb
        ENDTRY
        EXPECT_FAULT "outsb from a supervisor page", 14, 5
        int     0x1F                            ; back to ring 0

ring0:  add     esp, 20                         ; the ring-3 frame
        mov     byte [out_mode], OUT_HC
        mov     ax, DATA32_SEL
        mov     ds, ax
        mov     es, ax
        mov     eax, cr0
        and     eax, ~(1 << 31)
        mov     cr0, eax
        movzx   eax, byte [KERNEL_PAGE]
        LB_BEGIN
        LB_STR  "supervisor page byte: 0x"
        LB_HEX  eax, 2
        LB_END
        DONE

        align   8
my_gdt: dq      0
        dq      0x00CF9A000000FFFF      ; 0x08: ring-0 code
        dq      0x00CF92000000FFFF      ; 0x10: ring-0 data
        dq      0x00CFFA000000FFFF      ; 0x18: ring-3 code
        dq      0x00CFF2000000FFFF      ; 0x20: ring-3 data
        dq      0x0000890000000067      ; 0x28: 32-bit TSS, base filled in
my_gdt_end:
my_gdt_desc:
        dw      my_gdt_end - my_gdt - 1
        dd      my_gdt

        section .bss
        alignb  16
tss:    resb    104
        section .text

        GUEST_END
