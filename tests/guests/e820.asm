; e820: the guest may use every byte the memory map calls RAM.
; It reads the E820 map itself (INT 15h AX=E820h, ACPI 6.x 15.1), prints it,
; enters 32-bit protected mode (flat, no paging) and stores into every dword
; of every type-1 range between 1 MiB and 4 GiB, and of conventional memory
; from the end of its own image up to the INT 12h limit.  Each dword gets
; its own address, so a page mapped twice or not at all shows up when a
; sample (one dword per 4 KiB and the last one of each range) is read back
; after all stores.  Then "e820: wrote N MiB ok" and shutdown.
;
; e820bad.asm includes this file with E820_BAD defined: after the same test
; it writes into the hidden hypervisor region (see find_hidden32) and must
; be stopped by pxHV.

%ifndef GUEST_NAME
  %define GUEST_NAME "e820"
%endif
%include "guestlib.inc"

SMAP        equ 0x534D4150      ; "SMAP"
E820_MAX    equ 32
E820_SIZE   equ 24              ; base(8) length(8) type(4) ACPI 3 attributes(4)
E820_RAM    equ 1
E820_RESERVED equ 2
MIB         equ 0x100000
HIDDEN_MIN  equ 0x1000000       ; HV_REGION_MIN_BASE (include/boot/layout.h)

main:
        PRINT   "start"
        call    a20_enable16            ; else every odd MiB aliases the even one below
        jnc     .a20
        FAIL    "A20 stays off"
.a20:   call    read_e820
        cmp     dword [e820_count], 0
        jne     .have_map
        FAIL    "no E820 map"
.have_map:
        call    print_e820

        int     0x12                    ; AX = KiB of conventional memory
        movzx   eax, ax
        shl     eax, 10
        mov     [conv_end], eax
        mov     eax, guest_bss_end + 15
        and     eax, ~15
        mov     [conv_start], eax

        ENTER_PM32
        mov     ebp, fill32
        call    for_ranges32
        mov     ebp, check32
        call    for_ranges32
        LB_BEGIN
        LB_STR  "wrote "
        mov     eax, [total_dwords]
        shr     eax, 18                 ; dwords -> MiB
        LB_DEC  eax
        LB_STR  " MiB ok"
        LB_END
%ifdef E820_BAD
        call    find_hidden32
        jnc     .hidden
        FAIL    "no hidden range in the E820 map"
.hidden:
        LB_BEGIN
        LB_STR  "writing hidden 0x"
        LB_HEX  edi, 8
        LB_END
        mov     dword [edi], 0x5A5AA5A5
        PRINT   "still running"
        mov     ebx, 1
        jmp     shutdown32
%else
        DONE
%endif

; ---------------------------------------------------------------------------
        bits 16

; read_e820: fill e820_tab (up to E820_MAX entries, zero-length and
; ACPI-3-disabled entries dropped), set e820_count.
read_e820:
        pushad
        mov     dword [e820_count], 0
        mov     di, e820_tab
        xor     ebx, ebx                ; continuation value: 0 = first entry
.next:  mov     dword [di + 20], 1      ; "enabled" if the BIOS returns 20 bytes
        mov     eax, 0xE820
        mov     ecx, E820_SIZE
        mov     edx, SMAP
        int     0x15
        jc      .done                   ; CF after the first entry: end of the map
        cmp     eax, SMAP
        jne     .done
        mov     eax, [di + 8]
        or      eax, [di + 12]
        jz      .skip                   ; length 0
        test    byte [di + 20], 1       ; ACPI 3.0 attribute bit 0 clear: ignore entry
        jz      .skip
        add     di, E820_SIZE
        inc     dword [e820_count]
        cmp     dword [e820_count], E820_MAX
        jae     .done
.skip:  test    ebx, ebx
        jnz     .next
.done:  popad
        ret

; print_e820: one line per entry.
print_e820:
        pushad
        mov     si, e820_tab
        mov     ecx, [e820_count]
.line:  LB_BEGIN
        LB_STR  "base=0x"
        LB_HEX  [si + 4], 8
        LB_HEX  [si + 0], 8
        LB_STR  " len=0x"
        LB_HEX  [si + 12], 8
        LB_HEX  [si + 8], 8
        LB_STR  " type="
        LB_DEC  [si + 16]
        LB_END
        add     si, E820_SIZE
        dec     ecx
        jnz     .line
        popad
        ret

; ---------------------------------------------------------------------------
        bits 32

; for_ranges32: call EBP with EDI = start, ECX = dword count (> 0) for the
; conventional range and each type-1 range clipped to [1 MiB, 4 GiB).
for_ranges32:
        pushad
        mov     edi, [conv_start]
        mov     ecx, [conv_end]
        sub     ecx, edi
        jbe     .map
        shr     ecx, 2
        jz      .map
        call    ebp
.map:   mov     esi, e820_tab
        mov     ebx, [e820_count]
.entry: test    ebx, ebx
        jz      .done
        cmp     dword [esi + 16], E820_RAM
        jne     .skip
        call    clip32
        jc      .skip
        call    ebp
.skip:  add     esi, E820_SIZE
        dec     ebx
        jmp     .entry
.done:  popad
        ret

; clip32: entry at ESI -> EDI = first dword, ECX = dword count of its part
; in [1 MiB, 4 GiB); CF = 1 if there is none.  An end of exactly 4 GiB is
; kept as 0 (mod 2^32), which the byte count below handles.
clip32:
        push    eax
        push    edx
        mov     eax, [esi]
        mov     edx, [esi + 4]
        test    edx, edx
        jnz     .none                   ; starts at or above 4 GiB
        cmp     eax, 0xFFFFF000
        ja      .none
        mov     edi, eax
        add     eax, [esi + 8]
        adc     edx, [esi + 12]         ; EDX:EAX = end
        test    edx, edx
        jz      .end_ok
        xor     eax, eax                ; end clipped to 4 GiB
.end_ok:
        and     eax, ~3
        cmp     edi, MIB
        jae     .start_ok
        mov     edi, MIB
.start_ok:
        add     edi, 3
        and     edi, ~3
        test    eax, eax
        jz      .count                  ; up to 4 GiB: always past start
        cmp     eax, edi
        jbe     .none
.count: mov     ecx, eax
        sub     ecx, edi
        shr     ecx, 2
        jz      .none
        pop     edx
        pop     eax
        clc
        ret
.none:  pop     edx
        pop     eax
        stc
        ret

; fill32: store each dword's address into it: EDI = start, ECX = count.
fill32:
        pushad
        add     [total_dwords], ecx
.store: mov     [edi], edi
        add     edi, 4
        dec     ecx
        jnz     .store
        popad
        ret

; check32: read back one dword per 4 KiB and the last one.
check32:
        pushad
        lea     edx, [edi + ecx * 4 - 4]
.probe: cmp     [edi], edi
        jne     .bad
        add     edi, 4096
        sub     ecx, 1024
        ja      .probe
        mov     edi, edx
        cmp     [edi], edi
        jne     .bad
        popad
        ret
.bad:   LB_BEGIN
        LB_STR  "FAIL at 0x"
        LB_HEX  edi, 8
        LB_STR  " read 0x"
        LB_HEX  [edi], 8
        LB_END
        mov     ebx, 1
        jmp     shutdown32

%ifdef E820_BAD
; find_hidden32: EDI = base of the hypervisor's hidden range, CF = 1 if none.
; pxHV reports its region as type 2 cut out of RAM, so it is a type-2
; range at or above HV_REGION_MIN_BASE, ending at or below 4 GiB, that
; touches a type-1 range (one ends where it starts, or starts where it
; ends).  The firmware's reserved ranges near 4 GiB (BIOS ROM, APICs) touch
; no RAM.  Of the candidates the lowest is taken: above the region pxHV may
; also hide the region's A20 alias (include/lib/region.h).
find_hidden32:
        push    esi
        push    ecx
        push    eax
        push    edx
        xor     edi, edi
        mov     esi, e820_tab
        mov     ecx, [e820_count]
.cand:  test    ecx, ecx
        jz      .done
        cmp     dword [esi + 16], E820_RESERVED
        jne     .next
        cmp     dword [esi + 4], 0
        jne     .next
        mov     eax, [esi]
        cmp     eax, HIDDEN_MIN
        jb      .next
        mov     [cand_base], eax
        xor     edx, edx
        add     eax, [esi + 8]
        adc     edx, [esi + 12]         ; EDX:EAX = end
        cmp     edx, 1
        ja      .next
        jb      .end_ok
        test    eax, eax
        jnz     .next                   ; ends above 4 GiB
.end_ok:
        mov     [cand_end], eax
        mov     [cand_end + 4], edx
        call    touches_ram32
        jc      .next
        mov     eax, [cand_base]
        test    edi, edi
        jz      .take
        cmp     eax, edi
        jae     .next
.take:  mov     edi, eax
.next:  add     esi, E820_SIZE
        dec     ecx
        jmp     .cand
.done:  pop     edx
        pop     eax
        pop     ecx
        pop     esi
        cmp     edi, 1                  ; CF = 1 iff EDI = 0
        ret

; touches_ram32: CF = 0 if a type-1 entry ends at cand_base or starts at
; cand_end (64-bit compares).
touches_ram32:
        pushad
        mov     esi, e820_tab
        mov     ecx, [e820_count]
.entry: test    ecx, ecx
        jz      .no
        cmp     dword [esi + 16], E820_RAM
        jne     .next
        mov     eax, [esi]
        mov     edx, [esi + 4]
        cmp     eax, [cand_end]         ; starts where the candidate ends?
        jne     .end
        cmp     edx, [cand_end + 4]
        je      .yes
.end:   add     eax, [esi + 8]
        adc     edx, [esi + 12]
        cmp     eax, [cand_base]        ; ends where the candidate starts?
        jne     .next
        test    edx, edx
        jz      .yes
.next:  add     esi, E820_SIZE
        dec     ecx
        jmp     .entry
.yes:   popad
        clc
        ret
.no:    popad
        stc
        ret
%endif

        section .bss
        alignb  8
e820_tab:       resb E820_MAX * E820_SIZE
e820_count:     resd 1
conv_start:     resd 1
conv_end:       resd 1
total_dwords:   resd 1
cand_base:      resd 1
cand_end:       resq 1
guest_bss_end:
        section .text

        GUEST_END
