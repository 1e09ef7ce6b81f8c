/* Stopping CPUs; pxHV's NMIs and the guest's (core/stop.c). */
#ifndef PXHV_STOP_H
#define PXHV_STOP_H
#include "lib/types.h"
#include "core/cpu.h"

/* Stop every other CPU (an NMI each) before this one ends the machine; a
 * CPU that comes second only halts.  Returns to the first caller. */
void cpus_stop_others(void);
/* Set while pxHV starts under UEFI and no CPU runs a guest yet (core/uefi.c):
 * a stop returns to pxhv.efi through it, with the reason, and leaves the
 * machine to the firmware; there are no other CPUs of pxHV's to stop. */
extern NORETURN void (*g_stop_return)(const char *why);
bool cpus_stopping(void);
NORETURN void cpu_park(void);          /* this CPU: halted for good */
/* Make CPU t leave its guest (an NMI that is pxHV's, not the guest's): it
 * takes what was posted to it at the end of that exit (core_exit_end). */
void cpu_kick(struct cpu *t);
/* An NMI reached this CPU (in its guest or in pxHV): stop, a kick, or the
 * guest's, delivered when it can take it. */
void core_nmi(struct cpu *c);

#endif
