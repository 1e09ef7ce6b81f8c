; cellsim.asm: the start code of a simulated cell (tests/cells/cellsim.c builds the ROM).
;
; A BIOS ROM whose last 128 KiB appear at 0xE0000-0xFFFFF holds pxHV's cell ACPI tables at
; 0xE0000, this code at 0xE1000 and either a flat image at its contract place (ending at
; 0x100000) or a Multiboot kernel's file (in the ROM below the 128 KiB, reached through its
; alias below 4 GiB) with the information page prepared at 0xE2000.  The reset vector jumps
; here.  What a machine without pxHV lacks, it does first: the PIIX4's PM I/O block at 0x600
; (the FADT's PM1a_CNT 0x604 and PM timer 0x608).  Then, as pxHV's loader will:
;   flat: the image's own reset vector (kept at 0xE1FF0);
;   Multiboot: the information page to 0x9000, each segment copied and its bss zeroed, and
;   the entry as the Multiboot Specification 0.6.96, 3.2 "Machine state" says: EAX
;   0x2BADB002, EBX 0x9000, flat 32-bit segments, CR0.PE = 1, PG = 0, IF = 0.

SIM_BASE        equ 0xE1000
SIM_PARAMS      equ 0xE1800             ; written by cellsim.c
SIM_MODE        equ SIM_PARAMS + 0      ; 0 flat, 1 Multiboot
SIM_ENTRY       equ SIM_PARAMS + 4
SIM_NSEG        equ SIM_PARAMS + 8
SIM_SEGS        equ SIM_PARAMS + 16     ; {source, load address, file bytes, memory bytes}
SIM_INFO        equ 0xE2000
SIM_FLAT_VECTOR equ 0xE1FF0

        org     SIM_BASE
        bits 16
start:
        cli
        cld
        mov     eax, 0x80000B40         ; PCI 00:01.3 (PIIX4 PM) PMBA
        mov     dx, 0xCF8
        out     dx, eax
        mov     eax, 0x601
        mov     dx, 0xCFC
        out     dx, eax
        mov     eax, 0x80000B80         ; PMREGMISC bit 0: PM I/O on
        mov     dx, 0xCF8
        out     dx, eax
        mov     dx, 0xCFC
        in      al, dx
        or      al, 1
        out     dx, al
        mov     ax, 0xE000
        mov     ds, ax
        cmp     dword [SIM_MODE - 0xE0000], 0
        jne     multiboot
        jmp     0xE000:SIM_FLAT_VECTOR - 0xE0000

multiboot:
        o32 lgdt [gdt_desc - $$ + (SIM_BASE - 0xE0000)]
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     dword 0x08:pm32

        align 8
gdt:    dq      0
        dq      0x00CF9B000000FFFF      ; accessed bits preset: the GDT is in ROM
        dq      0x00CF93000000FFFF
gdt_desc:
        dw      23
        dd      gdt

        bits 32
pm32:
        mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     esi, SIM_INFO
        mov     edi, 0x9000
        mov     ecx, 1024
        rep movsd
        mov     ebx, SIM_SEGS
        mov     ebp, [SIM_NSEG]
.seg:   test    ebp, ebp
        jz      .enter
        mov     esi, [ebx]
        mov     edi, [ebx + 4]
        mov     ecx, [ebx + 8]
        rep movsb
        mov     ecx, [ebx + 12]
        sub     ecx, [ebx + 8]
        xor     eax, eax
        rep stosb
        add     ebx, 16
        dec     ebp
        jmp     .seg
.enter: push    2                       ; EFLAGS: IF = 0, VM = 0
        popfd
        mov     ecx, [SIM_ENTRY]
        mov     eax, 0x2BADB002
        mov     ebx, 0x9000
        jmp     ecx

%if $ - $$ > SIM_PARAMS - SIM_BASE
  %error "cellsim.asm runs into its parameters"
%endif
