; A boot sector that checks the test harness itself (tests/test_harness.sh), not pxHV.
; It prints two lines on COM1, then:
;   default     powers the machine off
;   -DHANG      halts forever (the harness must stop it by timeout or by a marker)
;   -DECHO      reads lines from COM1, answers "You said: LINE", powers off after "quit"
bits 16
org 0x7C00

COM1 equ 0x3F8

start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7C00
    ; 8N1 at 115200: Bochs resets LCR to 5 data bits, so program it (16550 LCR/DLL/DLM).
    mov dx, COM1 + 3
    mov al, 0x80            ; DLAB
    out dx, al
    mov dx, COM1
    mov al, 1               ; divisor 1
    out dx, al
    inc dx
    xor al, al
    out dx, al
    mov dx, COM1 + 3
    mov al, 3               ; 8 data bits, no parity, 1 stop bit
    out dx, al
    mov dx, COM1 + 2
    mov al, 7               ; enable and clear the FIFOs
    out dx, al
    mov si, banner
    call puts
%ifdef HANG
.halt:
    hlt
    jmp .halt
%elifdef ECHO
prompt:
    mov si, ready
    call puts
    mov di, line
.get:
    call getc
    cmp al, 10
    je .get
    cmp al, 13
    je .eol
    stosb
    call putc
    jmp .get
.eol:
    mov byte [di], 0
    mov si, said
    call puts
    mov si, line
    call puts
    mov si, crlf
    call puts
    cmp dword [line], 'quit'
    jne prompt
%endif
poweroff:
    mov dx, COM1 + 5
.drain:                     ; LSR bit 6: transmitter empty, or Bochs loses the last bytes
    in al, dx
    test al, 0x40
    jz .drain
    mov si, shutdown        ; Bochs: "Shutdown" on port 0x8900
    mov dx, 0x8900
.sd:
    lodsb
    test al, al
    jz .acpi
    out dx, al
    jmp .sd
.acpi:                      ; ACPI S5 (SLP_EN): QEMU PIIX4 PM1a_CNT at 0x604, Bochs at 0xB004
    mov ax, 0x2000
    mov dx, 0x604
    out dx, ax
    mov dx, 0xB004
    out dx, ax
    cli
    hlt

getc:                       ; wait for LSR bit 0 (data ready)
    mov dx, COM1 + 5
.w: in al, dx
    test al, 1
    jz .w
    mov dx, COM1
    in al, dx
    ret

puts:
    lodsb
    test al, al
    jz .r
    call putc
    jmp puts
.r: ret

putc:                       ; wait for LSR bit 5 (holding register empty), or bytes are dropped
    push ax
    mov dx, COM1 + 5
.w: in al, dx
    test al, 0x20
    jz .w
    pop ax
    mov dx, COM1
    out dx, al
    ret

banner:   db "harness: boot sector running", 13, 10, "harness: second line", 13, 10, 0
%ifdef ECHO
ready:    db "READY> ", 0
said:     db 13, 10, "You said: ", 0
crlf:     db 13, 10, 0
%endif
shutdown: db "Shutdown", 0

times 510 - ($ - $$) db 0
dw 0xAA55
line:
