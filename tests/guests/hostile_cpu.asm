; hostile_cpu: a guest at CPL 0 that tries what issue "the guest cannot take the
; machine" lists, and checks that it gets what a CPU would give it, or pxHV's
; refusal.  Every outcome is one line (tests/test_hostile.sh has them all):
;   real mode   CPUID at CS:FFFE: IP wraps to 0000 (SDM Vol. 3A 20.1.1)
;   faults      #UD (VMXON), #GP (CR4.SMXE), #UD (GETSEC) carry RF=1 in the
;               pushed EFLAGS like every fault (17.3.1.1)
;   paging      MOV CR0 enabling PAE paging over a PDPTE with a reserved bit
;               (with NE toggled, so pxHV performs it): #GP(0) (4.4.1)
;   debug       TF over CPUID: #DB after it with DR6.BS; a DR0 breakpoint armed
;               before an exit still fires after it (DR7 kept)
;   NMI         a self-NMI through the local APIC reaches the guest's handler
;   MSRs        IA32_APIC_BASE cannot move the APIC (refused); MTRR writes stay
;               the guest's (read back; a reserved type is #GP)
;   chipset     CMOS shutdown code 0Ah refused; an S3 request refused, the
;               guest runs on
;   COM1        with the divisor latch left selected, pxHV's lines still come
;               out; a guest line that looks like pxHV's is marked [guest]
;   pointers    PUTS across 4 GiB and into pxHV's region: EINVAL; INS across
;               4 GiB: no fault; INS past ES's limit: #GP(0); INS into a
;               read-only page with CR0.WP: #PF(0003) with CR2
%define GUEST_NAME "hostile_cpu"
%include "guestlib.inc"
%include "hostile.inc"

WRAP_SEG        equ 0x1000              ; CPUID at 1000:FFFE, then 1000:0000
PDPT            equ 0x20000             ; PAE test: page-directory-pointer table
PD32            equ 0x21000             ; 32-bit paging: page directory
PT32            equ 0x22000             ;   and the page table of the first 4 MiB
RO_PAGE         equ 0x30000             ; mapped read-only
APIC_ICR_LOW    equ 0xFEE00300
PM1A_CNT        equ 0xB004              ; Bochs's PIIX4 ACPI PM1a control
SMALL_SEL       equ 0x18                ; data segment with a 4 KiB limit

main:
        PRINT   "start"
        ; ---- real mode: the instruction pointer wraps at 64 KiB
        push    es
        mov     ax, WRAP_SEG
        mov     es, ax
        mov     word [es:0xFFFE], 0xA20F        ; CPUID
        mov     byte [es:0x0000], 0xEA          ; JMP FAR 0000:wrapped
        mov     word [es:0x0001], wrapped
        mov     word [es:0x0003], 0
        pop     es
        jmp     WRAP_SEG:0xFFFE
wrapped:
        PRINT   "cpuid at 1000:fffe: ip wrapped to 1000:0000"

        ENTER_PM32
        lgdt    [my_gdt_desc]
        call    catch_install32

        ; ---- faults pxHV injects carry RF
        TRY
        vmxon   [zero_q]
        ENDTRY
        EXPECT_FAULT "vmxon", 6, 0
        mov     eax, cr4
        or      eax, 1 << 14                    ; CR4.SMXE
        TRY
        mov     cr4, eax
        ENDTRY
        EXPECT_FAULT "cr4.smxe", 13, 0
        TRY
        getsec
        ENDTRY
        EXPECT_FAULT "getsec", 6, 0

        ; ---- PAE paging over a bad PDPTE, the write made by pxHV (NE toggled)
        mov     edi, PDPT
        xor     eax, eax
        mov     ecx, 1024
        rep     stosd
        mov     dword [PDPT], PD32 | 1 | 2      ; present, bit 1 reserved in a PDPTE
        mov     eax, PDPT
        mov     cr3, eax
        mov     eax, cr4
        or      eax, 1 << 5                     ; PAE
        mov     cr4, eax
        mov     eax, cr0
        mov     [cr0_before], eax
        or      eax, 1 << 31
        xor     eax, 1 << 5                     ; NE toggled: an owned bit
        TRY
        mov     cr0, eax
        ENDTRY
        EXPECT_FAULT "pae paging over a bad pdpte", 13, 0
        mov     eax, cr0
        cmp     eax, [cr0_before]
        je      .cr0_same
        FAIL    "cr0 changed by the refused write"
.cr0_same:
        mov     eax, cr4
        and     eax, ~(1 << 5)
        mov     cr4, eax

        ; ---- single-step over an instruction pxHV emulates
        xor     eax, eax
        mov     dr6, eax
        TRY
        pushfd
        or      dword [esp], 1 << 8             ; TF: the trap follows the next instruction
        xor     eax, eax
        popfd
        cpuid
        nop
        ENDTRY
        EXPECT_FAULT "tf over cpuid", 1, 0
        mov     eax, dr6
        test    eax, 1 << 14
        jnz     .bs
        FAIL    "dr6.bs not set"
.bs:    PRINT   "tf over cpuid: dr6.bs=1"

        ; ---- a hardware breakpoint armed before an exit fires after it
        xor     eax, eax
        mov     dr6, eax
        mov     eax, bp_target
        mov     dr0, eax
        mov     eax, 1                          ; L0, execute, 1 byte
        mov     dr7, eax
        TRY
        xor     eax, eax
        cpuid                                   ; a VM exit
bp_target:
        nop
        ENDTRY
        xor     eax, eax
        mov     dr7, eax
        EXPECT_FAULT "dr0 breakpoint after an exit", 1, 0
        mov     eax, dr6
        test    eax, 1
        jnz     .b0
        FAIL    "dr6.b0 not set"
.b0:    PRINT   "dr0 breakpoint after an exit: dr6.b0=1"

        ; ---- an NMI to itself
        TRY
        mov     dword [APIC_ICR_LOW + 0x10], 0  ; ICR high: APIC ID 0, this CPU
        mov     dword [APIC_ICR_LOW], 0x00004400  ; NMI, assert, physical destination
        mov     ecx, 100000
.spin:  pause
        loop    .spin
        ENDTRY
        EXPECT_FAULT "nmi to self", 2, 0

        ; ---- IA32_APIC_BASE: the APIC stays where it is
        mov     ecx, 0x1B
        rdmsr
        mov     [apic_base], eax
        and     eax, 0xFFF
        or      eax, 0xFEC00000
        wrmsr
        rdmsr
        and     eax, 0xFFFFF000
        LB_BEGIN
        LB_STR  "apic base after moving it: 0x"
        LB_HEX  eax, 8
        LB_END

        ; ---- MTRRs: the guest's copy
        mov     ecx, 0x2FF
        rdmsr
        mov     [deftype], eax
        xor     eax, eax
        xor     edx, edx
        TRY
        wrmsr                                   ; all MTRRs off
        ENDTRY
        EXPECT_NONE "mtrr def type 0"
        rdmsr
        LB_BEGIN
        LB_STR  "mtrr def type reads 0x"
        LB_HEX  eax, 8
        LB_END
        mov     eax, 2                          ; type 2 is reserved
        TRY
        wrmsr
        ENDTRY
        EXPECT_FAULT "mtrr def type 2", 13, 0
        mov     eax, [deftype]
        xor     edx, edx
        wrmsr

        ; ---- CMOS shutdown byte and sleep states
        mov     al, 0x0F
        out     0x70, al
        mov     al, 0x0A
        out     0x71, al
        mov     al, 0x0F
        out     0x70, al
        in      al, 0x71
        movzx   eax, al
        LB_BEGIN
        LB_STR  "cmos shutdown byte after writing 0x0a: 0x"
        LB_HEX  eax, 2
        LB_END
        mov     dx, PM1A_CNT
        in      ax, dx
        and     ax, ~(7 << 10)
        or      ax, (1 << 10) | (1 << 13)       ; SLP_TYP 1, SLP_EN
        out     dx, ax
        PRINT   "s3 request: still running"

        ; ---- COM1 left with the divisor latch selected
        mov     dx, 0x3FB
        in      al, dx
        mov     [lcr], al
        or      al, 0x80
        out     dx, al
        PRINT   "com1 dlab set: this line still comes out"
        mov     dx, 0x3FB
        mov     al, [lcr]
        out     dx, al
        mov     eax, PXHV_HC_PUTS
        mov     ebx, forged
        mov     ecx, forged_end - forged
        HYPERCALL

        ; ---- guest pointers
        mov     eax, PXHV_HC_PUTS
        mov     ebx, 0xFFFFFFF8
        mov     ecx, 16
        HYPERCALL
        LB_BEGIN
        LB_STR  "puts across 4 GiB: 0x"
        LB_HEX  eax, 8
        LB_END
        mov     eax, PXHV_CPUID_REGION
        cpuid
        mov     ebx, eax
        mov     eax, PXHV_HC_PUTS
        mov     ecx, 16
        HYPERCALL
        LB_BEGIN
        LB_STR  "puts from pxHV's region: 0x"
        LB_HEX  eax, 8
        LB_END
        mov     edi, 0xFFFFFFFE
        mov     dx, PXHV_DEBUG_PORT
        TRY
        insd
        ENDTRY
        EXPECT_NONE "insd across 4 GiB"
        mov     ax, SMALL_SEL
        mov     es, ax
        mov     edi, 0x2000
        TRY
        insb
        ENDTRY
        EXPECT_FAULT "insb past es's limit", 13, 0
        mov     ax, DATA32_SEL
        mov     es, ax

        ; ---- INS into a read-only page at CPL 0 with CR0.WP
        mov     edi, PD32
        xor     eax, eax
        mov     ecx, 1024
        rep     stosd
        mov     dword [PD32], PT32 | 3
        mov     edi, PT32
        mov     eax, 3
.pte:   stosd
        add     eax, 0x1000
        cmp     edi, PT32 + 4096
        jb      .pte
        and     dword [PT32 + (RO_PAGE >> 12) * 4], ~2
        mov     eax, PD32
        mov     cr3, eax
        mov     eax, cr0
        or      eax, (1 << 31) | (1 << 16)      ; PG, WP
        mov     cr0, eax
        mov     edi, RO_PAGE + 0x10
        mov     dx, PXHV_DEBUG_PORT
        TRY
        insb
        ENDTRY
        mov     eax, cr0
        and     eax, ~(1 << 31)
        mov     cr0, eax
        EXPECT_FAULT "insb into a read-only page", 14, 3
        LB_BEGIN
        LB_STR  "cr2=0x"
        LB_HEX  [caught_cr2], 8
        LB_END
        DONE

        align   8
my_gdt: dq      0
        dq      0x00CF9A000000FFFF      ; 0x08: code, 4 GiB
        dq      0x00CF92000000FFFF      ; 0x10: data, 4 GiB
        dq      0x0040920000000FFF      ; 0x18: data, limit 4 KiB, byte granular
my_gdt_end:
my_gdt_desc:
        dw      my_gdt_end - my_gdt - 1
        dd      my_gdt
zero_q: dq      0
forged: db      "pxHV: stopping (guest finished)", 10
forged_end:

        section .bss
cr0_before:     resd 1
apic_base:      resd 1
deftype:        resd 1
lcr:            resb 1
        section .text

        GUEST_END
