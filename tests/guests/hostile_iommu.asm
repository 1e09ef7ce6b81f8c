; hostile_iommu: a guest that tries to undo the DMA protection pxHV gives it
; (issue 17, "the guest cannot undo it"), on QEMU q35 with intel-iommu or
; amd-iommu and edu (tests/test_iommu.sh).  pxHV hides the DMAR/IVRS table, so
; the guest finds the unit as an attacker would: an AMD IOMMU is a PCI function
; (class 0806h) whose capability block names its register base; a VT-d unit is
; not, and the guest takes q35's fixed address, 0xFED90000.
;   1. reads of the registers, 1, 2 and 4 bytes wide (all ones under pxHV)
;   2. writes that would turn the unit off or point it at the guest's tables:
;      MOV of an immediate and of a register, a byte store, XCHG (whose
;      register gets what a read gives), an OR to memory
;   3. edu reads pxHV's region afterwards (still blocked)
;   4. edu's DMA aimed at the registers themselves: a write, then reads (edu
;      needs dma_mask=0xffffffff for addresses above 256 MiB)
;   5. AMD: the IOMMU's PCI function through 0xCF8/0xCFC and through ECAM
;      (command register: memory space and bus master off; the base address
;      register moved), ECAM's A20 alias (bus 1's page with A20 off), the
;      chipset's PCIEXBAR moved through both; each read back
;   6. A20 off, edu reads a second page of the region, a line (a hypercall,
;      where pxHV polls the unit, whose registers it then cannot read), A20
;      on, another line (pxHV reads the fault now)
;   7. pxHV answers its version hypercall
;   8. last, a string store into the registers, which pxHV cannot decode and
;      skip: it ends the guest cleanly
; Every outcome is one line, and the guest decides nothing: the test compares
; the lines with what pxHV must give.
%define GUEST_NAME "hostile_iommu"
%include "guestlib.inc"

IOMMU_CLASS     equ 0x080600                ; base system peripheral, IOMMU
VTD_Q35_BASE    equ 0xFED90000              ; QEMU's q35: intel-iommu's registers
CAP_ID_SECURE   equ 0x0F                    ; AMD IOMMU 3.2.1 "IOMMU Capability Header"
A20_BIT         equ 1 << 20

main:
        ENTER_PM32_REGION

        mov     eax, EDU_ID
        call    pci_find_id
        jnc     .edu
        FAIL    "no edu device (QEMU -device edu)"
.edu:   mov     [edu_addr], eax
        or      eax, 0x10                       ; BAR0
        call    pci_read
        and     eax, 0xFFFFFFF0
        mov     [edu], eax
        mov     eax, [edu_addr]
        call    pci_enable

        ; ---- which unit, where
        mov     eax, IOMMU_CLASS << 8
        call    pci_find_class
        jc      .vtd
        mov     [amd_fn], eax
        call    amd_base_reg                    ; EAX = the function's base register's address
        mov     [amd_basereg], eax
        call    pci_read
        and     eax, 0xFFFFC000
        mov     [base], eax
        LB_BEGIN
        LB_STR  "amd iommu function at "
        mov     eax, [amd_fn]
        call    lb_bdf
        LB_STR  ", registers at 0x"
        LB_HEX  [base], 8
        LB_END
        jmp     .found
.vtd:   mov     dword [base], VTD_Q35_BASE
        PRINT   "no iommu function on bus 0: the vt-d unit at q35's 0xFED90000"
.found:

        ; ---- 1. reads
        mov     esi, [base]
        LB_BEGIN
        LB_STR  "register reads: 0x"
        LB_HEX  [esi], 8
        LB_STR  " 0x"
        LB_HEX  [esi + 0x18], 8
        LB_STR  " 0x"
        movzx   eax, word [esi + 0x1C]
        LB_HEX  eax, 4
        LB_STR  " 0x"
        movzx   eax, byte [esi + 0x20]
        LB_HEX  eax, 2
        LB_END

        ; ---- 2. writes: VT-d GCMD (18h) and RTADDR (20h); AMD-Vi the control
        ; register (18h) and the device table base (00h)
        mov     esi, [base]
        mov     dword [esi + 0x18], 0           ; translation / the IOMMU off
        mov     eax, PATTERN_BUF & ~0xFFF
        mov     [esi + 0x20], eax               ; a root table of the guest's
        mov     [esi], eax                      ; a device table of the guest's
        mov     byte [esi + 0x1B], 0
        mov     eax, 0x12345678
        xchg    [esi + 0x18], eax
        mov     [xchg_got], eax
        or      dword [esi + 0x18], 0x80000000
        LB_BEGIN
        LB_STR  "register writes issued; xchg gave 0x"
        LB_HEX  [xchg_got], 8
        LB_STR  "; reads after them: 0x"
        LB_HEX  [esi + 0x18], 8
        LB_STR  " 0x"
        LB_HEX  [esi], 8
        LB_END

        ; ---- 3. the region, after all that
        mov     eax, [region]
        call    edu_read_region
        LB_BEGIN
        LB_STR  "edu read of pxHV's region after the writes: 0x"
        LB_HEX  eax, 8
        LB_END

        ; ---- 4. DMA at the registers: a write first (a read before it would
        ; leave the translation in the unit's IOTLB, and QEMU then drops the
        ; write without a fault record), then the CPU's and edu's reads
        mov     edi, PATTERN_BUF
        mov     ecx, 16
        xor     eax, eax
        rep     stosb
        mov     eax, PATTERN_BUF
        call    edu_read_mem
        mov     edi, [base]
        add     edi, 0x10                       ; 18h among the 16 bytes
        call    edu_to_mem
        PRINT   "edu write of zeros to the registers: issued"
        mov     esi, [base]
        LB_BEGIN
        LB_STR  "register read after it: 0x"
        LB_HEX  [esi + 0x18], 8
        LB_END
        mov     eax, [base]
        call    edu_read_region
        LB_BEGIN
        LB_STR  "edu read of the registers: 0x"
        LB_HEX  eax, 8
        LB_END
        mov     eax, [region]
        call    edu_read_region
        LB_BEGIN
        LB_STR  "edu read of pxHV's region after it: 0x"
        LB_HEX  eax, 8
        LB_END

        ; ---- 5. the AMD IOMMU's PCI function
        cmp     dword [amd_fn], 0
        je      .a20
        call    amd_pci
.a20:
        ; ---- 6. A20 off: pxHV cannot read the unit's registers
        mov     eax, [region]
        add     eax, 0x1000
        call    a20_off
        call    edu_read_region
        PRINT   "a20 off, edu read of the region's second page done"
        call    a20_on
        PRINT   "a20 on again"

        ; ---- 7. pxHV answers
        mov     eax, PXHV_HC_VERSION
        HYPERCALL
        LB_BEGIN
        LB_STR  "pxHV answers: version 0x"
        LB_HEX  eax, 8
        LB_END

        ; ---- 8. a store pxHV cannot skip
        PRINT   "last: a string store into the registers"
        mov     esi, PATTERN_BUF
        mov     edi, [base]
        add     edi, 0x100
        mov     ecx, 4
        cld
        rep     movsd
        FAIL    "the string store into the registers came back"

; amd_base_reg: EAX = [amd_fn]: the address of its IOMMU capability's base
; address low register (capability + 4), found through the capability list
; (PCI Local Bus 3.0 6.7).
amd_base_reg:
        push    ebx
        push    ecx
        push    edx
        mov     ebx, eax
        lea     eax, [ebx + 0x34]
        call    pci_read
        movzx   ecx, al
        mov     edx, 48                         ; bound of the walk
.next:  test    ecx, ecx
        jz      .none
        dec     edx
        jz      .none
        lea     eax, [ebx + ecx]
        call    pci_read
        cmp     al, CAP_ID_SECURE
        je      .found
        movzx   ecx, ah
        and     ecx, 0xFC
        jmp     .next
.none:  FAIL    "no IOMMU capability on the function"
.found: lea     eax, [ebx + ecx + 4]
        pop     edx
        pop     ecx
        pop     ebx
        ret

; amd_pci: step 5.
amd_pci:
        pushad
        ; through the ports
        mov     eax, [amd_fn]
        or      eax, 0x04
        call    pci_read
        mov     [cmd_before], eax
        mov     eax, [amd_fn]
        or      eax, 0x04
        xor     ebx, ebx                        ; memory space and bus master off
        call    pci_write
        mov     eax, [amd_basereg]
        mov     ebx, 0xFE000001                 ; elsewhere, enabled
        call    pci_write
        LB_BEGIN
        LB_STR  "cf8: command 0x"
        mov     eax, [cmd_before]
        LB_HEX  eax, 4
        LB_STR  " written 0, reads 0x"
        mov     eax, [amd_fn]
        or      eax, 0x04
        call    pci_read
        LB_HEX  eax, 4
        LB_STR  "; base written 0xFE000001, reads 0x"
        mov     eax, [amd_basereg]
        call    pci_read
        LB_HEX  eax, 8
        LB_END

        ; ECAM: PCIEXBAR (00:00.0 offset 60h) says where
        mov     eax, 0x80000060
        call    pci_read
        test    al, 1
        jnz     .ecam
        PRINT   "no ecam window"
        jmp     .done
.ecam:  and     eax, 0xFC000000
        mov     [ecam], eax
        mov     eax, [amd_fn]
        and     eax, 0xFFFF00                   ; bus, device, function
        shl     eax, 4                          ; bus << 20 | dev << 15 | fn << 12
        add     eax, [ecam]
        mov     [fn_page], eax
        mov     word [eax + 4], 0
        mov     ecx, [amd_basereg]
        and     ecx, 0xFF
        mov     dword [eax + ecx], 0xFE000001
        LB_BEGIN
        LB_STR  "ecam at 0x"
        LB_HEX  [ecam], 8
        LB_STR  ": command written 0, reads 0x"
        mov     eax, [fn_page]
        movzx   eax, word [eax + 4]
        LB_HEX  eax, 4
        LB_STR  "; base written 0xFE000001, reads 0x"
        mov     eax, [fn_page]
        mov     ecx, [amd_basereg]
        and     ecx, 0xFF
        mov     eax, [eax + ecx]
        LB_HEX  eax, 8
        LB_END

        ; ECAM's A20 alias: bus 1's page, which A20 off folds onto bus 0's
        call    a20_off
        mov     eax, [fn_page]
        or      eax, A20_BIT
        mov     word [eax + 4], 0
        call    a20_on
        LB_BEGIN
        LB_STR  "ecam a20 alias: command written 0 with a20 off, reads 0x"
        mov     eax, [fn_page]
        movzx   eax, word [eax + 4]
        LB_HEX  eax, 4
        LB_END

        ; the window itself
        mov     eax, 0x80000060
        mov     ebx, 0xA0000001
        call    pci_write
        mov     eax, [ecam]
        mov     dword [eax + 0x60], 0xA0000001
        LB_BEGIN
        LB_STR  "pciexbar written 0xA0000001 through cf8 and ecam, reads 0x"
        mov     eax, 0x80000060
        call    pci_read
        LB_HEX  eax, 8
        LB_END
.done:  popad
        ret

; The fast A20 gate (port 92h bit 1); bit 0 would reset the machine.
a20_off:
        push    eax
        in      al, 0x92
        and     al, 0xFC
        out     0x92, al
        pop     eax
        ret

a20_on:
        push    eax
        in      al, 0x92
        or      al, 0x02
        and     al, 0xFE
        out     0x92, al
        pop     eax
        ret

%include "dma.inc"

        align   4
region:         dd      0
base:           dd      0
amd_fn:         dd      0
amd_basereg:    dd      0
xchg_got:       dd      0
cmd_before:     dd      0
ecam:           dd      0
fn_page:        dd      0

        GUEST_END
