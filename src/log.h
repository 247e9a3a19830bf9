/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging, in OpenBSD vmd's shape: log_warn adds strerror(errno),
 * log_warnx does not; fatal/fatalx log and exit(1).  Messages go to
 * stderr (libxl redirects the device model's stderr to
 * /var/log/xen/qemu-dm-<name>.log).  Guest-triggered messages must go
 * through a struct ratelimit so a guest cannot flood the log.
 */
#ifndef XENDM_LOG_H
#define XENDM_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level {
    LOG_LEVEL_WARN = 0,
    LOG_LEVEL_INFO = 1,
    LOG_LEVEL_DEBUG = 2,
};

/* Set the program name shown before every line and the verbosity. */
void log_init(const char *prog, enum log_level level);
enum log_level log_get_level(void);

/*
 * Writes a refusal's reason into the caller's buffer (nothing when err
 * is NULL or errlen 0) and returns -EINVAL, for parsers that report to
 * their caller rather than to the log.
 */
int log_reason(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/*
 * A token bucket per source of guest-triggered messages: at most
 * `burst` messages per `period_ns`; the number suppressed is reported
 * with the next message let through.
 */
struct ratelimit {
    uint64_t period_ns;
    uint32_t burst;
    uint32_t used;
    uint64_t window_start;
    uint64_t suppressed;
};

#define RATELIMIT_INIT(period_ms, burst_)                                    \
    { .period_ns = (uint64_t)(period_ms)*1000000ull, .burst = (burst_) }

/* True if a message may be logged now; counts it either way. */
bool ratelimit_allow(struct ratelimit *rl, uint64_t now_ns);

/* log_warnx through a rate limit. */
void log_ratelimited(struct ratelimit *rl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
