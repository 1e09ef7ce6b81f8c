; stage2/load.asm: configuration block, stage 3 and the guest's first code
; (real mode), included by stage2.asm.  Reads go through disk.asm.

; load_config: the sector stage 1 named -> boot_info.config (struct pxhv_config)
; and boot_info.cells.  Only what stage 2 needs to go on is checked here;
; stage 3 reports the configuration and checks the cells (core/handoff.c).
load_config:
        pushad
        mov     eax, [bi + BI_CONFIG_LBA]
        mov     cx, 1
        mov     bx, sector_buf          ; ES = DS
        call    disk_read
        jc      disk_fatal
        mov     si, sector_buf + CFG_MAGIC
        mov     di, cfg_magic
        mov     cx, 8
        repe    cmpsb
        jne     .bad
        cmp     dword [sector_buf + CFG_VERSION], PXHV_CONFIG_VERSION
        jne     .bad
        mov     eax, [sector_buf + CFG_STAGE3_SECTORS]
        test    eax, eax
        jz      .bad
        cmp     eax, DISK_STAGE3_MAX_SECTORS
        ja      .bad
        mov     si, sector_buf
        mov     di, bi + BI_CONFIG
        mov     cx, CFG_SIZE
        rep     movsb
        mov     si, sector_buf + CFG_CELLS_OFFSET   ; the cells, in the same sector
        mov     di, bi + BI_CELLS
        mov     cx, CELLS_SIZE
        rep     movsb
        popad
        ret
.bad:
        mov     si, msg_cfg_bad
        jmp     stop16

; load_stage3: config.stage3_sectors from config.stage3_lba to
; LOW_STAGE3_BOUNCE, then its header checked and its entry taken: the header must
; carry the magic, and the sectors read must hold the whole image with its
; entry inside it: a configuration with too few sectors would have stage 3
; relocate and run a partial image.  Anything else stops here, before the
; jump into it.
load_stage3:
        pushad
        mov     eax, [bi + BI_CONFIG + CFG_STAGE3_LBA]
        mov     edx, [bi + BI_CONFIG + CFG_STAGE3_SECTORS]  ; 1..512, checked
        mov     edi, LOW_STAGE3_BOUNCE
        call    read_to
        jc      disk_fatal
        push    word LOW_STAGE3_BOUNCE >> 4
        pop     fs                      ; FS: the header (ES stays = DS)
        mov     eax, edx
        shl     eax, 9                  ; the bytes read
        mov     edx, [fs:S3H_IMAGE_SIZE]
        mov     si, msg_s3_bad
        cmp     dword [fs:S3H_MAGIC], STAGE3_MAGIC
        jne     stop16
        cmp     edx, eax
        ja      .short                  ; the image is longer than what was read
        cmp     edx, S3H_SIZE
        jb      stop16
        cmp     [fs:S3H_ENTRY_OFFSET], edx
        jae     stop16                  ; the entry is not inside the image
        cmp     [fs:S3H_MEM_SIZE], edx
        jb      stop16                  ; image and bss smaller than the image
        mov     eax, [fs:S3H_ENTRY_OFFSET]
        add     eax, LOW_STAGE3_BOUNCE
        mov     [bi + BI_LM_ENTRY], eax ; the boot CPU's way in (cpu.asm)
        popad
        ret
.short:
        mov     si, msg_s3_short        ; "... names N sectors, the image needs M"
        call    print
        shr     eax, 9
        call    print_dec
        mov     si, msg_s3_short2
        call    print
        lea     eax, [edx + 511]
        shr     eax, 9
        call    print_dec
        mov     si, msg_nl
        jmp     stop16

; load_guest: the guest's first sector(s) to 0000:7C00 as config.guest_source
; says; the outcome goes to boot_info.guest_*.  Failures are recorded, not
; fatal: stage 3 reports them, and what the sector holds (core/handoff.c).
load_guest:
        pushad
        push    es
        xor     ax, ax
        mov     es, ax                  ; ES = 0 for the whole routine
        mov     bx, [bi + BI_CONFIG + CFG_GUEST_SOURCE]
        mov     al, GUEST_NOT_CONFIGURED
        cmp     dword [bi + BI_CONFIG + CFG_GUEST_SOURCE], GUEST_SRC_MBR
        ja      .status
        add     bx, bx
        jmp     [.sources + bx]
.sources: dw    .status, .partition, .drive, .builtin, .mbr    ; by enum guest_source

.partition:
        ; Like a standard MBR: the boot disk's MBR at 0000:0600, the active
        ; entry's first sector at 0000:7C00, DS:SI -> that entry in the copy.
        xor     eax, eax
        mov     cx, 1
        mov     bx, LOW_MBR_COPY
        call    disk_read
        jc      .read_error
        mov     bx, LOW_MBR_COPY + 0x1BE
        mov     cx, 4
.scan:
        cmp     byte [es:bx], 0x80
        je      .active
        add     bx, 16
        loop    .scan
        mov     al, GUEST_NO_ACTIVE_PART
        jmp     .status
.active:
        movzx   eax, bx                 ; 0x07BE + 16 * index
        mov     [bi + BI_GUEST_SI], eax
        mov     eax, [es:bx + 8]        ; start LBA
        mov     [bi + BI_GUEST_PART_LBA], eax
        jmp     .read_one

.drive:
        mov     dl, [bi + BI_CONFIG + CFG_GUEST_DRIVE]
        movzx   eax, dl
        mov     [bi + BI_GUEST_DRIVE], eax
        call    disk_select
        jc      .no_drive
        cmp     word [dsk_spt], 0       ; with a geometry, AH=08h also gave
        je      .drive_read             ; the number of drives of that kind
        mov     al, [dsk_drive]
        and     al, 0x7F
        cmp     al, [dsk_count]
        jae     .no_drive
.drive_read:
        xor     eax, eax                ; sector 0 of the drive
.read_one:                              ; EAX = LBA of the one sector to 0000:7C00
        mov     cx, 1
.read:                                  ; CX sectors
        mov     bx, LOW_BOOT_SECTOR     ; 32 KiB at most: ends below 0x10000
        call    disk_read
        jc      .read_error
.loaded:                                ; CX sectors at 0000:7C00
        movzx   ecx, cx
        shl     ecx, 9
        mov     [bi + BI_GUEST_LOAD_BYTES], ecx
        mov     al, GUEST_OK
        jmp     .status

.mbr:
        ; The boot code pxHV's installer saved, over stage 1's in the sector
        ; the BIOS loaded at 0000:7C00, which holds the disk's signature and
        ; partition table as they are now: the MBR the BIOS would have run.
        mov     eax, [bi + BI_CONFIG + CFG_GUEST_LBA]
        mov     cx, 1
        mov     bx, LOW_MBR_COPY
        call    disk_read
        jc      .read_error
        mov     si, bx
        mov     di, LOW_BOOT_SECTOR
        mov     cx, MBR_CODE_BYTES
        es rep  movsb
        mov     cx, 1
        jmp     .loaded
.no_drive:
        mov     al, GUEST_NO_DRIVE
        jmp     .status

.builtin:
        mov     ecx, [bi + BI_CONFIG + CFG_GUEST_SECTORS]
        mov     al, GUEST_TOO_LARGE
        cmp     ecx, DISK_BUILTIN_MAX_SECTORS
        ja      .status
        mov     al, GUEST_NOT_CONFIGURED
        jecxz   .status
        mov     eax, [bi + BI_CONFIG + CFG_GUEST_LBA]
        jmp     .read
.read_error:
        movzx   edx, ah
        mov     [bi + BI_GUEST_BIOS_ERR], edx
        mov     al, GUEST_READ_ERROR
.status:
        movzx   eax, al
        mov     [bi + BI_GUEST_STATUS], eax
        pop     es
        popad
        ret

cfg_magic:      db PXHV_CONFIG_MAGIC
msg_cfg_bad:    db "Config block missing or invalid", NL, 0
msg_s3_bad:     db "Stage 3 image invalid", NL, 0
msg_s3_short:   db "Stage 3 image invalid: the configuration names ", 0
msg_s3_short2:  db " sectors, the image needs ", 0

; load_cells: each cell's image (config.cells, copied to boot_info.cells) to
; CELL_STAGING and up, each at a 4 KiB boundary, where stage 3 takes its copy
; (boot_info.cells.cell[i].staged).  Stage 3 checks the table and reports
; each image (core/handoff.c); the reads stop at a table it will refuse (too
; many cells, images beyond CELL_STAGING_END) and at a failed read, recorded
; in boot_info.cell_status and cell_bios_err.
load_cells:
        pushad
        mov     ecx, [bi + BI_CELLS + CELLS_COUNT]
        cmp     ecx, CELLS_MAX
        ja      .done
        mov     bp, bi + BI_CELLS + CELLS_CELL
        mov     edi, CELL_STAGING
.cell:
        jecxz   .done
        mov     edx, [bp + CELL_IMAGE_SECTORS]
        lea     ebx, [edx - 1]              ; 1 to the staging area's sectors:
        cmp     ebx, (CELL_STAGING_END - CELL_STAGING) / SECTOR_SIZE - 1
        ja      .done                       ; none to read, or bytes that overflow
        mov     ebx, edx
        shl     ebx, 9
        add     ebx, edi                    ; where the image ends
        cmp     ebx, CELL_STAGING_END
        ja      .done
        mov     eax, [bp + CELL_IMAGE_LBA]
        call    read_to
        jc      .failed
        mov     [bp + CELL_STAGED], edi
        lea     edi, [ebx + 4095]           ; the next image at a page boundary
        and     edi, ~4095
        add     bp, CELL_SIZE
        dec     ecx
        jmp     .cell
.failed:                                    ; AL: what failed, AH: the BIOS's status
        mov     dword [bp + CELL_STAGED], 0 ; stage 3 finds the failed cell by it
        movzx   edx, al
        mov     [bi + BI_CELL_STATUS], edx
        movzx   edx, ah
        mov     [bi + BI_CELL_BIOS_ERR], edx
.done:
        popad
        ret

; read_to: EDX sectors (1 or more) from LBA EAX to linear EDI, 64 sectors
; (32 KiB) at a time, so that no read crosses a 64 KiB boundary (the ISA DMA
; limit BIOS disk services honour; below 1 MiB, EDI is a multiple of 32 KiB).
; Below 1 MiB each chunk goes there directly; above, beyond real mode's
; reach, it lands at LOW_CELL_BOUNCE and the BIOS moves it up (move_up: INT
; 15h AH=87h, which also opens A20 for the move).  CF=1 on failure, with
; AH = the BIOS's status and AL = CELL_READ_ERROR or CELL_MOVE_ERROR.
read_to:
        pushad
        push    es
.chunk:
        mov     cx, 64
        cmp     edx, 64
        jae     .read
        mov     cx, dx
.read:
        mov     ebx, LOW_CELL_BOUNCE
        cmp     edi, 0x100000
        jae     .bounce
        mov     ebx, edi
.bounce:
        shr     ebx, 4
        mov     es, bx
        xor     bx, bx
        call    disk_read
        mov     bl, CELL_READ_ERROR
        jc      .failed
        cmp     edi, 0x100000
        jb      .next
        call    move_up                     ; CX sectors from LOW_CELL_BOUNCE to EDI
        mov     bl, CELL_MOVE_ERROR
        jc      .failed
.next:
        movzx   ecx, cx
        add     eax, ecx
        shl     ecx, 9
        add     edi, ecx
        shr     ecx, 9
        sub     edx, ecx
        jnz     .chunk
        pop     es
        popad
        ret                                 ; CF=0 from the SUB
.failed:
        pop     es
        mov     al, bl
        mov     [esp + 28], ax              ; AX in the saved EAX
        popad
        stc
        ret

; move_up: CX sectors from LOW_CELL_BOUNCE to linear EDI through INT 15h
; AH=87h (the BIOS's block move; IBM PC AT Technical Reference, and every
; BIOS since): a GDT of six descriptors, the source and destination at 10h
; and 18h.  CF=1 and AH = status on failure.
move_up:
        pushad
        push    es
        mov     eax, edi
        mov     [move_gdt + 0x1A], ax
        shr     eax, 16
        mov     [move_gdt + 0x1C], al
        mov     [move_gdt + 0x1F], ah
        shl     cx, 8                       ; sectors -> words
        push    ds
        pop     es
        mov     si, move_gdt
        mov     ah, 0x87
        int     0x15
        pop     es
        jc      .fail
        popad
        clc
        ret
.fail:
        mov     [esp + 28 + 1], ah          ; AH in the saved EAX
        popad
        stc
        ret

        align   8
move_gdt:
        dq      0, 0                        ; null; the BIOS's GDT alias
        dw      0xFFFF, LOW_CELL_BOUNCE & 0xFFFF  ; 10h: source, limit 64 KiB
        db      LOW_CELL_BOUNCE >> 16, 0x93, 0, LOW_CELL_BOUNCE >> 24
        dw      0xFFFF, 0                   ; 18h: destination
        db      0, 0x93, 0, 0
        dq      0, 0                        ; the BIOS's CS and SS
