; stage2/disk.asm: INT 13h disk access (real mode), included by stage2.asm.
;
; disk_select chooses the drive used by disk_read: INT 13h extensions
; (AH=42h, EDD) when AH=41h reports packet access, else CHS with the AH=08h
; geometry, one sector per call.  Failed calls are retried after an AH=00h
; reset.

; disk_select: DL = BIOS drive.  CF=1 if the drive answers neither AH=08h
; (with a non-zero geometry) nor AH=41h, i.e. it is absent.
disk_select:
        pushad
        push    es
        mov     [dsk_drive], dl
        xor     ax, ax
        mov     [dsk_ext], al
        mov     [dsk_count], al
        mov     [dsk_spt], ax
        mov     [dsk_heads], ax
        mov     [dsk_cyls], ax

        mov     ah, 0x08                ; drive parameters
        xor     di, di                  ; ES:DI = 0 works around BIOS bugs
        mov     es, di
        int     0x13
        jc      .no_geometry
        mov     [dsk_count], dl         ; drives of this kind (floppy / disk)
        mov     al, cl
        and     ax, 0x3F
        mov     [dsk_spt], ax           ; 0 if a floppy drive is not installed
        movzx   ax, dh
        inc     ax
        mov     [dsk_heads], ax
        mov     al, ch
        mov     ah, cl
        shr     ah, 6                   ; cylinder bits 9:8 in CL 7:6
        inc     ax
        mov     [dsk_cyls], ax
.no_geometry:
        mov     dl, [dsk_drive]
        test    dl, 0x80
        jz      .done                   ; floppies: CHS only
        mov     ah, 0x41                ; EDD installation check
        mov     bx, 0x55AA
        int     0x13
        jc      .done
        cmp     bx, 0xAA55
        jne     .done
        test    cl, 1                   ; packet (AH=42h) access supported
        jz      .done
%ifndef FORCE_CHS                       ; test builds: exercise the CHS path
        mov     byte [dsk_ext], 1
%endif
.done:
        pop     es
        mov     al, [dsk_ext]
        or      al, [dsk_spt]           ; 1..63 with a geometry
        cmp     al, 1                   ; CF=1: neither
        popad                           ; POPAD leaves the flags alone
        ret

; disk_read: EAX = LBA, CX = sectors (1..64, the buffer must not cross a
; 64 KiB boundary), ES:BX = buffer.  CF=1 and AH = BIOS status on failure.
disk_read:
        pushad
        push    es
        cmp     byte [dsk_ext], 0
        je      .chs

        mov     [dap_buf], bx
        mov     [dap_buf + 2], es
        mov     [dap_lba], eax          ; the high dword stays 0
        mov     bp, DISK_RETRIES
.ext_try:
        mov     [dap_count], cx         ; a failed call may have changed it
        mov     si, dap
        mov     dl, [dsk_drive]
        mov     ah, 0x42
        int     0x13
        jnc     .ok
        mov     [dsk_status], ah
        call    disk_reset
        dec     bp
        jnz     .ext_try
        jmp     .fail

.chs:                                   ; one sector per call
        mov     bp, DISK_RETRIES
.chs_try:
        pushad
        mov     byte [dsk_status], 0x01 ; "invalid request": no geometry / too far
        movzx   ecx, word [dsk_spt]
        jecxz   .chs_bad
        xor     edx, edx
        div     ecx                     ; EAX = track, EDX = sector - 1
        lea     si, [edx + 1]
        movzx   ecx, word [dsk_heads]
        xor     edx, edx
        div     ecx                     ; EAX = cylinder, EDX = head
        cmp     eax, 1023
        ja      .chs_bad
        shl     ah, 6
        mov     cx, si
        or      cl, ah                  ; CL = sector | cylinder bits 9:8 << 6
        mov     ch, al
        mov     dh, dl
        mov     dl, [dsk_drive]
        mov     ax, 0x0201
        int     0x13
        jnc     .chs_done
        mov     [dsk_status], ah
.chs_bad:
        stc
.chs_done:
        popad
        jnc     .chs_ok
        call    disk_reset
        dec     bp
        jnz     .chs_try
        jmp     .fail
.chs_ok:
        inc     eax
        mov     dx, es
        add     dx, 512 >> 4
        mov     es, dx
        loop    .chs

.ok:
        pop     es
        popad
        clc
        ret
.fail:
        pop     es
        popad
        mov     ah, [dsk_status]
        stc
        ret

disk_reset:
        pusha
        xor     ax, ax
        mov     dl, [dsk_drive]
        int     0x13
        popa
        ret

; boot_disk_info: select the boot drive and record its geometry and EDD size.
boot_disk_info:
        pushad
        mov     dl, [bi + BI_BOOT_DRIVE]
        call    disk_select
        mov     ah, 0x01
        jc      disk_fatal
        movzx   eax, word [dsk_cyls]
        mov     [bi + BI_DISK_CYLS], eax
        mov     ax, [dsk_heads]
        mov     [bi + BI_DISK_HEADS], eax
        mov     ax, [dsk_spt]
        mov     [bi + BI_DISK_SPT], eax
        cmp     byte [dsk_ext], 0
        je      .done
        or      dword [bi + BI_FLAGS], BI_FLAG_EDD
        ; AH=48h: extended drive parameters; qword total sectors at 0x10.
        mov     si, sector_buf
        mov     word [si], 0x1A         ; EDD 1.1 buffer size
        mov     ah, 0x48
        mov     dl, [dsk_drive]
        int     0x13
        jc      .done
        mov     eax, [sector_buf + 0x10]
        mov     [bi + BI_DISK_SECTORS], eax
        mov     eax, [sector_buf + 0x14]
        mov     [bi + BI_DISK_SECTORS + 4], eax
.done:
        popad
        ret

; INT 13h AH=42h disk address packet (EDD 3.0, 16 bytes).
        align   4
dap:            db 16, 0
dap_count:      dw 0
dap_buf:        dw 0, 0                 ; offset, segment
dap_lba:        dq 0

dsk_drive:      db 0
dsk_ext:        db 0                    ; 1: AH=42h
dsk_count:      db 0                    ; AH=08h DL: number of such drives
dsk_status:     db 0
dsk_spt:        dw 0
dsk_heads:      dw 0
dsk_cyls:       dw 0
