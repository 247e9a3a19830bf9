/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Splits a QMP client's byte stream into JSON messages the way QEMU's
 * json-streamer does: brackets are counted outside strings, so CRLF,
 * no separator, or a message split over reads all work.  A message
 * longer than max_len or nested deeper than max_depth is not stored:
 * the rest of it is skipped (brackets still counted) and reported
 * once, so the connection stays usable.  Memory held is bounded by
 * max_len.
 */
#ifndef XENDM_QMP_STREAM_H
#define XENDM_QMP_STREAM_H

#include <stdbool.h>
#include <stddef.h>

enum qmp_stream_result {
    QMP_STREAM_MORE,        /* the byte was taken, no message yet */
    QMP_STREAM_MESSAGE,     /* s->msg[0..s->len) is one message */
    QMP_STREAM_TOO_LARGE,   /* a message over max_len ended (skipped) */
    QMP_STREAM_TOO_DEEP,    /* a message over max_depth ended (skipped) */
};

struct qmp_stream {
    size_t max_len;
    long max_depth;
    char *msg;
    size_t len, cap;
    bool in_msg, in_str, esc, scalar;
    long depth;
    enum qmp_stream_result skip;   /* MORE when not skipping */
};

void qmp_stream_init(struct qmp_stream *s, size_t max_len, long max_depth);
/* Feeds one byte.  After MESSAGE/TOO_*, call qmp_stream_next. */
enum qmp_stream_result qmp_stream_byte(struct qmp_stream *s, char c);
/* Forgets the finished message (keeps a small buffer). */
void qmp_stream_next(struct qmp_stream *s);
void qmp_stream_free(struct qmp_stream *s);

#endif
