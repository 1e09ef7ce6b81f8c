; pxHV stage 2: the hypervisor loader.
;
; Stage 1 loads this image (DISK_STAGE2_SECTORS sectors) to LOW_STAGE2 and
; far-jumps to STAGE2_SEG:0000 with DL = boot drive, DH = BI_FLAG_A20_* and
; ESI = the LBA of the configuration block (the sector after this image).
;
; Real mode (this file and the 16-bit files it includes):
;   1. banner                          4. stage 3 -> LOW_STAGE3_BOUNCE, header checked
;   2. memory map, disk geometry       5. the cells' images, the guest's first sector(s)
;   3. configuration block             6. CPUID: long mode
; then protected mode -> long mode (cpu.asm) and a jump to stage 3's entry in
; the bounce buffer with RDI = &boot_info.  Stage 3 (C) reports what was
; loaded and checks what C can (core/handoff.c), places itself, and later
; starts the other CPUs at this entry, which takes them to long mode too.
; Stage 2 prints only its banner and the failures that stop it.
;
; The image is assembled with org 0 and runs at CS = DS = ES = SS = STAGE2_SEG
; in real mode; 32- and 64-bit code uses LOW_STAGE2 + label.  struct boot_info
; lives in this image (label bi).  The constants come from the C headers
; (pxhv.inc, generated from include/boot/asm_exports.h).

%include "pxhv.inc"

COM1            equ 0x3F8
STAGE2_SEG      equ LOW_STAGE2 >> 4
STACK_TOP       equ LOW_STAGE2_STACK - LOW_STAGE2   ; SS:SP = STAGE2_SEG:STACK_TOP
DISK_RETRIES    equ 4

%define NL 13, 10

        org     0
        bits    16

entry:
        cli
        mov     ax, cs
        mov     ds, ax
        mov     es, ax
        ; Stage 3 starts every other CPU here (SIPI vector LOW_STAGE2 >> 12)
        ; while pxHV boots: those go straight to long mode (cpu.asm).  The
        ; boot CPU has IA32_APIC_BASE.BSP set (SDM Vol. 3A 8.4.1).
        mov     bx, dx                  ; DL = boot drive, DH = A20 method
        mov     ecx, MSR_IA32_APIC_BASE
        rdmsr
        test    eax, APIC_BASE_BSP
        jz      enter_long_mode
        mov     dx, bx
        mov     ax, cs
        mov     ss, ax
        mov     sp, STACK_TOP
        sti
        cld

        mov     dword [bi + BI_MAGIC], BOOTINFO_MAGIC
        mov     dword [bi + BI_VERSION], BOOTINFO_VERSION
        mov     [bi + BI_CONFIG_LBA], esi
        movzx   eax, dl
        mov     [bi + BI_BOOT_DRIVE], eax
        mov     [bi + BI_GUEST_DRIVE], eax
        and     dh, BI_FLAG_A20_FAST | BI_FLAG_A20_KBC
        movzx   eax, dh
        mov     [bi + BI_FLAGS], eax

        mov     si, msg_banner          ; COM1 is set up: stage 1 did it
        call    print

        call    check_reentry           ; cpu.asm: a guest reboot led here
        call    mem_detect              ; memory.asm
        call    boot_disk_info          ; disk.asm
        call    load_config             ; load.asm
        call    load_stage3             ; load.asm
        call    load_cells              ; load.asm: from pxHV's disk, so before
        call    load_guest              ; load.asm  the guest's drive is selected
        call    cpu_check               ; cpu.asm
        call    boot_page_tables        ; cpu.asm
        jmp     enter_long_mode         ; cpu.asm

; ---------------------------------------------------------------------------
; Real-mode console: COM1 (8N1 at 115200 since stage 1) and BIOS teletype.

%include "putc.inc"

; print: DS:SI = NUL-terminated string.
print:
        push    si
        push    ax
.l:     lodsb
        test    al, al
        jz      .done
        call    putc
        jmp     .l
.done:  pop     ax
        pop     si
        ret

; print_dec: EAX as unsigned decimal.
print_dec:
        pushad
        mov     ebx, 10
        xor     cx, cx
.div:   xor     edx, edx
        div     ebx
        push    dx
        inc     cx
        test    eax, eax
        jnz     .div
.out:   pop     ax
        add     al, '0'
        call    putc
        loop    .out
        popad
        ret

; ---------------------------------------------------------------------------
; Fatal errors in real mode.

; disk_fatal: AH = BIOS status.  Prints "Disk read error 0xNN" and stops.
disk_fatal:
        mov     si, msg_disk_err
        call    print
        mov     al, ah
        call    hex_byte
        mov     si, msg_nl
        ; fall through

; stop16: print DS:SI, halt for good with the message on the screen.  Emulators
; are told to stop first through their shutdown port (Bochs, QEMU's isa
; "Shutdown" string at 0x8900), so a failed run ends; hardware ignores it.
stop16:
        call    print
        mov     dx, COM1 + 5            ; wait (bounded) until the UART has
        xor     cx, cx                  ; sent everything (LSR bit 6)
.drain: in      al, dx
        test    al, 0x40
        loopz   .drain
        test    byte [bi + BI_CONFIG + CFG_FLAGS], CFG_FLAG_NO_POWEROFF
        jnz     .halt
        mov     si, msg_shutdown
        mov     cx, 8
        mov     dx, 0x8900
        rep     outsb
        cli
.halt:  hlt
        jmp     .halt

%include "memory.asm"
%include "disk.asm"
%include "load.asm"
%include "cpu.asm"

; ---------------------------------------------------------------------------
; Data.

msg_banner:     db "Stage 2: Hypervisor loader", NL, 0
msg_nl:         db NL, 0
msg_reentry:    db "Stage 2: running under pxHV: the guest rebooted; resetting the machine", NL, 0
msg_disk_err:   db "Disk read error 0x", 0
msg_shutdown:   db "Shutdown"

        align   16
bi:     times BI_SIZE db 0              ; struct boot_info

        align   16
sector_buf:     times 512 db 0          ; config sector, EDD parameters

        ; Stage 1 loads exactly DISK_STAGE2_SECTORS sectors; this fails to
        ; assemble if the image grows beyond them.
        times DISK_STAGE2_SECTORS * 512 - ($ - $$) db 0
