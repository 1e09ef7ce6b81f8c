; stage2/memory.asm: the memory map (real mode), included by stage2.asm.
;
; INT 15h E820h first (ACPI spec, "System Address Map Interfaces"); if it
; gives nothing, E801h and then AH=88h, from which RAM entries are
; synthesized so that later code only ever looks at boot_info.e820[].
; INT 12h (conventional KiB), E801h and AH=88h are recorded in any case.

SMAP            equ 0x534D4150          ; "SMAP"

mem_detect:
        pushad
        int     0x12                    ; AX = KiB below the EBDA
        movzx   eax, ax
        mov     [bi + BI_CONV_KB], eax

        ; E801h: AX/BX = KiB 1-16 MiB / 64 KiB blocks above 16 MiB
        ; (extended), CX/DX = the same as configured; some BIOSes fill only
        ; one pair, so CX/DX are preferred when non-zero.
        xor     cx, cx
        xor     dx, dx
        mov     ax, 0xE801
        int     0x15
        jc      .no_e801
        test    cx, cx
        jnz     .e801_cxdx
        test    dx, dx
        jz      .e801_store
.e801_cxdx:
        mov     ax, cx
        mov     bx, dx
.e801_store:
        movzx   eax, ax
        mov     [bi + BI_E801_AX], eax
        movzx   ebx, bx
        mov     [bi + BI_E801_BX], ebx
.no_e801:
        mov     ah, 0x88                ; AX = KiB above 1 MiB
        int     0x15
        jc      .no_88
        movzx   eax, ax
        mov     [bi + BI_EXT88_KB], eax
.no_88:

        ; ---- E820h ----
        ; Each call fills one 20- or 24-byte entry at ES:DI.  The attribute
        ; dword is preset to 1 (ACPI 3.0 "enabled") so that a BIOS returning
        ; 20 bytes leaves a valid 24-byte entry.  EBX = 0 or CF=1 after the
        ; first call ends the list.
        mov     di, bi + BI_E820
        xor     ebx, ebx
        xor     bp, bp                  ; entries kept
.e820_next:
        mov     dword [di + E820_ATTR], 1
        mov     eax, 0xE820
        mov     edx, SMAP
        mov     ecx, E820_ENTRY_SIZE
        int     0x15
        jc      .e820_end
        cmp     eax, SMAP
        jne     .e820_end
        mov     eax, [di + E820_LENGTH]
        or      eax, [di + E820_LENGTH + 4]
        jz      .e820_skip              ; zero-length entries carry nothing
        inc     bp
        add     di, E820_ENTRY_SIZE
        cmp     bp, BOOTINFO_E820_MAX
        jae     .e820_end
.e820_skip:
        test    ebx, ebx
        jnz     .e820_next
.e820_end:
        movzx   eax, bp
        mov     [bi + BI_E820_COUNT], eax
        test    bp, bp
        jz      .fallback
        mov     dword [bi + BI_MEM_SOURCE], MEMSRC_E820
        mov     si, msg_e820
        jmp     .summary

.fallback:
        ; Entry 0: conventional memory from INT 12h.
        mov     eax, [bi + BI_CONV_KB]
        shl     eax, 10
        mov     ecx, eax
        xor     eax, eax
        call    add_ram
        mov     eax, [bi + BI_E801_AX]
        or      eax, [bi + BI_E801_BX]
        jz      .use_88
        mov     dword [bi + BI_MEM_SOURCE], MEMSRC_E801
        mov     ecx, [bi + BI_E801_AX]
        shl     ecx, 10
        mov     eax, 0x100000           ; 1 MiB .. 16 MiB
        call    add_ram
        mov     ecx, [bi + BI_E801_BX]
        shl     ecx, 16
        mov     eax, 0x1000000          ; 16 MiB ..
        call    add_ram
        mov     si, msg_e801
        jmp     .trim
.use_88:
        mov     dword [bi + BI_MEM_SOURCE], MEMSRC_88
        mov     ecx, [bi + BI_EXT88_KB]
        shl     ecx, 10
        mov     eax, 0x100000
        call    add_ram
        mov     si, msg_88
.trim:
        ; Firmware keeps ACPI tables at the top of RAM, and E801h/88h count
        ; them as memory; a synthesized map cannot show them, so the top
        ; MiB of the highest range is left out.
        mov     eax, [bi + BI_E820_COUNT]
        cmp     eax, 2
        jb      .summary
        imul    di, ax, E820_ENTRY_SIZE
        add     di, bi + BI_E820 - E820_ENTRY_SIZE
        cmp     dword [di + E820_LENGTH], 0x100000
        jbe     .summary
        sub     dword [di + E820_LENGTH], 0x100000

.summary:
        ; e.g. "E820: 7 entries"
        call    print
        mov     eax, [bi + BI_E820_COUNT]
        call    print_dec
        mov     si, msg_entries
        call    print
        popad
        ret

; add_ram: append a type-1 entry [EAX, EAX + ECX) unless ECX = 0.
add_ram:
        pushad
        jecxz   .done
        mov     edx, [bi + BI_E820_COUNT]
        cmp     edx, BOOTINFO_E820_MAX
        jae     .done
        imul    di, dx, E820_ENTRY_SIZE
        add     di, bi + BI_E820
        mov     [di + E820_BASE], eax
        mov     dword [di + E820_BASE + 4], 0
        mov     [di + E820_LENGTH], ecx
        mov     dword [di + E820_LENGTH + 4], 0
        mov     dword [di + E820_TYPE], E820_RAM
        mov     dword [di + E820_ATTR], 1
        inc     dword [bi + BI_E820_COUNT]
.done:
        popad
        ret

msg_e820:       db "E820: ", 0
msg_e801:       db "E801 (synthesized): ", 0
msg_88:         db "INT 15h AH=88h (synthesized): ", 0
msg_entries:    db " entries", NL, 0
