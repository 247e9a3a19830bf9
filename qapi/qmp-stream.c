/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The QMP byte-stream splitter (see qmp-stream.h).  Input is a hostile
 * client's: every byte is accounted for, the buffer never grows past
 * max_len, and an allocation failure turns into a skipped message.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "qmp-stream.h"

#define QMP_STREAM_KEEP 65536   /* buffer kept between messages */

void qmp_stream_init(struct qmp_stream *s, size_t max_len, long max_depth)
{
    memset(s, 0, sizeof(*s));
    s->max_len = max_len;
    s->max_depth = max_depth;
    s->skip = QMP_STREAM_MORE;
}

void qmp_stream_free(struct qmp_stream *s)
{
    free(s->msg);
    s->msg = NULL;
    s->len = s->cap = 0;
}

void qmp_stream_next(struct qmp_stream *s)
{
    s->len = 0;
    s->in_msg = false;
    s->skip = QMP_STREAM_MORE;
    if (s->cap > QMP_STREAM_KEEP) {
        qmp_stream_free(s);
    }
}

static void qmp_stream_store(struct qmp_stream *s, char c)
{
    if (s->skip != QMP_STREAM_MORE) {
        return;
    }
    if (s->len >= s->max_len) {
        s->skip = QMP_STREAM_TOO_LARGE;
        qmp_stream_free(s);
        return;
    }
    if (s->len == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        char *p;

        if (cap > s->max_len) {
            cap = s->max_len;
        }
        p = realloc(s->msg, cap);
        if (p == NULL) {
            s->skip = QMP_STREAM_TOO_LARGE;
            qmp_stream_free(s);
            return;
        }
        s->msg = p;
        s->cap = cap;
    }
    s->msg[s->len++] = c;
}

static enum qmp_stream_result qmp_stream_end(struct qmp_stream *s)
{
    return s->skip != QMP_STREAM_MORE ? s->skip : QMP_STREAM_MESSAGE;
}

enum qmp_stream_result qmp_stream_byte(struct qmp_stream *s, char c)
{
    bool ws = c == ' ' || c == '\t' || c == '\r' || c == '\n';

    if (!s->in_msg) {
        if (ws) {
            return QMP_STREAM_MORE;
        }
        s->in_msg = true;
        s->in_str = s->esc = false;
        s->depth = 0;
        s->scalar = c != '{' && c != '[';
    }
    /* A top-level scalar ends at whitespace (not part of it). */
    if (s->scalar && !s->in_str && ws) {
        return qmp_stream_end(s);
    }
    qmp_stream_store(s, c);
    if (s->in_str) {
        if (s->esc) {
            s->esc = false;
        } else if (c == '\\') {
            s->esc = true;
        } else if (c == '"') {
            s->in_str = false;
            if (s->scalar && s->depth == 0) {
                return qmp_stream_end(s);
            }
        }
        return QMP_STREAM_MORE;
    }
    switch (c) {
    case '"':
        s->in_str = true;
        return QMP_STREAM_MORE;
    case '{':
    case '[':
        if (++s->depth > s->max_depth && s->skip == QMP_STREAM_MORE) {
            s->skip = QMP_STREAM_TOO_DEEP;
            qmp_stream_free(s);
        }
        return QMP_STREAM_MORE;
    case '}':
    case ']':
        return --s->depth <= 0 ? qmp_stream_end(s) : QMP_STREAM_MORE;
    default:
        return QMP_STREAM_MORE;
    }
}
