/*
 * Diagnostics for failed VM entries: dump the guest state and name the
 * first check of SDM Vol. 3C 26.3.1 ("Checks on the Guest State Area")
 * that the VMCS violates.  Only the checks a real guest can plausibly
 * break are coded; the dump is always printed.
 */
#include "vmx_impl.h"
#include "core/console.h"
#include "core/hv.h"
#include "lib/lib.h"
#include "hw/x86.h"

static u64 vmread(enum vmcs_field f) { return vmx_read(NULL, f); }

struct seg_fields { const char *name; enum vmcs_field sel, base, limit, ar; };
static const struct seg_fields segs[] = {
    { "ES", VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR },
    { "CS", VMCS_GUEST_CS_SEL, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_AR },
    { "SS", VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR },
    { "DS", VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR },
    { "FS", VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR },
    { "GS", VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR },
    { "LDTR", VMCS_GUEST_LDTR_SEL, VMCS_GUEST_LDTR_BASE, VMCS_GUEST_LDTR_LIMIT, VMCS_GUEST_LDTR_AR },
    { "TR", VMCS_GUEST_TR_SEL, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_AR },
};

void vmx_dump_guest(struct cpu *c)
{
    struct guest_regs *r = c->regs;

    kprintf("Guest state:\n");
    kprintf("  RIP %016llx  RSP %016llx  RFLAGS %016llx\n",
            vmread(VMCS_GUEST_RIP), vmread(VMCS_GUEST_RSP), vmread(VMCS_GUEST_RFLAGS));
    if (r) {
        kprintf("  RAX %016llx  RBX %016llx  RCX %016llx  RDX %016llx\n",
                r->r[R_RAX], r->r[R_RBX], r->r[R_RCX], r->r[R_RDX]);
        kprintf("  RSI %016llx  RDI %016llx  RBP %016llx\n", r->r[R_RSI], r->r[R_RDI], r->r[R_RBP]);
    }
    kprintf("  CR0 %016llx (shadow %llx)  CR3 %016llx  CR4 %016llx (shadow %llx)\n",
            vmread(VMCS_GUEST_CR0), vmread(VMCS_CR0_READ_SHADOW), vmread(VMCS_GUEST_CR3),
            vmread(VMCS_GUEST_CR4), vmread(VMCS_CR4_READ_SHADOW));
    kprintf("  EFER %016llx  DR7 %llx  entry controls %08llx\n",
            vmread(VMCS_GUEST_IA32_EFER), vmread(VMCS_GUEST_DR7), vmread(VMCS_ENTRY_CONTROLS));
    for (usize i = 0; i < ARRAY_SIZE(segs); i++)
        kprintf("  %-4s sel %04llx base %016llx limit %08llx ar %05llx\n", segs[i].name,
                vmread(segs[i].sel), vmread(segs[i].base), vmread(segs[i].limit), vmread(segs[i].ar));
    kprintf("  GDTR %016llx/%04llx  IDTR %016llx/%04llx\n",
            vmread(VMCS_GUEST_GDTR_BASE), vmread(VMCS_GUEST_GDTR_LIMIT),
            vmread(VMCS_GUEST_IDTR_BASE), vmread(VMCS_GUEST_IDTR_LIMIT));
    kprintf("  activity %llu  interruptibility %llx  entry-intr-info %08llx\n",
            vmread(VMCS_GUEST_ACTIVITY_STATE), vmread(VMCS_GUEST_INTERRUPTIBILITY),
            vmread(VMCS_ENTRY_INTR_INFO));
}

#define AR_TYPE(ar)  ((ar) & 0xF)
#define AR_S(ar)     (((ar) >> 4) & 1)
#define AR_DPL(ar)   (((ar) >> 5) & 3)
#define AR_P(ar)     (((ar) >> 7) & 1)
#define AR_G(ar)     (((ar) >> 15) & 1)
#define AR_IS_UNUSABLE(ar) (((ar) >> 16) & 1)

static const char *check_segments(bool ia32e)
{
    static char msg[120];

    for (usize i = 0; i < ARRAY_SIZE(segs); i++) {
        u64 ar = vmread(segs[i].ar), lim = vmread(segs[i].limit);
        if (AR_IS_UNUSABLE(ar))
            continue;
        if (ar & 0xFFFE0F00ULL) {
            snprintf(msg, sizeof msg, "26.3.1.2: %s access rights reserved bits set", segs[i].name);
            return msg;
        }
        if (((lim & 0xFFF) != 0xFFF && AR_G(ar)) || ((lim >> 20) && !AR_G(ar))) {
            snprintf(msg, sizeof msg, "26.3.1.2: %s limit 0x%llx inconsistent with G=%llu",
                     segs[i].name, lim, AR_G(ar));
            return msg;
        }
        if (!AR_P(ar)) {
            snprintf(msg, sizeof msg, "26.3.1.2: %s usable but not present", segs[i].name);
            return msg;
        }
    }
    u64 cs = vmread(VMCS_GUEST_CS_AR), ss = vmread(VMCS_GUEST_SS_AR);
    u64 tr = vmread(VMCS_GUEST_TR_AR), ldtr = vmread(VMCS_GUEST_LDTR_AR);
    bool ug = vmx_ctl.cpu2 & PROC2_UNRESTRICTED_GUEST;
    u64 t = AR_TYPE(cs);
    if (!(t == 9 || t == 11 || t == 13 || t == 15 || (ug && t == 3)))
        return "26.3.1.2: CS type must be accessed code (or 3 with unrestricted guest)";
    if (!AR_S(cs))
        return "26.3.1.2: CS must be a code/data segment (S=1)";
    if (!(vmread(VMCS_GUEST_CR0) & CR0_PE) && AR_DPL(ss) != 0)
        return "26.3.1.2: SS.DPL must be 0 when CR0.PE = 0";
    if (AR_IS_UNUSABLE(tr))
        return "26.3.1.2: TR must be usable";
    if (AR_S(tr) || !(AR_TYPE(tr) == 11 || (!ia32e && AR_TYPE(tr) == 3)))
        return "26.3.1.2: TR must be a busy TSS (type 11, or 3 outside IA-32e mode)";
    if (vmread(VMCS_GUEST_TR_SEL) & 4)
        return "26.3.1.2: TR selector TI flag must be 0";
    if (!AR_IS_UNUSABLE(ldtr) && (AR_TYPE(ldtr) != 2 || AR_S(ldtr)))
        return "26.3.1.2: usable LDTR must be type 2 with S=0";
    return NULL;
}

static const char *check_guest_state(void)
{
    u64 cr0 = vmread(VMCS_GUEST_CR0), cr4 = vmread(VMCS_GUEST_CR4);
    u64 efer = vmread(VMCS_GUEST_IA32_EFER), rfl = vmread(VMCS_GUEST_RFLAGS);
    u64 entry = vmread(VMCS_ENTRY_CONTROLS);
    bool ug = vmx_ctl.cpu2 & PROC2_UNRESTRICTED_GUEST;
    bool ia32e = entry & ENTRYCTL_IA32E_MODE_GUEST;
    u64 f0 = vmx_caps.cr0_fixed0 & ~(ug ? CR0_PE | CR0_PG : 0);

    if ((cr0 & f0) != f0 || (cr0 & ~vmx_caps.cr0_fixed1 & 0xFFFFFFFFULL))
        return "26.3.1.1: CR0 violates IA32_VMX_CR0_FIXED0/FIXED1";
    if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
        return "26.3.1.1: CR0.PG = 1 requires CR0.PE = 1";
    if ((cr4 & vmx_caps.cr4_fixed0) != vmx_caps.cr4_fixed0 || (cr4 & ~vmx_caps.cr4_fixed1))
        return "26.3.1.1: CR4 violates IA32_VMX_CR4_FIXED0/FIXED1";
    if (ia32e && (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE)))
        return "26.3.1.1: IA-32e mode guest requires CR0.PG = 1 and CR4.PAE = 1";
    if (!ia32e && (cr4 & BIT(17)))
        return "26.3.1.1: CR4.PCIDE must be 0 outside IA-32e mode";
    if (entry & ENTRYCTL_LOAD_EFER) {
        if (!!(efer & EFER_LMA) != ia32e)
            return "26.3.1.1: EFER.LMA must equal the IA-32e mode guest entry control";
        if ((cr0 & CR0_PG) && !!(efer & EFER_LMA) != !!(efer & EFER_LME))
            return "26.3.1.1: with CR0.PG = 1, EFER.LMA must equal EFER.LME";
    }
    if (!(rfl & BIT(1)) || (rfl & (BIT(3) | BIT(5) | BIT(15) | ~0x3FFFFFULL)))
        return "26.3.1.4: RFLAGS reserved bits (bit 1 must be 1, bits 3, 5, 15, 63:22 must be 0)";
    if ((ia32e || !(cr0 & CR0_PE)) && (rfl & RFLAGS_VM))
        return "26.3.1.4: RFLAGS.VM must be 0 in IA-32e mode or with CR0.PE = 0";
    const char *s = check_segments(ia32e);
    if (s)
        return s;
    if ((vmread(VMCS_GUEST_GDTR_LIMIT) | vmread(VMCS_GUEST_IDTR_LIMIT)) >> 16)
        return "26.3.1.3: GDTR/IDTR limit bits 31:16 must be 0";
    u64 act = vmread(VMCS_GUEST_ACTIVITY_STATE), intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
    if (act > ACT_WAIT_SIPI || (act && !(vmx_caps.misc & BIT(5 + act))))
        return "26.3.1.5: activity state not supported (IA32_VMX_MISC bits 8:6)";
    if (act == ACT_HLT && AR_DPL(vmread(VMCS_GUEST_SS_AR)) != 0)
        return "26.3.1.5: HLT activity state requires SS.DPL = 0";
    if ((intr & 3) == 3)
        return "26.3.1.5: blocking by STI and by MOV SS cannot both be set";
    if (intr & INTR_BLOCK_SMI)
        return "26.3.1.5: blocking by SMI must be 0 outside SMM";
    if ((intr & 1) && !(rfl & RFLAGS_IF))
        return "26.3.1.5: blocking by STI requires RFLAGS.IF = 1";
    if (vmread(VMCS_VMCS_LINK_POINTER) != ~0ULL)
        return "26.3.1.5: VMCS link pointer must be all ones";
    return NULL;
}

void vmx_diagnose_entry_failure(struct cpu *c)
{
    vmx_dump_guest(c);
    const char *why = check_guest_state();
    if (why)
        kprintf("pxHV: violated check: SDM %s\n", why);
    else
        kprintf("pxHV: no guest-state check in SDM 26.3.1 coded here is violated; see the dump\n");
}

/* VM-instruction error 7: the checks of SDM 26.2.1 on the control fields. */
void vmx_dump_controls(void)
{
    u64 cr3_max = VMX_MISC_CR3_TARGETS(vmx_caps.misc);
    u64 cr3_count = vmread(VMCS_CR3_TARGET_COUNT);

    kprintf("Controls: pin %08llx primary %08llx secondary %08llx exit %08llx entry %08llx\n",
            vmread(VMCS_PIN_CONTROLS), vmread(VMCS_PRIMARY_CONTROLS), vmread(VMCS_SECONDARY_CONTROLS),
            vmread(VMCS_EXIT_CONTROLS), vmread(VMCS_ENTRY_CONTROLS));
    kprintf("Controls: CR3-target count %llu (at most %llu), EPTP %llx, entry interruption %08llx\n",
            cr3_count, cr3_max, vmread(VMCS_EPT_POINTER), vmread(VMCS_ENTRY_INTR_INFO));
    if (cr3_count > cr3_max)
        kprintf("pxHV: violated check: SDM 26.2.1.1: the CR3-target count must not exceed "
                "IA32_VMX_MISC bits 24:16\n");
}

/* VM-instruction error 8: the host-state area (SDM 26.2.2, 26.2.3). */
void vmx_dump_host(void)
{
    kprintf("Host state: CR0 %llx CR3 %llx CR4 %llx RIP %llx RSP %llx\n",
            vmread(VMCS_HOST_CR0), vmread(VMCS_HOST_CR3), vmread(VMCS_HOST_CR4),
            vmread(VMCS_HOST_RIP), vmread(VMCS_HOST_RSP));
    kprintf("Host state: CS %llx SS %llx TR %llx TR base %llx GDTR %llx IDTR %llx EFER %llx\n",
            vmread(VMCS_HOST_CS_SEL), vmread(VMCS_HOST_SS_SEL), vmread(VMCS_HOST_TR_SEL),
            vmread(VMCS_HOST_TR_BASE), vmread(VMCS_HOST_GDTR_BASE), vmread(VMCS_HOST_IDTR_BASE),
            vmread(VMCS_HOST_IA32_EFER));
}
