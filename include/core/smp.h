/* Every CPU under pxHV (core/smp.c). */
#ifndef PXHV_SMP_H
#define PXHV_SMP_H
#include "lib/types.h"
#include "boot/bootinfo.h"
#include "core/cpu.h"

/* List the CPUs the firmware names; refuse more than this build supports. */
void smp_plan(void);
/* Start every AP the firmware lists into VMX root operation, each launched
 * into its guest in the wait-for-SIPI state; `bi` is stage 2's boot_info,
 * whose lm_* fields take each AP to long mode. */
void smp_start(struct boot_info *bi);
NORETURN void ap_main(struct cpu *c);
void smp_probe_exit(struct cpu *c, bool init);   /* the INIT probe's AP exited */


#endif
