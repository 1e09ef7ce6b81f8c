/* Every CPU under pxHV (core/smp.c). */
#ifndef PXHV_SMP_H
#define PXHV_SMP_H
#include "types.h"
#include "bootinfo.h"
#include "cpu.h"

/* List the CPUs the firmware names; refuse more than this build supports. */
void smp_plan(void);
/* Start every AP the firmware lists into VMX root operation, each launched
 * into its guest in the wait-for-SIPI state; `bi` is stage 2's boot_info,
 * whose lm_* fields take each AP to long mode. */
void smp_start(struct boot_info *bi);
NORETURN void ap_main(struct cpu *c);
void smp_probe_exit(struct cpu *c, bool init);   /* the INIT probe's AP exited */

/* Stop every other CPU (an NMI each) before this one ends the machine; a
 * CPU that comes second only halts.  Returns to the first caller. */
void smp_stop_others(void);
bool smp_stopping(void);
/* Make CPU t leave its guest (an NMI that is pxHV's, not the guest's): it
 * takes what was posted to it at the end of that exit (core_exit_end). */
void smp_kick(struct cpu *t);
NORETURN void smp_park(void);          /* this CPU: halted for good */

#endif
