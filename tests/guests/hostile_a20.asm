; hostile_a20: the A20 gate against pxHV (issue 15, item 2).  A20M# masks
; bit 20 of every physical address the CPU forms (SDM Vol. 3A 21.33.2 "Gate
; A20"; the emulators here apply it in VMX non-root and root operation alike),
; so a guest that turns A20 off changes what pxHV's own accesses reach unless
; pxHV's memory does not depend on it.  The guest:
;   1. turns A20 off through each path in turn: port 92h (bit 1 clear, bit 0
;      never set), the keyboard controller's output port (D0h to read it,
;      D1h to write it back with bit 1 clear and bit 0, the reset line, set),
;      and INT 15h AX=2400h; after each it checks with the wrap test that A20
;      is off, makes exits (CPUID 0x40000000, a line through OUT 0xE9, a line
;      through PUTC, the VERSION hypercall; every line itself is a PUTS) and
;      prints that each was answered, checks A20 is still off, and turns it on
;      again through the same path (port 92h, D1h with bit 1 set, INT 15h
;      AX=2401h);
;   2. the attack (under pxHV only): with A20 off, from 32-bit protected mode,
;      reads (hostile_a20) or writes (hostile_a20w) the A20 alias of pxHV's
;      region, base | 1 MiB: with A20 off that address reaches the region
;      itself when the region's bit 20 is clear, which is where pxHV is to put
;      it.  pxHV must stop the guest at that access; "still running" never
;      appears.
; Natively (no pxHV) part 1 runs without the exits and part 2 is skipped; the
; lines go to COM1.
%ifndef GUEST_NAME
  %define GUEST_NAME "hostile_a20"
%endif
%include "guestlib.inc"
%include "pc.inc"

main:
        call    com1_if_bare16
        PRINT   "start"
        call    a20_check16
        jnc     .on
        FAIL    "a20 off at start"
.on:    PRINT   "a20 on at start"

        ; ---- port 92h
        call    a20_off_92h16
        mov     si, path_92h
        call    check_off16
        call    exits16
        call    check_still_off16
        call    a20_on_92h16
        call    check_on16

        ; ---- keyboard controller output port
        call    a20_off_kbc16
        mov     si, path_kbc
        call    check_off16
        call    exits16
        call    check_still_off16
        call    a20_on_kbc16
        call    check_on16

        ; ---- INT 15h AX=2400h / 2401h (the BIOS's own A20 service)
        mov     ax, 0x2400
        int     0x15
        mov     si, path_int15
        jnc     .int15_off
        FAIL    "int 15h ax=2400h: carry set"
.int15_off:
        call    check_off16
        call    exits16
        call    check_still_off16
        mov     ax, 0x2401
        int     0x15
        jnc     .int15_on
        FAIL    "int 15h ax=2401h: carry set"
.int15_on:
        call    check_on16

        cmp     byte [hv_present], 1
        je      attack
        PRINT   "no pxHV: no region to aim at"
        DONE

; ---- the attack: the A20 alias of pxHV's region, with A20 off
attack:
        mov     eax, PXHV_CPUID_REGION          ; EAX:EBX = base, ECX = size
        cpuid
        mov     [region], eax
        LB_BEGIN
        LB_STR  "region base bit 20: "
        mov     edx, eax
        shr     edx, 20
        and     edx, 1
        LB_DEC  edx
        LB_END
        or      eax, 1 << 20
        mov     [alias], eax
        call    a20_off_92h16
        call    a20_check16
        jc      .off
        FAIL    "port 92h: a20 still on before the attack"
.off:   LB_BEGIN
%ifdef A20_WRITE_FIRST
        LB_STR  "a20 off, writing the a20 alias 0x"
%else
        LB_STR  "a20 off, reading the a20 alias 0x"
%endif
        LB_HEX  [alias], 8
        LB_STR  " of pxHV's region"
        LB_END
        ENTER_PM32
        mov     edi, [alias]
%ifndef A20_WRITE_FIRST
        mov     eax, [edi]                      ; with A20 off: the region's first dword
        mov     [seen], eax
        LB_BEGIN
        LB_STR  "still running after reading the a20 alias: 0x"
        LB_HEX  [seen], 8
        LB_END
%endif
        mov     dword [edi], 0x0BADC0DE
        PRINT   "still running after writing the a20 alias"
        FAIL    "pxHV's region reached through the a20 alias"

; ---- part 1's steps; SI = the path's name ("port 92h: ...")
        bits 16

; check_off16: the wrap test says A20 is off: "<path>: a20 off".
check_off16:
        call    a20_check16
        jc      .ok
        call    lb_path16
        LB_STR  "a20 still on"
        LB_END
        FAIL    "a20 not turned off"
.ok:    call    lb_path16
        LB_STR  "a20 off"
        LB_END
        ret

check_still_off16:
        call    a20_check16
        jc      .ok
        call    lb_path16
        LB_STR  "a20 on after the exits"
        LB_END
        FAIL    "the exits turned a20 on"
.ok:    cmp     byte [hv_present], 1
        jne     .done
        call    lb_path16
        LB_STR  "a20 still off after the exits"
        LB_END
.done:  ret

check_on16:
        call    a20_check16
        jnc     .ok
        call    lb_path16
        LB_STR  "a20 still off"
        LB_END
        FAIL    "a20 not turned on again"
.ok:    call    lb_path16
        LB_STR  "a20 on again"
        LB_END
        ret

; exits16: with A20 off, pxHV answers what the guest asks of it.  Each exit
; that does not return what pxHV returns is a FAIL; the lines say which ran.
exits16:
        cmp     byte [hv_present], 1
        jne     .done
        pushad
        ; CPUID leaf 0x40000000: pxHV's signature
        mov     eax, PXHV_CPUID_BASE
        cpuid
        cmp     ebx, PXHV_CPUID_SIG
        jne     .bad_cpuid
        cmp     edx, PXHV_CPUID_SIG
        jne     .bad_cpuid
        ; a line through OUT 0xE9, one exit per byte
        call    lb_path16
        LB_STR  "out 0xe9"
        mov     byte [out_mode], OUT_E9
        LB_END
        mov     byte [out_mode], OUT_HC
        ; a line through PUTC, one hypercall per byte
        call    lb_path16
        LB_STR  "putc"
        call    lb_putc16
        ; the VERSION hypercall: EAX = 0x0001, EBX = "pxHV"
        mov     eax, PXHV_HC_VERSION
        HYPERCALL
        cmp     eax, 0x0001
        jne     .bad_version
        cmp     ebx, PXHV_CPUID_SIG
        jne     .bad_version
        call    lb_path16
        LB_STR  "cpuid 0x40000000 and the version hypercall answered"
        LB_END
        popad
.done:  ret
.bad_cpuid:
        FAIL    "cpuid 0x40000000 lost pxHV's signature with a20 off"
.bad_version:
        FAIL    "the version hypercall did not answer with a20 off"

; lb_path16: start a line with "<path>: ".
lb_path16:
        LB_BEGIN
        push    esi
        movzx   esi, si
        call    lb_str16
        pop     esi
        LB_STR  ": "
        ret

; lb_putc16: end the line in the buffer and print it with PXHV_HC_PUTC.
lb_putc16:
        pushad
        mov     edi, [lb_ptr]
        mov     byte [edi], 10
        inc     edi
        mov     esi, linebuf
.c:     mov     eax, PXHV_HC_PUTC
        mov     bl, [esi]
        HYPERCALL
        inc     esi
        cmp     esi, edi
        jb      .c
        mov     dword [lb_ptr], linebuf
        popad
        ret

path_92h:       db "port 92h", 0
path_kbc:       db "keyboard controller", 0
path_int15:     db "int 15h", 0
        align   4
region:         dd 0
alias:          dd 0
seen:           dd 0

        GUEST_END
