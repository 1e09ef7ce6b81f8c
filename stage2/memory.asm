; stage2/memory.asm: the memory map (real mode), included by stage2.asm.
;
; INT 15h E820h (ACPI spec, "System Address Map Interfaces"), and in any case
; INT 12h (conventional KiB), E801h and AH=88h, from which stage 3 makes the
; map of a BIOS without E820.

SMAP            equ 0x534D4150          ; "SMAP"

mem_detect:
        pushad
        int     0x12                    ; AX = KiB below the EBDA
        movzx   eax, ax
        mov     [bi + BI_CONV_KB], eax

        ; E801h: AX/BX = KiB 1-16 MiB / 64 KiB blocks above 16 MiB
        ; (extended), CX/DX = the same as configured; some BIOSes fill only
        ; one pair, so stage 3 prefers CX/DX when non-zero (core/handoff.c).
        xor     cx, cx
        xor     dx, dx
        mov     ax, 0xE801
        int     0x15
        jc      .no_e801
        mov     [bi + BI_E801_AX], ax   ; the fields' high words stay 0
        mov     [bi + BI_E801_BX], bx
        mov     [bi + BI_E801_CX], cx
        mov     [bi + BI_E801_DX], dx
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
        ; Stage 3 reports the map; without an E820 list, it synthesizes one
        ; from INT 12h, E801h and AH=88h (e820_from_boot, stage3/lib/e820.c).
        movzx   eax, bp
        mov     [bi + BI_E820_COUNT], eax
        popad
        ret
