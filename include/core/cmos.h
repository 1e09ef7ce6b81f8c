/* The CMOS/RTC ports, shared by every CPU (core/cmos.c). */
#ifndef PXHV_CMOS_H
#define PXHV_CMOS_H
#include "lib/types.h"
#include "core/cpu.h"

#define CMOS_PORTS 6                  /* 0x70-0x75: three index/data pairs */

bool cmos_port(u16 port);
void cmos_intercepts(u16 ports[CMOS_PORTS]);   /* every one exits at first */
void cmos_start(void);                /* before the guest runs              */
void cmos_out(struct cpu *c, u16 port, u8 v);  /* a byte the guest writes   */
u8   cmos_in(struct cpu *c, u16 port);
void cmos_serve(struct cpu *c);       /* give up what other CPUs asked for  */
void cmos_release(struct cpu *c);     /* this CPU holds no bank afterwards  */

#endif
