; stage2/load.asm: configuration block, stage 3 and the guest's first code
; (real mode), included by stage2.asm.  Reads go through disk.asm.

; load_config: the sector stage 1 named -> boot_info.config (struct pxhv_config).
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
        ; The name is NUL padded; a full 16-byte name still ends at
        ; boot_info.reserved[0], which is zero.
        mov     si, msg_cfg
        call    print
        call    print_source
        mov     si, msg_cfg_name
        call    print
        mov     si, bi + BI_CONFIG + CFG_GUEST_NAME
        call    print
        mov     si, msg_quote_nl
        call    print
        popad
        ret
.bad:
        mov     si, msg_cfg_bad
        jmp     stop16

; print_source: the name of config.guest_source.
print_source:
        push    si
        push    bx
        mov     bx, [bi + BI_CONFIG + CFG_GUEST_SOURCE]
        mov     si, msg_src_unknown
        cmp     dword [bi + BI_CONFIG + CFG_GUEST_SOURCE], GUEST_SRC_MBR
        ja      .p
        add     bx, bx
        mov     si, [src_names + bx]
.p:     call    print
        pop     bx
        pop     si
        ret

; load_stage3: config.stage3_sectors from config.stage3_lba to
; LOW_STAGE3_BOUNCE, in 32 KiB chunks that never cross a 64 KiB boundary
; (ISA DMA limit honoured by BIOS disk services).
load_stage3:
        pushad
        push    es
        mov     eax, [bi + BI_CONFIG + CFG_STAGE3_LBA]
        mov     edx, [bi + BI_CONFIG + CFG_STAGE3_SECTORS]  ; 1..512, checked
        mov     di, LOW_STAGE3_BOUNCE >> 4
.chunk:
        mov     cx, 64
        cmp     edx, 64
        jae     .read
        mov     cx, dx
.read:
        mov     es, di
        xor     bx, bx
        call    disk_read
        jc      disk_fatal
        movzx   ecx, cx
        add     eax, ecx
        add     di, (64 * 512) >> 4
        sub     edx, ecx
        jnz     .chunk
        pop     es
        call    check_stage3
        mov     si, msg_s3
        call    print
        mov     eax, [bi + BI_CONFIG + CFG_STAGE3_SECTORS]
        call    print_dec
        mov     si, msg_s3_lba
        call    print
        mov     eax, [bi + BI_CONFIG + CFG_STAGE3_LBA]
        call    print_dec
        call    crlf
        popad
        ret

; check_stage3: the struct stage3_header at LOW_STAGE3_BOUNCE must carry the
; magic, and the sectors read must hold the whole image with its entry inside
; it: a configuration with too few sectors would have stage 3 relocate and
; run a partial image.  Anything else stops here, before the jump into it.
check_stage3:
        push    es
        mov     ax, LOW_STAGE3_BOUNCE >> 4
        mov     es, ax
        mov     si, msg_s3_bad
        cmp     dword [es:S3H_MAGIC], STAGE3_MAGIC
        jne     .bad
        mov     si, msg_s3_short
        mov     eax, [bi + BI_CONFIG + CFG_STAGE3_SECTORS]
        shl     eax, 9
        mov     edx, [es:S3H_IMAGE_SIZE]
        cmp     edx, eax
        ja      .bad                    ; the image is longer than what was read
        mov     si, msg_s3_bad
        cmp     edx, S3H_SIZE
        jb      .bad
        cmp     [es:S3H_ENTRY_OFFSET], edx
        jae     .bad                    ; the entry is not inside the image
        cmp     [es:S3H_MEM_SIZE], edx
        jb      .bad                    ; image and bss smaller than the image
        pop     es
        ret
.bad:
        pop     es
        cmp     si, msg_s3_short
        jne     stop16
        call    print
        mov     eax, [bi + BI_CONFIG + CFG_STAGE3_SECTORS]
        call    print_dec
        mov     si, msg_s3_short2
        call    print
        push    es
        mov     ax, LOW_STAGE3_BOUNCE >> 4
        mov     es, ax
        mov     eax, [es:S3H_IMAGE_SIZE]
        pop     es
        add     eax, 511
        shr     eax, 9
        call    print_dec
        mov     si, msg_s3_short3
        jmp     stop16

; load_guest: the guest's first sector(s) to 0000:7C00 as config.guest_source
; says; the outcome goes to boot_info.guest_*.  Failures are recorded, not
; fatal: stage 3 reports them.
load_guest:
        pushad
        push    es
        xor     ax, ax
        mov     es, ax                  ; ES = 0 for the whole routine
        mov     eax, [bi + BI_CONFIG + CFG_GUEST_SOURCE]
        cmp     eax, GUEST_SRC_PARTITION
        je      .partition
        cmp     eax, GUEST_SRC_DRIVE
        je      .drive
        cmp     eax, GUEST_SRC_BUILTIN
        je      .builtin
        cmp     eax, GUEST_SRC_MBR
        je      .mbr
        mov     al, GUEST_NOT_CONFIGURED
        jmp     .status

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
        mov     bx, LOW_BOOT_SECTOR
        call    disk_read
        jc      .read_error
.one_sector:
        mov     dword [bi + BI_GUEST_LOAD_BYTES], SECTOR_SIZE
        jmp     .check

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
        jmp     .one_sector
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
        mov     bx, LOW_BOOT_SECTOR     ; 32 KiB at most: ends below 0x10000
        call    disk_read
        jc      .read_error
        shl     ecx, 9
        mov     [bi + BI_GUEST_LOAD_BYTES], ecx

.check:
        mov     di, LOW_BOOT_SECTOR
        mov     cx, 512
        xor     al, al
        repe    scasb
        mov     al, GUEST_EMPTY
        je      .status
        mov     al, GUEST_UNSIGNED
        cmp     word [es:LOW_BOOT_SECTOR + 510], 0xAA55
        jne     .status
        mov     al, GUEST_OK
        jmp     .status
.read_error:
        movzx   edx, ah
        mov     [bi + BI_GUEST_BIOS_ERR], edx
        mov     al, GUEST_READ_ERROR

.status:
        movzx   eax, al
        mov     [bi + BI_GUEST_STATUS], eax
        pop     es
        ; "Guest: builtin, 512 bytes at 0x7C00" or "Guest: partition, status 6"
        mov     si, msg_guest
        call    print
        call    print_source
        cmp     dword [bi + BI_GUEST_STATUS], GUEST_OK
        jne     .bad
        mov     si, msg_comma
        call    print
        mov     eax, [bi + BI_GUEST_LOAD_BYTES]
        call    print_dec
        mov     si, msg_guest_ok
        call    print
        popad
        ret
.bad:
        mov     si, msg_guest_status
        call    print
        mov     eax, [bi + BI_GUEST_STATUS]
        call    print_dec
        call    crlf
        popad
        ret

cfg_magic:      db PXHV_CONFIG_MAGIC
msg_cfg_bad:    db "Config block missing or invalid", NL, 0
msg_cells_bad:  db "Config block invalid: ", 0
msg_cells_many: db "more cells than CELLS_MAX", NL, 0
msg_cell_size:  db ": its image's size does not match its sectors", NL, 0
msg_cell_room:  db ": the cells' images together are larger than the staging area", NL, 0
msg_cell_err:   db ": image read error 0x", 0
msg_cell_move:  db ": the BIOS could not move it above 1 MiB (INT 15h AH=87h), status 0x", 0
msg_cell:       db "Cell ", 0
msg_cell_img:   db ": image ", 0
msg_s3_lba_bytes: db " bytes from LBA ", 0
msg_cfg:        db "Config: guest ", 0
msg_cfg_name:   db " '", 0
msg_quote_nl:   db "'", NL, 0
msg_s3:         db "Stage 3: ", 0
msg_s3_bad:     db "Stage 3 image invalid", NL, 0
msg_s3_short:   db "Stage 3 image invalid: the configuration names ", 0
msg_s3_short2:  db " sectors, the image needs ", 0
msg_s3_short3:  db NL, 0
msg_s3_lba:     db " sectors from LBA ", 0
msg_guest:      db "Guest: ", 0
msg_comma:      db ", ", 0
msg_guest_ok:   db " bytes at 0x7C00", NL, 0
msg_guest_status: db ", not loaded, status ", 0
src_names:      dw msg_src_none, msg_src_partition, msg_src_drive, msg_src_builtin, msg_src_mbr
msg_src_none:   db "none", 0
msg_src_partition: db "partition", 0
msg_src_drive:  db "drive", 0
msg_src_builtin: db "builtin", 0
msg_src_mbr:    db "original MBR", 0
msg_src_unknown: db "unknown", 0

; load_cells: each cell's image (config.cells, copied to boot_info.cells) to
; CELL_STAGING and up, each at a 4 KiB boundary, where stage 3 takes its copy
; (boot_info.cells.cell[i].staged).  Real mode reaches only the first MiB, so
; each 32 KiB read lands at LOW_CELL_BOUNCE and the BIOS moves it up (INT 15h
; AH=87h, which also opens A20 for the move).  A table that does not fit
; stops here with its reason; a cell's other checks are stage 3's.
load_cells:
        pushad
        mov     ecx, [bi + BI_CELLS + CELLS_COUNT]
        test    ecx, ecx
        jz      .done
        mov     si, msg_cells_many
        cmp     ecx, CELLS_MAX
        ja      .bad
        mov     bp, bi + BI_CELLS + CELLS_CELL
        mov     edi, CELL_STAGING
.cell:
        push    ecx
        mov     eax, [bp + CELL_IMAGE_SECTORS]
        mov     edx, [bp + CELL_IMAGE_BYTES]
        shl     eax, 9
        mov     si, msg_cell_size
        test    edx, edx
        jz      .bad_cell
        cmp     edx, eax
        ja      .bad_cell
        sub     eax, 512
        cmp     edx, eax
        jbe     .bad_cell                   ; a whole sector more than the image
        mov     si, msg_cell_room
        mov     eax, [bp + CELL_IMAGE_SECTORS]
        shl     eax, 9
        add     eax, edi
        jc      .bad_cell
        cmp     eax, CELL_STAGING_END
        ja      .bad_cell
        mov     [bp + CELL_STAGED], edi
        mov     si, msg_cell
        call    print
        call    print_cell_name
        mov     si, msg_cell_img
        call    print
        mov     eax, [bp + CELL_IMAGE_BYTES]
        call    print_dec
        mov     si, msg_s3_lba_bytes
        call    print
        mov     eax, [bp + CELL_IMAGE_LBA]
        call    print_dec
        call    crlf
        mov     eax, [bp + CELL_IMAGE_LBA]
        mov     edx, [bp + CELL_IMAGE_SECTORS]
.chunk:
        mov     cx, 64
        cmp     edx, 64
        jae     .read
        mov     cx, dx
.read:
        push    es
        push    word LOW_CELL_BOUNCE >> 4
        pop     es
        xor     bx, bx
        call    disk_read
        pop     es
        jc      .read_err
        call    move_up                     ; CX sectors from LOW_CELL_BOUNCE to EDI
        jc      .move_err
        movzx   ecx, cx
        add     eax, ecx
        shl     ecx, 9
        add     edi, ecx
        shr     ecx, 9
        sub     edx, ecx
        jnz     .chunk
        add     edi, 4095                   ; the next image at a page boundary
        and     edi, ~4095
        add     bp, CELL_SIZE
        pop     ecx
        dec     ecx
        jnz     .cell
.done:
        popad
        ret
.read_err:
        mov     si, msg_cell_err
        jmp     .status
.move_err:
        mov     si, msg_cell_move
.status:                                    ; SI: what failed, AH: the BIOS's status
        push    si
        mov     si, msg_cell
        call    print
        call    print_cell_name
        pop     si
        call    print
        movzx   eax, ah
        mov     cl, 2
        call    print_hex
        call    crlf
        jmp     stop16
.bad_cell:
        push    si
        mov     si, msg_cells_bad
        call    print
        mov     si, msg_cell
        call    print
        call    print_cell_name
        pop     si
.bad:
        call    print
        jmp     stop16

; print_cell_name: the name of the cell at BP (8 bytes, NUL padded).
print_cell_name:
        push    ax
        push    bx
        push    cx
        mov     bx, bp
        mov     cx, CELL_NAME_LEN
.c:     mov     al, [bx]
        test    al, al
        jz      .e
        call    putc
        inc     bx
        loop    .c
.e:     pop     cx
        pop     bx
        pop     ax
        ret

; move_up: CX sectors from LOW_CELL_BOUNCE to linear EDI through INT 15h
; AH=87h (the BIOS's block move; IBM PC AT Technical Reference, and every
; BIOS since): a GDT of six descriptors, the source and destination at 10h
; and 18h.  CF=1 and AH = status on failure.
move_up:
        pushad
        push    es
        mov     eax, LOW_CELL_BOUNCE
        mov     [move_gdt + 0x12], ax
        shr     eax, 16
        mov     [move_gdt + 0x14], al
        mov     [move_gdt + 0x17], ah
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
        dw      0xFFFF, 0                   ; 10h: source, limit 64 KiB
        db      0, 0x93, 0, 0
        dw      0xFFFF, 0                   ; 18h: destination
        db      0, 0x93, 0, 0
        dq      0, 0                        ; the BIOS's CS and SS
