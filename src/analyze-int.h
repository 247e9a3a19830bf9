/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal to the stream walker (analyze.c, analyze-body.c): the walk
 * state and the body decoder.  Not for other modules.
 */
#ifndef XENDM_ANALYZE_INT_H
#define XENDM_ANALYZE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze.h"

struct walk {
    struct cursor c;
    size_t budget;      /* values left to decode */
    char *err;
    size_t errlen;
    bool failed;
};

/* Records "offset 0x...: reason" (the first failure only); -EINVAL. */
int walk_fail(struct walk *w, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* -EINVAL (with a message) unless n more bytes are there. */
int walk_need(struct walk *w, size_t n, const char *what);

/*
 * Decodes the fields of `l` at `version` into `obj`, then its
 * subsections into `subs` (QEMU's prefix rule).
 */
int walk_body(struct walk *w, const struct layout_vmsd *l, int64_t version,
              struct json *obj, struct json *subs, int depth);

#endif
