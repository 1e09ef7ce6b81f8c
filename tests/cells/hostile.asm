; hostile: a cell that reaches for what is not its own, one route per run.
;
; The route is the parameter block's arg0 (celllib.inc; tests patch it in
; the file): every route prints what it is about to do, then does it, so a
; test sees exactly which access ended the cell.  A route that comes back
; prints "hostile: survived"; then the program halts.
;
;   1 read-beyond    read  [M]             (root memory: M is the RAM size parameter)
;   2 write-beyond   write [M]
;   3 read-high      read  [arg2]          (pxHV's region: arg2, patched by the test)
;   4 write-high     write [arg2]
;   5 ipi-xapic      INIT, SIPI, NMI, fixed IPI to APIC arg1 through the xAPIC ICR
;                    (arg2 1, 2 or 3: from the SIPI, the NMI or the fixed IPI on)
;   6 ipi-x2apic     the same through the x2APIC ICR MSR ("no x2APIC" if it has none)
;   7 com2           in, out 0x2F8         8 pit   in, out 0x40
;   9 pic            in, out 0x20         10 disk  in, out 0x1F0
;  11 reset-cf9      out 0xCF9, 0x06      12 reset-kbc  out 0x64, 0xFE
;  13 reset-92       out 0x92, 0x03 (bit 0: fast reset; A20 stays on)
;  14 poweroff       PM1a_CNT <- SLP_TYP 5 | SLP_EN (the port from pxHV's FADT)
;  15 triple-fault   INT3 with an empty IDT
;  16 init-self      INIT to its own APIC ID
; 255 survivable     1-4, 7-10 and 14 in a row, "hostile: survived" after each,
;                    then "hostile: done": natively (no pxHV) none of them ends
;                    the machine, so one run checks them all
; 0 (the default) prints "hostile: no route (patch arg0)".
;
; arg1 is the IPI destination (default 0, the root's boot CPU; natively a
; test names the second CPU).  The SIPI vector is the image's first page
; (0xFE): a CPU it starts runs the image's first bytes, `cli; hlt`.  Before the IPIs every real-mode
; interrupt vector is pointed there too, so that a CPU they start natively
; stays harmless.  init-self leaves a mark in RAM: a CPU that comes back
; from its INIT to the reset vector (natively) prints "hostile: started
; again after INIT to itself" and halts.

%define PROG "hostile"
%define IMAGE_SIZE 8192
%include "celllib.inc"

INIT_MARK_ADDR  equ 0x500
INIT_MARK       equ 0x54494E49          ; "INIT"
ICR_INIT        equ 0x4500
ICR_SIPI        equ 0x4600 | (IMAGE_BASE >> 12)
ICR_NMI         equ 0x4400
ICR_FIXED       equ 0x4000 | 0x40

[absolute CELL_VARS_END]
route:          resd 1
        section .text

main:
        cmp     dword [INIT_MARK_ADDR], INIT_MARK
        jne     .fresh
        mov     dword [INIT_MARK_ADDR], 0
        LINE    "started again after INIT to itself"
        jmp     halt_forever
.fresh: LINE    "start"
        call    acpi_init
        mov     eax, [param_arg0]
        mov     [route], eax
        cmp     eax, 255
        je      survivable
        cmp     eax, ROUTES
        jae     .none
        test    eax, eax
        jz      .none
        call    announce
        call    [route_table + eax * 4]
        LINE    "survived"
        jmp     halt_forever
.none:  LINE    "no route (patch arg0)"
        jmp     halt_forever

survivable:
        mov     esi, survivable_list
.next:  movzx   eax, byte [esi]
        test    eax, eax
        jz      .done
        mov     [route], eax
        call    announce
        push    esi
        call    [route_table + eax * 4]
        pop     esi
        LINE    "survived"
        inc     esi
        jmp     .next
.done:  LINE    "done"
        jmp     halt_forever
survivable_list:
        db      1, 2, 3, 4, 7, 8, 9, 10, 14, 0

; "hostile: route N (name), M 0x........"
announce:
        pushad
        HEAD
        PUTS    "route "
        DEC     [route]
        PUTS    " ("
        mov     eax, [route]
        mov     esi, [name_table + eax * 4]
        call    puts
        PUTS    "), M 0x"
        HEX     [param_mem], 8
        NL
        popad
        ret

route_table:
        dd      0, r_read_beyond, r_write_beyond, r_read_high, r_write_high
        dd      r_ipi_xapic, r_ipi_x2apic, r_com2, r_pit, r_pic, r_disk
        dd      r_reset_cf9, r_reset_kbc, r_reset_92, r_poweroff, r_triple, r_init_self
ROUTES  equ ($ - route_table) / 4
name_table:
        dd      0, n1, n2, n3, n4, n5, n6, n7, n8, n9, n10, n11, n12, n13, n14, n15, n16
n1:     db "read-beyond", 0
n2:     db "write-beyond", 0
n3:     db "read-high", 0
n4:     db "write-high", 0
n5:     db "ipi-xapic", 0
n6:     db "ipi-x2apic", 0
n7:     db "com2", 0
n8:     db "pit", 0
n9:     db "pic", 0
n10:    db "disk", 0
n11:    db "reset-cf9", 0
n12:    db "reset-kbc", 0
n13:    db "reset-92", 0
n14:    db "poweroff", 0
n15:    db "triple-fault", 0
n16:    db "init-self", 0

; --- memory ------------------------------------------------------------------
%macro SAY_ADDR 2                       ; "hostile: read 0x........"
        HEAD
        PUTS    %1, " 0x"
        HEX     %2, 8
        NL
%endmacro

r_read_beyond:
        mov     ebx, [param_mem]
        SAY_ADDR "read", ebx
        mov     eax, [ebx]
        ret
r_write_beyond:
        mov     ebx, [param_mem]
        SAY_ADDR "write", ebx
        mov     dword [ebx], 0x484F5354         ; "HOST"
        ret
high_addr:                              ; EBX = arg2, CF set when there is none
        mov     ebx, [param_arg2]
        cmp     dword [param_arg2 + 4], 0
        jne     .none
        test    ebx, ebx
        jz      .none
        clc
        ret
.none:  LINE    "no high address below 4 GiB (patch arg2)"
        stc
        ret
r_read_high:
        call    high_addr
        jc      .out
        SAY_ADDR "read", ebx
        mov     eax, [ebx]
.out:   ret
r_write_high:
        call    high_addr
        jc      .out
        SAY_ADDR "write", ebx
        mov     dword [ebx], 0x484F5354
.out:   ret

; --- IPIs --------------------------------------------------------------------
; Every real-mode vector to F000:image_start (cli; hlt), the SVR enabled.
ipi_prepare:
        mov     edi, 0
        mov     eax, (0xF000 << 16) | (IMAGE_BASE - 0xF0000)   ; image_start
        mov     ecx, 256
        rep stosd
        ret

; ipi_first: AL = arg2 (0 INIT, 1 SIPI, 2 NMI, 3 fixed: the first IPI a route
; sends; each ends the cell under pxHV, so each kind needs its own run), compared
; with 1.
ipi_first:
        mov     eax, [param_arg2]
        cmp     al, 1
        ret

%macro IPI 3                            ; mode name, ICR low, "name"
        HEAD
        PUTS    %1, " ", %3, " to APIC "
        DEC     [param_arg1]
        NL
        mov     eax, %2
        mov     edx, [param_arg1]
%endmacro

; IPI_ROUTE "mode", sender: the IPIs from the one arg2 names on (ipi_first),
; each announced, then sent with `call sender`: INIT (and 10 ms), SIPI, NMI,
; the fixed IPI; returns.
%macro IPI_ROUTE 2
        call    ipi_first                       ; arg2: the IPI to start with
        je      %%sipi
        jb      %%init
        cmp     al, 3
        jb      %%nmi
        jmp     %%fixed
%%init: IPI     %1, ICR_INIT, "INIT"
        call    %2
        mov     ecx, 35795                      ; 10 ms
        call    pm_wait
%%sipi: IPI     %1, ICR_SIPI, "SIPI"
        call    %2
%%nmi:  IPI     %1, ICR_NMI, "NMI"
        call    %2
%%fixed: IPI    %1, ICR_FIXED, "fixed IPI 0x40"
        call    %2
        ret
%endmacro

r_ipi_xapic:
        call    ipi_prepare
        mov     dword [XAPIC_BASE + APIC_SVR], 0x100 | SPURIOUS_VEC
        IPI_ROUTE "xAPIC", xapic_ipi

r_ipi_x2apic:
        mov     eax, 1
        cpuid
        bt      ecx, 21
        jnc     .none
        call    x2apic_enable
        cmp     dword [x2apic], 0
        je      .none
        call    ipi_prepare
        mov     ecx, 0x80F                      ; SVR
        mov     eax, 0x100 | SPURIOUS_VEC
        xor     edx, edx
        wrmsr
        IPI_ROUTE "x2APIC", x2apic_ipi
.none:  LINE    "no x2APIC"
        ret

; --- the root's ports --------------------------------------------------------
%macro PORT_IN_OUT 2                    ; port, value written
        HEAD
        PUTS    "in 0x"
        HEX     %1, 4
        NL
        mov     dx, %1
        in      al, dx
        HEAD
        PUTS    "out 0x"
        HEX     %1, 4
        NL
        mov     dx, %1
        mov     al, %2
        out     dx, al
        ret
%endmacro
r_com2: PORT_IN_OUT 0x2F8, 'X'
r_pit:  PORT_IN_OUT 0x40, 0
r_pic:  PORT_IN_OUT 0x20, 0x20          ; a non-specific EOI
r_disk: PORT_IN_OUT 0x1F0, 0

; --- reset and power ---------------------------------------------------------
%macro PORT_OUT 2
        HEAD
        PUTS    "out 0x"
        HEX     %1, 4
        PUTS    " 0x"
        HEX     %2, 2
        NL
        mov     dx, %1
        mov     al, %2
        out     dx, al
        mov     ecx, 35795                      ; 10 ms for the reset to land
        call    pm_wait
        ret
%endmacro
r_reset_cf9:    PORT_OUT 0xCF9, 0x06
r_reset_kbc:    PORT_OUT 0x64, 0xFE
r_reset_92:     PORT_OUT 0x92, 0x03

r_poweroff:
        HEAD
        PUTS    "out 0x"
        HEX     [pm1a_cnt_port], 4
        PUTS    " 0x"
        HEX     (SLP_TYP_S5 << 10) | SLP_EN, 4
        NL
        mov     edx, [pm1a_cnt_port]
        mov     ax, (SLP_TYP_S5 << 10) | SLP_EN
        out     dx, ax
        mov     ecx, 35795
        call    pm_wait
        ret

r_triple:
        LINE    "triple fault"
        lidt    [.empty]
        int3
        ret
.empty: dw      0
        dd      0

r_init_self:
        mov     ecx, APIC_ID
        call    apic_read
        shr     eax, 24
        mov     edx, eax
        HEAD
        PUTS    "INIT to itself (APIC "
        DEC     edx
        PUTS    ")", 10
        mov     dword [INIT_MARK_ADDR], INIT_MARK
        mov     dword [XAPIC_BASE + APIC_SVR], 0x100 | SPURIOUS_VEC
        mov     eax, ICR_INIT
        call    xapic_ipi
        mov     ecx, 35795
        call    pm_wait
        mov     dword [INIT_MARK_ADDR], 0
        ret

        CELL_END
