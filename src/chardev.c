/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Chardevs (see chardev.h).  Theory of operation: every chardev is
 * opened at start-up, before privileges are dropped (binding a socket
 * under /var/run/xen needs root).  A socket chardev is in one of two
 * states: listening (its listen fd is on the loop) or connected (the
 * listen fd is off the loop, so further clients wait in the backlog,
 * and the client fd belongs to the acceptor or to this module).  A pty
 * master whose slave side is closed reads EIO; it is then taken off
 * the loop and looked at again once a second, so a closed pty cannot
 * spin the loop.  Writes are non-blocking; what does not fit is
 * dropped, as a disconnected serial line drops it.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "chardev.h"
#include "qapi/json.h"
#include "log.h"
#include "xendm.h"

struct chardev {
    struct xendm *x;
    const struct chardev_spec *spec;
    int listen_fd;
    int client_fd;            /* owned here unless an acceptor took it */
    bool created_path;        /* unlink at exit */
    int dir_fd;               /* the socket's directory, for unlinkat */
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char pty[64];
    struct loop_timer *retry;
    chardev_accept_fn *accept_fn;
    void *accept_opaque;
    bool acceptor_busy;       /* the acceptor holds a client */
    chardev_read_fn *read_fn;
    void *read_opaque;
    struct chardev_spec own;  /* spec of a chardev made at run time */
    char own_id[32];
};

static int chardev_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        return -errno;
    }
    return 0;
}

static void chardev_client_io(struct loop *loop, int fd, unsigned events,
                              void *opaque);
static void chardev_listen_io(struct loop *loop, int fd, unsigned events,
                              void *opaque);

static void chardev_drop_client(struct chardev *cd)
{
    if (cd->client_fd >= 0) {
        loop_fd_del(cd->x->loop, cd->client_fd);
        close(cd->client_fd);
        cd->client_fd = -1;
    }
    chardev_client_done(cd);
}

/*
 * Reads what fd has and hands it to the reader.  False when the peer
 * is gone (EOF or a hard error); true for data or a transient miss.
 */
static bool chardev_pump(struct chardev *cd, int fd)
{
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n > 0) {
        if (cd->read_fn != NULL) {
            cd->read_fn(cd, buf, (size_t)n, cd->read_opaque);
        }
        return true;
    }
    return n < 0 && (errno == EAGAIN || errno == EINTR);
}

static void chardev_client_io(struct loop *loop, int fd, unsigned events,
                              void *opaque)
{
    struct chardev *cd = opaque;

    if (!chardev_pump(cd, fd)) {
        chardev_drop_client(cd);
    }
}

static void chardev_listen_io(struct loop *loop, int fd, unsigned events,
                              void *opaque)
{
    struct chardev *cd = opaque;
    int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (c < 0) {
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
            log_warn("chardev %s: accept", cd->spec->id);
        }
        return;
    }
    loop_fd_del(loop, fd);
    if (cd->accept_fn != NULL) {
        cd->client_fd = -1;
        cd->acceptor_busy = true;
        cd->accept_fn(cd, c, cd->accept_opaque);
        return;
    }
    cd->client_fd = c;
    if (loop_fd_add(loop, c, LOOP_READ, chardev_client_io, cd) < 0) {
        chardev_drop_client(cd);
    }
}

void chardev_client_done(struct chardev *cd)
{
    cd->acceptor_busy = false;
    if (cd->listen_fd >= 0 &&
        loop_fd_add(cd->x->loop, cd->listen_fd, LOOP_READ, chardev_listen_io,
                    cd) < 0) {
        log_warnx("chardev %s: cannot listen again", cd->spec->id);
    }
}

/*
 * Keeps the socket's directory open so the socket can still be
 * unlinked at exit from inside a -chroot.
 */
static void chardev_open_dir(struct chardev *cd)
{
    char dir[sizeof(cd->path)];
    char *slash;

    snprintf(dir, sizeof(dir), "%s", cd->path);
    slash = strrchr(dir, '/');
    if (slash == NULL) {
        snprintf(dir, sizeof(dir), ".");
    } else if (slash == dir) {
        dir[1] = '\0';
    } else {
        *slash = '\0';
    }
    cd->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int chardev_bind(struct chardev *cd, char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd;

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", cd->spec->path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, errlen, "chardev %s: socket: %s", cd->spec->id,
                 strerror(errno));
        return -errno;
    }
    /* As QEMU: a stale socket file from a previous run is replaced. */
    unlink(sa.sun_path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, 1) < 0) {
        int e = errno;

        snprintf(err, errlen, "chardev %s: cannot listen on %s: %s",
                 cd->spec->id, sa.sun_path, strerror(e));
        close(fd);
        return -e;
    }
    cd->created_path = true;
    snprintf(cd->path, sizeof(cd->path), "%s", sa.sun_path);
    chardev_open_dir(cd);
    cd->listen_fd = fd;
    return 0;
}

static int chardev_adopt(struct chardev *cd, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    socklen_t len = sizeof(sa);
    int on = 0;
    socklen_t olen = sizeof(on);
    int fd = cd->spec->fd;

    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &olen) < 0 || !on) {
        snprintf(err, errlen, "chardev %s: fd=%d is not a listening socket",
                 cd->spec->id, fd);
        return -EINVAL;
    }
    memset(&sa, 0, sizeof(sa));
    if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0 &&
        sa.sun_family == AF_UNIX) {
        snprintf(cd->path, sizeof(cd->path), "%s", sa.sun_path);
    }
    cd->listen_fd = fd;
    return chardev_nonblock(fd);
}

static int64_t chardev_pty_retry(struct loop *loop, void *opaque)
{
    struct chardev *cd = opaque;

    if (loop_fd_add(loop, cd->client_fd, LOOP_READ, chardev_client_io,
                    cd) < 0) {
        return -1;
    }
    return -1;
}

static void chardev_pty_io(struct loop *loop, int fd, unsigned events,
                           void *opaque)
{
    struct chardev *cd = opaque;

    if (chardev_pump(cd, fd)) {
        return;
    }
    /* No slave open (EIO): look again in a second. */
    loop_fd_del(loop, fd);
    if (cd->retry == NULL) {
        cd->retry = loop_timer_add(loop, 1000000000ull, chardev_pty_retry,
                                   cd);
    } else {
        loop_timer_mod(loop, cd->retry, loop_now_ns() + 1000000000ull);
    }
}

static int chardev_open_pty(struct chardev *cd, char *err, size_t errlen)
{
    struct termios tio;
    const char *name;
    int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

    if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0 ||
        (name = ptsname(fd)) == NULL) {
        snprintf(err, errlen, "chardev %s: cannot open a pty: %s",
                 cd->spec->id, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -EIO;
    }
    snprintf(cd->pty, sizeof(cd->pty), "%s", name);
    if (tcgetattr(fd, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(fd, TCSAFLUSH, &tio);
    }
    chardev_nonblock(fd);
    cd->client_fd = fd;
    /* QEMU prints this line; people grep qemu-dm logs for it. */
    fprintf(stderr, "char device redirected to %s (label %s)\n", cd->pty,
            cd->spec->id);
    return loop_fd_add(cd->x->loop, fd, LOOP_READ, chardev_pty_io, cd);
}

static int chardev_open_one(struct xendm *x, const struct chardev_spec *s,
                            char *err, size_t errlen)
{
    struct chardev *cd = calloc(1, sizeof(*cd));
    int rc = 0;

    if (cd == NULL) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    cd->x = x;
    cd->spec = s;
    cd->listen_fd = cd->client_fd = cd->dir_fd = -1;
    x->chardevs[x->nchardevs++] = cd;
    if (s->kind == CHARDEV_PTY) {
        rc = chardev_open_pty(cd, err, errlen);
    } else if (s->kind == CHARDEV_SOCKET) {
        rc = s->path != NULL ? chardev_bind(cd, err, errlen)
                             : chardev_adopt(cd, err, errlen);
        if (rc == 0) {
            rc = loop_fd_add(x->loop, cd->listen_fd, LOOP_READ,
                             chardev_listen_io, cd);
        }
    }
    return rc;
}

struct chardev *chardev_new_pty(struct xendm *x, const char *label,
                                char *err, size_t errlen)
{
    struct chardev *cd;

    if (x->nchardevs >= XENDM_MAX_CHARDEVS) {
        snprintf(err, errlen, "chardev %s: too many chardevs", label);
        return NULL;
    }
    if (chardev_lookup(x, label) != NULL) {
        snprintf(err, errlen, "chardev %s: label in use", label);
        return NULL;
    }
    cd = calloc(1, sizeof(*cd));
    if (cd == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(cd->own_id, sizeof(cd->own_id), "%s", label);
    cd->own = (struct chardev_spec){.id = cd->own_id, .kind = CHARDEV_PTY,
                                    .fd = -1};
    cd->x = x;
    cd->spec = &cd->own;
    cd->listen_fd = cd->client_fd = cd->dir_fd = -1;
    if (chardev_open_pty(cd, err, errlen) < 0) {
        if (cd->client_fd >= 0) {
            close(cd->client_fd);
        }
        free(cd);
        return NULL;
    }
    x->chardevs[x->nchardevs++] = cd;
    return cd;
}

int chardev_open_all(struct xendm *x, char *err, size_t errlen)
{
    size_t i;
    int rc;

    for (i = 0; i < x->opts.nchardevs; i++) {
        rc = chardev_open_one(x, &x->opts.chardevs[i], err, errlen);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

void chardev_close_all(struct xendm *x)
{
    size_t i;

    for (i = 0; i < x->nchardevs; i++) {
        struct chardev *cd = x->chardevs[i];

        if (cd->retry != NULL) {
            loop_timer_del(x->loop, cd->retry);
        }
        if (cd->client_fd >= 0) {
            loop_fd_del(x->loop, cd->client_fd);
            close(cd->client_fd);
        }
        if (cd->listen_fd >= 0) {
            loop_fd_del(x->loop, cd->listen_fd);
            close(cd->listen_fd);
        }
        if (cd->created_path && cd->dir_fd >= 0) {
            const char *base = strrchr(cd->path, '/');

            unlinkat(cd->dir_fd, base != NULL ? base + 1 : cd->path, 0);
        }
        if (cd->dir_fd >= 0) {
            close(cd->dir_fd);
        }
        free(cd);
    }
    x->nchardevs = 0;
}

struct chardev *chardev_lookup(struct xendm *x, const char *id)
{
    size_t i;

    for (i = 0; i < x->nchardevs; i++) {
        if (strcmp(x->chardevs[i]->spec->id, id) == 0) {
            return x->chardevs[i];
        }
    }
    return NULL;
}

const char *chardev_id(const struct chardev *cd)
{
    return cd->spec->id;
}

void chardev_set_acceptor(struct chardev *cd, chardev_accept_fn *fn,
                          void *opaque)
{
    cd->accept_fn = fn;
    cd->accept_opaque = opaque;
}

void chardev_set_reader(struct chardev *cd, chardev_read_fn *fn,
                        void *opaque)
{
    cd->read_fn = fn;
    cd->read_opaque = opaque;
}

size_t chardev_write(struct chardev *cd, const void *buf, size_t len)
{
    ssize_t n;

    if (cd->client_fd < 0 || cd->accept_fn != NULL) {
        return 0;
    }
    n = write(cd->client_fd, buf, len);
    return n > 0 ? (size_t)n : 0;
}

const char *chardev_pty_path(const struct chardev *cd)
{
    return cd->spec->kind == CHARDEV_PTY ? cd->pty : NULL;
}

/* QEMU's spelling: "unix:P,server=on", "disconnected:fd:N,server=on". */
static void chardev_filename(const struct chardev *cd, bool connected,
                             char *out, size_t len)
{
    const struct chardev_spec *s = cd->spec;

    switch (s->kind) {
    case CHARDEV_PTY:
        snprintf(out, len, "pty:%s", cd->pty);
        return;
    case CHARDEV_NULL:
        snprintf(out, len, "null");
        return;
    case CHARDEV_SOCKET:
        break;
    }
    if (connected) {
        snprintf(out, len, "unix:%s,server=on", cd->path);
    } else if (s->path != NULL) {
        snprintf(out, len, "disconnected:unix:%s,server=on", s->path);
    } else {
        snprintf(out, len, "disconnected:fd:%d,server=on", s->fd);
    }
}

struct json *chardev_query(struct xendm *x)
{
    struct json *arr = json_new_array();
    char name[160];
    size_t i;

    for (i = 0; i < x->nchardevs; i++) {
        const struct chardev *cd = x->chardevs[i];
        struct json *o = json_new_object();
        bool connected = cd->spec->kind == CHARDEV_SOCKET &&
                         (cd->client_fd >= 0 ||
                          cd->acceptor_busy);
        bool fe = cd->spec->is_monitor || cd->spec->from_serial ||
                  cd->read_fn != NULL;

        chardev_filename(cd, connected, name, sizeof(name));
        json_object_set(o, "frontend-open", json_new_bool(fe));
        json_object_set(o, "filename", json_new_string(name));
        json_object_set(o, "label", json_new_string(cd->spec->id));
        json_array_append(arr, o);
    }
    return arr;
}
