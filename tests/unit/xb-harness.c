/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * In-memory store and event channels for PV backend tests: see
 * xb-harness.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/xb-harness.h"

struct kv *kv_find(struct fhost *h, const char *path)
{
    for (unsigned i = 0; i < h->nkv; i++) {
        if (strcmp(h->kv[i].path, path) == 0) {
            return &h->kv[i];
        }
    }
    return NULL;
}

static void fire(struct fhost *h, const char *path)
{
    for (unsigned i = 0; i < h->nwatch; i++) {
        size_t n = strlen(h->watches[i].path);

        if (strncmp(path, h->watches[i].path, n) == 0 &&
            (path[n] == '\0' || path[n] == '/') && h->nev < MAXN) {
            h->events[h->nev].path = strdup(path);
            h->events[h->nev].val = strdup(h->watches[i].val);
            h->nev++;
        }
    }
}

static int fh_read(void *ctx, const char *path, char **val)
{
    struct kv *k = kv_find(ctx, path);

    if (k == NULL) {
        return -ENOENT;
    }
    *val = strdup(k->val);
    return 0;
}

int fh_write(void *ctx, const char *path, const char *val)
{
    struct fhost *h = ctx;
    struct kv *k = kv_find(h, path);

    if (k) {
        free(k->val);
        k->val = strdup(val);
    } else if (h->nkv < MAXN) {
        h->kv[h->nkv].path = strdup(path);
        h->kv[h->nkv].val = strdup(val);
        h->nkv++;
    } else {
        return -ENOSPC;
    }
    fire(h, path);
    return 0;
}

static int fh_rm(void *ctx, const char *path)
{
    struct kv *k = kv_find(ctx, path);

    if (k) {
        free(k->val);
        k->val = strdup("");
    }
    return 0;
}

static int fh_directory(void *ctx, const char *path, char ***names,
                        unsigned *n)
{
    struct fhost *h = ctx;
    size_t pl = strlen(path);
    char **out = calloc(MAXN, sizeof(char *));
    unsigned cnt = 0;

    for (unsigned i = 0; i < h->nkv; i++) {
        const char *p = h->kv[i].path, *rest, *slash;
        size_t len;
        bool dup = false;

        if (strncmp(p, path, pl) != 0 || p[pl] != '/') {
            continue;
        }
        rest = p + pl + 1;
        slash = strchr(rest, '/');
        len = slash ? (size_t)(slash - rest) : strlen(rest);
        for (unsigned j = 0; j < cnt; j++) {
            dup |= strlen(out[j]) == len && strncmp(out[j], rest, len) == 0;
        }
        if (!dup) {
            out[cnt++] = strndup(rest, len);
        }
    }
    *names = out;
    *n = cnt;
    return 0;
}

static int fh_watch(void *ctx, const char *path, const char *token)
{
    struct fhost *h = ctx;

    h->watches[h->nwatch].path = strdup(path);
    h->watches[h->nwatch].val = strdup(token);
    h->nwatch++;
    h->events[h->nev].path = strdup(path);
    h->events[h->nev].val = strdup(token);
    h->nev++;
    return 0;
}

static int fh_unwatch(void *ctx, const char *path, const char *token)
{
    struct fhost *h = ctx;

    for (unsigned i = 0; i < h->nwatch; i++) {
        if (strcmp(h->watches[i].path, path) == 0 &&
            strcmp(h->watches[i].val, token) == 0) {
            free(h->watches[i].path);
            free(h->watches[i].val);
            h->watches[i] = h->watches[--h->nwatch];
            return 0;
        }
    }
    return -ENOENT;
}

static int fh_bind(void *ctx, uint32_t domid, uint32_t remote)
{
    struct fhost *h = ctx;
    uint32_t p = h->next_port++;

    h->remote[p] = remote;
    h->bound[p] = true;
    return (int)p;
}

static int fh_unbind(void *ctx, uint32_t port)
{
    struct fhost *h = ctx;

    h->bound[port] = false;
    return 0;
}

static int fh_notify(void *ctx, uint32_t port)
{
    ((struct fhost *)ctx)->notifies[port]++;
    return 0;
}

static int fh_unmask(void *ctx, uint32_t port)
{
    ((struct fhost *)ctx)->unmasks[port]++;
    return 0;
}

const struct xenbus_host_ops fh_ops = {
    .read = fh_read,
    .write = fh_write,
    .rm = fh_rm,
    .directory = fh_directory,
    .watch = fh_watch,
    .unwatch = fh_unwatch,
    .evtchn_bind = fh_bind,
    .evtchn_unbind = fh_unbind,
    .evtchn_notify = fh_notify,
    .evtchn_unmask = fh_unmask,
};


void fhost_pump(struct fhost *h, struct xenbus *bus)
{
    /* Handlers may queue more events: index, not a snapshot. */
    for (unsigned i = 0; i < h->nev; i++) {
        if (bus) {
            xenbus_watch_fired(bus, h->events[i].path, h->events[i].val);
        }
        free(h->events[i].path);
        free(h->events[i].val);
    }
    h->nev = 0;
}

void fhost_fini(struct fhost *h)
{
    fhost_pump(h, NULL);
    for (unsigned i = 0; i < h->nkv; i++) {
        free(h->kv[i].path);
        free(h->kv[i].val);
    }
    for (unsigned i = 0; i < h->nwatch; i++) {
        free(h->watches[i].path);
        free(h->watches[i].val);
    }
    h->nkv = h->nwatch = 0;
}

uint32_t fhost_port_for(struct fhost *h, uint32_t remote)
{
    for (uint32_t p = 0; p < h->next_port; p++) {
        if (h->bound[p] && h->remote[p] == remote) {
            return p;
        }
    }
    return 0;
}
