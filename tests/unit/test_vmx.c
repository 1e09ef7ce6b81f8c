// sources: stage3/vmx/decode.c stage3/lib/lib.c
/*
 * Unit tests for stage3/vmx/decode.c: control adjustment from capability
 * MSRs, capability-MSR selection, names and exit-qualification decoding.
 * The capability values are those Bochs 2.7 reports for corei7_skylake_x
 * and corei7_lynnfield_750 (printed by pxHV's "VMX: caps" line).
 */
#include "unit.h"
#include "vmx.h"
#include "hw/x86.h"

/* Recorded from Bochs 2.7 (see the header comment). */
#define SKX_BASIC   0x00d810000000002bULL
#define SKX_PIN     0x0000007f00000016ULL   /* TRUE_PINBASED */
#define SKX_PROC    0xf7f9fffe04006172ULL   /* TRUE_PROCBASED */
#define SKX_PROC2   0x02177fff00000000ULL
#define SKX_EXIT    0x007fffff00036dfbULL   /* TRUE_EXIT */
#define SKX_ENTRY   0x0000ffff000011fbULL   /* TRUE_ENTRY */
#define LYN_PROC2   0x0000007f00000000ULL   /* corei5_lynnfield_750: no unrestricted guest */

/* The controls pxHV asks for (stage3/vmx.c) against the recorded MSRs. */
static void test_fixtures(void)
{
    u32 missing;
    CHECK_EQ(vmx_ctl_msr(SKX_BASIC, MSR_IA32_VMX_PROCBASED_CTLS), MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
    CHECK_EQ(vmx_adjust_controls(SKX_PIN, 0, &missing), 0x16);
    CHECK_EQ(missing, 0);
    u32 want = PROC_HLT_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY_CONTROLS;
    u32 proc = vmx_adjust_controls(SKX_PROC, want, &missing);
    CHECK_EQ(proc, 0x960061f2);
    CHECK_EQ(missing, 0);
    /* The TRUE MSR lets CR3-load/store exiting be 0 (SDM A.3.2). */
    CHECK(!(proc & (PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING)));
    u32 want2 = PROC2_ENABLE_EPT | PROC2_ENABLE_VPID | PROC2_UNRESTRICTED_GUEST | PROC2_ENABLE_RDTSCP |
                PROC2_ENABLE_INVPCID | PROC2_ENABLE_XSAVES;
    CHECK_EQ(vmx_adjust_controls(SKX_PROC2, want2, &missing), 0x001010aa);
    CHECK_EQ(missing, 0);
    CHECK_EQ(vmx_adjust_controls(LYN_PROC2, want2, &missing), 0x0000002a);
    CHECK_EQ(missing, PROC2_UNRESTRICTED_GUEST | PROC2_ENABLE_INVPCID | PROC2_ENABLE_XSAVES);
    u32 exitw = EXITCTL_HOST_ADDR_SPACE_SIZE | EXITCTL_SAVE_EFER | EXITCTL_LOAD_EFER | EXITCTL_SAVE_PAT | EXITCTL_LOAD_PAT;
    CHECK_EQ(vmx_adjust_controls(SKX_EXIT, exitw, &missing), 0x003f6ffb);
    CHECK_EQ(missing, 0);
    CHECK_EQ(vmx_adjust_controls(SKX_ENTRY, ENTRYCTL_LOAD_EFER | ENTRYCTL_LOAD_PAT, &missing), 0x0000d1fb);
    CHECK_EQ(missing, 0);
    /* A plain (non-TRUE) default1 word keeps bits 1,4-6,8,13-16,26 forced on. */
    CHECK_EQ(vmx_adjust_controls(0xfff9fffe0401e172ULL, want, &missing) & 0x0401e172, 0x0401e172);
}

static void test_adjust(void)
{
    u32 missing;
    /* allowed0 (low) forces bits on; allowed1 (high) forbids bits. */
    u64 cap = ((u64)0x0000FFFF << 32) | 0x00000016;
    CHECK_EQ(vmx_adjust_controls(cap, 0, &missing), 0x16);
    CHECK_EQ(missing, 0);
    CHECK_EQ(vmx_adjust_controls(cap, 0x10001, &missing), 0x17);
    CHECK_EQ(missing, 0x10000);
    /* A wanted bit that must be 1 anyway is not "missing". */
    CHECK_EQ(vmx_adjust_controls(cap, 0x2, &missing), 0x16);
    CHECK_EQ(missing, 0);
    /* Everything allowed. */
    CHECK_EQ(vmx_adjust_controls(0xFFFFFFFF00000000ULL, 0xDEADBEEF, &missing), 0xDEADBEEF);
    CHECK_EQ(missing, 0);
    /* NULL missing pointer is accepted. */
    CHECK_EQ(vmx_adjust_controls(cap, 0x1, NULL), 0x17);
}

/* Values from ../shared/notes/emulators.md and the Bochs caps line. */
static void test_cr_and_ept_fixtures(void)
{
    /* CR0 fixed0 = 0x80000021 (PG, NE, PE), fixed1 all ones: with unrestricted
     * guest only NE is the hypervisor's. */
    CHECK_EQ(vmx_cr_owned_bits(0x80000021, 0xFFFFFFFF, CR0_PE | CR0_PG), CR0_NE);
    /* Without unrestricted guest PE and PG are owned too. */
    CHECK_EQ(vmx_cr_owned_bits(0x80000021, 0xFFFFFFFF, 0), 0x80000021);
    /* CR4 fixed0 = VMXE, fixed1 = 0x3727FF (skylake_x): VMXE plus every bit the
     * CPU cannot set. */
    u64 cr4 = vmx_cr_owned_bits(0x2000, 0x3727FF, 0);
    CHECK(cr4 & CR4_VMXE);
    CHECK(!(cr4 & CR4_PAE));
    CHECK(!(cr4 & CR4_OSXSAVE));
    CHECK(cr4 & BIT(23));                       /* not in fixed1: owned */
    CHECK_EQ(cr4 >> 32, 0);
    /* EPT/VPID caps 0xf0106334141: 4-level walk, WB, 2 MiB and 1 GiB pages,
     * A/D flags, INVEPT single/all, INVVPID single/all. */
    u64 ept = 0x00000f0106334141ULL;
    CHECK(ept & EPT_CAP_WALK_4);
    CHECK(ept & EPT_CAP_WB);
    CHECK(ept & EPT_CAP_2M);
    CHECK(ept & EPT_CAP_1G);
    CHECK(ept & EPT_CAP_AD);
    CHECK(ept & EPT_CAP_INVEPT);
    CHECK(ept & EPT_CAP_INVEPT_SINGLE);
    CHECK(ept & EPT_CAP_INVEPT_ALL);
    CHECK(ept & VPID_CAP_INVVPID);
    CHECK(ept & VPID_CAP_SINGLE);
    CHECK(ept & VPID_CAP_ALL);
}

static void test_ctl_msr(void)
{
    CHECK_EQ(vmx_ctl_msr(VMX_BASIC_TRUE_CTLS, MSR_IA32_VMX_PINBASED_CTLS), 0x48D);
    CHECK_EQ(vmx_ctl_msr(VMX_BASIC_TRUE_CTLS, MSR_IA32_VMX_PROCBASED_CTLS), 0x48E);
    CHECK_EQ(vmx_ctl_msr(VMX_BASIC_TRUE_CTLS, MSR_IA32_VMX_EXIT_CTLS), 0x48F);
    CHECK_EQ(vmx_ctl_msr(VMX_BASIC_TRUE_CTLS, MSR_IA32_VMX_ENTRY_CTLS), 0x490);
    CHECK_EQ(vmx_ctl_msr(VMX_BASIC_TRUE_CTLS, MSR_IA32_VMX_PROCBASED_CTLS2), 0x48B);
    CHECK_EQ(vmx_ctl_msr(0, MSR_IA32_VMX_PINBASED_CTLS), 0x481);
    CHECK_EQ(vmx_ctl_msr(0, MSR_IA32_VMX_ENTRY_CTLS), 0x484);
}

static void test_names(void)
{
    CHECK(strcmp(exit_reason_name(10), "CPUID") == 0);
    CHECK(strcmp(exit_reason_name(48), "EPT violation") == 0);
    CHECK(strcmp(exit_reason_name(0x80000021), "VM-entry failure: invalid guest state") == 0);
    CHECK(strcmp(exit_reason_name(35), "unknown exit reason") == 0);
    CHECK(strcmp(exit_reason_name(9999), "unknown exit reason") == 0);
    CHECK(strcmp(vm_instruction_error_str(7), "VM entry with invalid control field(s)") == 0);
    CHECK(strcmp(vm_instruction_error_str(8), "VM entry with invalid host-state field(s)") == 0);
    CHECK(strcmp(vm_instruction_error_str(28), "Invalid operand to INVEPT/INVVPID") == 0);
    CHECK(strcmp(vm_instruction_error_str(14), "unknown VM-instruction error") == 0);
    CHECK(strcmp(vm_instruction_error_str(0), "unknown VM-instruction error") == 0);
    CHECK(strcmp(vmcs_field_name(0x681E), "GUEST_RIP") == 0);
    CHECK(strcmp(vmcs_field_name(VMCS_EPT_POINTER), "EPT_POINTER") == 0);
    CHECK(strcmp(vmcs_field_name(0x1234), "unknown field") == 0);
    CHECK_EQ(VMCS_GUEST_RIP, 0x681E);
    CHECK_EQ(VMCS_HOST_RIP, 0x6C16);
    CHECK_EQ(VMX_EXIT_XSETBV, 55);
}

static void test_decode(void)
{
    /* OUT 0xE9, AL: size 1, out, immediate, port 0xE9 (SDM Table 27-5). */
    struct io_qual q = vmx_decode_io(0x00E90040);
    CHECK_EQ(q.port, 0xE9);
    CHECK_EQ(q.size, 1);
    CHECK(!q.in && !q.string && !q.rep && q.imm);
    /* REP INSW from DX=0x1F0. */
    q = vmx_decode_io(0x01F00039);
    CHECK_EQ(q.port, 0x1F0);
    CHECK_EQ(q.size, 2);
    CHECK(q.in && q.string && q.rep && !q.imm);
    q = vmx_decode_io(0x00000003);
    CHECK_EQ(q.size, 4);

    /* MOV CR4, RCX: cr 4, type 0, gpr 1 (SDM Table 27-3). */
    struct cr_qual c = vmx_decode_cr(0x104);
    CHECK_EQ(c.cr, 4);
    CHECK_EQ(c.type, 0);
    CHECK_EQ(c.gpr, 1);
    /* LMSW with source 0x0001. */
    c = vmx_decode_cr(0x00010030);
    CHECK_EQ(c.type, 3);
    CHECK_EQ(c.lmsw_src, 1);
    /* MOV R15, CR3. */
    c = vmx_decode_cr(0xF13);
    CHECK_EQ(c.cr, 3);
    CHECK_EQ(c.type, 1);
    CHECK_EQ(c.gpr, 15);
}

int main(void)
{
    test_adjust();
    test_fixtures();
    test_cr_and_ept_fixtures();
    test_ctl_msr();
    test_names();
    test_decode();
    return unit_done("vmx");
}
