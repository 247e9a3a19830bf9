/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal TAP producer for unit tests, read by automake's
 * tap-driver.  Each check prints one "ok"/"not ok" line; the plan is
 * printed at the end, and the exit status is 1 if any check failed.
 */
#ifndef XENDM_TAP_H
#define XENDM_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n;
static int tap_failed;

static inline int tap_ok(int cond, const char *file, int line,
                         const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#include <stdarg.h>

static inline int tap_ok(int cond, const char *file, int line,
                         const char *fmt, ...)
{
    va_list ap;

    tap_n++;
    printf("%sok %d - ", cond ? "" : "not ", tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!cond) {
        tap_failed++;
        printf("#   failed at %s:%d\n", file, line);
    }
    fflush(stdout);
    return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)                                               \
    do {                                                                     \
        long long g_ = (long long)(got), w_ = (long long)(want);             \
        if (!ok(g_ == w_, __VA_ARGS__)) {                                    \
            printf("#   got %lld, want %lld\n", g_, w_);                     \
        }                                                                    \
    } while (0)
#define is_mem(got, want, n, ...)                                            \
    do {                                                                     \
        const unsigned char *g_ = (const void *)(got);                       \
        const unsigned char *w_ = (const void *)(want);                      \
        size_t n_ = (n), i_;                                                 \
        if (!ok(memcmp(g_, w_, n_) == 0, __VA_ARGS__)) {                     \
            for (i_ = 0; i_ < n_ && g_[i_] == w_[i_]; i_++) {                \
            }                                                                \
            printf("#   first difference at byte %zu\n", i_);               \
        }                                                                    \
    } while (0)

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif
