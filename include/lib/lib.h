#ifndef PXHV_LIB_H
#define PXHV_LIB_H
#include "lib/types.h"
#include <stdarg.h>

void *memset(void *d, int c, usize n);
void *memcpy(void *d, const void *s, usize n);
int   memcmp(const void *a, const void *b, usize n);
usize strlen(const char *s);

/* Name tables without pointers (a pointer costs a run-time relocation): the
 * strings of a table one after another, each ending in NUL.  Returns the
 * n-th string, or `dflt` past the last. */
const char *str_nth(const char *blob, usize blob_size, u32 n, const char *dflt);

/* printf subset: %d %i %u %x %X %p %s %c %%, flags '-' '0', width,
 * precision for %s, length modifiers hh h l ll z.  Always NUL-terminates
 * (when size > 0) and returns the length the full output would have. */
int vsnprintf(char *buf, usize size, const char *fmt, va_list ap);
int snprintf(char *buf, usize size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
