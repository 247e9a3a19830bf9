/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim xenstored: message framing and dispatch.
 *
 * Bytes from a client (a socket, or the fuzzer) go through
 * wire_feed, a two-state parser: a 16-byte xsd_sockmsg header, then
 * its payload.  A header announcing more than XENSTORE_PAYLOAD_MAX
 * bytes is a protocol violation: the caller drops that connection
 * (as Xen ignores a ring that does it); nothing else a client sends
 * ends its connection.  A complete message goes to wire_dispatch,
 * which looks the type up in one table {type, name, handler, flags}
 * and does the checks common to all requests before the handler
 * runs: unknown or reply-only types get ENOSYS, privileged requests
 * from guests get EACCES, and a transaction id must name one of the
 * connection's open transactions (ENOENT) except for WATCH/UNWATCH,
 * which ignore it.  Errors go back as XS_ERROR carrying the errno's
 * name; replies echo the request's req_id and tx_id.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"

#define OP_PRIV  0x1u /* control domain only */
#define OP_NOTID 0x2u /* transaction id ignored */

struct wire_op {
    uint32_t type;
    const char *name;
    store_op_fn *fn;
    unsigned flags;
};

static const struct wire_op wire_ops[XS_TYPE_COUNT] = {
    [XS_CONTROL] = {XS_CONTROL, "CONTROL", op_control, OP_PRIV},
    [XS_DIRECTORY] = {XS_DIRECTORY, "DIRECTORY", op_directory, 0},
    [XS_READ] = {XS_READ, "READ", op_read, 0},
    [XS_GET_PERMS] = {XS_GET_PERMS, "GET_PERMS", op_get_perms, 0},
    [XS_WATCH] = {XS_WATCH, "WATCH", op_watch, OP_NOTID},
    [XS_UNWATCH] = {XS_UNWATCH, "UNWATCH", op_unwatch, OP_NOTID},
    [XS_TRANSACTION_START] = {XS_TRANSACTION_START, "TRANSACTION_START",
                              op_transaction_start, 0},
    [XS_TRANSACTION_END] = {XS_TRANSACTION_END, "TRANSACTION_END",
                            op_transaction_end, 0},
    [XS_INTRODUCE] = {XS_INTRODUCE, "INTRODUCE", op_introduce, OP_PRIV},
    [XS_RELEASE] = {XS_RELEASE, "RELEASE", op_release, OP_PRIV},
    [XS_GET_DOMAIN_PATH] = {XS_GET_DOMAIN_PATH, "GET_DOMAIN_PATH",
                            op_get_domain_path, 0},
    [XS_WRITE] = {XS_WRITE, "WRITE", op_write, 0},
    [XS_MKDIR] = {XS_MKDIR, "MKDIR", op_mkdir, 0},
    [XS_RM] = {XS_RM, "RM", op_rm, 0},
    [XS_SET_PERMS] = {XS_SET_PERMS, "SET_PERMS", op_set_perms, 0},
    [XS_WATCH_EVENT] = {XS_WATCH_EVENT, "WATCH_EVENT", NULL, 0},
    [XS_ERROR] = {XS_ERROR, "ERROR", NULL, 0},
    [XS_IS_DOMAIN_INTRODUCED] = {XS_IS_DOMAIN_INTRODUCED,
                                 "IS_DOMAIN_INTRODUCED",
                                 op_is_domain_introduced, OP_PRIV},
    [XS_RESUME] = {XS_RESUME, "RESUME", op_resume, OP_PRIV},
    [XS_SET_TARGET] = {XS_SET_TARGET, "SET_TARGET", op_set_target, OP_PRIV},
    [XS_RESET_WATCHES] = {XS_RESET_WATCHES, "RESET_WATCHES", op_reset_watches,
                          0},
    [XS_DIRECTORY_PART] = {XS_DIRECTORY_PART, "DIRECTORY_PART",
                           op_directory_part, 0},
};

static struct outmsg *wire_msg(uint32_t type, uint32_t req_id, uint32_t tx_id,
                               const void *a, size_t alen, const void *b,
                               size_t blen)
{
    struct xsd_sockmsg h = {type, req_id, tx_id, (uint32_t)(alen + blen)};
    struct outmsg *m = malloc(sizeof(*m) + sizeof(h) + alen + blen);

    if (m == NULL) {
        return NULL;
    }
    m->next = NULL;
    m->off = 0;
    m->event = type == XS_WATCH_EVENT;
    m->len = sizeof(h) + alen + blen;
    memcpy(m->buf, &h, sizeof(h));
    if (alen) {
        memcpy(m->buf + sizeof(h), a, alen);
    }
    if (blen) {
        memcpy(m->buf + sizeof(h) + alen, b, blen);
    }
    return m;
}

int wire_reply(struct sconn *c, uint32_t type, const void *data, size_t len)
{
    struct outmsg *m;

    if (len > XENSTORE_PAYLOAD_MAX) {
        return wire_error(c, -E2BIG);
    }
    m = wire_msg(type, c->msg.req_id, c->msg.tx_id, data, len, NULL, 0);
    if (m == NULL) {
        return -ENOMEM;
    }
    c->out_replies++;
    return conn_queue(c, m);
}

int wire_error(struct sconn *c, int err)
{
    size_t i, n = sizeof(xsd_errors) / sizeof(xsd_errors[0]);
    const char *name = xsd_errors[0].errstring;

    for (i = 0; i < n; i++) {
        if (xsd_errors[i].errnum == -err) {
            name = xsd_errors[i].errstring;
            break;
        }
    }
    return wire_reply(c, XS_ERROR, name, strlen(name) + 1);
}

/* Xen's send_event: too long is dropped, a still-queued twin is not repeated.
 */
void wire_event(struct sconn *c, const char *path, const char *token)
{
    size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
    struct outmsg *m, *q;

    if (c->dead || pl + tl > XENSTORE_PAYLOAD_MAX) {
        return;
    }
    m = wire_msg(XS_WATCH_EVENT, 0, 0, path, pl, token, tl);
    if (m == NULL) {
        return;
    }
    for (q = c->out; path[0] != '@' && q != NULL; q = q->next) {
        if (q->event && q->off == 0 && q->len == m->len &&
            memcmp(q->buf, m->buf, m->len) == 0) {
            free(m);
            return;
        }
    }
    conn_queue(c, m);
}

void wire_dispatch(struct sconn *c)
{
    const struct wire_op *op = NULL;
    struct store *st = c->st;
    int rc;

    if (c->msg.type < XS_TYPE_COUNT) {
        op = &wire_ops[c->msg.type];
    }
    c->body[c->msg.len] = '\0';
    c->cur = NULL;
    if (op == NULL || op->fn == NULL) {
        rc = -ENOSYS;
    } else if ((op->flags & OP_PRIV) && conn_unprivileged(c)) {
        rc = -EACCES;
    } else if (!(op->flags & OP_NOTID) && c->msg.tx_id != 0 &&
               (c->cur = txn_lookup(c, c->msg.tx_id)) == NULL) {
        rc = -ENOENT;
    } else {
        rc = op->fn(st, c, c->body, c->msg.len);
    }
    c->cur = NULL;
    if (rc < 0 && !c->dead) {
        wire_error(c, rc);
    }
}

int wire_feed(struct sconn *c, const uint8_t *data, size_t len, size_t *used)
{
    size_t off = 0;

    while (off < len && !c->dead) {
        size_t want, take;

        if (!c->in_body) {
            want = sizeof(c->hdr) - c->hdr_used;
            take = len - off < want ? len - off : want;
            memcpy(c->hdr + c->hdr_used, data + off, take);
            c->hdr_used += (uint32_t)take;
            off += take;
            if (c->hdr_used < sizeof(c->hdr)) {
                break;
            }
            memcpy(&c->msg, c->hdr, sizeof(c->msg));
            if (c->msg.len > XENSTORE_PAYLOAD_MAX) {
                *used = off;
                return -EPROTO;
            }
            c->in_body = true;
            c->body_used = 0;
        }
        want = c->msg.len - c->body_used;
        take = len - off < want ? len - off : want;
        memcpy(c->body + c->body_used, data + off, take);
        c->body_used += (uint32_t)take;
        off += take;
        if (c->body_used == c->msg.len) {
            c->in_body = false;
            c->hdr_used = 0;
            wire_dispatch(c);
        }
    }
    *used = off;
    return 0;
}
