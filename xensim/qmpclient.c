/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The toolstack's QMP client; see qmpclient.h.  One connection, one
 * receive buffer cut on "\r\n", poll() with a deadline for every wait.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "xensim/qmpclient.h"
#include "src/loop.h"
#include "src/log.h"

struct qmpc {
    int fd;
    uint32_t next_id;
    char *buf;
    size_t len;
    int major, minor, micro;
    unsigned events;
    char last_class[64];
};

static int64_t now_ms(void)
{
    return (int64_t)(loop_now_ns() / 1000000);
}

static int left_ms(int64_t deadline)
{
    int64_t d = deadline - now_ms();

    return d < 0 ? 0 : (int)(d > 60000 ? 60000 : d);
}

static int wait_fd(int fd, short ev, int64_t deadline)
{
    struct pollfd p = { fd, ev, 0 };

    for (;;) {
        int r = poll(&p, 1, left_ms(deadline));
        if (r > 0) {
            return 0;
        }
        if (r == 0) {
            return -ETIMEDOUT;
        }
        if (errno != EINTR) {
            return -errno;
        }
    }
}

static int write_all(int fd, const char *p, size_t n, int64_t deadline)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0 && errno != EAGAIN) {
            return -errno;
        }
        int rc = wait_fd(fd, POLLOUT, deadline);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* The first byte carries the fd (libxl__sendmsg_fds), the rest follows. */
static int send_with_fd(int fd, const char *msg, size_t n, int passfd,
                        int64_t deadline)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { (void *)msg, 1 };
    struct msghdr mh = { 0 };
    struct cmsghdr *cm;
    ssize_t r;

    memset(cbuf, 0, sizeof(cbuf));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof(cbuf);
    cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &passfd, sizeof(int));
    do {
        r = sendmsg(fd, &mh, MSG_NOSIGNAL);
    } while (r < 0 && errno == EINTR);
    if (r != 1) {
        return r < 0 ? -errno : -EIO;
    }
    return write_all(fd, msg + 1, n - 1, deadline);
}

/* Next "\r\n"-terminated message, parsed; NULL on error (rc set). */
static struct json *read_msg(struct qmpc *c, int64_t deadline, int *rc,
                             char *err, size_t errlen)
{
    struct json_limits lim = { 64, QMPC_MAX_MSG };

    for (;;) {
        char *eom = c->len >= 2 ? memmem(c->buf, c->len, "\r\n", 2) : NULL;
        if (eom != NULL) {
            size_t n = (size_t)(eom - c->buf);
            char jerr[128];
            struct json *j = json_parse(c->buf, n, &lim, jerr, sizeof(jerr));
            memmove(c->buf, eom + 2, c->len - n - 2);
            c->len -= n + 2;
            if (j == NULL || j->type != JSON_OBJECT) {
                json_free(j);
                log_reason(err, errlen, "QMP: bad message: %s",
                        j == NULL ? jerr : "not an object");
                *rc = -EPROTO;
                return NULL;
            }
            return j;
        }
        if (c->len >= QMPC_MAX_MSG) {
            log_reason(err, errlen, "QMP: message larger than %u bytes",
                    QMPC_MAX_MSG);
            *rc = -EMSGSIZE;
            return NULL;
        }
        *rc = wait_fd(c->fd, POLLIN, deadline);
        if (*rc < 0) {
            log_reason(err, errlen, "QMP: %s", strerror(-*rc));
            return NULL;
        }
        ssize_t r = recv(c->fd, c->buf + c->len, QMPC_MAX_MSG - c->len,
                         MSG_DONTWAIT);
        if (r == 0) {
            log_reason(err, errlen, "QMP: server closed the connection");
            *rc = -ECONNRESET;
            return NULL;
        }
        if (r < 0 && errno != EINTR && errno != EAGAIN) {
            *rc = -errno;
            log_reason(err, errlen, "QMP: %s", strerror(errno));
            return NULL;
        }
        if (r > 0) {
            c->len += (size_t)r;
        }
    }
}

static int connect_retry(const char *path, int64_t deadline, char *err,
                         size_t errlen)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };

    if (strlen(path) >= sizeof(sa.sun_path)) {
        log_reason(err, errlen, "QMP: socket path too long");
        return -ENAMETOOLONG;
    }
    strcpy(sa.sun_path, path);
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return -errno;
        }
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            return fd;
        }
        int e = errno;
        close(fd);
        if ((e != ENOENT && e != ECONNREFUSED) || now_ms() >= deadline) {
            log_reason(err, errlen, "QMP: connect %s: %s", path, strerror(e));
            return -e;
        }
        usleep(200 * 1000);
    }
}

static int read_greeting(struct qmpc *c, int64_t deadline, char *err,
                         size_t errlen)
{
    int rc = 0;
    struct json *g = read_msg(c, deadline, &rc, err, errlen);
    const struct json *q, *v;
    int64_t x;

    if (g == NULL) {
        return rc;
    }
    q = json_get(g, "QMP");
    v = json_get(json_get(q, "version"), "qemu");
    if (q == NULL || v == NULL) {
        json_free(g);
        log_reason(err, errlen, "QMP: no greeting");
        return -EPROTO;
    }
    c->major = json_int64(json_get(v, "major"), &x) ? (int)x : -1;
    c->minor = json_int64(json_get(v, "minor"), &x) ? (int)x : -1;
    c->micro = json_int64(json_get(v, "micro"), &x) ? (int)x : -1;
    json_free(g);
    return 0;
}

struct qmpc *qmpc_connect(const char *path, int timeout_ms, char *err,
                          size_t errlen)
{
    int64_t deadline = now_ms() + timeout_ms;
    struct qmpc *c = calloc(1, sizeof(*c));
    int rc;

    if (c == NULL || (c->buf = malloc(QMPC_MAX_MSG)) == NULL) {
        free(c);
        errno = ENOMEM;
        return NULL;
    }
    c->next_id = QMPC_FIRST_ID;
    c->fd = connect_retry(path, deadline, err, errlen);
    if (c->fd < 0) {
        rc = c->fd;
        goto fail;
    }
    if ((rc = read_greeting(c, deadline, err, errlen)) < 0 ||
        (rc = qmpc_execute(c, "qmp_capabilities", NULL, -1,
                           left_ms(deadline) + 1, NULL, err, errlen)) < 0) {
        goto fail;
    }
    return c;
fail:
    qmpc_close(c);
    errno = -rc;
    return NULL;
}

void qmpc_close(struct qmpc *c)
{
    if (c == NULL) {
        return;
    }
    if (c->fd >= 0) {
        close(c->fd);
    }
    free(c->buf);
    free(c);
}

void qmpc_version(const struct qmpc *c, int *major, int *minor, int *micro)
{
    *major = c->major;
    *minor = c->minor;
    *micro = c->micro;
}

const char *qmpc_last_error_class(const struct qmpc *c)
{
    return c->last_class;
}

unsigned qmpc_events_seen(const struct qmpc *c)
{
    return c->events;
}

static char *build_command(uint32_t id, const char *cmd,
                           const struct json *args, size_t *len)
{
    struct json *o = json_new_object();
    char *s, *out;
    size_t n;

    if (o == NULL) {
        return NULL;
    }
    json_object_set(o, "execute", json_new_string(cmd));
    json_object_set(o, "id", json_new_uint(id));
    if (args != NULL) {
        json_object_set(o, "arguments", json_copy(args));
    }
    s = json_to_string(o, false, &n);
    json_free(o);
    if (s == NULL || (out = realloc(s, n + 3)) == NULL) {
        free(s);
        return NULL;
    }
    memcpy(out + n, "\r\n", 3);
    *len = n + 2;
    return out;
}

/* Reads until the reply to `id`, skipping events. */
static int await_reply(struct qmpc *c, uint32_t id, int64_t deadline,
                       struct json **ret, char *err, size_t errlen)
{
    for (;;) {
        int rc = 0;
        struct json *m = read_msg(c, deadline, &rc, err, errlen);
        const struct json *r, *e;
        uint64_t got;

        if (m == NULL) {
            return rc;
        }
        if (json_get(m, "event") != NULL) {
            c->events++;
            json_free(m);
            continue;
        }
        r = json_get(m, "return");
        e = json_get(m, "error");
        if ((r == NULL) == (e == NULL) || !json_uint64(json_get(m, "id"), &got) ||
            got != id) {
            json_free(m);
            log_reason(err, errlen, "QMP: reply without the id %u", id);
            return -EPROTO;
        }
        if (e != NULL) {
            const char *cls = json_string(json_get(e, "class"));
            const char *desc = json_string(json_get(e, "desc"));
            snprintf(c->last_class, sizeof(c->last_class), "%s",
                     cls != NULL ? cls : "?");
            log_reason(err, errlen, "QMP error %s: %s", c->last_class,
                    desc != NULL ? desc : "(no description)");
            json_free(m);
            return -EREMOTEIO;
        }
        if (ret != NULL) {
            *ret = json_copy(r);
        }
        json_free(m);
        return 0;
    }
}

int qmpc_execute(struct qmpc *c, const char *cmd, const struct json *args,
                 int fd, int timeout_ms, struct json **ret, char *err,
                 size_t errlen)
{
    int64_t deadline = now_ms() + timeout_ms;
    uint32_t id = c->next_id++;
    size_t n;
    char *msg = build_command(id, cmd, args, &n);
    int rc;

    if (ret != NULL) {
        *ret = NULL;
    }
    c->last_class[0] = '\0';
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    if (msg == NULL) {
        return -ENOMEM;
    }
    rc = fd >= 0 ? send_with_fd(c->fd, msg, n, fd, deadline)
                 : write_all(c->fd, msg, n, deadline);
    free(msg);
    if (rc < 0) {
        log_reason(err, errlen, "QMP: sending %s: %s", cmd, strerror(-rc));
        return rc;
    }
    return await_reply(c, id, deadline, ret, err, errlen);
}
