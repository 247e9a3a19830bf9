/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The QMP server (see qmp.h).  Trusts nothing a client sends.
 *
 * Theory of operation.  Each monitor owns at most one client fd,
 * handed over by its chardev on accept and handed back (which
 * re-arms the listener) on close.  Input is read with recvmsg so an
 * fd passed with SCM_RIGHTS is caught with the bytes it rode on; the
 * fd is remembered with the stream position of those bytes and only
 * a command whose text reaches that position may take it (libxl
 * attaches it to the first byte of the command that needs it).  A
 * small streamer splits the byte stream into JSON messages the way
 * QEMU's json-streamer does, by counting brackets outside strings, so
 * CRLF, no separator at all, or messages split over reads all work
 * (qmp-stream.c).  A message longer than QMP_MAX_MESSAGE or nested
 * deeper than QMP_MAX_NESTING is skipped and answered with one error;
 * the connection stays usable.  Replies and events are queued; while more
 * than QMP_READ_PAUSE is queued the client's input is not read (as
 * QEMU suspends a monitor with pending replies), and a client that
 * lets more than QMP_MAX_OUTPUT pile up (events it never reads) is
 * dropped.  Nothing here ever blocks.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "chardev.h"
#include "fdset.h"
#include "json.h"
#include "log.h"
#include "qmp-stream.h"
#include "qmp.h"
#include "xendm.h"

struct monitor {
    struct xendm *x;
    struct chardev *cd;
    int fd;
    bool negotiated;
    unsigned events;          /* what the loop watches for */

    struct qmp_stream in;
    uint64_t pos;             /* bytes consumed from this client */

    int pending_fd;
    uint64_t pending_fd_pos;

    /* output queue */
    char *out;
    size_t out_len, out_off;
};

static void monitor_update_events(struct monitor *m);

static const char *const qmp_class_names[] = {
    [QMP_ERR_GENERIC] = "GenericError",
    [QMP_ERR_COMMAND_NOT_FOUND] = "CommandNotFound",
    [QMP_ERR_DEVICE_NOT_ACTIVE] = "DeviceNotActive",
    [QMP_ERR_DEVICE_NOT_FOUND] = "DeviceNotFound",
};

struct json *qmp_error_reply(enum qmp_error_class cls, const char *desc,
                             const struct json *id)
{
    struct json *r = json_new_object(), *e = json_new_object();

    json_object_set(e, "class", json_new_string(qmp_class_names[cls]));
    json_object_set(e, "desc", json_new_string(desc));
    json_object_set(r, "error", e);
    if (id != NULL) {
        json_object_set(r, "id", json_copy(id));
    }
    return r;
}

void qmp_return(struct qmp_req *r, struct json *ret)
{
    json_free(r->reply);
    r->reply = json_new_object();
    json_object_set(r->reply, "return",
                    ret != NULL ? ret : json_new_object());
}

void qmp_return_empty(struct qmp_req *r)
{
    qmp_return(r, json_new_object());
}

void qmp_error(struct qmp_req *r, enum qmp_error_class cls, const char *fmt,
               ...)
{
    char desc[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(desc, sizeof(desc), fmt, ap);
    va_end(ap);
    json_free(r->reply);
    r->reply = qmp_error_reply(cls, desc, NULL);
}

int qmp_take_fd(struct qmp_req *r)
{
    int fd = -1;

    if (r->fd != NULL) {
        fd = *r->fd;
        *r->fd = -1;
    }
    return fd;
}

/* QEMU's qmp_dispatch_check_obj: the request's own members. */
static int qmp_check_request(const struct json *req, const char **name,
                             const struct json **args, char *err,
                             size_t errlen)
{
    size_t i;

    *name = NULL;
    *args = NULL;
    for (i = 0; i < req->u.obj.n; i++) {
        const char *k = req->u.obj.m[i].key;
        const struct json *v = req->u.obj.m[i].val;

        if (strcmp(k, "execute") == 0) {
            if (v->type != JSON_STRING) {
                snprintf(err, errlen,
                         "QMP input member 'execute' must be a string");
                return -EINVAL;
            }
            *name = v->u.str.s;
        } else if (strcmp(k, "arguments") == 0) {
            if (v->type != JSON_OBJECT) {
                snprintf(err, errlen,
                         "QMP input member 'arguments' must be an object");
                return -EINVAL;
            }
            *args = v;
        } else if (strcmp(k, "id") != 0) {
            snprintf(err, errlen, "QMP input member '%.64s' is unexpected",
                     k);
            return -EINVAL;
        }
    }
    if (*name == NULL) {
        snprintf(err, errlen, "QMP input lacks member 'execute'");
        return -EINVAL;
    }
    return 0;
}

static struct json *qmp_run(struct xendm *x, struct monitor *mon,
                            const char *name, const struct json *args,
                            bool *negotiated, int *fd)
{
    struct json *empty = NULL;
    struct qmp_req r = {.x = x, .mon = mon, .fd = fd};
    const struct qmp_command *cmd = qmp_command_find(name);
    bool caps = strcmp(name, "qmp_capabilities") == 0;

    if (!*negotiated && !caps) {
        return qmp_error_reply(QMP_ERR_COMMAND_NOT_FOUND,
                               "Expecting capabilities negotiation with "
                               "'qmp_capabilities'", NULL);
    }
    if (*negotiated && caps) {
        return qmp_error_reply(QMP_ERR_COMMAND_NOT_FOUND,
                               "Capabilities negotiation is already "
                               "complete, command ignored", NULL);
    }
    if (cmd == NULL) {
        char desc[160];

        snprintf(desc, sizeof(desc), "The command %.100s has not been found",
                 name);
        return qmp_error_reply(QMP_ERR_COMMAND_NOT_FOUND, desc, NULL);
    }
    if (args == NULL) {
        args = empty = json_new_object();
    }
    r.args = args;
    if (args != NULL && qmp_command_check_args(cmd, &r) == 0) {
        qmp_command_run(cmd, &r);
    }
    json_free(empty);
    if (r.reply == NULL) {
        r.reply = qmp_error_reply(QMP_ERR_GENERIC, "Out of memory", NULL);
    }
    if (caps && json_get(r.reply, "return") != NULL) {
        *negotiated = true;
    }
    return r.reply;
}

/* An id we echo must be encodable: no infinite or NaN numbers. */
static bool qmp_json_finite(const struct json *j, unsigned depth)
{
    size_t i;

    if (depth > QMP_MAX_NESTING) {
        return false;
    }
    switch (j->type) {
    case JSON_DOUBLE:
        return isfinite(j->u.d);
    case JSON_ARRAY:
        for (i = 0; i < j->u.arr.n; i++) {
            if (!qmp_json_finite(j->u.arr.items[i], depth + 1)) {
                return false;
            }
        }
        return true;
    case JSON_OBJECT:
        for (i = 0; i < j->u.obj.n; i++) {
            if (!qmp_json_finite(j->u.obj.m[i].val, depth + 1)) {
                return false;
            }
        }
        return true;
    default:
        return true;
    }
}

struct json *qmp_dispatch(struct xendm *x, struct monitor *mon,
                          const char *msg, size_t len, bool *negotiated,
                          int *fd)
{
    struct json_limits lim = {.max_depth = QMP_MAX_NESTING,
                              .max_bytes = QMP_MAX_MESSAGE};
    char perr[200], err[240];
    struct json *req, *reply;
    const struct json *args, *id;
    const char *name;

    req = json_parse(msg, len, &lim, perr, sizeof(perr));
    if (req == NULL) {
        snprintf(err, sizeof(err), "JSON parse error, %s", perr);
        return qmp_error_reply(QMP_ERR_GENERIC, err, NULL);
    }
    if (req->type != JSON_OBJECT) {
        json_free(req);
        return qmp_error_reply(QMP_ERR_GENERIC,
                               "QMP input must be a JSON object", NULL);
    }
    id = json_get(req, "id");
    if (id != NULL && !qmp_json_finite(id, 0)) {
        json_free(req);
        return qmp_error_reply(QMP_ERR_GENERIC,
                               "JSON parse error, number out of range", NULL);
    }
    if (qmp_check_request(req, &name, &args, err, sizeof(err)) < 0) {
        reply = qmp_error_reply(QMP_ERR_GENERIC, err, id);
    } else {
        reply = qmp_run(x, mon, name, args, negotiated, fd);
        if (reply != NULL && id != NULL) {
            json_object_set(reply, "id", json_copy(id));
        }
    }
    json_free(req);
    return reply;
}

/* ---- the client connection ---- */

static void monitor_drop(struct monitor *m)
{
    if (m->fd < 0) {
        return;
    }
    loop_fd_del(m->x->loop, m->fd);
    close(m->fd);
    m->fd = -1;
    if (m->pending_fd >= 0) {
        close(m->pending_fd);
        m->pending_fd = -1;
    }
    qmp_stream_free(&m->in);
    qmp_stream_init(&m->in, QMP_MAX_MESSAGE, QMP_MAX_NESTING);
    free(m->out);
    m->out = NULL;
    m->out_len = m->out_off = 0;
    m->negotiated = false;
    m->events = 0;
    chardev_client_done(m->cd);
    if (monitor_clients(m->x) == 0) {
        fdsets_monitors_gone(m->x->fdsets);
    }
}

static void monitor_flush(struct monitor *m)
{
    while (m->fd >= 0 && m->out_off < m->out_len) {
        ssize_t n = send(m->fd, m->out + m->out_off, m->out_len - m->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            break;
        }
        if (n <= 0) {
            monitor_drop(m);
            return;
        }
        m->out_off += (size_t)n;
    }
    if (m->out_off == m->out_len) {
        m->out_off = m->out_len = 0;
    }
}

/* Queues text + CRLF; drops a client that lets too much pile up. */
static int monitor_queue(struct monitor *m, const char *s, size_t len)
{
    size_t need;
    char *p;

    if (m->fd < 0) {
        return -EPIPE;
    }
    if (m->out_off > 0) {
        memmove(m->out, m->out + m->out_off, m->out_len - m->out_off);
        m->out_len -= m->out_off;
        m->out_off = 0;
    }
    need = m->out_len + len + 2;
    if (need > QMP_MAX_OUTPUT) {
        log_warnx("QMP %s: client does not read its replies; dropped",
                  chardev_id(m->cd));
        monitor_drop(m);
        return -ENOBUFS;
    }
    p = realloc(m->out, need);
    if (p == NULL) {
        monitor_drop(m);
        return -ENOMEM;
    }
    m->out = p;
    memcpy(m->out + m->out_len, s, len);
    memcpy(m->out + m->out_len + len, "\r\n", 2);
    m->out_len = need;
    return 0;
}

static int monitor_send(struct monitor *m, const struct json *j)
{
    size_t len;
    char *s = json_to_string(j, false, &len);
    int rc;

    if (s == NULL) {
        return -ENOMEM;
    }
    rc = monitor_queue(m, s, len);
    free(s);
    return rc;
}

static void monitor_greet(struct monitor *m)
{
    struct json *g = json_new_object(), *q = json_new_object();
    struct json *v = json_new_object(), *qemu = json_new_object();

    json_object_set(qemu, "micro", json_new_int(QMP_QEMU_MICRO));
    json_object_set(qemu, "minor", json_new_int(QMP_QEMU_MINOR));
    json_object_set(qemu, "major", json_new_int(QMP_QEMU_MAJOR));
    json_object_set(v, "qemu", qemu);
    json_object_set(v, "package", json_new_string("xendm-" PACKAGE_VERSION));
    json_object_set(q, "version", v);
    json_object_set(q, "capabilities", json_new_array());
    json_object_set(g, "QMP", q);
    monitor_send(m, g);
    json_free(g);
}

static void monitor_message(struct monitor *m, enum qmp_stream_result res)
{
    struct json *reply;
    int fd = -1;
    int *fdp = NULL;

    if (res != QMP_STREAM_MESSAGE) {
        reply = qmp_error_reply(QMP_ERR_GENERIC,
                                res == QMP_STREAM_TOO_LARGE
                                    ? "JSON token size limit exceeded"
                                    : "JSON nesting depth limit exceeded",
                                NULL);
    } else {
        if (m->pending_fd >= 0 && m->pending_fd_pos < m->pos) {
            fd = m->pending_fd;
            m->pending_fd = -1;
            fdp = &fd;
        }
        reply = qmp_dispatch(m->x, m, m->in.msg, m->in.len, &m->negotiated,
                             fdp);
        if (fd >= 0) {
            close(fd);   /* passed with a command that did not take it */
        }
    }
    if (m->fd >= 0) {
        qmp_stream_next(&m->in);
    }
    if (reply != NULL) {
        monitor_send(m, reply);
        json_free(reply);
    }
}

static void monitor_input(struct monitor *m, const char *buf, size_t n)
{
    size_t i;

    for (i = 0; i < n && m->fd >= 0 && !m->x->quit_requested; i++) {
        enum qmp_stream_result res;

        m->pos++;
        res = qmp_stream_byte(&m->in, buf[i]);
        if (res != QMP_STREAM_MORE) {
            monitor_message(m, res);
        }
    }
}

static void monitor_take_cmsg(struct monitor *m, struct msghdr *mh)
{
    struct cmsghdr *c;

    for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
        size_t i, nfds;
        int fd;

        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (i = 0; i < nfds; i++) {
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            /* As QEMU: a newer fd replaces one no command took. */
            if (m->pending_fd >= 0) {
                close(m->pending_fd);
            }
            m->pending_fd = fd;
            m->pending_fd_pos = m->pos;
        }
    }
}

static void monitor_read(struct monitor *m)
{
    char buf[16384];
    union {
        char b[CMSG_SPACE(16 * sizeof(int))];
        struct cmsghdr align;
    } cbuf;
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1,
                        .msg_control = cbuf.b,
                        .msg_controllen = sizeof(cbuf.b)};
    ssize_t n = recvmsg(m->fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);

    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (n > 0 || mh.msg_controllen > 0) {
        monitor_take_cmsg(m, &mh);
    }
    if (n <= 0) {
        monitor_drop(m);
        return;
    }
    monitor_input(m, buf, (size_t)n);
}

static void monitor_io(struct loop *loop, int fd, unsigned events,
                       void *opaque)
{
    struct monitor *m = opaque;

    if ((events & LOOP_WRITE) && m->fd >= 0) {
        monitor_flush(m);
    }
    if ((events & (LOOP_READ | LOOP_HUP)) && m->fd >= 0 &&
        (m->events & LOOP_READ)) {
        monitor_read(m);
    } else if ((events & LOOP_HUP) && m->fd >= 0 &&
               !(m->events & LOOP_READ)) {
        monitor_drop(m);
    }
    if (m->fd >= 0) {
        monitor_flush(m);
    }
    if (m->fd >= 0) {
        monitor_update_events(m);
    }
}

static void monitor_update_events(struct monitor *m)
{
    unsigned ev = 0;
    size_t queued = m->out_len - m->out_off;

    if (queued < QMP_READ_PAUSE) {
        ev |= LOOP_READ;
    }
    if (queued > 0) {
        ev |= LOOP_WRITE;
    }
    if (ev != m->events) {
        m->events = ev;
        if (loop_fd_mod(m->x->loop, m->fd, ev) < 0) {
            monitor_drop(m);
        }
    }
}

static void monitor_accept(struct chardev *cd, int fd, void *opaque)
{
    struct monitor *m = opaque;

    m->fd = fd;
    m->negotiated = false;
    m->pos = 0;
    m->events = LOOP_READ;
    if (loop_fd_add(m->x->loop, fd, LOOP_READ, monitor_io, m) < 0) {
        close(fd);
        m->fd = -1;
        chardev_client_done(cd);
        return;
    }
    monitor_greet(m);
    monitor_flush(m);
    if (m->fd >= 0) {
        monitor_update_events(m);
    }
}

/* ---- the set of monitors ---- */

static void monitor_event_sink(struct xendm *x, const char *event,
                               const struct json *data, void *opaque)
{
    monitor_event_all(x, event, data);
}

int monitor_open_all(struct xendm *x, char *err, size_t errlen)
{
    size_t i;

    for (i = 0; i < x->opts.nmonitors; i++) {
        struct monitor *m = calloc(1, sizeof(*m));

        if (m == NULL) {
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        m->x = x;
        m->fd = m->pending_fd = -1;
        qmp_stream_init(&m->in, QMP_MAX_MESSAGE, QMP_MAX_NESTING);
        m->cd = chardev_lookup(x, x->opts.monitors[i]);
        x->monitors[x->nmonitors++] = m;
        if (m->cd == NULL) {
            snprintf(err, errlen, "monitor: no chardev '%s'",
                     x->opts.monitors[i]);
            return -ENOENT;
        }
        chardev_set_acceptor(m->cd, monitor_accept, m);
    }
    runstate_set_event_sink(&x->rs, monitor_event_sink, NULL);
    return 0;
}

void monitor_close_all(struct xendm *x)
{
    size_t i;

    for (i = 0; i < x->nmonitors; i++) {
        struct monitor *m = x->monitors[i];

        /* One last non-blocking try to deliver the `quit` reply. */
        monitor_flush(m);
        if (m->fd >= 0) {
            loop_fd_del(x->loop, m->fd);
            close(m->fd);
        }
        if (m->pending_fd >= 0) {
            close(m->pending_fd);
        }
        qmp_stream_free(&m->in);
        free(m->out);
        free(m);
    }
    x->nmonitors = 0;
}

size_t monitor_clients(const struct xendm *x)
{
    size_t i, n = 0;

    for (i = 0; i < x->nmonitors; i++) {
        n += x->monitors[i]->fd >= 0;
    }
    return n;
}

void monitor_event_all(struct xendm *x, const char *event,
                       const struct json *data)
{
    struct json *e = json_new_object(), *ts = json_new_object();
    struct timeval tv;
    size_t i;

    gettimeofday(&tv, NULL);
    json_object_set(ts, "seconds", json_new_int(tv.tv_sec));
    json_object_set(ts, "microseconds", json_new_int(tv.tv_usec));
    json_object_set(e, "timestamp", ts);
    json_object_set(e, "event", json_new_string(event));
    if (data != NULL) {
        json_object_set(e, "data", json_copy(data));
    }
    for (i = 0; i < x->nmonitors; i++) {
        struct monitor *m = x->monitors[i];

        if (m->fd >= 0 && m->negotiated && monitor_send(m, e) == 0 &&
            m->fd >= 0) {
            monitor_update_events(m);
        }
    }
    json_free(e);
}
