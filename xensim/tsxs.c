/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The toolstack's xenstore operations over real libxenstore; see
 * tsxs.h.  The store is a server we do not control: every failure is
 * reported as -errno, never fatal, and waits have deadlines.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <xenstore.h>

#include "xensim/tsxs.h"
#include "src/loop.h"

#define TSXS_TX_RETRIES 32

struct xs_handle *tsxs_open(void)
{
    return xs_open(0);
}

void tsxs_close(struct xs_handle *h)
{
    if (h != NULL) {
        xs_close(h);
    }
}

static unsigned perm_bits(char c)
{
    switch (c) {
    case 'r':
        return XS_PERM_READ;
    case 'w':
        return XS_PERM_WRITE;
    case 'b':
        return XS_PERM_READ | XS_PERM_WRITE;
    default:
        return XS_PERM_NONE;
    }
}

static bool apply_one(struct xs_handle *h, xs_transaction_t t,
                      const struct tsl_node *n)
{
    struct xs_permissions p[TSL_MAX_PERMS];
    size_t i;

    for (i = 0; i < n->nperms; i++) {
        p[i].id = n->perms[i].domid;
        p[i].perms = perm_bits(n->perms[i].perm);
    }
    return xs_write(h, t, n->path, n->value, strlen(n->value)) &&
           xs_set_permissions(h, t, n->path, p, (unsigned)n->nperms);
}

int tsxs_apply(struct xs_handle *h, const struct tsl_list *l)
{
    int tries;

    for (tries = 0; tries < TSXS_TX_RETRIES; tries++) {
        xs_transaction_t t = xs_transaction_start(h);
        size_t i;
        bool okay = t != XBT_NULL;

        for (i = 0; okay && i < l->n; i++) {
            okay = apply_one(h, t, &l->v[i]);
        }
        if (!okay) {
            int e = errno ? errno : EIO;
            if (t != XBT_NULL) {
                xs_transaction_end(h, t, true);
            }
            return -e;
        }
        if (xs_transaction_end(h, t, false)) {
            return 0;
        }
        if (errno != EAGAIN) {
            return -errno;
        }
    }
    return -EAGAIN;
}

int tsxs_rm_trees(struct xs_handle *h, char *const *paths)
{
    int rc = 0;
    size_t i;

    for (i = 0; paths[i] != NULL; i++) {
        if (!xs_rm(h, XBT_NULL, paths[i]) && errno != ENOENT && rc == 0) {
            rc = -errno;
        }
    }
    return rc;
}

int tsxs_write(struct xs_handle *h, const char *path, const char *value)
{
    return xs_write(h, XBT_NULL, path, value, strlen(value)) ? 0 : -errno;
}

char *tsxs_read(struct xs_handle *h, const char *path)
{
    unsigned len;

    return xs_read(h, XBT_NULL, path, &len);
}

int tsxs_mkdir(struct xs_handle *h, const char *path)
{
    return xs_mkdir(h, XBT_NULL, path) ? 0 : -errno;
}

int tsxs_rm_if_empty(struct xs_handle *h, const char *path)
{
    unsigned n = 0;
    char **ents = xs_directory(h, XBT_NULL, path, &n);

    free(ents);
    if (ents == NULL || n > 0) {
        return ents == NULL ? -errno : -ENOTEMPTY;
    }
    return xs_rm(h, XBT_NULL, path) ? 0 : -errno;
}

static int64_t now_ms(void)
{
    return (int64_t)(loop_now_ns() / 1000000);
}

static bool value_is(struct xs_handle *h, const char *path, const char *want)
{
    char *v = tsxs_read(h, path);
    bool match = v != NULL && (want == NULL || strcmp(v, want) == 0);

    free(v);
    return match;
}

/* A zombie (not our child, not yet reaped by init) counts as gone. */
static bool is_zombie(int pid)
{
    char path[48], buf[256], *p;
    FILE *f;
    bool z = false;

    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    if ((f = fopen(path, "r")) == NULL) {
        return true;
    }
    if (fgets(buf, sizeof(buf), f) != NULL && (p = strrchr(buf, ')')) != NULL &&
        (p[1] == ' ') && (p[2] == 'Z' || p[2] == 'X')) {
        z = true;
    }
    fclose(f);
    return z;
}

/* Our child (reaped here if it died) or any process. */
bool tsxs_proc_alive(int pid)
{
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);

    if (r == pid) {
        return false;
    }
    if (r < 0 && errno == ECHILD) {
        return (kill(pid, 0) == 0 || errno != ESRCH) && !is_zombie(pid);
    }
    return true;
}

int tsxs_wait_value(struct xs_handle *h, const char *path, const char *want,
                    int timeout_ms, int pid)
{
    int64_t deadline = now_ms() + timeout_ms;
    char token[32];
    int rc = -ETIMEDOUT;

    snprintf(token, sizeof(token), "tswait-%d", (int)(now_ms() & 0xffffff));
    if (!xs_watch(h, path, token)) {
        return -errno;
    }
    for (;;) {
        struct pollfd p = { xs_fileno(h), POLLIN, 0 };
        int64_t left = deadline - now_ms();
        char **ev;

        if (value_is(h, path, want)) {
            rc = 0;
            break;
        }
        if (pid > 0 && !tsxs_proc_alive(pid)) {
            rc = -ECHILD;
            break;
        }
        if (left <= 0) {
            break;
        }
        /* Wake at least every 100 ms to notice a dead process. */
        if (poll(&p, 1, left > 100 ? 100 : (int)left) > 0) {
            while ((ev = xs_check_watch(h)) != NULL) {
                free(ev);
            }
        }
    }
    xs_unwatch(h, path, token);
    return rc;
}
