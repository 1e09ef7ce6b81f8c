; stage2/cpu.asm: CPUID checks and the switch real mode -> protected mode ->
; long mode, included by stage2.asm.

SEL_CODE32      equ 0x08
SEL_DATA        equ 0x10
SEL_CODE64      equ 0x18

PT_PML4         equ LOW_PAGE_TABLES
PT_PDPT         equ LOW_PAGE_TABLES + 0x1000
PT_PD           equ LOW_PAGE_TABLES + 0x2000

        bits    16

; has_cpuid: ZF = 0 if CPUID exists, i.e. EFLAGS.ID (bit 21) can be toggled
; (SDM Vol. 1 20.1.1).  Clobbers EAX and ECX.
has_cpuid:
        pushfd
        pop     eax
        mov     ecx, eax
        xor     eax, 1 << 21
        push    eax
        popfd
        pushfd
        pop     eax
        push    ecx
        popfd
        xor     eax, ecx
        ret

; check_reentry: a guest that reboots by jumping to the BIOS reset vector
; (F000:FFF0) runs the BIOS again inside pxHV's virtual machine, and the BIOS
; boots this disk: this stage 2 is then pxHV's guest.  CPUID says so (the
; hypervisor bit, CPUID.1:ECX[31], and pxHV's signature at leaf 0x40000000,
; include/boot/hypercall.h); ask the hypervisor to reset the machine for real,
; which is what the guest wanted.  Returns when running on bare hardware.
check_reentry:
        pushad
        call    has_cpuid
        jz      .bare
        mov     eax, 1
        cpuid
        test    ecx, CPUID_1_ECX_HYPERVISOR
        jz      .bare
        mov     eax, PXHV_CPUID_BASE
        cpuid
        cmp     ebx, PXHV_CPUID_SIG
        jne     .bare
        mov     si, msg_reentry
        call    print
        xor     eax, eax
        cpuid                           ; vendor: AMD's hypercall is VMMCALL
        mov     eax, PXHV_HC_RESET
        cmp     ebx, "Auth"
        je      .amd
        vmcall                          ; does not return
.amd:   vmmcall
.bare:  popad
        ret

; cpu_check: long mode is required: CPUID.80000001h:EDX.LM (SDM Vol. 2A,
; CPUID).  Stage 3 looks for VMX or SVM (core/handoff.c).
cpu_check:
        pushad
        call    has_cpuid
        jz      .no_long_mode
        mov     eax, 0x80000000
        cpuid
        cmp     eax, 0x80000001
        jb      .no_long_mode
        mov     eax, 0x80000001
        cpuid
        test    edx, CPUID_80000001_EDX_LM
        jz      .no_long_mode
        popad
        ret
.no_long_mode:
        mov     si, msg_no_lm
        jmp     stop16

; boot_page_tables: identity-map the first 2 MiB at LOW_PAGE_TABLES: all that
; stage 3's early start touches before it builds its own map.  Sets the
; boot CPU's way into long mode with stage 3's entry (load.asm): that CR3,
; stage 2's stack, RDI = &boot_info.
boot_page_tables:
        push    es
        mov     ax, LOW_PAGE_TABLES >> 4
        mov     es, ax
        xor     di, di
        xor     eax, eax
        mov     cx, 3 * 4096 / 4
        rep     stosd                   ; PML4, PDPT, PD
        mov     dword [es:0], PT_PDPT | PTE_P | PTE_W
        mov     dword [es:0x1000], PT_PD | PTE_P | PTE_W
        mov     dword [es:0x2000], PTE_P | PTE_W | PTE_PS
        pop     es
        mov     dword [bi + BI_LM_CR3], PT_PML4
        mov     dword [bi + BI_LM_STACK], LOW_STAGE2_STACK
        mov     dword [bi + BI_LM_ARG], LOW_STAGE2 + bi
        ret

; enter_long_mode: SDM Vol. 3A 9.8.5 "Initializing IA-32e Mode": protected
; mode, PAE, CR3, EFER.LME, then CR0.PG; a far jump to a 64-bit code segment
; starts executing 64-bit code, which jumps where boot_info.lm_* say.  The
; boot CPU comes here once; stage 3 sets those fields for each AP it starts.
enter_long_mode:
        cli
        lgdt    [gdt_desc]
        mov     eax, cr0
        or      eax, CR0_PE
        mov     cr0, eax
        jmp     dword SEL_CODE32:(LOW_STAGE2 + pm32)

        bits    32
pm32:
        mov     ax, SEL_DATA
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     eax, cr4
        or      eax, CR4_PAE
        mov     cr4, eax
        mov     eax, [LOW_STAGE2 + bi + BI_LM_CR3]
        mov     cr3, eax
        mov     ecx, MSR_EFER
        rdmsr
        or      eax, EFER_LME
        wrmsr
        mov     eax, cr0
        or      eax, CR0_PG
        mov     cr0, eax
        jmp     SEL_CODE64:(LOW_STAGE2 + long_mode)

        bits    64
long_mode:
        mov     rsp, [LOW_STAGE2 + bi + BI_LM_STACK]
        mov     rdi, [LOW_STAGE2 + bi + BI_LM_ARG]
        jmp     [LOW_STAGE2 + bi + BI_LM_ENTRY]

        bits    16

msg_no_lm:      db "Long mode not supported", NL, 0

; Flat GDT: 32-bit code, data, 64-bit code (L=1, D=0).  SDM Vol. 3A 3.4.5 "Segment Descriptors".
        align   8
gdt:            dq 0
                dq 0x00CF9A000000FFFF   ; SEL_CODE32: base 0, 4 GiB, 32-bit
                dq 0x00CF92000000FFFF   ; SEL_DATA:   base 0, 4 GiB, writable
                dq 0x00AF9A000000FFFF   ; SEL_CODE64: L=1
gdt_end:
gdt_desc:       dw gdt_end - gdt - 1
                dd LOW_STAGE2 + gdt
