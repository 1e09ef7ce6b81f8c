; pxHV stage 1: the MBR boot sector.
;
; The BIOS loads this sector to 0000:7C00 with DL = boot drive.  It enables
; A20, loads stage 2 (DISK_STAGE2_SECTORS sectors from the LBA at offset
; MBR_STAGE2_LBA: DISK_STAGE2_LBA, or where scripts/pxhv-install put it) to
; LOW_STAGE2 and far-jumps there with DL = boot drive, DH = how A20 was
; enabled (BI_FLAG_A20_*) and ESI = the sector after stage 2, the
; configuration block.  Every message goes to COM1 and to the screen.
;
; Only bytes 0..MBR_CODE_BYTES-1 are pxHV's: the disk signature and the
; partition table after them belong to the disk (scripts/mkimage.sh writes
; them here, the installer keeps the disk's own).  Space is tight, hence
; variables addressed off BP and strings placed right after the call that
; prints them.

%include "pxhv.inc"

COM1            equ 0x3F8
RETRIES         equ 4
STAGE2_SEG      equ LOW_STAGE2 >> 4

        org     LOW_BOOT_SECTOR
        bits    16

start:
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax                  ; no interrupt until after the next insn
        mov     sp, LOW_BOOT_SECTOR     ; stack grows down below us
        sti
        cld
        mov     bp, dap                 ; base for all variables (DS = SS = 0)
        mov     [bp + drive], dl
        mov     [bp + use_ext], al      ; AL = 0: CHS unless AH=41h says otherwise

        ; COM1: 115200 baud 8N1.  LCR must be written explicitly (8 data
        ; bits): the BIOS may leave another format.
        mov     dx, COM1 + 3
        mov     al, 0x80
        out     dx, al                  ; LCR: DLAB=1
        mov     dl, COM1 & 0xFF
        mov     al, 1
        out     dx, al                  ; divisor 1 = 115200 baud
        inc     dx
        dec     ax
        out     dx, al                  ; divisor high byte 0
        mov     dl, (COM1 + 3) & 0xFF
        mov     al, 3
        out     dx, al                  ; LCR: 8N1, DLAB=0

        call    print
        db      "pxHV: Pixel Hypervisor v0.1", 13, 10, 0

        ; ---- A20: fast A20 (port 0x92 bit 1), then the keyboard controller
        ; output port (command 0xD1, data 0xDF); each verified by wrap-around.
        in      al, 0x92
        or      al, 2                   ; bit 1: A20 gate
        and     al, 0xFE                ; bit 0 would reset the CPU
        out     0x92, al
        mov     byte [bp + a20_method], BI_FLAG_A20_FAST
        call    a20_test
        je      a20_done
        call    kbc_wait
        mov     al, 0xD1                ; 8042: write output port
        out     0x64, al
        call    kbc_wait
        mov     al, 0xDF                ; A20 on, CPU not in reset
        out     0x60, al
        mov     byte [bp + a20_method], BI_FLAG_A20_KBC
        xor     cx, cx                  ; 65536 polls: the 8042 is slow
.kbc_poll:
        call    a20_test
        je      a20_done
        in      al, 0x80                ; ~1 us
        loop    .kbc_poll
        call    print
        db      "A20 failed", 13, 10, 0
halt:
        cli
.loop:
        hlt
        jmp     .loop

; disk_error: AH = BIOS status.
disk_error:
        call    print
        db      "Disk error 0x", 0
        mov     al, ah
        call    hex_byte
        call    print
        db      13, 10, 0
        jmp     halt

a20_done:

        ; ---- Load stage 2 ----
        ; INT 13h extensions if AH=41h says so (BX=AA55h, CX bit 0: packet
        ; access), else CHS with the AH=08h geometry.  One sector per call.
        mov     ah, 0x41
        mov     bx, 0x55AA
        mov     dl, [bp + drive]
        int     0x13
        jc      .chs
        cmp     bx, 0xAA55
        jne     .chs
        test    cl, 1
        jz      .chs
%ifndef FORCE_CHS                       ; test builds: exercise the CHS path
        inc     byte [bp + use_ext]
        jmp     .next
%endif
.chs:
        mov     ah, 0x08
        mov     dl, [bp + drive]
        xor     di, di                  ; ES:DI = 0 works around BIOS bugs
        int     0x13
        jc      disk_error
        and     cl, 0x3F
        mov     [bp + spt], cl
        add     dh, 1                   ; max head + 1; 256 heads -> 255 is
        sbb     dh, 0                   ; fine since the track is < 41
        mov     [bp + heads], dh

.next:
        mov     di, RETRIES
.try:
        mov     dl, [bp + drive]
        cmp     byte [bp + use_ext], 0
        je      .read_chs
        mov     byte [bp + dap_count], 1 ; a failed call may change it
        mov     si, bp
        mov     ah, 0x42
        int     0x13
        jmp     .check
.read_chs:
        mov     ax, [bp + dap_lba]      ; < 128 * SPT (pxhv-install checks):
        div     byte [bp + spt]         ; AL = track < 128, AH = sector - 1
        mov     cl, ah
        inc     cx                      ; CL = sector (1-based)
        cbw                             ; AX = track
        div     byte [bp + heads]       ; AL = cylinder, AH = head
        mov     ch, al
        mov     dh, ah
        les     bx, [bp + dap_buf]
        mov     ax, 0x0201
        int     0x13
.check:
        jnc     .advance
        push    ax                      ; keep the status in AH
        xor     ax, ax                  ; reset the controller, try again
        int     0x13
        pop     ax
        dec     di
        jnz     .try
        jmp     disk_error
.advance:
        inc     word [bp + dap_lba]
        add     word [bp + dap_buf + 2], 0x20
        cmp     word [bp + dap_buf + 2], STAGE2_SEG + DISK_STAGE2_SECTORS * (SECTOR_SIZE >> 4)
        jne     .next

        call    print
        db      "Jumping to hypervisor...", 13, 10, 0
        mov     dx, [bp + drive]        ; DL = drive, DH = a20_method
        mov     esi, [bp + dap_lba]     ; the configuration block
        jmp     STAGE2_SEG:0

; a20_test: ZF=1 if A20 is on.  With A20 off, FFFF:0510 wraps to 0000:0500.
a20_test:
        push    es
        push    byte -1
        pop     es
        mov     al, [0x0500]
        inc     byte [es:0x0510]
        cmp     al, [0x0500]
        pop     es
        ret

; kbc_wait: wait (bounded) until the 8042 input buffer is empty.
kbc_wait:
        xor     cx, cx
.l:     in      al, 0x64
        test    al, 2
        loopnz  .l
        ret

%include "putc.inc"

; print: prints the NUL-terminated string that follows the call.
print:
        pop     si
.l:     lodsb
        test    al, al
        jz      .done
        call    putc
        jmp     .l
.done:  jmp     si

; INT 13h AH=42h disk address packet; the CHS path reads its fields too.  It
; ends the code area, so its LBA field is at MBR_STAGE2_LBA (assembly fails
; if the code grows into it).
dap_count       equ 2
dap_buf         equ 4
dap_lba         equ 8
        times MBR_STAGE2_LBA - dap_lba - ($ - $$) db 0
dap:            db 16, 0
                dw 1                    ; sector count
                dw 0, STAGE2_SEG        ; buffer offset, segment
                dq DISK_STAGE2_LBA
        times MBR_CODE_BYTES - ($ - $$) db 0
        times 0x1FE - ($ - $$) db 0     ; the disk's signature and partition table
        dw      0xAA55
sector_end:

; Uninitialised variables just past the sector, BP-relative (BP = dap).
drive           equ sector_end - dap       ; must stay next to a20_method
a20_method      equ drive + 1
spt             equ drive + 2
heads           equ drive + 3
use_ext         equ drive + 4              ; 1: use AH=42h
