; vmx: VMX stays invisible to the guest.
;  1. Real mode: VMXON raises #UD from the CPU itself (SDM Vol. 3C "VMXON":
;     #UD if CR0.PE = 0), delivered through the guest's IVT.
;  2. Protected mode: setting CR4.VMXE gives #GP.  pxHV owns the bit through
;     the CR4 guest/host mask (SDM Vol. 3C "Instructions That Cause VM Exits
;     Conditionally": MOV to CR4 exits when it would change an owned bit from
;     its read shadow) and injects #GP(0) as a CPU without VMX does for a
;     reserved CR4 bit (SDM Vol. 3A "Control Registers").
;  3. Protected mode: VMXON [mem].  In VMX non-root operation it always
;     exits (SDM Vol. 3C "Instructions That Cause VM Exits Unconditionally")
;     and pxHV injects #UD.  Natively CR4.VMXE = 0 here, so the CPU raises
;     #UD itself.
; Each handler checks that the fault came from the expected instruction and
; resumes after it (the saved IP/EIP points at the faulting instruction).

%define GUEST_NAME "vmx"
%include "guestlib.inc"

main:
        PRINT   "start"

        ; ---- 1. real mode: hook IVT vector 6 (#UD)
        cli
        mov     eax, [6 * 4]
        mov     [old_ivt6], eax
        mov     word [6 * 4], rm_ud_handler
        mov     word [6 * 4 + 2], 0
        sti
        mov     byte [ud_seen], 0
rm_vmxon:
        vmxon   [vmxon_ptr]
rm_vmxon_end:
        cli
        mov     eax, [old_ivt6]
        mov     [6 * 4], eax
        sti
        cmp     byte [ud_seen], 1
        je      .rm_ok
        FAIL    "real-mode vmxon did not fault"
.rm_ok: PRINT   "real-mode vmxon -> #UD"

        ; ---- 2. protected mode: CR4.VMXE
        ENTER_PM32
        mov     eax, 6
        mov     ebx, pm_ud_handler
        call    idt_set32
        mov     eax, 13
        mov     ebx, pm_gp_handler
        call    idt_set32

        mov     byte [gp_seen], 0
        mov     eax, cr4
        mov     [cr4_before], eax
        or      eax, CR4_VMXE
pm_cr4:
        mov     cr4, eax
pm_cr4_end:
        cmp     byte [gp_seen], 1
        je      .gp_ok
        mov     eax, [cr4_before]       ; undo, so that step 3 sees VMXE = 0
        mov     cr4, eax
        cmp     byte [hv_present], 1
        jne     .native
        FAIL    "cr4.vmxe write accepted"
.native:
        PRINT   "cr4.vmxe accepted (no hypervisor hides VMX)"
        jmp     .vmxon
.gp_ok: PRINT   "cr4.vmxe -> #GP"
        mov     eax, cr4
        test    eax, CR4_VMXE
        jz      .vmxon
        FAIL    "cr4 reads back with VMXE set"

        ; ---- 3. protected mode: VMXON
.vmxon: mov     byte [ud_seen], 0
pm_vmxon:
        vmxon   [vmxon_ptr]
pm_vmxon_end:
        cmp     byte [ud_seen], 1
        je      .pm_ok
        FAIL    "vmxon did not fault"
.pm_ok: PRINT   "vmxon -> #UD"
        DONE                            ; PXHV_HC_SHUTDOWN: VMCALL works at CPL 0

; ---- handlers

        bits 16
; Real-mode #UD: frame IP, CS, FLAGS.
rm_ud_handler:
        push    bp
        mov     bp, sp
        cmp     word [bp + 2], rm_vmxon
        jne     .other
        add     word [bp + 2], rm_vmxon_end - rm_vmxon
        mov     byte [ud_seen], 1
        pop     bp
        iret
.other: PRINT   "FAIL unexpected real-mode #UD"
        mov     ebx, 1
        jmp     shutdown16

        bits 32
; Protected-mode #UD: frame EIP, CS, EFLAGS (no error code).
pm_ud_handler:
        cmp     dword [esp], pm_vmxon
        jne     .other
        add     dword [esp], pm_vmxon_end - pm_vmxon
        mov     byte [ud_seen], 1
        iretd
.other: push    dword 6
        jmp     exc_common32

; Protected-mode #GP: frame error code, EIP, CS, EFLAGS.
pm_gp_handler:
        cmp     dword [esp + 4], pm_cr4
        jne     .other
        add     dword [esp + 4], pm_cr4_end - pm_cr4
        mov     byte [gp_seen], 1
        add     esp, 4                  ; drop the error code
        iretd
.other: push    dword 13
        jmp     exc_common32

        align   8
vmxon_ptr:
        dq      0                       ; never used: VMXON must fault first

        section .bss
old_ivt6:   resd 1
cr4_before: resd 1
ud_seen:    resb 1
gp_seen:    resb 1
        section .text

        GUEST_END
