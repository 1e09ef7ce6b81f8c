/*
 * A tiny assertion framework for the host unit tests.  One test binary per
 * file; each ends with `return unit_done("name");`, which prints
 * "unit: <name>: N checks, M failed" and gives a non-zero exit on failure.
 * Include the libc headers before any project header.
 */
#ifndef PXHV_UNIT_H
#define PXHV_UNIT_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long unit_checks, unit_failed;

#define CHECK(cond)                                                        \
    do {                                                                   \
        unit_checks++;                                                     \
        if (!(cond)) {                                                     \
            unit_failed++;                                                 \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__,         \
                    __LINE__, #cond);                                      \
        }                                                                  \
    } while (0)

/* Compares as unsigned 64-bit values and prints both in hex and decimal. */
#define CHECK_EQ(a, b)                                                     \
    do {                                                                   \
        unsigned long long unit_a_ = (unsigned long long)(a);              \
        unsigned long long unit_b_ = (unsigned long long)(b);              \
        unit_checks++;                                                     \
        if (unit_a_ != unit_b_) {                                          \
            unit_failed++;                                                 \
            fprintf(stderr,                                                \
                    "%s:%d: CHECK_EQ(%s, %s) failed: 0x%llx (%llu) != "   \
                    "0x%llx (%llu)\n",                                     \
                    __FILE__, __LINE__, #a, #b, unit_a_, unit_a_, unit_b_, \
                    unit_b_);                                              \
        }                                                                  \
    } while (0)

/* Report and exit status; `name` is the test binary's subject. */
static inline int unit_done(const char *name)
{
    printf("unit: %s: %lu checks, %lu failed\n", name, unit_checks, unit_failed);
    return unit_failed ? 1 : 0;
}

#endif
