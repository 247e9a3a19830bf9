/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenstore through the real libxenstore (see store.h).  Theory of
 * operation: one xs_handle per process; every request is a blocking
 * round trip to xenstored (local and quick, as in QEMU).  Watches are
 * kept in a small table keyed by token; libxenstore queues fired
 * watches and makes xs_fileno() readable, and store_io drains them on
 * the loop.  Values read are untrusted (a guest may write parts of
 * the tree): callers get them NUL-terminated with their length.
 *
 * store_restrict closes the connection for good, which is what
 * -xen-domid-restrict does to QEMU's: libxenstore registers every
 * handle with xentoolcore, whose restrict callback dup2()s /dev/null
 * over the socket, so xenstored sees the connection close and every
 * later request fails.  Here the handle is closed outright (a
 * /dev/null fd on the loop would read EOF forever) and every call
 * afterwards fails with EPERM.
 *
 * libxenstore is opened with dlopen() by store_open, not linked: the
 * -machine none probe (libxl runs it before every start) then never
 * maps it, which is most of what is left of xendm's start-up time
 * (docs/performance.md).  Its functions are called through the table
 * in `struct store`, typed from xenstore.h's own prototypes.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "log.h"
#include "loop.h"
#include "store.h"

#define STORE_MAX_WATCHES 256

/* The handle, or NULL with errno = EPERM once restricted. */
#define STORE_XS(st) ((st)->xs != NULL ? (st)->xs : (errno = EPERM, NULL))

struct store_watch {
    char *path;
    char *token;
    store_watch_fn *fn;
    void *opaque;
};

/* libxenstore's soname in Xen 4.x, then the development link. */
static const char *const store_sonames[] = {"libxenstore.so.4",
                                            "libxenstore.so"};

#define STORE_FN(name) __typeof__(name) *name
struct store_lib {
    void *dl;
    STORE_FN(xs_open);
    STORE_FN(xs_close);
    STORE_FN(xs_read);
    STORE_FN(xs_write);
    STORE_FN(xs_mkdir);
    STORE_FN(xs_rm);
    STORE_FN(xs_directory);
    STORE_FN(xs_set_permissions);
    STORE_FN(xs_get_domain_path);
    STORE_FN(xs_check_watch);
    STORE_FN(xs_fileno);
    STORE_FN(xs_watch);
    STORE_FN(xs_unwatch);
};
#undef STORE_FN

struct store {
    struct store_lib lib;
    struct xs_handle *xs;
    struct loop *loop;
    int fd;
    struct store_watch watches[STORE_MAX_WATCHES];
};

/* Resolves every function, or fails naming the first one missing. */
static int store_lib_load(struct store_lib *l, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        size_t off;
    } syms[] = {
#define STORE_SYM(n) {#n, offsetof(struct store_lib, n)}
        STORE_SYM(xs_open), STORE_SYM(xs_close), STORE_SYM(xs_read),
        STORE_SYM(xs_write), STORE_SYM(xs_mkdir), STORE_SYM(xs_rm),
        STORE_SYM(xs_directory), STORE_SYM(xs_set_permissions),
        STORE_SYM(xs_get_domain_path), STORE_SYM(xs_check_watch),
        STORE_SYM(xs_fileno), STORE_SYM(xs_watch), STORE_SYM(xs_unwatch),
#undef STORE_SYM
    };
    size_t i;

    for (i = 0; i < sizeof(store_sonames) / sizeof(store_sonames[0]) &&
                l->dl == NULL; i++) {
        /* never unmapped: its reader thread may outlive a close */
        l->dl = dlopen(store_sonames[i],
                       RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    }
    if (l->dl == NULL) {
        snprintf(err, errlen, "cannot load libxenstore: %s", dlerror());
        return -ENOENT;
    }
    for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
        void *fn = dlsym(l->dl, syms[i].name);

        if (fn == NULL) {
            snprintf(err, errlen, "libxenstore has no %s", syms[i].name);
            dlclose(l->dl);
            l->dl = NULL;
            return -ENOENT;
        }
        memcpy((char *)l + syms[i].off, &fn, sizeof(fn));
    }
    return 0;
}

struct store *store_open(char *err, size_t errlen)
{
    struct store *st = calloc(1, sizeof(*st));

    if (st == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    st->fd = -1;
    if (store_lib_load(&st->lib, err, errlen) < 0) {
        free(st);
        errno = ENOENT;
        return NULL;
    }
    st->xs = st->lib.xs_open(0);
    if (st->xs == NULL) {
        int e = errno;
        const char *p = getenv("XENSTORED_PATH");

        snprintf(err, errlen, "cannot connect to xenstore (%s): %s",
                 p != NULL ? p : "the default socket or /dev/xen/xenbus",
                 strerror(e));
        free(st);
        errno = e;
        return NULL;
    }
    return st;
}

/* Detaches from the loop, forgets the watches, closes the handle. */
static void store_disconnect(struct store *st)
{
    size_t i;

    if (st->loop != NULL && st->fd >= 0) {
        loop_fd_del(st->loop, st->fd);
    }
    st->fd = -1;
    for (i = 0; i < STORE_MAX_WATCHES; i++) {
        free(st->watches[i].path);
        free(st->watches[i].token);
        st->watches[i].path = st->watches[i].token = NULL;
    }
    if (st->xs != NULL) {
        st->lib.xs_close(st->xs);
        st->xs = NULL;
    }
}

void store_close(struct store *st)
{
    if (st == NULL) {
        return;
    }
    store_disconnect(st);
    free(st);
}

int store_restrict(struct store *st)
{
    if (st == NULL || st->xs == NULL) {
        return 0;
    }
    store_disconnect(st);
    log_info("xenstore: connection closed by -xen-domid-restrict");
    return 0;
}

bool store_restricted(const struct store *st)
{
    return st != NULL && st->xs == NULL;
}

char *store_read(struct store *st, const char *path, size_t *len)
{
    unsigned int l = 0;
    char *v = st->xs != NULL
                  ? st->lib.xs_read(st->xs, XBT_NULL, path, &l)
                  : (errno = EPERM, NULL);

    if (v != NULL && len != NULL) {
        *len = l;
    }
    return v;
}

int store_write(struct store *st, const char *path, const void *val,
                size_t len)
{
    if (len > 4096) {
        return -E2BIG;
    }
    if (STORE_XS(st) == NULL) {
        return -errno;
    }
    return st->lib.xs_write(st->xs, XBT_NULL, path, val, (unsigned)len)
               ? 0
               : -errno;
}

int store_write_str(struct store *st, const char *path, const char *val)
{
    return store_write(st, path, val, strlen(val));
}

int store_mkdir(struct store *st, const char *path)
{
    if (STORE_XS(st) == NULL) {
        return -errno;
    }
    return st->lib.xs_mkdir(st->xs, XBT_NULL, path) ? 0 : -errno;
}

int store_rm(struct store *st, const char *path)
{
    if (STORE_XS(st) == NULL) {
        return -errno;
    }
    return st->lib.xs_rm(st->xs, XBT_NULL, path) ? 0 : -errno;
}

char **store_directory(struct store *st, const char *path, unsigned *n)
{
    if (STORE_XS(st) == NULL) {
        return NULL;
    }
    return st->lib.xs_directory(st->xs, XBT_NULL, path, n);
}

int store_set_perms(struct store *st, const char *path,
                    const struct store_perm *perms, unsigned n)
{
    struct xs_permissions p[8];
    unsigned i;

    if (n == 0 || n > 8) {
        return -EINVAL;
    }
    if (STORE_XS(st) == NULL) {
        return -errno;
    }
    for (i = 0; i < n; i++) {
        p[i].id = perms[i].domid;
        p[i].perms = XS_PERM_NONE;
        if (perms[i].perms & STORE_PERM_READ) {
            p[i].perms |= XS_PERM_READ;
        }
        if (perms[i].perms & STORE_PERM_WRITE) {
            p[i].perms |= XS_PERM_WRITE;
        }
    }
    return st->lib.xs_set_permissions(st->xs, XBT_NULL, path, p, n)
               ? 0
               : -errno;
}

char *store_get_domain_path(struct store *st, uint32_t domid)
{
    if (STORE_XS(st) == NULL) {
        return NULL;
    }
    return st->lib.xs_get_domain_path(st->xs, domid);
}

static void store_io(struct loop *loop, int fd, unsigned events,
                     void *opaque)
{
    struct store *st = opaque;
    char **ev;
    size_t i;

    while ((ev = st->lib.xs_check_watch(st->xs)) != NULL) {
        for (i = 0; i < STORE_MAX_WATCHES; i++) {
            struct store_watch *w = &st->watches[i];

            if (w->token != NULL && strcmp(w->token, ev[XS_WATCH_TOKEN]) == 0) {
                w->fn(st, ev[XS_WATCH_PATH], w->token, w->opaque);
                break;
            }
        }
        free(ev);
    }
}

int store_attach(struct store *st, struct loop *loop)
{
    int fd = STORE_XS(st) != NULL ? st->lib.xs_fileno(st->xs) : -1;

    if (fd < 0) {
        return -errno;
    }
    st->loop = loop;
    st->fd = fd;
    return loop_fd_add(loop, fd, LOOP_READ, store_io, st);
}

int store_watch(struct store *st, const char *path, const char *token,
                store_watch_fn *fn, void *opaque)
{
    size_t i;

    if (STORE_XS(st) == NULL) {
        return -errno;
    }
    for (i = 0; i < STORE_MAX_WATCHES; i++) {
        struct store_watch *w = &st->watches[i];

        if (w->token != NULL) {
            continue;
        }
        w->path = strdup(path);
        w->token = strdup(token);
        if (w->path == NULL || w->token == NULL) {
            break;
        }
        if (!st->lib.xs_watch(st->xs, path, token)) {
            int e = errno;

            free(w->path);
            free(w->token);
            w->path = w->token = NULL;
            return -e;
        }
        w->fn = fn;
        w->opaque = opaque;
        return 0;
    }
    if (i < STORE_MAX_WATCHES) {
        free(st->watches[i].path);
        free(st->watches[i].token);
        st->watches[i].path = st->watches[i].token = NULL;
        return -ENOMEM;
    }
    return -ENOSPC;
}

int store_unwatch(struct store *st, const char *path, const char *token)
{
    size_t i;

    for (i = 0; i < STORE_MAX_WATCHES; i++) {
        struct store_watch *w = &st->watches[i];

        if (w->token != NULL && strcmp(w->token, token) == 0 &&
            strcmp(w->path, path) == 0) {
            free(w->path);
            free(w->token);
            w->path = w->token = NULL;
            return st->lib.xs_unwatch(st->xs, path, token) ? 0 : -errno;
        }
    }
    return -ENOENT;
}
