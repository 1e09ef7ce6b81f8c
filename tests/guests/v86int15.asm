; v86int15: the BIOS's memory-size services from virtual-8086 mode (issue 15,
; item 5), as EMM386, JEMM and DOS extenders call them: their v86 monitor
; reflects INT 15h into the real-mode IVT.  The guest asks INT 15h E820 (every
; entry), E801 and 88h in real mode, then twice from v86 mode through its own
; monitor (v86mon.inc): with IOPL 0 (INT n, PUSHF, POPF, CLI, STI and IRET
; fault and are emulated) and with IOPL 3 (they run natively; INT 15h reaches
; the monitor through its DPL-3 IDT gate).  It prints every answer and whether
; each pass's answers equal the real-mode ones.  An exception that stops a
; call is printed with its vector and CS:IP; such a pass differs.  pxHV's INT
; 15h hook must answer every caller the BIOS would: a VMCALL in the hook was
; #UD in v86 mode; its handler, which the guest executes, must run in v86 mode
; at any IOPL as a BIOS handler does.
%define GUEST_NAME "v86int15"
%include "guestlib.inc"
%include "pc.inc"
%include "v86mon.inc"

SMAP            equ 0x534D4150
E820_MAX        equ 32
E820_SIZE       equ 20              ; base, length, type (the ACPI 1.0 entry)
; One pass's answers, compared byte for byte:
R_E820N         equ 0                           ; entries
R_E820          equ 4                           ; E820_MAX entries
R_E801          equ R_E820 + E820_MAX * E820_SIZE    ; AX, BX, CX, DX, CF
R_88            equ R_E801 + 20                 ; AX, CF
R_FAULTS        equ R_88 + 8                    ; calls stopped by an exception
R_SIZE          equ R_FAULTS + 4

main:
        call    com1_if_bare16
        PRINT   "start"
        mov     di, res_real                    ; the blocks are compared whole:
        mov     cx, 3 * R_SIZE                  ; zero them (.bss is not loaded)
        xor     al, al
        rep     stosb
        ; ---- real mode
        mov     di, res_real
        call    real_e820_16
        call    real_e801_16
        call    real_88_16
        mov     esi, res_real
        mov     edi, name_real
        ENTER_PM32
        call    report32
        call    v86_init32
        ; ---- v86 mode, IOPL 0, then IOPL 3
        mov     dword [v86_iopl], 0
        mov     ebx, res_v86_0
        mov     edi, name_iopl0
        call    v86_pass32
        mov     dword [v86_iopl], 3
        mov     ebx, res_v86_3
        mov     edi, name_iopl3
        call    v86_pass32
        cmp     byte [differs], 0
        je      .same
        FAIL    "v86 answers differ from real mode"
.same:  DONE

        bits 16
; ---- real mode: the same calls, results into the block at DI
real_e820_16:
        pushad
        xor     ebx, ebx
        xor     ebp, ebp                        ; entries
        lea     si, [di + R_E820]
.next:  push    di
        mov     eax, 0xE820
        mov     ecx, E820_SIZE
        mov     edx, SMAP
        mov     di, si
        int     0x15
        pop     di
        jc      .end
        cmp     eax, SMAP
        jne     .end
        inc     ebp
        add     si, E820_SIZE
        cmp     ebp, E820_MAX
        jae     .end
        test    ebx, ebx
        jnz     .next
.end:   mov     [di + R_E820N], ebp
        popad
        ret

real_e801_16:
        pushad
        push    di
        mov     ax, 0xE801
        xor     bx, bx
        xor     cx, cx
        xor     dx, dx
        int     0x15
        pop     di
        setc    [di + R_E801 + 16]
        mov     [di + R_E801], ax
        mov     [di + R_E801 + 4], bx
        mov     [di + R_E801 + 8], cx
        mov     [di + R_E801 + 12], dx
        popad
        ret

real_88_16:
        pushad
        push    di
        mov     ah, 0x88
        int     0x15
        pop     di
        setc    [di + R_88 + 4]
        mov     [di + R_88], ax
        popad
        ret

        bits 32
; v86_pass32: the calls from v86 mode into the block at EBX, then the report
; (EDI = the pass's name) and the comparison with real mode.
v86_pass32:
        pushad
        mov     [pass_res], ebx
        mov     [pass_name], edi
        xor     eax, eax
        mov     [v86_n_gpint], eax
        mov     [v86_n_gpidt], eax
        mov     [v86_n_gate], eax
        mov     [v86_n_emul], eax
        ; E820: every entry, the buffer in conventional memory (ES = 0)
        xor     ebp, ebp
        mov     dword [cont], 0
.e820:  call    clear_regs32
        mov     dword [v86_regs + V_EAX], 0xE820
        mov     eax, [cont]
        mov     [v86_regs + V_EBX], eax
        mov     dword [v86_regs + V_ECX], E820_SIZE
        mov     dword [v86_regs + V_EDX], SMAP
        mov     dword [v86_regs + V_EDI], v86_buf
        mov     al, 0x15
        call    v86_call32
        jc      .e820_fault
        test    dword [v86_regs + V_FLAGS], EFL_CF
        jnz     .e820_end
        cmp     dword [v86_regs + V_EAX], SMAP
        jne     .e820_end
        mov     eax, ebp
        imul    eax, E820_SIZE
        lea     edi, [ebx + R_E820 + eax]
        mov     esi, v86_buf
        mov     ecx, E820_SIZE
        rep     movsb
        inc     ebp
        cmp     ebp, E820_MAX
        jae     .e820_end
        mov     eax, [v86_regs + V_EBX]
        mov     [cont], eax
        test    eax, eax
        jnz     .e820
        jmp     .e820_end
.e820_fault:
        mov     esi, fn_e820
        call    fault32
.e820_end:
        mov     [ebx + R_E820N], ebp
        ; E801
        call    clear_regs32
        mov     dword [v86_regs + V_EAX], 0xE801
        mov     al, 0x15
        call    v86_call32
        jnc     .e801
        mov     esi, fn_e801
        call    fault32
        jmp     .e801_end
.e801:  mov     eax, [v86_regs + V_FLAGS]
        and     eax, EFL_CF
        mov     [ebx + R_E801 + 16], eax
        movzx   eax, word [v86_regs + V_EAX]
        mov     [ebx + R_E801], eax
        movzx   eax, word [v86_regs + V_EBX]
        mov     [ebx + R_E801 + 4], eax
        movzx   eax, word [v86_regs + V_ECX]
        mov     [ebx + R_E801 + 8], eax
        movzx   eax, word [v86_regs + V_EDX]
        mov     [ebx + R_E801 + 12], eax
.e801_end:
        ; 88h
        call    clear_regs32
        mov     dword [v86_regs + V_EAX], 0x8800
        mov     al, 0x15
        call    v86_call32
        jnc     .ext
        mov     esi, fn_88
        call    fault32
        jmp     .ext_end
.ext:   mov     eax, [v86_regs + V_FLAGS]
        and     eax, EFL_CF
        mov     [ebx + R_88 + 4], eax
        movzx   eax, word [v86_regs + V_EAX]
        mov     [ebx + R_88], eax
.ext_end:
        mov     esi, ebx
        mov     edi, [pass_name]
        call    report32
        ; how the monitor saw the calls (yes/no: the counts depend on the BIOS)
        call    lb_name32
        LB_STR  "monitor: int n after #gp(0) "
        mov     eax, [v86_n_gpint]
        call    lb_yesno32
        LB_STR  ", through the int 15h gate "
        mov     eax, [v86_n_gate]
        call    lb_yesno32
        LB_STR  ", cli/sti/pushf/popf/iret emulated "
        mov     eax, [v86_n_emul]
        call    lb_yesno32
        LB_END
        ; the same as in real mode?
        mov     esi, res_real
        mov     edi, ebx
        mov     ecx, R_SIZE
        repe    cmpsb
        setne   al
        LB_BEGIN
        mov     esi, [pass_name]
        call    lb_str32
        test    al, al
        jnz     .diff
        LB_STR  ": the same as in real mode"
        jmp     .said
.diff:  LB_STR  ": differs from real mode"
        mov     byte [differs], 1
.said:  LB_END
        popad
        ret

clear_regs32:
        push    edi
        push    ecx
        push    eax
        mov     edi, v86_regs
        xor     eax, eax
        mov     ecx, V_SIZE / 4
        rep     stosd
        pop     eax
        pop     ecx
        pop     edi
        ret

; fault32: ESI = the function: "<pass>: <fn>: #V at CS:IP", counted.
fault32:
        pushad
        inc     dword [ebx + R_FAULTS]
        LB_BEGIN
        push    esi
        mov     esi, [pass_name]
        call    lb_str32
        LB_STR  ": "
        pop     esi
        call    lb_str32
        LB_STR  ": #"
        LB_DEC  [v86_fault_vec]
        LB_STR  "("
        LB_HEX  [v86_fault_err], 4
        LB_STR  ") at "
        LB_HEX  [v86_fault_cs], 4
        LB_STR  ":"
        LB_HEX  [v86_fault_ip], 4
        LB_END
        popad
        ret

; report32: the block at ESI, lines prefixed with the name at EDI.
report32:
        pushad
        mov     ebx, esi
        xor     ebp, ebp
.entry: cmp     ebp, [ebx + R_E820N]
        jae     .count
        mov     eax, ebp
        imul    eax, E820_SIZE
        lea     esi, [ebx + R_E820 + eax]
        call    lb_name32
        LB_STR  "e820 base=0x"
        LB_HEX  [esi + 4], 8
        LB_HEX  [esi], 8
        LB_STR  " len=0x"
        LB_HEX  [esi + 12], 8
        LB_HEX  [esi + 8], 8
        LB_STR  " type="
        LB_DEC  [esi + 16]
        LB_END
        inc     ebp
        jmp     .entry
.count: call    lb_name32
        LB_STR  "e820: "
        LB_DEC  [ebx + R_E820N]
        LB_STR  " entries"
        LB_END
        call    lb_name32
        LB_STR  "e801 ax=0x"
        LB_HEX  [ebx + R_E801], 4
        LB_STR  " bx=0x"
        LB_HEX  [ebx + R_E801 + 4], 4
        LB_STR  " cx=0x"
        LB_HEX  [ebx + R_E801 + 8], 4
        LB_STR  " dx=0x"
        LB_HEX  [ebx + R_E801 + 12], 4
        LB_STR  " cf="
        LB_DEC  [ebx + R_E801 + 16]
        LB_END
        call    lb_name32
        LB_STR  "88h ax=0x"
        LB_HEX  [ebx + R_88], 4
        LB_STR  " cf="
        LB_DEC  [ebx + R_88 + 4]
        LB_END
        popad
        ret

; lb_yesno32: append "yes" if EAX > 0, else "no".
lb_yesno32:
        test    eax, eax
        jz      .no
        LB_STR  "yes"
        ret
.no:    LB_STR  "no"
        ret

; lb_name32: start a line "<name>: <EDI's pass name>: ".
lb_name32:
        LB_BEGIN
        push    esi
        mov     esi, edi
        call    lb_str32
        pop     esi
        LB_STR  ": "
        ret

name_real:      db "real mode", 0
name_iopl0:     db "v86 iopl 0", 0
name_iopl3:     db "v86 iopl 3", 0
fn_e820:        db "e820", 0
fn_e801:        db "e801", 0
fn_88:          db "88h", 0
differs:        db 0
        align   4
cont:           dd 0
pass_res:       dd 0
pass_name:      dd 0
v86_buf:        times 24 db 0

        bits 16
        GUEST_END

        section .bss
        alignb  4
res_real:       resb R_SIZE
res_v86_0:      resb R_SIZE
res_v86_3:      resb R_SIZE
        section .text
