/* Fixed-width types for freestanding stage 3 code (no libc headers). */
#ifndef PXHV_TYPES_H
#define PXHV_TYPES_H

typedef unsigned char      u8;
typedef unsigned short     u16;
typedef unsigned int       u32;
typedef unsigned long long u64;
typedef signed char        s8;
typedef signed short       s16;
typedef signed int         s32;
typedef signed long long   s64;
typedef unsigned long      usize;
typedef long               ssize;
typedef _Bool              bool;

#define true  1
#define false 0
#ifndef NULL
#define NULL ((void *)0)
#endif

#define PACKED    __attribute__((packed))
#define NORETURN  __attribute__((noreturn))
/* A path the exit path takes rarely (a report, a failure): kept out of line so
 * that its registers and stack frame are not paid on every exit. */
#define COLD      __attribute__((cold, noinline))
/* Out of line but not cold: a path whose registers and stack frame the
 * caller's other paths should not pay. */
#define NOINLINE  __attribute__((noinline))
#define ALIGNED(n) __attribute__((aligned(n)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(n) (1ULL << (n))

#define STATIC_ASSERT(c, msg) _Static_assert(c, msg)
#ifndef offsetof
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif

#endif
