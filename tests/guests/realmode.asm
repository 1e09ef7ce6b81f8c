; realmode: BIOS services from the guest (video, disk, memory size, E820)
; with the results written straight to COM1.  Under pxHV the UART is already
; set up (115200 8N1) and is left alone; natively it is set to 8N1 first
; (Bochs starts it with 5 data bits).  Lines with values that differ between
; machines are reduced to a stable "ok".
; BIOS interfaces: IBM PC BIOS INT 10h/12h/13h, Phoenix EDD 3.0 (INT 13h
; AH=41h/42h), ACPI 6.x 15.1 "INT 15H, E820H".

%define GUEST_NAME "realmode"
%include "guestlib.inc"

SMAP equ 0x534D4150             ; "SMAP"

main:
        mov     byte [out_mode], OUT_COM1
        cmp     byte [hv_present], 1
        je      .uart
        mov     dx, COM1 + 3            ; LCR: 8 data bits, no parity, 1 stop bit
        mov     al, 0x03
        out     dx, al
.uart:  PRINT   "start"

        ; ---- INT 10h: teletype (AH=0Eh) then get video mode (AH=0Fh)
        mov     si, tty_text
.tty:   mov     al, [si]
        test    al, al
        jz      .tty_done
        mov     ah, 0x0E
        mov     bx, 0x0007              ; page 0, light grey
        int     0x10
        inc     si
        jmp     .tty
.tty_done:
        PRINT   "int10 teletype ok"
        mov     ah, 0x0F                ; -> AL = mode, AH = columns, BH = page
        int     0x10
        LB_BEGIN
        LB_STR  "int10 mode=0x"
        movzx   eax, al
        LB_HEX  eax, 2
        LB_END

        ; ---- INT 13h AH=08h: drive parameters of the boot drive
        LB_BEGIN
        LB_STR  "boot drive=0x"
        movzx   eax, byte [boot_drive]
        LB_HEX  eax, 2
        LB_END
        xor     di, di                  ; ES:DI = 0 guards against BIOS bugs
        mov     es, di
        mov     ah, 0x08
        mov     dl, [boot_drive]
        int     0x13
        jnc     .params
        FAIL    "int13 ah=08 failed"
.params:
        and     cl, 0x3F                ; CL[5:0] = sectors per track
        jnz     .params_ok
        FAIL    "int13 ah=08 gave 0 sectors per track"
.params_ok:
        PRINT   "int13 ah=08 ok"

        ; ---- INT 13h AH=02h: read CHS 0/0/1 (LBA 0)
        call    clear_buf
        mov     ax, 0x0201              ; read, 1 sector
        mov     bx, secbuf              ; ES:BX (ES = 0)
        mov     cx, 0x0001              ; cylinder 0, sector 1
        mov     dh, 0                   ; head 0
        mov     dl, [boot_drive]
        int     0x13
        jnc     .chs_ok
        FAIL    "int13 ah=02 failed"
.chs_ok:
        LB_BEGIN
        LB_STR  "int13 ah=02 read ok sig=0x"
        movzx   eax, word [secbuf + 510]
        LB_HEX  eax, 4
        LB_END

        ; ---- INT 13h AH=41h/42h: extended read of LBA 0
        mov     ah, 0x41
        mov     bx, 0x55AA
        mov     dl, [boot_drive]
        int     0x13
        jc      .no_edd
        cmp     bx, 0xAA55
        jne     .no_edd
        test    cl, 1                   ; CX bit 0: fixed disk access subset (AH=42h)
        jnz     .edd
.no_edd:
        FAIL    "int13 extensions (ah=41) not present"
.edd:   call    clear_buf
        mov     si, dap
        mov     ah, 0x42
        mov     dl, [boot_drive]
        int     0x13
        jnc     .lba_ok
        FAIL    "int13 ah=42 failed"
.lba_ok:
        LB_BEGIN
        LB_STR  "int13 ah=42 read ok sig=0x"
        movzx   eax, word [secbuf + 510]
        LB_HEX  eax, 4
        LB_END

        ; ---- INT 12h: conventional memory in KiB
        int     0x12
        cmp     ax, 512
        jb      .int12_bad
        cmp     ax, 640
        ja      .int12_bad
        PRINT   "int12 ok"
        jmp     .e820
.int12_bad:
        LB_BEGIN
        LB_STR  "FAIL int12 kb="
        movzx   eax, ax
        LB_DEC  eax
        LB_END
        mov     ebx, 1
        jmp     shutdown16

        ; ---- INT 15h E820: the first entry (normally base 0, RAM)
.e820:  xor     ax, ax
        mov     es, ax
        mov     di, e820_entry
        mov     dword [di + 20], 1      ; ACPI 3 attributes: valid unless the BIOS says otherwise
        xor     ebx, ebx                ; continuation 0: start of the map
        mov     eax, 0xE820
        mov     ecx, 24
        mov     edx, SMAP
        int     0x15
        jc      .e820_bad
        cmp     eax, SMAP
        jne     .e820_bad
        cmp     ecx, 20
        jb      .e820_bad
        LB_BEGIN
        LB_STR  "e820 first base=0x"
        LB_HEX  [e820_entry + 4], 8
        LB_HEX  [e820_entry + 0], 8
        LB_STR  " type="
        LB_DEC  [e820_entry + 16]
        LB_END
        DONE
.e820_bad:
        FAIL    "int15 e820 failed"

; clear_buf: zero secbuf, so a read that does not happen cannot pass.
clear_buf:
        push    es
        push    di
        push    cx
        push    ax
        xor     ax, ax
        mov     es, ax
        mov     di, secbuf
        mov     cx, 256
        rep stosw
        pop     ax
        pop     cx
        pop     di
        pop     es
        ret

tty_text:
        db      "pxHV", 13, 10, 0

dap:                                    ; EDD disk address packet: LBA 0 -> secbuf
        db      16, 0
        dw      1
        dw      secbuf, 0
        dq      0

        section .bss
        alignb  16
secbuf:     resb 512
e820_entry: resb 24
        section .text

        GUEST_END
