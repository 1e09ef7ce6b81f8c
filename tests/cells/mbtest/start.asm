; mbtest's entry, exception stubs and AP trampoline (32-bit, linked by mbtest.ld).
;
; The Multiboot header (Multiboot Specification 0.6.96, 3.1 "OS image
; format"): flags 0 (modules page-aligned) and 1 (memory information); built
; with AOUT_KLUDGE also flag 16 and the address fields, for the flat binary
; mbtest-aout.bin that a loader must place by those fields alone.

MB_MAGIC        equ 0x1BADB002
%ifdef AOUT_KLUDGE
MB_FLAGS        equ (1 << 0) | (1 << 1) | (1 << 16)
%else
MB_FLAGS        equ (1 << 0) | (1 << 1)
%endif
TRAMP           equ 0x7000              ; where the AP trampoline runs (SIPI vector 7)

        extern  mb_main, ap_main, exception
        extern  _load_start, _edata, _end
        global  _start, trampoline_start, trampoline_end, tramp_stack, tramp_entry
        global  exc_stubs, exc_stub_size

        section .multiboot progbits alloc noexec nowrite align=4
mb_header:
        dd      MB_MAGIC
        dd      MB_FLAGS
        dd      -(MB_MAGIC + MB_FLAGS)
%ifdef AOUT_KLUDGE
        dd      mb_header               ; header_addr
        dd      _load_start             ; load_addr
        dd      _edata                  ; load_end_addr
        dd      _end                    ; bss_end_addr
        dd      _start                  ; entry_addr
%endif

        section .text
        bits 32
; 3.2 "Machine state": EAX magic, EBX the information structure, flat
; 32-bit segments, no stack, interrupts off.
_start:
        mov     esp, stack_top
        push    0
        popfd
        push    ebx
        push    eax
        call    mb_main
halt:   cli
        hlt
        jmp     halt

; Exceptions: error code (a dummy where the CPU pushes none), vector, then
; exception(frame) with frame -> {vector, error, eip, cs, eflags}; it may
; change the saved EIP.
exc_stubs:
%assign v 0
%rep 32
  %if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
        nop
        nop
  %else
        push    byte 0
  %endif
        push    byte v
        jmp     near exc_common
  %if v == 0
exc_stub_size_equ equ $ - exc_stubs
  %endif
%assign v v + 1
%endrep
exc_stub_size:
        dd      exc_stub_size_equ

exc_common:
        pushad
        lea     eax, [esp + 32]
        push    eax
        call    exception
        add     esp, 4
        popad
        add     esp, 8
        iret

; The AP trampoline, copied to TRAMP: real mode at 0700:0000 (SIPI vector
; 7), its own GDT, protected mode, the stack and C entry the boot CPU left in
; tramp_stack and tramp_entry.  Addresses are TRAMP + offset in the copy.
%define T(x) (TRAMP + (x) - trampoline_start)
        bits 16
trampoline_start:
        cli
        xor     ax, ax
        mov     ds, ax
        o32 lgdt [T(tr_gdt_desc)]
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     dword 0x08:T(tr_pm32)
        bits 32
tr_pm32:
        mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     esp, [T(tramp_stack)]
        call    [T(tramp_entry)]
.halt:  cli
        hlt
        jmp     .halt
        align   8
tr_gdt: dq      0
        dq      0x00CF9B000000FFFF
        dq      0x00CF93000000FFFF
tr_gdt_desc:
        dw      23
        dd      T(tr_gdt)
tramp_stack:
        dd      0
tramp_entry:
        dd      0
trampoline_end:

        section .bss
        align   16
        resb    16384
stack_top:

        section .note.GNU-stack noalloc noexec nowrite progbits
