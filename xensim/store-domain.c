/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim xenstored: domains.  The domain requests (INTRODUCE,
 * RELEASE, RESUME, SET_TARGET, IS_DOMAIN_INTRODUCED,
 * GET_DOMAIN_PATH), the hooks the hypervisor service calls
 * (store_domain_shutdown, store_domain_released), and the store's
 * life cycle (store_new, store_free).
 *
 * Theory of operation (as Xen 4.17's xenstored_domain.c): INTRODUCE
 * makes a domain known and opens its channel, here a unix socket
 * DIR/domains/<domid>/xenstored.sock standing for its ring, and fires
 * @introduceDomain.  RELEASE (or the domain's death) closes that
 * channel, removes every node the domain owns, drops it from the
 * special nodes' permissions and fires @releaseDomain.  The record of
 * a domain carries the generation at which it was first seen, so
 * permission entries written before a domid was (re)used are ignored.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"

static int domain_arg(const char *body, uint32_t len, uint32_t *domid)
{
    const char *arg = ops_onearg(body, len);

    if (arg == NULL) {
        return -EINVAL;
    }
    *domid = (uint32_t)atoi(arg);
    return 0;
}

/* Xen's find_connected_domain. */
static int domain_connected(struct store *st, uint32_t domid,
                            struct sdomain **out)
{
    struct sdomain *d = domain_find(st, domid);

    if (d == NULL || !d->introduced) {
        return -ENOENT;
    }
    *out = d;
    return 0;
}

/* Drops watches and transactions of the domain's connections
 * (domain_conn_reset). */
static void domain_conns_reset(struct store *st, struct sdomain *d)
{
    struct sconn *c;

    for (c = st->conns; c != NULL; c = c->next) {
        if (c->dom == d && !c->dead) {
            watch_free_all(c);
            txn_free_all(c);
        }
    }
}

int op_introduce(struct store *st, struct sconn *c, char *body, uint32_t len)
{
    struct sdomain *d;
    char *vec[3];
    uint32_t domid, port;
    int rc;

    if (ops_strings(body, len, vec, 3) < 3) {
        return -EINVAL;
    }
    domid = (uint32_t)atoi(vec[0]);
    port = (uint32_t)atoi(vec[2]);
    if (port == 0) {
        return -EINVAL;
    }
    if (domid >= STORE_DOMID_FIRST_RESERVED) {
        return -EINVAL;
    }
    d = domain_find_or_alloc(st, domid);
    if (d == NULL) {
        return -ENOENT; /* Xen: the hypervisor knows no such domain */
    }
    if (!d->introduced) {
        if (domid != 0) {
            rc = conn_domain_listen(st, d);
            if (rc < 0) {
                return rc;
            }
        }
        d->introduced = true;
        d->shutdown = false;
        if (domid != 0) {
            watch_fire(st, NULL, "@introduceDomain", true, NULL, 0);
        }
    }
    d->port = port;
    if (domid != 0) {
        domain_conns_reset(st, d);
    }
    return wire_reply(c, XS_INTRODUCE, "OK", 3);
}

/* The argument of RELEASE and RESUME: an introduced guest (not dom0). */
static int domain_guest_arg(struct store *st, char *body, uint32_t len,
                            struct sdomain **d)
{
    uint32_t domid;
    int rc = domain_arg(body, len, &domid);

    if (rc == 0 && domid == 0) {
        rc = -EINVAL;
    }
    return rc < 0 ? rc : domain_connected(st, domid, d);
}

int op_release(struct store *st, struct sconn *c, char *body, uint32_t len)
{
    struct sdomain *d;
    int rc = domain_guest_arg(st, body, len, &d);

    if (rc < 0) {
        return rc;
    }
    ops_release_domain(st, d);
    return wire_reply(c, XS_RELEASE, "OK", 3);
}

int op_resume(struct store *st, struct sconn *c, char *body, uint32_t len)
{
    struct sdomain *d;
    int rc = domain_guest_arg(st, body, len, &d);

    if (rc < 0) {
        return rc;
    }
    d->shutdown = false;
    return wire_reply(c, XS_RESUME, "OK", 3);
}

int op_get_domain_path(struct store *st, struct sconn *c, char *body,
                       uint32_t len)
{
    char path[32];
    uint32_t domid;
    int rc = domain_arg(body, len, &domid);

    if (rc < 0) {
        return rc;
    }
    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    return wire_reply(c, XS_GET_DOMAIN_PATH, path, strlen(path) + 1);
}

int op_is_domain_introduced(struct store *st, struct sconn *c, char *body,
                            uint32_t len)
{
    struct sdomain *d;
    uint32_t domid;
    int rc = domain_arg(body, len, &domid);
    bool yes;

    if (rc < 0) {
        return rc;
    }
    yes = domid == STORE_DOMID_SELF || domain_connected(st, domid, &d) == 0;
    return wire_reply(c, XS_IS_DOMAIN_INTRODUCED, yes ? "T" : "F", 2);
}

int op_set_target(struct store *st, struct sconn *c, char *body, uint32_t len)
{
    struct sdomain *d, *t;
    char *vec[2];
    int rc;

    if (ops_strings(body, len, vec, 2) < 2) {
        return -EINVAL;
    }
    rc = domain_connected(st, (uint32_t)atoi(vec[0]), &d);
    if (rc == 0) {
        rc = domain_connected(st, (uint32_t)atoi(vec[1]), &t);
    }
    if (rc < 0) {
        return rc;
    }
    d->has_target = true;
    d->target = t->domid;
    return wire_reply(c, XS_SET_TARGET, "OK", 3);
}

/* XS_CONTROL: xenstore-control's debug commands are not simulated. */
int op_control(struct store *st, struct sconn *c, char *body, uint32_t len)
{
    return -EINVAL;
}

/* Collects names of nodes owned by domid, not descending below a hit. */
static int domain_collect(struct store *st, const char *name, uint32_t domid,
                          char ***list, size_t *n)
{
    const struct snode *node = tree_global(st, name);
    uint32_t off = 0;

    if (node == NULL) {
        return 0;
    }
    if (node->nperms > 0 && node->perms[0].id == domid) {
        char **l = realloc(*list, (*n + 1) * sizeof(**list));

        if (l == NULL || (l[*n] = strdup(name)) == NULL) {
            *list = l ? l : *list;
            return -ENOMEM;
        }
        *list = l;
        (*n)++;
        return 0;
    }
    while (off < node->childlen) {
        const char *k = node->children + off;
        char *child = malloc(strlen(name) + strlen(k) + 2);
        int rc;

        if (child == NULL) {
            return -ENOMEM;
        }
        sprintf(child, "%s/%s", strcmp(name, "/") ? name : "", k);
        rc = domain_collect(st, child, domid, list, n);
        free(child);
        if (rc < 0) {
            return rc;
        }
        off += (uint32_t)strlen(k) + 1;
    }
    return 0;
}

/* Xen's domain_tree_remove (keep_orphans off): owned nodes go. */
void ops_remove_owned(struct store *st, uint32_t domid)
{
    char **list = NULL;
    size_t n = 0, i;

    domain_collect(st, "/", domid, &list, &n);
    for (i = 0; i < n; i++) {
        if (tree_global(st, list[i]) != NULL && strcmp(list[i], "/") != 0) {
            ops_rm_node(st, NULL, list[i]);
        }
        free(list[i]);
    }
    free(list);
}

static void domain_unperm_special(struct store *st, uint32_t domid)
{
    int k;

    for (k = 0; k < 2; k++) {
        struct sperm *p = st->special[k];
        uint32_t cur, out = 1;

        if (p[0].id == domid) {
            p[0].id = 0;
        }
        for (cur = 1; cur < st->nspecial[k]; cur++) {
            if (p[cur].id != domid) {
                p[out++] = p[cur];
            }
        }
        st->nspecial[k] = out;
    }
}

void ops_release_domain(struct store *st, struct sdomain *d)
{
    bool introduced = d->introduced;
    uint32_t domid = d->domid;
    struct sconn *c;

    for (c = st->conns; c != NULL; c = c->next) {
        if (c->dom == d) {
            conn_close(c);
            c->dom = NULL;
        }
    }
    conn_domain_unlisten(st, d);
    ops_remove_owned(st, domid);
    domain_unperm_special(st, domid);
    domain_free(st, d);
    if (introduced) {
        watch_fire(st, NULL, "@releaseDomain", true, NULL, 0);
    }
}

void store_domain_shutdown(struct store *st, uint32_t domid)
{
    struct sdomain *d = domain_find(st, domid);

    if (d != NULL && d->introduced && !d->shutdown) {
        d->shutdown = true;
        watch_fire(st, NULL, "@releaseDomain", true, NULL, 0);
    }
}

void store_domain_released(struct store *st, uint32_t domid)
{
    struct sdomain *d = domain_find(st, domid);

    if (d != NULL && domid != 0) {
        ops_release_domain(st, d);
    }
}

void store_set_exists_hook(struct store *st, store_exists_fn *fn, void *opaque)
{
    st->exists = fn;
    st->exists_opaque = opaque;
}

int store_node_write(struct store *st, const char *path, const char *value)
{
    const struct snode *n;
    struct snode *d;
    int rc = tree_get(st, NULL, path, SPERM_WRITE, &n);
    uint32_t len = (uint32_t)strlen(value);

    if (len > XENSTORE_PAYLOAD_MAX) {
        return -E2BIG;
    }
    if (rc == -ENOENT) {
        rc = ops_create(st, NULL, path, value, len);
    } else if (rc == 0) {
        d = node_dup(n);
        rc = d == NULL ? -ENOMEM : node_set_data(d, value, len);
        if (rc == 0) {
            rc = tree_write(st, NULL, d, true);
        } else {
            node_free(d);
        }
    }
    if (rc == 0) {
        watch_fire(st, NULL, path, false, NULL, 0);
    }
    return rc;
}

int store_node_read(struct store *st, const char *path, char **value)
{
    const struct snode *n;
    int rc = tree_get(st, NULL, path, SPERM_READ, &n);

    if (rc < 0) {
        return rc;
    }
    *value = malloc(n->datalen + 1);
    if (*value == NULL) {
        return -ENOMEM;
    }
    if (n->datalen) {
        memcpy(*value, n->data, n->datalen);
    }
    (*value)[n->datalen] = '\0';
    return 0;
}
