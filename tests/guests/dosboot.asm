; dosboot: a guest that boots as DOS does (issue 15: "FreeDOS boots again"),
; without being DOS.  In order:
;   - A20 off through the keyboard controller's output port, as DOS's loader
;     leaves it; on through port 92h and off again (the fast gate), each
;     checked with the wrap test;
;   - a resident part copied low, to 0060:0000, that hooks INT 21h (AH=02h:
;     a character to the screen, INT 10h teletype, and to COM1; AH=30h: the
;     version), as DOS's kernel relocates itself and owns INT 21h;
;   - 32-bit protected mode with a virtual-8086 monitor (v86mon.inc, as
;     EMM386 sets one up), from which INT 15h E820 (every range) and AH=88h
;     measure memory, and INT 15h AX=2401h turns A20 on (as HIMEM does);
;   - a command prompt `A:\>` that runs in v86 mode under the monitor (INT
;     21h, INT 10h reflected), on the screen and on COM1, reading commands
;     from COM1 (LSR bit 0, RBR) and echoing them:
;       ver    "pxDOS version 7.10" (INT 21h AH=30h, from the resident part)
;       mem    conventional (INT 12h), extended (INT 15h AH=88h) and usable
;              (the E820 RAM ranges) memory as measured at boot
;       a20    the A20 line's state (wrap test)
;       exit   leaves v86 mode; PXHV_HC_SHUTDOWN under pxHV, else ACPI S5
;              (the FADT's PM1a_CNT and \_S5, as pxHV powers off) and the
;              emulators' port 0x8900
;     anything else: "Bad command or file name".
; Lines before the prompt are "dosboot: ..." on COM1 (8N1 set natively; under
; pxHV the UART is left as pxHV set it); the prompt's output is DOS-like, with
; CR LF, on the screen and COM1.
%define GUEST_NAME "dosboot"
%include "guestlib.inc"
%include "pc.inc"
%include "v86mon.inc"

SMAP            equ 0x534D4150
RES_SEG         equ 0x0060
CMD_MAX         equ 60

main:
        mov     byte [out_mode], OUT_COM1
        cmp     byte [hv_present], 1
        je      .uart
        mov     dx, COM1 + 3
        mov     al, 0x03
        out     dx, al
.uart:  PRINT   "start"
        ; ---- A20 as DOS's loader leaves it
        call    a20_off_kbc16
        call    a20_check16
        jc      .off1
        FAIL    "a20 still on after the keyboard controller"
.off1:  PRINT   "a20 off through the keyboard controller"
        call    a20_on_92h16
        call    a20_check16
        jnc     .on2
        FAIL    "a20 still off after port 92h"
.on2:   PRINT   "a20 on through port 92h"
        call    a20_off_92h16
        call    a20_check16
        jc      .off3
        FAIL    "a20 still on after port 92h"
.off3:  PRINT   "a20 off through port 92h"
        ; ---- the resident part, low, owning INT 21h
        push    es
        mov     ax, RES_SEG
        mov     es, ax
        xor     di, di
        mov     si, resident
        mov     cx, resident_end - resident
        rep     movsb
        pop     es
        cli
        mov     word [0x21 * 4], 0
        mov     word [0x21 * 4 + 2], RES_SEG
        sti
        PRINT   "resident part at 0060:0000, int 21h hooked"
        int     0x12
        movzx   eax, ax
        mov     [conv_kb], eax

        ; ---- protected mode, the v86 monitor, memory from v86 mode
        ENTER_PM32
        call    v86_init32
        mov     dword [v86_iopl], 0
        call    measure32
        LB_BEGIN
        LB_STR  "from v86 mode: int 15h e820 "
        LB_DEC  [e820_n]
        LB_STR  " ranges, ah=88h 0x"
        LB_HEX  [ext_kb], 4
        LB_END
        ; HIMEM: A20 on through the BIOS, from v86 mode
        mov     edi, v86_regs
        xor     eax, eax
        mov     ecx, V_SIZE / 4
        rep     stosd
        mov     dword [v86_regs + V_EAX], 0x2401
        mov     al, 0x15
        call    v86_call32
        jnc     .himem
        call    v86_fault32
        FAIL    "int 15h ax=2401h from v86 mode"
.himem: call    a20_check32
        jnc     .a20on
        FAIL    "a20 still off after int 15h ax=2401h"
.a20on: PRINT   "himem: a20 on through int 15h ax=2401h from v86 mode"

        ; ---- the prompt, in v86 mode until "exit"
        mov     dword [v86_entry], shell
        mov     dword [v86_exit_ip], shell_exit
        call    v86_run32
        jnc     .exit
        call    v86_fault32
        FAIL    "the shell stopped"
.exit:  cmp     byte [hv_present], 1
        jne     .native
        xor     ebx, ebx
        mov     eax, PXHV_HC_SHUTDOWN
        HYPERCALL
.native:
        call    v86_paging_off32
        call    acpi_off32
        cli
.halt:  hlt
        jmp     .halt

; measure32: INT 15h E820 (every range: count, RAM total) and AH=88h.
measure32:
        pushad
        xor     ebx, ebx                        ; continuation
.next:  mov     edi, v86_regs
        xor     eax, eax
        mov     ecx, V_SIZE / 4
        rep     stosd
        mov     dword [v86_regs + V_EAX], 0xE820
        mov     [v86_regs + V_EBX], ebx
        mov     dword [v86_regs + V_ECX], 20
        mov     dword [v86_regs + V_EDX], SMAP
        mov     dword [v86_regs + V_EDI], e820_buf
        mov     al, 0x15
        call    v86_call32
        jnc     .ok
        call    v86_fault32
        FAIL    "int 15h e820 from v86 mode"
.ok:    test    dword [v86_regs + V_FLAGS], EFL_CF
        jnz     .done
        cmp     dword [v86_regs + V_EAX], SMAP
        jne     .done
        inc     dword [e820_n]
        cmp     dword [e820_buf + 16], 1        ; RAM
        jne     .cont
        mov     eax, [e820_buf + 8]
        mov     edx, [e820_buf + 12]
        add     [ram_bytes], eax
        adc     [ram_bytes + 4], edx
.cont:  mov     ebx, [v86_regs + V_EBX]
        test    ebx, ebx
        jnz     .next
.done:  mov     edi, v86_regs
        xor     eax, eax
        mov     ecx, V_SIZE / 4
        rep     stosd
        mov     dword [v86_regs + V_EAX], 0x8800
        mov     al, 0x15
        call    v86_call32
        jnc     .ext
        call    v86_fault32
        FAIL    "int 15h ah=88h from v86 mode"
.ext:   movzx   eax, word [v86_regs + V_EAX]
        mov     [ext_kb], eax
        ; usable KiB = bytes / 1024
        mov     eax, [ram_bytes]
        mov     edx, [ram_bytes + 4]
        shrd    eax, edx, 10
        mov     [ram_kb], eax
        popad
        ret

; v86_fault32: "v86 mode: #V(err) at CS:IP".
v86_fault32:
        LB_BEGIN
        LB_STR  "v86 mode: #"
        LB_DEC  [v86_fault_vec]
        LB_STR  "("
        LB_HEX  [v86_fault_err], 4
        LB_STR  ") at "
        LB_HEX  [v86_fault_cs], 4
        LB_STR  ":"
        LB_HEX  [v86_fault_ip], 4
        LB_END
        ret

; a20_check32: CF = 1 if A20 is off (0x100500 reads what 0x000500 holds;
; both are identity-mapped).
a20_check32:
        push    eax
        push    ebx
        mov     ebx, [0x500]
        mov     dword [0x500], 0x12345678
        mov     dword [0x100500], 0x9ABCDEF0
        cmp     dword [0x500], 0x9ABCDEF0
        mov     [0x500], ebx
        pop     ebx
        pop     eax
        je      .off
        clc
        ret
.off:   stc
        ret

; acpi_off32: ACPI S5 (ACPI 6.5 16.1.7 "Transitioning to S5"): SLP_TYPa of
; \_S5 and SLP_EN to PM1a_CNT (FADT offset 64), found through the RSDP
; (E0000h-FFFFFh) and the RSDT; then "Shutdown" to port 0x8900 (Bochs).
acpi_off32:
        mov     esi, 0xE0000
.rsdp:  cmp     dword [esi], "RSD "
        jne     .n
        cmp     dword [esi + 4], "PTR "
        je      .found
.n:     add     esi, 16
        cmp     esi, 0x100000
        jb      .rsdp
        jmp     .port
.found: mov     ebx, [esi + 16]                 ; RSDT
        mov     ecx, [ebx + 4]
        sub     ecx, 36
        shr     ecx, 2
        lea     esi, [ebx + 36]
.tab:   jecxz   .port
        mov     edi, [esi]
        cmp     dword [edi], "FACP"
        je      .fadt
        add     esi, 4
        dec     ecx
        jmp     .tab
.fadt:  mov     edx, [edi + 64]                 ; PM1a_CNT_BLK
        mov     [pm1a], edx
        mov     ebx, [edi + 40]                 ; DSDT
        mov     ecx, [ebx + 4]
        xor     eax, eax                        ; SLP_TYPa: 0 unless \_S5 says
.s5:    cmp     ecx, 12
        jb      .go
        cmp     dword [ebx], "_S5_"
        jne     .s5n
        cmp     byte [ebx + 4], 0x12            ; PackageOp
        jne     .s5n
        movzx   eax, byte [ebx + 7]             ; ZeroOp 00h, OneOp 01h,
        cmp     al, 0x0A                        ; or BytePrefix 0Ah + value
        jne     .go
        movzx   eax, byte [ebx + 8]
        jmp     .go
.s5n:   inc     ebx
        dec     ecx
        jmp     .s5
.go:    and     eax, 7
        shl     eax, 10
        or      eax, 1 << 13                    ; SLP_EN
        mov     edx, [pm1a]
        out     dx, ax
.port:  mov     dx, 0x8900
        mov     esi, .bochs
.b:     lodsb
        test    al, al
        jz      .done
        out     dx, al
        jmp     .b
.done:  ret
.bochs: db      "Shutdown", 0

; ---------------------------------------------------------------------------
; The resident part: copied to 0060:0000, position-independent.  INT 21h
; AH=02h: DL to the screen and COM1; AH=30h: AL = 7, AH = 10 (version 7.10).
        bits 16
resident:
        cmp     ah, 0x02
        je      .putc
        cmp     ah, 0x30
        je      .ver
        iret
.ver:   mov     ax, 0x0A07
        xor     bx, bx
        xor     cx, cx
        iret
.putc:  push    ax
        push    bx
        push    dx
        mov     al, dl
        mov     ah, 0x0E                        ; teletype output
        mov     bx, 0x0007
        int     0x10
        mov     dx, COM1 + 5
.thre:  in      al, dx
        test    al, LSR_THRE
        jz      .thre
        pop     dx
        push    dx
        mov     al, dl
        mov     dx, COM1
        out     dx, al
        pop     dx
        pop     bx
        pop     ax
        iret
resident_end:

; ---------------------------------------------------------------------------
; The shell, in v86 mode (CS = DS = ES = SS = 0): everything it prints goes
; through INT 21h AH=02h.
shell:
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     si, s_banner
        call    dputs
.prompt:
        mov     si, s_prompt
        call    dputs
        xor     bx, bx                          ; characters typed
.key:   call    getc
        cmp     al, 13
        je      .enter
        cmp     al, 10
        je      .key
        cmp     al, 8
        je      .bs
        cmp     al, 0x7F
        je      .bs
        cmp     al, ' '
        jb      .key
        cmp     bx, CMD_MAX
        jae     .key
        mov     [cmdbuf + bx], al
        inc     bx
        call    dputc
        jmp     .key
.bs:    test    bx, bx
        jz      .key
        dec     bx
        mov     si, s_bs
        call    dputs
        jmp     .key
.enter: mov     byte [cmdbuf + bx], 0
        mov     si, s_crlf
        call    dputs
        test    bx, bx
        jz      .prompt
        mov     di, c_ver
        call    cmdis
        je      .ver
        mov     di, c_mem
        call    cmdis
        je      .mem
        mov     di, c_a20
        call    cmdis
        je      .a20
        mov     di, c_exit
        call    cmdis
        je      .exit
        mov     si, s_bad
        call    dputs
        jmp     .prompt
.ver:   mov     ah, 0x30
        int     0x21
        mov     [ver], ax
        call    lclear
        LB_STR  "pxDOS version "
        movzx   eax, byte [ver]
        LB_DEC  eax
        LB_STR  "."
        movzx   eax, byte [ver + 1]
        LB_DEC  eax
        call    lout
        jmp     .prompt
.mem:   call    lclear
        LB_STR  "Conventional memory: "
        LB_DEC  [conv_kb]
        LB_STR  " KiB (INT 12h)"
        call    lout
        call    lclear
        LB_STR  "Extended memory: "
        LB_DEC  [ext_kb]
        LB_STR  " KiB (INT 15h AH=88h)"
        call    lout
        call    lclear
        LB_STR  "Usable memory: "
        LB_DEC  [ram_kb]
        LB_STR  " KiB (INT 15h E820)"
        call    lout
        jmp     .prompt
.a20:   call    lclear
        LB_STR  "A20 line: "
        call    a20_check16
        jc      .a20off
        LB_STR  "on"
        jmp     .a20out
.a20off:
        LB_STR  "off"
.a20out:
        call    lout
        jmp     .prompt
.exit:  mov     si, s_exit
        call    dputs
shell_exit:
        hlt                                     ; the monitor takes it from here
        jmp     shell_exit

; cmdis: ZF = 1 if the command typed equals the string at DI.
cmdis:  mov     si, cmdbuf
.c:     mov     al, [si]
        cmp     al, [di]
        jne     .ne
        test    al, al
        jz      .eq
        inc     si
        inc     di
        jmp     .c
.eq:    cmp     al, al
.ne:    ret

; getc: AL = the next byte from COM1 (LSR bit 0: data ready).
getc:   push    dx
        mov     dx, COM1 + 5
.w:     in      al, dx
        test    al, 1
        jz      .w
        mov     dx, COM1
        in      al, dx
        pop     dx
        ret

dputc:  push    ax
        push    dx
        mov     dl, al
        mov     ah, 0x02
        int     0x21
        pop     dx
        pop     ax
        ret

; dputs: the NUL-terminated string at SI; LF becomes CR LF.
dputs:  push    ax
.c:     lodsb
        test    al, al
        jz      .d
        cmp     al, 10
        jne     .p
        mov     al, 13
        call    dputc
        mov     al, 10
.p:     call    dputc
        jmp     .c
.d:     pop     ax
        ret

; lclear / lout: a line in guestlib's line buffer without the guest's
; prefix, printed through dputs.
lclear: mov     dword [lb_ptr], linebuf
        ret
lout:   push    si
        push    di
        mov     di, [lb_ptr]
        mov     byte [di], 10
        mov     byte [di + 1], 0
        mov     si, linebuf
        call    dputs
        pop     di
        pop     si
        ret

s_banner:       db 10, "pxDOS version 7.10 (a DOS-like boot for pxHV's tests)", 10, 0
s_prompt:       db 10, "A:\>", 0
s_crlf:         db 10, 0
s_bs:           db 8, " ", 8, 0
s_bad:          db "Bad command or file name", 10, 0
s_exit:         db "Shutting down", 10, 0
c_ver:          db "ver", 0
c_mem:          db "mem", 0
c_a20:          db "a20", 0
c_exit:         db "exit", 0
        align   4
conv_kb:        dd 0
ext_kb:         dd 0
ram_kb:         dd 0
ram_bytes:      dq 0
e820_n:         dd 0
pm1a:           dd 0
ver:            dw 0
e820_buf:       times 24 db 0
cmdbuf:         times CMD_MAX + 1 db 0

        GUEST_END
