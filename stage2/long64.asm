; stage2/long64.asm: the 64-bit part of stage 2, included by stage2.asm.
; Runs on the identity map built in cpu.asm; all label references are
; RIP-relative, so the code works at LOW_STAGE2 + offset.

        bits    64
        default rel

MSR_FEATURE_CONTROL     equ 0x3A
MSR_VMX_BASIC           equ 0x480
MSR_VMX_CR0_FIXED0      equ 0x486
MSR_VMX_CR0_FIXED1      equ 0x487
MSR_VMX_CR4_FIXED0      equ 0x488
MSR_VMX_CR4_FIXED1      equ 0x489
FC_LOCK                 equ 1 << 0
FC_VMX_OUTSIDE_SMX      equ 1 << 2

BDA_VIDEO_MODE          equ 0x449
BDA_CURSOR_COL          equ 0x450       ; page 0 cursor: column, row
BDA_CURSOR_ROW          equ 0x451
BDA_CRTC_PORT           equ 0x463       ; 0x3D4 for colour text
VGA_TEXT                equ 0xB8000

long_mode:
        mov     ax, SEL_DATA
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        xor     eax, eax
        mov     fs, ax
        mov     gs, ax
        mov     rsp, STACK_TOP_PHYS
        lgdt    [gdt_desc64]            ; same GDT, 64-bit base
        call    idt_setup
        or      dword [bi + BI_FLAGS], BI_FLAG_LONG_MODE
        lea     rsi, [msg_long_mode]
        call    print64

        call    choose_region
        call    install_stage3
        cmp     dword [bi + BI_VMX_STATUS], VMX_OK
        jne     .call_stage3
        call    vmx_setup

.call_stage3:
        lea     rsi, [msg_call]
        call    print64
        call    serial_drain64
        ; Stage 3 entry: RDI = &boot_info, interrupts off, a 16-byte aligned
        ; stack (SysV: RSP + 8 aligned at function entry, after the call).
        cli
        mov     rsp, STACK_TOP_PHYS
        lea     rdi, [bi]
        mov     rax, [bi + BI_HV_BASE]
        mov     ecx, [rax + S3H_ENTRY_OFFSET]
        add     rax, rcx
        call    rax
        lea     rsi, [msg_returned]
        ; fall through

; stop64: print RSI, halt for good.  Emulators are told to stop first through
; their shutdown port (Bochs, QEMU's isa "Shutdown" string at 0x8900), so a
; failed run ends instead of idling until its timeout; hardware ignores it.
stop64:
        call    print64
halt64:
        call    serial_drain64
        lea     rsi, [msg_shutdown]
        mov     ecx, 8
        mov     dx, 0x8900
        rep     outsb
        cli
.l:     hlt
        jmp     .l

; ---------------------------------------------------------------------------
; choose_region: hv_base = the highest 2 MiB-aligned 2 MiB block inside one
; E820 RAM range, >= HV_REGION_MIN_BASE, ending <= HV_REGION_MAX_END and
; overlapping no non-RAM entry (firmware maps may overlap).
choose_region:
        xor     r8, r8                  ; best so far (0: none)
        mov     ecx, [bi + BI_E820_COUNT]
        lea     rbx, [bi + BI_E820]
.entry:
        test    ecx, ecx
        jz      .done
        cmp     dword [rbx + E820_TYPE], E820_RAM
        jne     .next
        mov     rsi, [rbx + E820_BASE]
        mov     rdi, rsi
        add     rdi, [rbx + E820_LENGTH]        ; end
        jc      .clip                           ; wrapped: clip to 4 GiB
        mov     rax, HV_REGION_MAX_END
        cmp     rdi, rax
        jbe     .end_ok
.clip:  mov     rdi, HV_REGION_MAX_END
.end_ok:
        mov     rax, HV_REGION_MIN_BASE
        cmp     rsi, rax
        jae     .start_ok
        mov     rsi, rax
.start_ok:
        add     rsi, HV_REGION_ALIGN - 1        ; start rounded up
        and     rsi, -HV_REGION_ALIGN
        and     rdi, -HV_REGION_ALIGN           ; end rounded down
        sub     rdi, HV_REGION_SIZE             ; candidate base
        jb      .next
.candidate:
        cmp     rdi, rsi
        jb      .next
        cmp     rdi, r8
        jbe     .next                   ; not better than what we have
        call    overlaps_reserved
        jnc     .take
        sub     rdi, HV_REGION_SIZE
        jae     .candidate
        jmp     .next
.take:  mov     r8, rdi
.next:
        add     rbx, E820_ENTRY_SIZE
        dec     ecx
        jmp     .entry
.done:
        test    r8, r8
        jnz     .found
        lea     rsi, [msg_no_region]
        jmp     stop64
.found:
        mov     [bi + BI_HV_BASE], r8
        lea     rsi, [msg_region]
        call    print64
        mov     rax, r8
        call    print_hex64
        call    newline64
        ret

; overlaps_reserved: CF=1 if [RDI, RDI + HV_REGION_SIZE) overlaps a non-RAM
; E820 entry.
overlaps_reserved:
        push    rax
        push    rcx
        push    rdx
        push    rbx
        mov     ecx, [bi + BI_E820_COUNT]
        lea     rbx, [bi + BI_E820]
.l:     test    ecx, ecx
        jz      .none
        cmp     dword [rbx + E820_TYPE], E820_RAM
        je      .n
        mov     rax, [rbx + E820_BASE]
        lea     rdx, [rdi + HV_REGION_SIZE]
        cmp     rax, rdx
        jae     .n                      ; starts after the block
        add     rax, [rbx + E820_LENGTH]
        jc      .hit
        cmp     rax, rdi
        ja      .hit                    ; ends inside or after its start
.n:     add     rbx, E820_ENTRY_SIZE
        dec     ecx
        jmp     .l
.hit:   stc
        jmp     .out
.none:  clc
.out:   pop     rbx
        pop     rdx
        pop     rcx
        pop     rax
        ret

; ---------------------------------------------------------------------------
; install_stage3: check the struct stage3_header at LOW_STAGE3_BOUNCE, copy
; image_size bytes to hv_base, zero the rest up to mem_size.
install_stage3:
        mov     esi, LOW_STAGE3_BOUNCE
        cmp     dword [rsi + S3H_MAGIC], STAGE3_MAGIC
        jne     .bad
        mov     ecx, [rsi + S3H_IMAGE_SIZE]
        mov     edx, [rsi + S3H_MEM_SIZE]
        cmp     ecx, S3H_SIZE
        jb      .bad
        mov     eax, [bi + BI_CONFIG + CFG_STAGE3_SECTORS]
        shl     eax, 9
        cmp     ecx, eax                ; only that much was read
        ja      .bad
        cmp     edx, ecx
        jb      .bad
        cmp     edx, HV_VMXON_OFFSET    ; the VMXON page stays free
        ja      .bad
        cmp     [rsi + S3H_ENTRY_OFFSET], ecx
        jae     .bad
        sub     edx, ecx                ; bss bytes
        mov     rdi, [bi + BI_HV_BASE]
        rep     movsb
        mov     ecx, edx
        xor     eax, eax
        rep     stosb                   ; bss
        ret
.bad:
        lea     rsi, [msg_s3_bad]
        jmp     stop64

; ---------------------------------------------------------------------------
; vmx_setup: IA32_FEATURE_CONTROL, the CR0/CR4 fixed bits, VMXON.
; SDM Vol. 3C, 23.7 "Enabling and entering VMX operation", 23.8
; "Restrictions on VMX operation", Appendix A.7/A.8.
vmx_setup:
        mov     ecx, MSR_FEATURE_CONTROL
        rdmsr
        mov     [bi + BI_FEATURE_CONTROL], eax
        mov     [bi + BI_FEATURE_CONTROL + 4], edx
        test    al, FC_LOCK
        jz      .unlocked
        test    al, FC_VMX_OUTSIDE_SMX
        jnz     .fixed_bits
        ; Locked with VMXON disabled: VMXON would #GP.  Only a firmware
        ; setting can change that.
        lea     rsi, [msg_fc_locked]
        call    print64
        mov     dword [bi + BI_VMX_STATUS], VMX_FW_LOCKED_OFF
        ret
.unlocked:
        or      eax, FC_LOCK | FC_VMX_OUTSIDE_SMX
        wrmsr
.fixed_bits:
        ; A bit set in FIXED0 must be 1, a bit clear in FIXED1 must be 0.
        mov     ecx, MSR_VMX_CR0_FIXED0
        call    rdmsr64
        mov     r8, rax
        mov     ecx, MSR_VMX_CR0_FIXED1
        call    rdmsr64
        mov     r9, rax
        mov     r10, cr0
        or      r10, r8
        and     r10, r9
        mov     eax, r10d
        and     eax, CR0_PE | CR0_PG    ; must stay on in long mode
        cmp     eax, CR0_PE | CR0_PG
        jne     .cr_bad
        mov     ecx, MSR_VMX_CR4_FIXED0
        call    rdmsr64
        mov     r8, rax
        mov     ecx, MSR_VMX_CR4_FIXED1
        call    rdmsr64
        mov     r9, rax
        mov     r11, cr4
        or      r11, CR4_VMXE
        or      r11, r8
        and     r11, r9
        mov     eax, r11d
        and     eax, CR4_PAE | CR4_VMXE
        cmp     eax, CR4_PAE | CR4_VMXE
        jne     .cr_bad
        mov     cr0, r10
        mov     cr4, r11

        ; VMXON region: 4 KiB aligned, zeroed, revision id (IA32_VMX_BASIC
        ; bits 30:0) in the first dword, bit 31 clear.  SDM 24.11.5.
        mov     rdi, [bi + BI_HV_BASE]
        add     rdi, HV_VMXON_OFFSET
        mov     [bi + BI_VMXON_PHYS], rdi
        mov     rsi, rdi                ; RDMSR below clobbers RDX
        mov     ecx, 4096 / 8
        xor     eax, eax
        rep     stosq
        mov     ecx, MSR_VMX_BASIC
        rdmsr
        and     eax, 0x7FFFFFFF
        mov     [rsi], eax
        vmxon   [bi + BI_VMXON_PHYS]
        pushfq
        pop     rax
        mov     [bi + BI_VMXON_RFLAGS], rax
        test    al, 1 << 0              ; CF: VMfailInvalid
        jnz     .fail_invalid
        test    al, 1 << 6              ; ZF: VMfailValid
        jnz     .fail_valid
        lea     rsi, [msg_vmxon_ok]
        jmp     print64
.fail_invalid:
        mov     dword [bi + BI_VMX_STATUS], VMX_VMXON_FAIL_INVALID
        lea     rsi, [msg_vmxon_invalid]
        jmp     print64
.fail_valid:
        mov     dword [bi + BI_VMX_STATUS], VMX_VMXON_FAIL_VALID
        lea     rsi, [msg_vmxon_valid]
        jmp     print64
.cr_bad:
        mov     dword [bi + BI_VMX_STATUS], VMX_CR_FIXED_BAD
        lea     rsi, [msg_cr_bad]
        jmp     print64

; rdmsr64: ECX = MSR -> RAX.
rdmsr64:
        push    rdx
        rdmsr
        shl     rdx, 32
        or      rax, rdx
        pop     rdx
        ret

; ---------------------------------------------------------------------------
; Exceptions while stage 2 runs in long mode: print the vector and RIP, halt.
; Stage 3 installs its own IDT.

EXC_STUB_SIZE   equ 8
; Vectors that push an error code: 8, 10-14, 17, 21, 29, 30 (SDM Vol. 3A, Table 6-1).
EXC_ERRCODE_MASK equ 0x60227D00

idt_setup:
        lea     rdi, [idt]
        lea     rdx, [exc_stubs]
        mov     ecx, 32
.l:     mov     rax, rdx
        mov     [rdi], ax               ; offset 15:0
        mov     word [rdi + 2], SEL_CODE64
        mov     word [rdi + 4], 0x8E00  ; present, DPL 0, 64-bit interrupt gate
        shr     rax, 16
        mov     [rdi + 6], ax           ; offset 31:16
        shr     rax, 16
        mov     [rdi + 8], eax          ; offset 63:32
        mov     dword [rdi + 12], 0
        add     rdi, 16
        add     rdx, EXC_STUB_SIZE
        loop    .l
        lidt    [idt_desc]
        ret

        align   EXC_STUB_SIZE
exc_stubs:
%assign vec 0
%rep 32
        push    byte vec
        jmp     strict near exc_common
        align   EXC_STUB_SIZE, db 0xCC
%assign vec vec + 1
%endrep

exc_common:
        pop     rbx                     ; vector
        mov     eax, EXC_ERRCODE_MASK
        bt      eax, ebx
        jnc     .no_code
        add     rsp, 8
.no_code:
        lea     rsi, [msg_exc]
        call    print64
        mov     rax, rbx
        call    print_hex64
        lea     rsi, [msg_exc_rip]
        call    print64
        mov     rax, [rsp]
        call    print_hex64
        call    newline64
        jmp     halt64

; ---------------------------------------------------------------------------
; 64-bit console: COM1 and the VGA text screen (when the BIOS left mode 3),
; continuing at the BIOS cursor, which is kept up to date in the BDA.

; print64: RSI = NUL-terminated string.
print64:
        push    rax
        push    rsi
.l:     lodsb
        test    al, al
        jz      .done
        call    putc64
        jmp     .l
.done:  pop     rsi
        pop     rax
        ret

newline64:
        push    rsi
        lea     rsi, [msg_nl]
        call    print64
        pop     rsi
        ret

; print_hex64: RAX as 0x + 16 hex digits.
print_hex64:
        push    rax
        push    rcx
        push    rdx
        mov     rdx, rax
        mov     al, '0'
        call    putc64
        mov     al, 'x'
        call    putc64
        mov     ecx, 16
.l:     rol     rdx, 4
        mov     eax, edx
        and     eax, 0x0F
        add     al, '0'
        cmp     al, '9'
        jbe     .d
        add     al, 'A' - '9' - 1
.d:     call    putc64
        loop    .l
        pop     rdx
        pop     rcx
        pop     rax
        ret

; putc64: AL to COM1 and the screen.
putc64:
        push    rax
        push    rdx
        mov     ah, al
        mov     dx, COM1 + 5
.wait:  in      al, dx
        test    al, 0x20
        jz      .wait
        mov     dx, COM1
        mov     al, ah
        out     dx, al
        pop     rdx
        pop     rax
        ; fall through

; vga_putc: AL at the BDA cursor, CR and LF handled, scrolls at row 25.
vga_putc:
        cmp     byte [abs BDA_VIDEO_MODE], 3
        jne     .ret
        push    rax
        push    rcx
        push    rdx
        push    rsi
        push    rdi
        movzx   ecx, byte [abs BDA_CURSOR_COL]
        movzx   edx, byte [abs BDA_CURSOR_ROW]
        cmp     al, 13
        je      .cr
        cmp     al, 10
        je      .lf
        imul    edi, edx, 80
        add     edi, ecx
        mov     ah, 0x07                ; light grey on black
        mov     [VGA_TEXT + rdi * 2], ax
        inc     ecx
        cmp     ecx, 80
        jb      .store
.cr:    xor     ecx, ecx
        cmp     al, 13
        je      .store
.lf:    inc     edx
        cmp     edx, 25
        jb      .store
        ; scroll one line up, blank the last line
        push    rcx
        mov     edi, VGA_TEXT
        mov     esi, VGA_TEXT + 160
        mov     ecx, 24 * 160 / 2
        rep     movsw
        mov     ax, 0x0720
        mov     ecx, 80
        rep     stosw
        pop     rcx
        mov     edx, 24
.store:
        mov     [abs BDA_CURSOR_COL], cl
        mov     [abs BDA_CURSOR_ROW], dl
        ; hardware cursor: CRTC registers 0Eh/0Fh = row * 80 + column
        imul    edi, edx, 80
        add     edi, ecx
        mov     dx, [abs BDA_CRTC_PORT]
        mov     al, 0x0E
        out     dx, al
        inc     dx
        mov     eax, edi
        shr     eax, 8
        out     dx, al
        dec     dx
        mov     al, 0x0F
        out     dx, al
        inc     dx
        mov     eax, edi
        out     dx, al
        pop     rdi
        pop     rsi
        pop     rdx
        pop     rcx
        pop     rax
.ret:   ret

; serial_drain64: wait (bounded) until COM1 has sent everything (LSR bit 6).
serial_drain64:
        push    rax
        push    rcx
        push    rdx
        mov     dx, COM1 + 5
        mov     ecx, 0x100000
.l:     in      al, dx
        test    al, 0x40
        jnz     .done
        loop    .l
.done:  pop     rdx
        pop     rcx
        pop     rax
        ret

msg_long_mode:  db "Long mode enabled", NL, 0
msg_region:     db "Hypervisor region at ", 0
msg_no_region:  db "Not enough memory for the hypervisor region", NL, 0
msg_s3_bad:     db "Stage 3 image invalid", NL, 0
msg_fc_locked:  db "VT-x disabled by firmware (IA32_FEATURE_CONTROL locked)", NL, 0
msg_cr_bad:     db "VT-x: CR0/CR4 cannot meet IA32_VMX_CR*_FIXED*", NL, 0
msg_vmxon_ok:   db "VMXON executed successfully!", NL, 0
msg_vmxon_invalid: db "VMXON failed: VMfailInvalid (CF=1): VMXON region or revision id rejected", NL, 0
msg_vmxon_valid: db "VMXON failed: VMfailValid (ZF=1)", NL, 0
msg_call:       db "Starting stage 3", NL, 0
msg_returned:   db "Stage 3 returned", NL, 0
msg_exc:        db "Stage 2: CPU exception ", 0
msg_exc_rip:    db " at RIP ", 0

        align   8
idt_desc:       dw 32 * 16 - 1
                dq LOW_STAGE2 + idt
        align   16
idt:            times 32 * 16 db 0

        bits    16

msg_shutdown:   db "Shutdown"
