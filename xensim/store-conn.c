/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim xenstored: sockets and connections, and the store's life
 * cycle.
 *
 * Theory of operation: DIR/xenstored.sock accepts control-domain
 * clients (privileged, like Xen's own socket); each introduced guest
 * gets DIR/domains/<domid>/xenstored.sock, whose clients act as that
 * domain.  A connection reads whatever is available (bounded per
 * wake-up), feeds it to the parser, and queues replies and events;
 * queued output is flushed once per loop iteration (a deferred call),
 * so a burst of watch events costs one write per connection.  A
 * connection is closed when its peer hangs up, breaks the framing, or
 * lets more than CONN_OUT_MAX bytes of output pile up; closing only
 * marks it dead, and dead connections are freed from a deferred call,
 * so no callback ever sees a freed connection.  A guest with
 * QUOTA_REQ_OUTSTANDING unread replies is not read from until it
 * catches up (Xen's quota_req_outstanding).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "store-int.h"

#define CONN_READ_CHUNK   16384
#define CONN_TEST_OUT_MAX 4096

static void conn_flush(struct sconn *c);

static void conn_update_events(struct sconn *c)
{
    unsigned ev = 0;

    if (c->fd < 0 || c->dead) {
        return;
    }
    c->read_off =
        conn_unprivileged(c) && c->out_replies >= QUOTA_REQ_OUTSTANDING;
    if (!c->read_off) {
        ev |= LOOP_READ;
    }
    if (c->want_write) {
        ev |= LOOP_WRITE;
    }
    loop_fd_mod(c->st->loop, c->fd, ev);
}

static void conn_io(struct loop *loop, int fd, unsigned events, void *opaque)
{
    struct sconn *c = opaque;
    uint8_t buf[CONN_READ_CHUNK];
    size_t used;
    ssize_t n;

    if (c->dead) {
        return;
    }
    if (events & LOOP_WRITE) {
        conn_flush(c);
    }
    if (!c->dead && (events & LOOP_HUP) && c->read_off) {
        /* not reading, so the hang-up would be reported forever */
        conn_close(c);
        return;
    }
    if (!c->dead && (events & (LOOP_READ | LOOP_HUP)) && !c->read_off) {
        n = read(fd, buf, sizeof(buf));
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            conn_flush(c); /* best effort, as Xen's destroy_conn */
            conn_close(c);
            return;
        }
        if (n > 0 && wire_feed(c, buf, (size_t)n, &used) < 0) {
            log_warnx("xenstored: dom%u sent an oversized message; "
                      "dropping the connection",
                      c->id);
            conn_close(c);
            return;
        }
    }
    if (!c->dead) {
        conn_flush(c);
    }
}

static void conn_flush(struct sconn *c)
{
    bool was = c->want_write, was_off = c->read_off;

    while (c->out != NULL && !c->dead) {
        struct outmsg *m = c->out;
        ssize_t n = send(c->fd, m->buf + m->off, m->len - m->off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                break;
            }
            conn_close(c);
            return;
        }
        m->off += (size_t)n;
        if (m->off < m->len) {
            break;
        }
        c->out = m->next;
        c->out_bytes -= m->len;
        if (!m->event && c->out_replies > 0) {
            c->out_replies--;
        }
        free(m);
    }
    if (c->out == NULL) {
        c->out_tail = &c->out;
    }
    c->want_write = c->out != NULL;
    if (was != c->want_write ||
        was_off !=
            (conn_unprivileged(c) && c->out_replies >= QUOTA_REQ_OUTSTANDING)) {
        conn_update_events(c);
    }
}

static void conn_flush_deferred(void *opaque)
{
    struct sconn *c = opaque;

    c->flush_queued = false;
    if (!c->dead) {
        conn_flush(c);
    }
}

int conn_queue(struct sconn *c, struct outmsg *m)
{
    if (c->dead || c->fd < 0) {
        /*
         * No socket (fuzzer, tests): the output is dropped, but counted
         * against a small limit, so the drop-a-non-reader path runs too.
         */
        bool over = !c->dead && (c->out_bytes += m->len) > CONN_TEST_OUT_MAX;

        if (!m->event && c->out_replies > 0) {
            c->out_replies--;
        }
        free(m);
        if (over) {
            conn_close(c);
            return -ENOBUFS;
        }
        return 0;
    }
    *c->out_tail = m;
    c->out_tail = &m->next;
    c->out_bytes += m->len;
    if (c->out_bytes > (c->dom ? CONN_OUT_MAX_GUEST : CONN_OUT_MAX)) {
        log_warnx("xenstored: dom%u does not read its replies; dropping "
                  "the connection",
                  c->id);
        conn_close(c);
        return -ENOBUFS;
    }
    if (!c->flush_queued) {
        if (loop_defer(c->st->loop, conn_flush_deferred, c) == 0) {
            c->flush_queued = true;
        } else {
            c->want_write = true;
            conn_update_events(c);
        }
    }
    return 0;
}

struct sconn *conn_new(struct store *st, int fd, struct sdomain *dom)
{
    struct sconn *c = calloc(1, sizeof(*c));

    if (c == NULL) {
        return NULL;
    }
    c->st = st;
    c->fd = fd;
    c->dom = dom;
    c->id = dom ? dom->domid : 0;
    c->out_tail = &c->out;
    if (fd >= 0 && loop_fd_add(st->loop, fd, LOOP_READ, conn_io, c) < 0) {
        free(c);
        return NULL;
    }
    c->next = NULL;
    *st->conns_tail = c;
    st->conns_tail = &c->next;
    return c;
}

static void conn_free(struct sconn *c)
{
    while (c->out != NULL) {
        struct outmsg *m = c->out;

        c->out = m->next;
        free(m);
    }
    free(c);
}

void conn_reap(struct store *st)
{
    struct sconn **p = &st->conns;

    st->reap_queued = false;
    st->conns_tail = &st->conns;
    while (*p != NULL) {
        struct sconn *c = *p;

        if (c->dead && !c->flush_queued) {
            *p = c->next;
            conn_free(c);
            continue;
        }
        st->conns_tail = &c->next;
        p = &c->next;
    }
}

static void conn_reap_deferred(void *opaque)
{
    conn_reap(opaque);
}

void conn_close(struct sconn *c)
{
    struct store *st = c->st;

    if (c->dead) {
        return;
    }
    c->dead = true;
    if (c->fd >= 0) {
        loop_fd_del(st->loop, c->fd);
        close(c->fd);
        c->fd = -1;
    }
    watch_free_all(c);
    txn_free_all(c);
    if (!st->reap_queued && loop_defer(st->loop, conn_reap_deferred, st) == 0) {
        st->reap_queued = true;
    }
}

static int conn_listen(struct loop *loop, const char *path, loop_fd_fn *fn,
                       void *opaque)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd, rc;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        return -ENAMETOOLONG;
    }
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, 128) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    rc = loop_fd_add(loop, fd, LOOP_READ, fn, opaque);
    if (rc < 0) {
        close(fd);
        unlink(path);
        return rc;
    }
    return fd;
}

static unsigned conn_count(struct store *st, const struct sdomain *d)
{
    const struct sconn *c;
    unsigned n = 0;

    for (c = st->conns; c != NULL; c = c->next) {
        n += c->dom == d && !c->dead;
    }
    return n;
}

static void conn_accept(struct store *st, int lfd, struct sdomain *d)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (fd < 0) {
        return;
    }
    if (d != NULL && conn_count(st, d) >= CONN_MAX_PER_DOMAIN) {
        close(fd);
        return;
    }
    if (conn_new(st, fd, d) == NULL) {
        close(fd);
    }
}

static void conn_accept_ctl(struct loop *loop, int fd, unsigned ev, void *o)
{
    conn_accept(o, fd, NULL);
}

static void conn_accept_dom(struct loop *loop, int fd, unsigned ev, void *o)
{
    struct sdomain *d = o;

    conn_accept(d->st, fd, d);
}

int conn_domain_listen(struct store *st, struct sdomain *d)
{
    char path[4096];
    int fd;

    if (st->dir == NULL) {
        return 0;
    }
    snprintf(path, sizeof(path), "%s/domains", st->dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/domains/%u", st->dir, d->domid);
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        return -errno;
    }
    snprintf(path, sizeof(path), "%s/domains/%u/xenstored.sock", st->dir,
             d->domid);
    fd = conn_listen(st->loop, path, conn_accept_dom, d);
    if (fd < 0) {
        return fd;
    }
    d->sock_path = strdup(path);
    if (d->sock_path == NULL) {
        loop_fd_del(st->loop, fd);
        close(fd);
        unlink(path);
        return -ENOMEM;
    }
    d->listen_fd = fd;
    return 0;
}

void conn_domain_unlisten(struct store *st, struct sdomain *d)
{
    char *slash;

    if (d->listen_fd >= 0) {
        loop_fd_del(st->loop, d->listen_fd);
        close(d->listen_fd);
        d->listen_fd = -1;
    }
    if (d->sock_path != NULL) {
        unlink(d->sock_path);
        slash = strrchr(d->sock_path, '/');
        *slash = '\0';
        rmdir(d->sock_path);
        free(d->sock_path);
        d->sock_path = NULL;
    }
}

static int store_init_special(struct store *st)
{
    int k;

    for (k = 0; k < 2; k++) {
        st->special[k] = calloc(1, sizeof(struct sperm));
        if (st->special[k] == NULL) {
            return -ENOMEM;
        }
        st->nspecial[k] = 1;
    }
    return 0;
}

struct store *store_new(struct loop *loop, const char *dir)
{
    struct store *st = calloc(1, sizeof(*st));
    char path[4096];
    int rc = -ENOMEM;

    if (st == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    st->loop = loop;
    st->listen_fd = -1;
    st->conns_tail = &st->conns;
    if ((dir != NULL && (st->dir = strdup(dir)) == NULL) ||
        store_init_special(st) < 0 || (rc = tree_init(st)) < 0) {
        goto fail;
    }
    domain_find(st, 0)->introduced = true;
    if (dir != NULL) {
        snprintf(path, sizeof(path), "%s/xenstored.sock", dir);
        rc = conn_listen(loop, path, conn_accept_ctl, st);
        if (rc < 0) {
            goto fail;
        }
        st->listen_fd = rc;
        st->sock_path = strdup(path);
    }
    return st;
fail:
    store_free(st);
    errno = -rc;
    return NULL;
}

void store_free(struct store *st)
{
    struct sconn *c;
    struct sdomain *d;
    char path[4096];

    if (st == NULL) {
        return;
    }
    for (c = st->conns; c != NULL; c = c->next) {
        conn_close(c);
        c->flush_queued = false;
    }
    conn_reap(st);
    for (d = st->domains; d != NULL; d = d->next) {
        conn_domain_unlisten(st, d);
    }
    if (st->listen_fd >= 0) {
        loop_fd_del(st->loop, st->listen_fd);
        close(st->listen_fd);
    }
    if (st->sock_path != NULL) {
        unlink(st->sock_path);
    }
    if (st->dir != NULL) {
        snprintf(path, sizeof(path), "%s/domains", st->dir);
        rmdir(path);
    }
    tree_fini(st);
    free(st->special[0]);
    free(st->special[1]);
    free(st->sock_path);
    free(st->dir);
    free(st);
}

struct sconn *store_test_conn(struct store *st, uint32_t domid)
{
    struct sdomain *d = NULL;

    if (domid != 0) {
        d = domain_find_or_alloc(st, domid);
        if (d == NULL) {
            errno = ENOENT;
            return NULL;
        }
    }
    return conn_new(st, -1, d);
}

int store_test_feed(struct sconn *c, const uint8_t *data, size_t len)
{
    size_t used;

    if (c->dead) {
        return -EPIPE;
    }
    c->out_bytes = 0; /* the peer read everything so far */
    return wire_feed(c, data, len, &used);
}

void store_test_close(struct sconn *c)
{
    conn_close(c);
}
