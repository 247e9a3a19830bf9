/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging to stderr with a program-name prefix.  Single-threaded use
 * is assumed except for log_warn/log_warnx, which only format into a
 * stack buffer and issue one write(2), so lines from the I/O threads
 * do not interleave mid-line.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

static const char *log_prog = "xendm";
static enum log_level log_level = LOG_LEVEL_WARN;

void log_init(const char *prog, enum log_level level)
{
    if (prog != NULL) {
        const char *slash = strrchr(prog, '/');
        log_prog = slash != NULL ? slash + 1 : prog;
    }
    log_level = level;
}

enum log_level log_get_level(void)
{
    return log_level;
}

static void log_vemit(const char *err, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void log_vemit(const char *err, const char *fmt, va_list ap)
{
    char line[1024];
    int n = snprintf(line, sizeof(line), "%s: ", log_prog);
    size_t len;

    if (n < 0) {
        return;
    }
    len = (size_t)n;
    n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
    if (n > 0) {
        len += (size_t)n;
    }
    if (len >= sizeof(line) - 1) {
        len = sizeof(line) - 2;
    }
    if (err != NULL) {
        n = snprintf(line + len, sizeof(line) - len, ": %s", err);
        if (n > 0) {
            len += (size_t)n;
        }
        if (len >= sizeof(line) - 1) {
            len = sizeof(line) - 2;
        }
    }
    line[len++] = '\n';
    /* One write: a partial or failed write to stderr cannot be reported. */
    if (write(STDERR_FILENO, line, len) < 0) {
        return;
    }
}

int log_reason(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

void log_warn(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;

    va_start(ap, fmt);
    log_vemit(strerror(saved), fmt, ap);
    va_end(ap);
    errno = saved;
}

void log_warnx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vemit(NULL, fmt, ap);
    va_end(ap);
}

void log_info(const char *fmt, ...)
{
    va_list ap;

    if (log_level < LOG_LEVEL_INFO) {
        return;
    }
    va_start(ap, fmt);
    log_vemit(NULL, fmt, ap);
    va_end(ap);
}

void log_debug(const char *fmt, ...)
{
    va_list ap;

    if (log_level < LOG_LEVEL_DEBUG) {
        return;
    }
    va_start(ap, fmt);
    log_vemit(NULL, fmt, ap);
    va_end(ap);
}

void fatal(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;

    va_start(ap, fmt);
    log_vemit(strerror(saved), fmt, ap);
    va_end(ap);
    exit(1);
}

void fatalx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vemit(NULL, fmt, ap);
    va_end(ap);
    exit(1);
}

bool ratelimit_allow(struct ratelimit *rl, uint64_t now_ns)
{
    if (now_ns - rl->window_start >= rl->period_ns) {
        rl->window_start = now_ns;
        rl->used = 0;
    }
    if (rl->used < rl->burst) {
        rl->used++;
        return true;
    }
    rl->suppressed++;
    return false;
}

void log_ratelimited(struct ratelimit *rl, const char *fmt, ...)
{
    va_list ap;

    if (!ratelimit_allow(rl, loop_now_ns())) {
        return;
    }
    if (rl->suppressed != 0) {
        log_warnx("(%llu similar messages suppressed)",
                  (unsigned long long)rl->suppressed);
        rl->suppressed = 0;
    }
    va_start(ap, fmt);
    log_vemit(NULL, fmt, ap);
    va_end(ap);
}
