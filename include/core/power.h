/* Ending a run: power-off, reset, halt (core/power.c). */
#ifndef PXHV_POWER_H
#define PXHV_POWER_H
#include "lib/types.h"

NORETURN void machine_poweroff(void);
NORETURN void machine_reset(void);
NORETURN void machine_halt(void);
/* End of the run: print why, then power off (or halt with CFG_FLAG_NO_POWEROFF). */
NORETURN void hv_stop(const char *why);

#endif
