/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim xenstored: the node tree, permissions, domains and quotas.
 *
 * Theory of operation: like Xen's C xenstored, which keeps each node
 * as a TDB record keyed by its full path, nodes live in one hash
 * table keyed by path; a node holds its data, its permissions and the
 * nul-separated list of its children's names in creation order (what
 * XS_DIRECTORY returns as is).  Every modification stamps the node
 * with ++generation; transactions (store-txn.c) detect conflicts by
 * comparing generations.  Lookups go through the requesting
 * connection's transaction, if any, so a transaction sees its own
 * writes.  Permissions follow xenstored_core.c's perm_for_conn: the
 * first entry is the owner and the default, later entries grant one
 * domain r/w/b/n; an entry for a domain created after the node was
 * written is ignored (so a recycled domid inherits nothing).
 *
 * Inputs here come from handlers that have already bounded lengths;
 * names are checked by tree_valid_name before any lookup.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"

static uint64_t tree_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;

    while (*s) {
        h ^= (uint8_t)*s++;
        h *= 1099511628211ull;
    }
    return h;
}

static int ntable_grow(struct ntable *t)
{
    size_t nb = t->nb ? t->nb * 2 : 256, i;
    struct snode **b = calloc(nb, sizeof(*b));

    if (b == NULL) {
        return -ENOMEM;
    }
    for (i = 0; i < t->nb; i++) {
        struct snode *n = t->b[i], *next;

        for (; n != NULL; n = next) {
            size_t k = tree_hash(n->name) & (nb - 1);

            next = n->hnext;
            n->hnext = b[k];
            b[k] = n;
        }
    }
    free(t->b);
    t->b = b;
    t->nb = nb;
    return 0;
}

static struct snode **ntable_slot(struct ntable *t, const char *name)
{
    struct snode **p;

    if (t->nb == 0) {
        return NULL;
    }
    p = &t->b[tree_hash(name) & (t->nb - 1)];
    while (*p != NULL && strcmp((*p)->name, name) != 0) {
        p = &(*p)->hnext;
    }
    return p;
}

const struct snode *tree_global(struct store *st, const char *name)
{
    struct snode **p = ntable_slot(&st->nodes, name);

    return p ? *p : NULL;
}

/* Replaces (or inserts) the global node named n->name by n. */
static int ntable_put(struct ntable *t, struct snode *n)
{
    struct snode **p;

    if (t->n + 1 > t->nb && ntable_grow(t) < 0) {
        return -ENOMEM;
    }
    p = ntable_slot(t, n->name);
    if (*p != NULL) {
        struct snode *old = *p;

        n->hnext = old->hnext;
        node_free(old);
    } else {
        n->hnext = NULL;
        t->n++;
    }
    *p = n;
    return 0;
}

static void ntable_del(struct ntable *t, const char *name)
{
    struct snode **p = ntable_slot(t, name), *n;

    if (p == NULL || *p == NULL) {
        return;
    }
    n = *p;
    *p = n->hnext;
    t->n--;
    node_free(n);
}

void node_free(struct snode *n)
{
    if (n == NULL) {
        return;
    }
    free(n->name);
    free(n->perms);
    free(n->data);
    free(n->children);
    free(n);
}

struct snode *node_new(const char *name)
{
    struct snode *n = calloc(1, sizeof(*n));

    if (n == NULL) {
        return NULL;
    }
    n->name = strdup(name);
    if (n->name == NULL) {
        free(n);
        return NULL;
    }
    return n;
}

static void *mem_dup(const void *p, size_t len)
{
    void *q = malloc(len ? len : 1);

    if (q != NULL && len) {
        memcpy(q, p, len);
    }
    return q;
}

struct snode *node_dup(const struct snode *n)
{
    struct snode *d = node_new(n->name);

    if (d == NULL) {
        return NULL;
    }
    d->gen = n->gen;
    d->nperms = n->nperms;
    d->datalen = n->datalen;
    d->childlen = n->childlen;
    d->perms = mem_dup(n->perms, n->nperms * sizeof(*n->perms));
    d->data = mem_dup(n->data, n->datalen);
    d->children = mem_dup(n->children, n->childlen);
    if (d->perms == NULL || d->data == NULL || d->children == NULL) {
        node_free(d);
        return NULL;
    }
    return d;
}

int node_set_data(struct snode *n, const void *data, uint32_t len)
{
    uint8_t *d = mem_dup(data, len);

    if (d == NULL) {
        return -ENOMEM;
    }
    free(n->data);
    n->data = d;
    n->datalen = len;
    return 0;
}

int node_add_child(struct snode *n, const char *base)
{
    size_t bl = strlen(base) + 1;
    char *c = realloc(n->children, n->childlen + bl);

    if (c == NULL) {
        return -ENOMEM;
    }
    memcpy(c + n->childlen, base, bl);
    n->children = c;
    n->childlen += (uint32_t)bl;
    return 0;
}

bool node_del_child(struct snode *n, const char *base)
{
    uint32_t off = 0;

    while (off < n->childlen) {
        size_t l = strnlen(n->children + off, n->childlen - off) + 1;

        if (strcmp(n->children + off, base) == 0) {
            memmove(n->children + off, n->children + off + l,
                    n->childlen - off - l);
            n->childlen -= (uint32_t)l;
            return true;
        }
        off += (uint32_t)l;
    }
    return false;
}

/* The parent's name ("/" for top-level nodes); NULL on ENOMEM. */
char *tree_parent(const char *name)
{
    const char *slash = strrchr(name + 1, '/');

    if (slash == NULL) {
        return strdup("/");
    }
    return strndup(name, (size_t)(slash - name));
}

/* Xen's is_valid_nodename: absolute, no "//", no trailing "/", charset, length.
 */
bool tree_valid_name(const char *name)
{
    size_t len = strlen(name), local_off = 0;
    unsigned domid;
    int n = 0;

    if (name[0] != '/') {
        return false;
    }
    if (len > 1 && name[len - 1] == '/') {
        return false;
    }
    if (strstr(name, "//") != NULL) {
        return false;
    }
    if (sscanf(name, "/local/domain/%5u/%n", &domid, &n) == 1 && n > 0) {
        local_off = (size_t)n;
    }
    if (len > local_off + QUOTA_MAX_PATH_LEN) {
        return false;
    }
    return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789-/_@") == len;
}

/* Size of the node as Xen's TDB record (header 24 + 8 per permission). */
size_t tree_entry_size(const struct snode *n)
{
    return 24 + (size_t)n->nperms * 8 + n->datalen + n->childlen;
}

bool conn_unprivileged(const struct sconn *c)
{
    return c != NULL && c->dom != NULL && c->id != 0;
}

static bool conn_is(const struct sconn *c, uint32_t id)
{
    return id == c->id ||
           (c->dom != NULL && c->dom->has_target && c->dom->target == id);
}

unsigned tree_perm_for_list(const struct sconn *c, const struct sperm *p,
                            uint32_t n)
{
    const unsigned all = SPERM_READ | SPERM_WRITE | SPERM_OWNER;
    uint32_t i;

    if (!conn_unprivileged(c) || n == 0 || conn_is(c, p[0].id)) {
        return all;
    }
    for (i = 1; i < n; i++) {
        if (!(p[i].perms & SPERM_IGNORE) && conn_is(c, p[i].id)) {
            return p[i].perms & all;
        }
    }
    return p[0].perms & all;
}

/* Marks entries naming domains younger than the node (Xen: adjust_node_perms).
 */
static void tree_adjust_perms(struct store *st, const struct snode *n)
{
    uint32_t i;

    for (i = 1; i < n->nperms; i++) {
        struct sdomain *d;

        if (n->perms[i].perms & SPERM_IGNORE) {
            continue;
        }
        d = domain_find(st, n->perms[i].id);
        if (d == NULL || d->gen > n->gen) {
            n->perms[i].perms |= SPERM_IGNORE;
        }
    }
}

unsigned tree_perm_for(struct store *st, const struct sconn *c,
                       const struct snode *n)
{
    tree_adjust_perms(st, n);
    return tree_perm_for_list(c, n->perms, n->nperms);
}

int tree_lookup(struct store *st, struct sconn *c, const char *name,
                const struct snode **out)
{
    const struct snode *g = tree_global(st, name);
    struct taccess *a;
    int rc;

    if (c == NULL || c->cur == NULL) {
        if (g == NULL) {
            return -ENOENT;
        }
        tree_adjust_perms(st, g);
        *out = g;
        return 0;
    }
    a = txn_find(c->cur, name);
    if (a == NULL) {
        rc = txn_access(st, c, name, g, false, &a);
        if (rc < 0) {
            return rc;
        }
    }
    if (a->copy == NULL) {
        return -ENOENT;
    }
    tree_adjust_perms(st, a->copy);
    *out = a->copy;
    return 0;
}

/* Xen's errno_from_parents: hide why a node is missing from the nosy. */
static int tree_launder(struct store *st, struct sconn *c, const char *name,
                        int err, unsigned perm)
{
    const struct snode *p = NULL;
    char *cur = strdup(name), *up;
    int rc = -ENOENT;

    if (err == -ENOMEM || err == -ENOSPC || cur == NULL) {
        free(cur);
        return cur ? err : -ENOMEM;
    }
    while (strcmp(cur, "/") != 0) {
        up = tree_parent(cur);
        free(cur);
        cur = up;
        if (cur == NULL) {
            return -ENOMEM;
        }
        rc = tree_lookup(st, c, cur, &p);
        if (rc == 0 || rc == -ENOMEM || rc == -ENOSPC) {
            break;
        }
    }
    free(cur);
    if (rc < 0) {
        return rc == -ENOENT ? -EACCES : rc;
    }
    return (tree_perm_for(st, c, p) & perm) ? err : -EACCES;
}

int tree_get(struct store *st, struct sconn *c, const char *name, unsigned perm,
             const struct snode **out)
{
    const struct snode *n = NULL;
    int rc;

    if (name == NULL || !tree_valid_name(name)) {
        return -EINVAL;
    }
    rc = tree_lookup(st, c, name, &n);
    if (rc == 0 && (tree_perm_for(st, c, n) & perm) != perm) {
        rc = -EACCES;
    }
    if (rc == 0) {
        *out = n;
        return 0;
    }
    return tree_launder(st, c, name, rc, perm);
}

int tree_write(struct store *st, struct sconn *c, struct snode *n,
               bool no_quota)
{
    struct taccess *a;
    int rc;

    if (!no_quota && conn_unprivileged(c) &&
        tree_entry_size(n) >= QUOTA_MAX_ENTRY_SIZE) {
        node_free(n);
        return -ENOSPC;
    }
    n->gen = ++st->generation;
    if (c == NULL || c->cur == NULL) {
        rc = ntable_put(&st->nodes, n);
        if (rc < 0) {
            node_free(n);
        }
        return rc;
    }
    rc = txn_access(st, c, n->name, tree_global(st, n->name), true, &a);
    if (rc < 0) {
        node_free(n);
        return rc;
    }
    node_free(a->copy);
    a->copy = n;
    return 0;
}

int tree_delete(struct store *st, struct sconn *c, const char *name)
{
    struct taccess *a;
    int rc;

    ++st->generation;
    if (c == NULL || c->cur == NULL) {
        ntable_del(&st->nodes, name);
        return 0;
    }
    rc = txn_access(st, c, name, tree_global(st, name), true, &a);
    if (rc < 0) {
        return rc;
    }
    node_free(a->copy);
    a->copy = NULL;
    return 0;
}

/* ---- domains */

struct sdomain *domain_find(struct store *st, uint32_t domid)
{
    struct sdomain *d;

    for (d = st->domains; d != NULL; d = d->next) {
        if (d->domid == domid) {
            return d;
        }
    }
    return NULL;
}

static bool domain_exists(struct store *st, uint32_t domid)
{
    if (domid == 0) {
        return true;
    }
    if (st->exists != NULL) {
        return st->exists(st->exists_opaque, domid);
    }
    return domid < STORE_DOMID_FIRST_RESERVED;
}

struct sdomain *domain_find_or_alloc(struct store *st, uint32_t domid)
{
    struct sdomain *d = domain_find(st, domid);

    if (d != NULL || !domain_exists(st, domid)) {
        return d;
    }
    d = calloc(1, sizeof(*d));
    if (d == NULL) {
        return NULL;
    }
    d->domid = domid;
    d->gen = st->generation;
    d->listen_fd = -1;
    d->st = st;
    d->next = st->domains;
    st->domains = d;
    return d;
}

void domain_free(struct store *st, struct sdomain *d)
{
    struct sdomain **p;

    for (p = &st->domains; *p != NULL; p = &(*p)->next) {
        if (*p == d) {
            *p = d->next;
            break;
        }
    }
    free(d->sock_path);
    free(d);
}

void domain_entry_adjust(struct store *st, struct sconn *c, uint32_t owner,
                         int delta)
{
    struct tdomdelta *t;
    struct sdomain *d;

    if (c != NULL && c->cur != NULL) {
        for (t = c->cur->deltas; t != NULL; t = t->next) {
            if (t->domid == owner) {
                t->delta += delta;
                return;
            }
        }
        t = calloc(1, sizeof(*t));
        if (t == NULL) {
            c->cur->fail = true;
            return;
        }
        t->domid = owner;
        t->delta = delta;
        t->next = c->cur->deltas;
        c->cur->deltas = t;
        return;
    }
    d = domain_find_or_alloc(st, owner);
    if (d != NULL) {
        d->nbentry += delta;
    }
}

int domain_entries(struct store *st, const struct sconn *c)
{
    return conn_unprivileged(c) ? c->dom->nbentry : 0;
}

/* Xen 4.17's setup_structure: "/", "/tool", "/tool/xenstored", owned by dom0.
 */
int tree_init(struct store *st)
{
    static const char *const names[] = {"/", "/tool", "/tool/xenstored"};
    static const char *const kids[] = {"tool", "xenstored", NULL};
    size_t i;
    int rc;

    if (domain_find_or_alloc(st, 0) == NULL) {
        return -ENOMEM;
    }
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct snode *n = node_new(names[i]);

        if (n == NULL) {
            return -ENOMEM;
        }
        n->perms = calloc(1, sizeof(*n->perms));
        if (n->perms == NULL ||
            (kids[i] != NULL && node_add_child(n, kids[i]) < 0)) {
            node_free(n);
            return -ENOMEM;
        }
        n->nperms = 1;
        rc = tree_write(st, NULL, n, true);
        if (rc < 0) {
            return rc;
        }
    }
    domain_find(st, 0)->nbentry = 3;
    return 0;
}

void tree_fini(struct store *st)
{
    size_t i;

    for (i = 0; i < st->nodes.nb; i++) {
        struct snode *n = st->nodes.b[i], *next;

        for (; n != NULL; n = next) {
            next = n->hnext;
            node_free(n);
        }
    }
    free(st->nodes.b);
    st->nodes.b = NULL;
    st->nodes.nb = st->nodes.n = 0;
    while (st->domains != NULL) {
        domain_free(st, st->domains);
    }
}
