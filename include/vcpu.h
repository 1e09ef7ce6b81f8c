/* The one virtual CPU pxHV runs, and the VMX helpers shared by its files. */
#ifndef PXHV_VCPU_H
#define PXHV_VCPU_H
#include "types.h"
#include "vmx.h"

/* Guest GPRs as the exit stub pushes them, indexed by register number
 * (SDM Table 3-1 order: RAX RCX RDX RBX RSP RBP RSI RDI R8..R15). */
enum { R_RAX, R_RCX, R_RDX, R_RBX, R_RSP, R_RBP, R_RSI, R_RDI,
       R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15 };
struct guest_regs { u64 r[16]; };

struct vmx_caps {
    u64 basic, misc, ept_vpid;
    u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
    u32 pin, cpu, cpu2, exit, entry;   /* the controls in use */
};

struct vcpu {
    struct guest_regs *regs;   /* the frame of the exit being handled */
    u32 exit_reason;           /* basic reason (bits 15:0) */
    u64 qual;
    u64 rip;
    u32 instr_len;
    u64 cr0_mask, cr4_mask;    /* guest/host masks: bits the hypervisor owns */
    u64 eptp;
    bool launched;
    bool in_exit;
    u64 exits[EXIT_REASON_MAX];
    u64 exits_total;
    u64 hypercalls, io_debug_bytes;
};

extern struct vcpu g_vcpu;
extern struct vmx_caps g_caps;

/* VMREAD/VMWRITE that stop the machine with the field's name on failure. */
u64  vmread(enum vmcs_field f);
void vmwrite(enum vmcs_field f, u64 v);

/* vmx.c */
void vmx_setup(void);                 /* capabilities, controls, VMCS, EPT */
NORETURN void vmx_run(struct guest_regs *initial);
void vmx_dump_guest(void);            /* registers + VMCS guest state */
void vmx_diagnose_entry_failure(void);
void vmx_dump_controls(void);         /* after VM-instruction error 7 */
void vmx_dump_host(void);             /* after VM-instruction error 8 */

/* ept_setup.c */
u64  ept_setup(void);                 /* returns the EPTP */
void ept_protect(u64 base, u64 len, u8 perms);  /* before ept_setup() */
u64  ept_entry_for(u64 gpa, u64 *size);

/* guest.c */
void guest_prepare(struct guest_regs *regs);    /* memory map, stubs, VMCS guest state */
bool guest_read(u64 gpa, void *dst, u64 len);   /* false if it touches hypervisor memory */
bool guest_write(u64 gpa, const void *src, u64 len);
bool guest_linear_to_phys(u64 gla, u64 *gpa);   /* walks the guest's page tables */
u64  guest_gpr(u32 idx);
void guest_set_gpr(u32 idx, u64 v);
void guest_int15(void);                         /* PXHV_HC_INT15 */

/* exit.c */
void exit_skip_instruction(void);
void exit_inject(u8 vector, u32 type, bool has_code, u32 code);
void exit_inject_ud(void);
void exit_inject_gp(void);
void exit_stats_print(void);
NORETURN void guest_end(const char *why, bool reset);

#endif
