; svm: AMD-V stays invisible to the guest, as VMX does on Intel (vmx.asm):
;   - CPUID.80000001h:ECX.SVM reads 0
;   - EFER.SVME cannot be set: #GP(0), as for a reserved EFER bit
;   - VMRUN, VMLOAD, VMSAVE, STGI, CLGI, SKINIT: #UD, as with EFER.SVME = 0
;     (AMD APM Vol. 2 15.4); VMMCALL is pxHV's hypercall
;   - VM_CR reads as SVM disabled and locked by the firmware
%define GUEST_NAME "svm"
%include "guestlib.inc"
%include "hostile.inc"

main:
        PRINT   "start"
        ENTER_PM32
        call    catch_install32
        mov     eax, 0x80000001
        cpuid
        shr     ecx, 2
        and     ecx, 1
        LB_BEGIN
        LB_STR  "cpuid 80000001 svm="
        LB_DEC  ecx
        LB_END
        mov     ecx, 0xC0000080
        rdmsr
        or      eax, 1 << 12
        TRY
        wrmsr
        ENDTRY
        EXPECT_FAULT "efer.svme", 13, 0
        mov     ecx, 0xC0000080
        rdmsr
        shr     eax, 12
        and     eax, 1
        LB_BEGIN
        LB_STR  "efer.svme reads "
        LB_DEC  eax
        LB_END
        mov     eax, 0x20000                    ; an aligned address: only #UD is left
        TRY
        vmrun
        ENDTRY
        EXPECT_FAULT "vmrun", 6, 0
        TRY
        vmload
        ENDTRY
        EXPECT_FAULT "vmload", 6, 0
        TRY
        vmsave
        ENDTRY
        EXPECT_FAULT "vmsave", 6, 0
        TRY
        stgi
        ENDTRY
        EXPECT_FAULT "stgi", 6, 0
        TRY
        clgi
        ENDTRY
        EXPECT_FAULT "clgi", 6, 0
        TRY
        db      0x0F, 0x01, 0xDE        ; SKINIT
        ENDTRY
        EXPECT_FAULT "skinit", 6, 0
        mov     ecx, 0xC0010114
        rdmsr
        LB_BEGIN
        LB_STR  "vm_cr=0x"
        LB_HEX  eax, 8
        LB_END
        DONE

        GUEST_END
