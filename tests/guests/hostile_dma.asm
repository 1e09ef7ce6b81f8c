; hostile_dma: the devices the guest programs, aimed at pxHV's region (route 7 of
; docs/security.md, issue 17).  CPU accesses to the region are stopped by EPT/NPT;
; a bus master reads and writes physical memory without the CPU, so only an IOMMU
; stops it.  On QEMU q35 (tests/test_iommu.sh), with the region's place from CPUID
; leaf 0x40000001:
;   edu     QEMU's educational PCI device 1234:11e8 (QEMU docs/specs/edu.txt): its
;           DMA engine copies between memory and a 4 KiB buffer inside the device
;           (at device address 0x40000): registers 0x80 source, 0x88 destination,
;           0x90 count, 0x98 command (bit 0 run, bit 1 device-to-memory)
;           1. memory -> device -> memory inside the guest's own memory (must work)
;           2. a read of the region's first 16 bytes: pxHV's image starts with
;              its stage 3 header, whose first dword is STAGE3_MAGIC
;           3. a write of 16 guest bytes over them, read back the same way
;   AHCI    the ICH9 SATA controller with the disk pxHV booted from (port 0):
;           4. READ DMA EXT of the guest's own first sector (LBA DISK_BUILTIN_LBA)
;              into guest memory, compared with the copy at 0x7C00 (must work)
;           5. the same sector with the first 16 bytes into the region (a
;              two-entry PRDT; the other 496 into guest memory), then the region
;              read back through edu
;   ACPI    whether the RSDT lists a DMAR or an IVRS table (pxHV hides them: a
;           guest that found one could try to take the unit over)
; Every outcome is one line; the guest carries on whatever the devices did, asks
; pxHV for its version at the end and shuts down.  It decides nothing itself:
; without an IOMMU the DMAs reach pxHV's memory; with one, reads come back as
; whatever the platform gives for a blocked DMA (zeros under QEMU) and pxHV
; reports each blocked access.
%define GUEST_NAME "hostile_dma"
%include "guestlib.inc"

AHCI_CLASS      equ 0x010601                ; mass storage, SATA, AHCI 1.0

; AHCI 1.3.1: 3.1 "Generic Host Control", 3.3 "Port Registers" (port 0 at 0x100)
HBA_GHC         equ 0x04
HBA_PI          equ 0x0C
P0              equ 0x100
PX_CLB          equ P0 + 0x00
PX_CLBU         equ P0 + 0x04
PX_FB           equ P0 + 0x08
PX_FBU          equ P0 + 0x0C
PX_IS           equ P0 + 0x10
PX_CMD          equ P0 + 0x18
PX_TFD          equ P0 + 0x20
PX_SSTS         equ P0 + 0x28
PX_SERR         equ P0 + 0x30
PX_CI           equ P0 + 0x38
CMD_ST          equ 1 << 0
CMD_FRE         equ 1 << 4
CMD_FR          equ 1 << 14
CMD_CR          equ 1 << 15
GHC_AE          equ 1 << 31

; Guest memory the devices use (free conventional memory above the guest;
; PATTERN_BUF and RESULT_BUF in dma.inc).
AHCI_CL         equ 0x31000                 ; command list (1 KiB aligned)
AHCI_FIS        equ 0x31400                 ; received FIS area (256 aligned)
AHCI_CT         equ 0x31800                 ; command table (128 aligned)
SECTOR_BUF      equ 0x32000                 ; the sector read into guest memory
SPLIT_LEN       equ 16                      ; bytes of the sector aimed at the region

main:
        ENTER_PM32_REGION

        ; ---- the firmware's root table: an IOMMU table listed?
        call    acpi_iommu_listed
        LB_BEGIN
        LB_STR  "DMAR or IVRS listed in the RSDT: "
        test    eax, eax
        jz      .unlisted
        LB_STR  "yes"
        jmp     .listed
.unlisted:
        LB_STR  "no"
.listed:
        LB_END

        ; ---- find and enable edu
        mov     eax, EDU_ID
        call    pci_find_id
        jc      .no_edu
        mov     [edu_addr], eax
        LB_BEGIN
        LB_STR  "edu at "
        call    lb_bdf
        LB_END
        mov     eax, [edu_addr]
        or      eax, 0x10                       ; BAR0
        call    pci_read
        and     eax, 0xFFFFFFF0
        mov     [edu], eax
        mov     eax, [edu_addr]
        call    pci_enable
        mov     esi, [edu]
        mov     eax, [esi + EDU_REG_ID]
        cmp     ax, 0x00ED                      ; 0xRRrr00ed: edu.txt's identification
        je      .edu_ok
        FAIL    "edu identification register"
.no_edu:
        FAIL    "no edu device (QEMU -device edu)"
.edu_ok:
        ; ---- 1. inside guest memory: pattern -> device -> result
        mov     esi, pattern
        mov     edi, PATTERN_BUF
        mov     ecx, 16
        rep     movsb
        mov     eax, PATTERN_BUF
        call    edu_read_mem
        mov     edi, RESULT_BUF
        call    edu_to_mem
        mov     esi, PATTERN_BUF
        mov     edi, RESULT_BUF
        mov     ecx, 16
        repe    cmpsb
        je      .own_ok
        FAIL    "edu dma into guest memory"
.own_ok:
        PRINT   "edu dma into guest memory: ok"

        ; ---- 2. read the region's first 16 bytes
        mov     eax, [region]
        call    edu_read_region                 ; EAX = the first dword that came back
        LB_BEGIN
        LB_STR  "edu read of pxHV's region: 0x"
        LB_HEX  eax, 8
        cmp     eax, STAGE3_MAGIC
        jne     .not_image
        LB_STR  ", pxHV's image"
        jmp     .read_done
.not_image:
        LB_STR  ", not pxHV's image"
.read_done:
        LB_END

        ; ---- 3. write 16 guest bytes over them, read them back
        mov     eax, PATTERN_BUF
        call    edu_read_mem
        mov     edi, [region]
        call    edu_to_mem
        PRINT   "edu write of 16 bytes to pxHV's region: issued"
        mov     eax, [region]
        call    edu_read_region
        mov     esi, PATTERN_BUF
        mov     edi, RESULT_BUF
        mov     ecx, 16
        repe    cmpsb
        jne     .no_pattern
        PRINT   "edu read back of the region: the guest's bytes: the write reached pxHV's memory"
        jmp     .ahci
.no_pattern:
        PRINT   "edu read back of the region: not the guest's bytes"

.ahci:
        ; ---- find and enable the AHCI controller, take over port 0
        call    ahci_setup
        LB_BEGIN
        LB_STR  "ahci at "
        mov     eax, [ahci_addr]
        call    lb_bdf
        LB_END

        ; ---- 4. the guest's first sector into guest memory
        mov     edi, SECTOR_BUF
        mov     ecx, 512 / 4
        mov     eax, 0xA5A5A5A5
        rep     stosd
        mov     dword [prd0_addr], SECTOR_BUF
        mov     dword [prd0_len], 512
        mov     dword [prd_count], 1
        call    ahci_read_sector
        mov     esi, SECTOR_BUF
        mov     edi, LOW_BOOT_SECTOR
        mov     ecx, 512
        repe    cmpsb
        je      .sector_ok
        FAIL    "ahci read into guest memory"
.sector_ok:
        PRINT   "ahci read of the guest's sector into guest memory: ok"

        ; ---- 5. its first 16 bytes into the region, the rest into guest memory
        mov     edi, SECTOR_BUF
        mov     ecx, 512 / 4
        mov     eax, 0xA5A5A5A5
        rep     stosd
        mov     eax, [region]
        mov     [prd0_addr], eax
        mov     dword [prd0_len], SPLIT_LEN
        mov     dword [prd1_addr], SECTOR_BUF + SPLIT_LEN
        mov     dword [prd1_len], 512 - SPLIT_LEN
        mov     dword [prd_count], 2
        call    ahci_read_sector
        mov     esi, SECTOR_BUF + SPLIT_LEN
        mov     edi, LOW_BOOT_SECTOR + SPLIT_LEN
        mov     ecx, 512 - SPLIT_LEN
        repe    cmpsb
        je      .rest_ok
        FAIL    "ahci read: the guest's part of the sector did not arrive"
.rest_ok:
        PRINT   "ahci read with 16 bytes aimed at pxHV's region: the guest's 496 bytes arrived"
        call    ahci_restore
        mov     eax, [region]
        call    edu_read_region
        mov     esi, LOW_BOOT_SECTOR
        mov     edi, RESULT_BUF
        mov     ecx, SPLIT_LEN
        repe    cmpsb
        jne     .no_disk
        PRINT   "edu read back of the region: the disk's bytes: the read reached pxHV's memory"
        jmp     .alive
.no_disk:
        PRINT   "edu read back of the region: not the disk's bytes"

.alive:
        ; ---- pxHV still answers
        mov     eax, PXHV_HC_VERSION
        HYPERCALL
        LB_BEGIN
        LB_STR  "pxHV answers after the DMAs: version 0x"
        LB_HEX  eax, 8
        LB_END
        DONE

%include "dma.inc"

; ---------------------------------------------------------------------------
; AHCI (Serial ATA AHCI 1.3.1)

; ahci_wait_clear: EBX = register offset, EDX = bits that must become 0.
ahci_wait_clear:
        push    ecx
        push    esi
        mov     esi, [abar]
        mov     ecx, WAIT_LOOPS
.poll:  test    [esi + ebx], edx
        jz      .done
        dec     ecx
        jnz     .poll
        FAIL    "ahci: a bit did not clear"
.done:  pop     esi
        pop     ecx
        ret

; ahci_stop: port 0 idle (10.1.2 "System Software Specific Initialization":
; clear ST, wait for CR; clear FRE, wait for FR).
ahci_stop:
        push    ebx
        push    edx
        mov     esi, [abar]
        and     dword [esi + PX_CMD], ~CMD_ST
        mov     ebx, PX_CMD
        mov     edx, CMD_CR
        call    ahci_wait_clear
        and     dword [esi + PX_CMD], ~CMD_FRE
        mov     edx, CMD_FR
        call    ahci_wait_clear
        pop     edx
        pop     ebx
        ret

; ahci_setup: find the controller, enable it, stop port 0, give it this
; guest's command list and FIS area, start it.  What the firmware had is kept
; for ahci_restore.
ahci_setup:
        pushad
        mov     eax, AHCI_CLASS << 8
        call    pci_find_class
        jnc     .found
        FAIL    "no AHCI controller"
.found: mov     [ahci_addr], eax
        push    eax
        or      eax, 0x24                       ; BAR5: ABAR
        call    pci_read
        and     eax, 0xFFFFFFF0
        mov     [abar], eax
        pop     eax
        call    pci_enable
        mov     esi, [abar]
        or      dword [esi + HBA_GHC], GHC_AE
        test    dword [esi + HBA_PI], 1
        jnz     .port
        FAIL    "ahci: port 0 not implemented"
.port:  mov     eax, [esi + PX_SSTS]
        and     eax, 0x0F
        cmp     eax, 3                          ; DET: device present, link up
        je      .link
        FAIL    "ahci: no disk on port 0"
.link:  mov     eax, [esi + PX_CMD]
        mov     [saved_cmd], eax
        mov     eax, [esi + PX_CLB]
        mov     [saved_clb], eax
        mov     eax, [esi + PX_FB]
        mov     [saved_fb], eax
        call    ahci_stop
        mov     edi, AHCI_CL
        mov     ecx, (SECTOR_BUF - AHCI_CL) / 4
        xor     eax, eax
        rep     stosd
        mov     dword [esi + PX_CLB], AHCI_CL
        mov     dword [esi + PX_CLBU], 0
        mov     dword [esi + PX_FB], AHCI_FIS
        mov     dword [esi + PX_FBU], 0
        mov     dword [esi + PX_SERR], 0xFFFFFFFF
        mov     dword [esi + PX_IS], 0xFFFFFFFF
        or      dword [esi + PX_CMD], CMD_FRE
        or      dword [esi + PX_CMD], CMD_ST
        popad
        ret

; ahci_restore: the firmware's command list and FIS area, and its start bits.
ahci_restore:
        pushad
        call    ahci_stop
        mov     eax, [saved_clb]
        mov     [esi + PX_CLB], eax
        mov     eax, [saved_fb]
        mov     [esi + PX_FB], eax
        mov     eax, [saved_cmd]
        and     eax, CMD_FRE
        or      [esi + PX_CMD], eax
        mov     eax, [saved_cmd]
        and     eax, CMD_ST
        or      [esi + PX_CMD], eax
        popad
        ret

; ahci_read_sector: READ DMA EXT of LBA DISK_BUILTIN_LBA through slot 0 with
; prd_count entries (prd0_*, prd1_*).  4.2.2 "Command Header", 4.2.3 "Command
; Table" with a Register Host to Device FIS (SATA 3.x 10.5.5).
ahci_read_sector:
        pushad
        mov     esi, [abar]
        mov     eax, [prd_count]
        shl     eax, 16                         ; PRDTL
        or      eax, 5                          ; CFL: 5 dwords, W = 0 (a read)
        mov     [AHCI_CL + 0], eax
        mov     dword [AHCI_CL + 4], 0          ; PRDBC
        mov     dword [AHCI_CL + 8], AHCI_CT
        mov     dword [AHCI_CL + 12], 0
        mov     edi, AHCI_CT                    ; CFIS
        mov     dword [edi + 0], 0x00258027     ; FIS 27h, C = 1, command 25h
        mov     eax, DISK_BUILTIN_LBA & 0xFFFFFF
        or      eax, 0x40 << 24                 ; device: LBA mode
        mov     [edi + 4], eax
        mov     dword [edi + 8], DISK_BUILTIN_LBA >> 24
        mov     dword [edi + 12], 1             ; one sector
        mov     dword [edi + 16], 0
        mov     eax, [prd0_addr]                ; PRDT at 80h: DBA, DBAU, 0, DBC - 1
        mov     [edi + 0x80], eax
        mov     dword [edi + 0x84], 0
        mov     dword [edi + 0x88], 0
        mov     eax, [prd0_len]
        dec     eax
        mov     [edi + 0x8C], eax
        mov     eax, [prd1_addr]
        mov     [edi + 0x90], eax
        mov     dword [edi + 0x94], 0
        mov     dword [edi + 0x98], 0
        mov     eax, [prd1_len]
        dec     eax
        mov     [edi + 0x9C], eax
        mov     dword [esi + PX_IS], 0xFFFFFFFF
        mov     dword [esi + PX_CI], 1
        mov     ebx, PX_CI
        mov     edx, 1
        call    ahci_wait_clear
        test    dword [esi + PX_TFD], 0x01      ; ERR
        jz      .ok
        FAIL    "ahci: the read reported an error"
.ok:    popad
        ret

; ---------------------------------------------------------------------------
pattern:        db      "hostile_dma:DMA!"

        align   4
region:         dd      0
ahci_addr:      dd      0
abar:           dd      0
saved_cmd:      dd      0
saved_clb:      dd      0
saved_fb:       dd      0
prd_count:      dd      0
prd0_addr:      dd      0
prd0_len:       dd      0
prd1_addr:      dd      0
prd1_len:       dd      0

        GUEST_END
