/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim xenstored: watches and watch events.
 *
 * Theory of operation (as Xen 4.17's xenstored_watch.c): a watch is a
 * (path, token) pair on a connection; a relative path is resolved
 * against the domain's home (/local/domain/<id>) and its events are
 * reported relative to it again.  A change to node N fires every
 * watch on N or on an ancestor of N ("children fire"); nodes removed
 * below the root of an XS_RM fire only watches set exactly on them.
 * Special events (@introduceDomain, @releaseDomain) fire only exact
 * watches, on connections allowed to read the special node's
 * permissions.  A connection is told about a change only if it may
 * read the node or its parent (or could before a permission change).
 * During a transaction events are queued on the touched node and fire
 * at commit.  Every connection's events go out in the order fired;
 * a new WATCH is answered OK and then fires once.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"

static const char *watch_home(const struct sconn *c, char *buf, size_t len)
{
    snprintf(buf, len, "/local/domain/%u", c->id);
    return buf;
}

char *watch_canonical(const struct sconn *c, const char *path)
{
    char home[32];
    char *out;

    if (path[0] == '/' || path[0] == '@') {
        return strdup(path);
    }
    watch_home(c, home, sizeof(home));
    out = malloc(strlen(home) + strlen(path) + 2);
    if (out != NULL) {
        sprintf(out, "%s/%s", home, path);
    }
    return out;
}

static bool watch_is_child(const char *child, const char *parent)
{
    size_t len = strlen(parent);

    if (strcmp(parent, "/") == 0) {
        return true;
    }
    if (strncmp(child, parent, len) != 0) {
        return false;
    }
    return child[len] == '/' || child[len] == '\0';
}

static const char *watch_path(const struct sconn *c, const struct swatch *w,
                              const char *name)
{
    char home[32];
    const char *p = name;

    if (w->relative) {
        p += strlen(watch_home(c, home, sizeof(home)));
        if (*p == '/') {
            p++;
        }
    }
    return p;
}

static bool watch_special_ok(struct store *st, const struct sconn *c,
                             const char *name)
{
    int k;

    if (strcmp(name, "@introduceDomain") == 0) {
        k = 0;
    } else if (strcmp(name, "@releaseDomain") == 0) {
        k = 1;
    } else {
        return false;
    }
    return tree_perm_for_list(c, st->special[k], st->nspecial[k]) & SPERM_READ;
}

static bool watch_permitted(struct store *st, const struct sconn *c,
                            const char *name, const struct sperm *operms,
                            uint32_t noperms)
{
    const struct snode *n, *p;
    char *pname;

    if (operms != NULL && noperms > 0 &&
        (tree_perm_for_list(c, operms, noperms) & SPERM_READ)) {
        return true;
    }
    n = tree_global(st, name);
    if (n == NULL) {
        return false;
    }
    if (tree_perm_for(st, c, n) & SPERM_READ) {
        return true;
    }
    pname = tree_parent(name);
    if (pname == NULL) {
        return false;
    }
    p = tree_global(st, pname);
    free(pname);
    return p != NULL && (tree_perm_for(st, c, p) & SPERM_READ);
}

/* Inside a transaction: remember to fire at commit (Xen's queue_watches). */
static void watch_queue(struct sconn *c, const char *name, bool exact)
{
    struct taccess *a = txn_find(c->cur, name);

    if (a == NULL) {
        c->cur->fail = true;
        return;
    }
    if (!a->fire) {
        a->fire = true;
        a->exact = exact;
    } else if (!exact) {
        a->exact = false;
    }
}

void watch_fire(struct store *st, struct sconn *c, const char *name, bool exact,
                const struct sperm *operms, uint32_t noperms)
{
    bool special = name[0] == '@';
    struct sconn *i;
    struct swatch *w;

    if (c != NULL && c->cur != NULL) {
        watch_queue(c, name, exact);
        return;
    }
    for (i = st->conns; i != NULL; i = i->next) {
        if (i->dead || i->watches == NULL) {
            continue;
        }
        if (special ? !watch_special_ok(st, i, name)
                    : !watch_permitted(st, i, name, operms, noperms)) {
            continue;
        }
        for (w = i->watches; w != NULL; w = w->next) {
            bool hit = exact ? strcmp(name, w->node) == 0
                             : watch_is_child(name, w->node);

            if (hit) {
                wire_event(i, watch_path(i, w, name), w->token);
                if (i->dead) {
                    break; /* dropped for not reading: watches freed */
                }
            }
        }
    }
}

int watch_add(struct store *st, struct sconn *c, const char *path,
              const char *token)
{
    struct swatch *w, **tail;
    bool relative = false;
    char *canon;

    if (path[0] == '@') {
        if (strlen(path) > XENSTORE_REL_PATH_MAX) {
            return -EINVAL;
        }
    } else {
        relative = path[0] != '/';
    }
    canon = watch_canonical(c, path);
    if (canon == NULL) {
        return -ENOMEM;
    }
    if (path[0] != '@' && !tree_valid_name(canon)) {
        free(canon);
        return -EINVAL;
    }
    for (tail = &c->watches; *tail != NULL; tail = &(*tail)->next) {
        if (strcmp((*tail)->node, canon) == 0 &&
            strcmp((*tail)->token, token) == 0) {
            free(canon);
            return -EEXIST;
        }
    }
    if (conn_unprivileged(c) && c->dom->nbwatch > QUOTA_NB_WATCH_PER_DOMAIN) {
        free(canon);
        return -E2BIG;
    }
    w = calloc(1, sizeof(*w));
    if (w == NULL || (w->token = strdup(token)) == NULL) {
        free(w);
        free(canon);
        return -ENOMEM;
    }
    w->node = canon;
    w->relative = relative;
    *tail = w;
    if (c->dom != NULL) {
        c->dom->nbwatch++;
    }
    if (wire_reply(c, XS_WATCH, "OK", 3) == 0) {
        wire_event(c, watch_path(c, w, w->node), w->token);
    }
    (void)st;
    return 0;
}

static void watch_free(struct sconn *c, struct swatch *w)
{
    if (c->dom != NULL && c->dom->nbwatch > 0) {
        c->dom->nbwatch--;
    }
    free(w->node);
    free(w->token);
    free(w);
}

int watch_remove(struct store *st, struct sconn *c, const char *path,
                 const char *token)
{
    struct swatch **p;
    char *canon = watch_canonical(c, path);

    (void)st;
    if (canon == NULL) {
        return -ENOMEM;
    }
    for (p = &c->watches; *p != NULL; p = &(*p)->next) {
        struct swatch *w = *p;

        if (strcmp(w->node, canon) == 0 && strcmp(w->token, token) == 0) {
            *p = w->next;
            watch_free(c, w);
            free(canon);
            return 0;
        }
    }
    free(canon);
    return -ENOENT;
}

void watch_free_all(struct sconn *c)
{
    while (c->watches != NULL) {
        struct swatch *w = c->watches;

        c->watches = w->next;
        watch_free(c, w);
    }
}

/* ---- the WATCH, UNWATCH and RESET_WATCHES requests */

int op_watch(struct store *st, struct sconn *c, char *body, uint32_t len)
{
    char *vec[2];

    if (ops_strings(body, len, vec, 2) != 2) {
        return -EINVAL;
    }
    return watch_add(st, c, vec[0], vec[1]);
}

int op_unwatch(struct store *st, struct sconn *c, char *body, uint32_t len)
{
    char *vec[2];
    int rc;

    if (ops_strings(body, len, vec, 2) != 2) {
        return -EINVAL;
    }
    rc = watch_remove(st, c, vec[0], vec[1]);
    return rc < 0 ? rc : wire_reply(c, XS_UNWATCH, "OK", 3);
}

int op_reset_watches(struct store *st, struct sconn *c, char *body,
                     uint32_t len)
{
    watch_free_all(c);
    txn_free_all(c);
    return wire_reply(c, XS_RESET_WATCHES, "OK", 3);
}
