/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim xenstored: the node requests (READ, WRITE, MKDIR, RM,
 * DIRECTORY, DIRECTORY_PART, GET_PERMS, SET_PERMS; watch requests are
 * in store-watch.c, transaction requests in store-txn.c), each as Xen 4.17's
 * xenstored_core.c answers it: same argument checks, same error
 * names, same creation rules (missing parents are created and
 * inherit their parent's permissions; an unprivileged domain owns
 * what it creates), same quotas.
 *
 * Handlers get the request body with a nul appended past `len`
 * (store-wire.c guarantees it) and treat it as hostile: arguments are
 * counted against `len`, never found by scanning past it.  A request
 * either applies entirely or changes nothing.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"

unsigned ops_strings(char *body, uint32_t len, char **vec, unsigned n)
{
    uint32_t off = 0;
    unsigned i = 0;

    while (off < len) {
        char *nul = memchr(body + off, 0, len - off);

        if (nul == NULL) {
            break;
        }
        if (i < n) {
            vec[i] = body + off;
        }
        i++;
        off = (uint32_t)(nul - body) + 1;
    }
    return i;
}

const char *ops_onearg(const char *body, uint32_t len)
{
    if (len == 0 || memchr(body, 0, len) != body + len - 1) {
        return NULL;
    }
    return body;
}

static unsigned ops_count_nuls(const char *body, uint32_t len)
{
    unsigned n = 0;
    uint32_t i;

    for (i = 0; i < len; i++) {
        n += body[i] == '\0';
    }
    return n;
}

static int ops_ack(struct sconn *c, uint32_t type)
{
    return wire_reply(c, type, "OK", 3);
}

/* tree_get on the canonical name; *canon (malloc'd) is set on return. */
static int ops_get(struct store *st, struct sconn *c, const char *arg,
                   unsigned perm, const struct snode **n, char **canon)
{
    *canon = NULL;
    if (arg == NULL) {
        return -EINVAL;
    }
    *canon = watch_canonical(c, arg);
    if (*canon == NULL) {
        return -ENOMEM;
    }
    return tree_get(st, c, *canon, perm, n);
}

int op_read(struct store *st, struct sconn *c, char *body, uint32_t len)
{
    const struct snode *n;
    char *name;
    int rc = ops_get(st, c, ops_onearg(body, len), SPERM_READ, &n, &name);

    free(name);
    return rc < 0 ? rc : wire_reply(c, XS_READ, n->data, n->datalen);
}

int op_directory(struct store *st, struct sconn *c, char *body, uint32_t len)
{
    const struct snode *n;
    char *name;
    int rc = ops_get(st, c, ops_onearg(body, len), SPERM_READ, &n, &name);

    free(name);
    return rc < 0 ? rc : wire_reply(c, XS_DIRECTORY, n->children, n->childlen);
}

int op_directory_part(struct store *st, struct sconn *c, char *body,
                      uint32_t len)
{
    const struct snode *n;
    char gen[24], *name, *out;
    uint32_t off, plen = 0, maxlen, genlen;
    int rc;

    if (ops_count_nuls(body, len) != 2) {
        return -EINVAL;
    }
    rc = ops_get(st, c, body, SPERM_READ, &n, &name);
    free(name);
    if (rc < 0) {
        return rc;
    }
    off = (uint32_t)atoi(body + strlen(body) + 1);
    genlen = (uint32_t)snprintf(gen, sizeof(gen), "%" PRIu64, n->gen) + 1;
    if (off >= n->childlen) {
        char empty[sizeof(gen) + 1];

        memcpy(empty, gen, genlen);
        empty[genlen] = '\0';
        return wire_reply(c, XS_DIRECTORY_PART, empty, genlen + 1);
    }
    maxlen = XENSTORE_PAYLOAD_MAX - genlen - 1;
    while (off + plen < n->childlen) {
        size_t cl = strlen(n->children + off + plen);

        if (plen + cl >= maxlen) {
            break;
        }
        plen += (uint32_t)cl + 1;
    }
    out = malloc(genlen + plen + 1);
    if (out == NULL) {
        return -ENOMEM;
    }
    memcpy(out, gen, genlen);
    if (plen) {
        memcpy(out + genlen, n->children + off, plen);
    }
    if (off + plen == n->childlen) {
        out[genlen + plen] = '\0';
        plen++;
    }
    rc = wire_reply(c, XS_DIRECTORY_PART, out, genlen + plen);
    free(out);
    return rc;
}

int op_get_perms(struct store *st, struct sconn *c, char *body, uint32_t len)
{
    static const char letter[4] = {'n', 'r', 'w', 'b'};
    const struct snode *n;
    char buf[16 * (QUOTA_NB_PERMS_PER_NODE + 4)], *out, *name;
    size_t used = 0, cap = sizeof(buf);
    uint32_t i;
    int rc = ops_get(st, c, ops_onearg(body, len), SPERM_READ, &n, &name);

    free(name);
    if (rc < 0) {
        return rc;
    }
    out = n->nperms * 16 > cap ? malloc(n->nperms * 16) : buf;
    if (out == NULL) {
        return -ENOMEM;
    }
    for (i = 0; i < n->nperms; i++) {
        unsigned p = n->perms[i].perms & ~SPERM_IGNORE;

        if (p > 3) {
            rc = -EINVAL;
            break;
        }
        used += (size_t)sprintf(out + used, "%c%i", letter[p],
                                (int)n->perms[i].id) +
                1;
    }
    if (rc == 0) {
        rc = wire_reply(c, XS_GET_PERMS, out, used);
    }
    if (out != buf) {
        free(out);
    }
    return rc;
}

/*
 * Xen's construct_node + create_node: creates name and any missing
 * ancestors, bottom-up, all-or-nothing.
 */
int ops_create(struct store *st, struct sconn *c, const char *name,
               const void *data, uint32_t len)
{
    const struct snode *top = NULL;
    struct snode **made = NULL, *ptop = NULL;
    char **names = NULL, *cur;
    unsigned levels = 0, i;
    int rc;

    cur = strdup(name);
    while (cur != NULL) {
        char **nn = realloc(names, (levels + 1) * sizeof(*names));
        char *parent;

        if (nn == NULL) {
            free(cur);
            break;
        }
        names = nn;
        names[levels++] = cur;
        parent = tree_parent(cur);
        if (parent == NULL) {
            break;
        }
        rc = tree_lookup(st, c, parent, &top);
        if (rc == 0 || rc != -ENOENT || strcmp(parent, "/") == 0) {
            free(parent);
            goto found;
        }
        cur = parent;
    }
    rc = -ENOMEM;
    goto out;
found:
    if (rc < 0) {
        goto out;
    }
    if (conn_unprivileged(c) &&
        domain_entries(st, c) + (c->cur ? 1 : (int)levels) >
            QUOTA_NB_ENTRY_PER_DOMAIN) {
        rc = -ENOSPC;
        goto out;
    }
    rc = -ENOMEM;
    made = calloc(levels, sizeof(*made));
    ptop = node_dup(top);
    if (made == NULL || ptop == NULL ||
        node_add_child(ptop, strrchr(names[levels - 1], '/') + 1) < 0) {
        goto out;
    }
    for (i = levels; i-- > 0;) {
        const struct snode *from = i + 1 < levels ? made[i + 1] : top;
        struct snode *n = node_new(names[i]);

        made[i] = n;
        if (n == NULL) {
            goto out;
        }
        n->perms = malloc(from->nperms * sizeof(*n->perms));
        if (n->perms == NULL) {
            goto out;
        }
        memcpy(n->perms, from->perms, from->nperms * sizeof(*n->perms));
        n->nperms = from->nperms;
        if (conn_unprivileged(c)) {
            n->perms[0].id = c->id;
        }
        if (i > 0 ? node_add_child(n, strrchr(names[i - 1], '/') + 1) < 0
                  : node_set_data(n, data, len) < 0) {
            goto out;
        }
    }
    rc = -ENOSPC;
    for (i = 0; i < levels && conn_unprivileged(c); i++) {
        if (tree_entry_size(made[i]) >= QUOTA_MAX_ENTRY_SIZE) {
            goto out;
        }
    }
    if (conn_unprivileged(c) && tree_entry_size(ptop) >= QUOTA_MAX_ENTRY_SIZE) {
        goto out;
    }
    if (c != NULL && c->cur != NULL) {
        c->cur->node_created = true;
    }
    rc = 0;
    for (i = 0; i < levels && rc == 0; i++) {
        uint32_t owner = made[i]->perms[0].id;

        rc = tree_write(st, c, made[i], true);
        made[i] = NULL;
        if (rc == 0) {
            domain_entry_adjust(st, c, owner, 1);
        }
    }
    if (rc == 0) {
        rc = tree_write(st, c, ptop, true);
        ptop = NULL;
    }
out:
    for (i = 0; made != NULL && i < levels; i++) {
        node_free(made[i]);
    }
    for (i = 0; i < levels; i++) {
        free(names[i]);
    }
    free(made);
    free(names);
    node_free(ptop);
    return rc;
}

int op_write(struct store *st, struct sconn *c, char *body, uint32_t len)
{
    const struct snode *n;
    char *vec[1], *name;
    uint32_t off;
    int rc;

    if (ops_strings(body, len, vec, 1) < 1) {
        return -EINVAL;
    }
    off = (uint32_t)strlen(vec[0]) + 1;
    rc = ops_get(st, c, vec[0], SPERM_WRITE, &n, &name);
    if (rc == -ENOENT) {
        rc = ops_create(st, c, name, body + off, len - off);
    } else if (rc == 0) {
        struct snode *d = node_dup(n);

        rc = d == NULL ? -ENOMEM : node_set_data(d, body + off, len - off);
        if (rc == 0) {
            rc = tree_write(st, c, d, false);
        } else {
            node_free(d);
        }
    }
    if (rc == 0) {
        watch_fire(st, c, name, false, NULL, 0);
        rc = ops_ack(c, XS_WRITE);
    }
    free(name);
    return rc;
}

int op_mkdir(struct store *st, struct sconn *c, char *body, uint32_t len)
{
    const struct snode *n;
    char *name;
    int rc = ops_get(st, c, ops_onearg(body, len), SPERM_WRITE, &n, &name);

    if (rc == -ENOENT) {
        rc = ops_create(st, c, name, NULL, 0);
        if (rc == 0) {
            watch_fire(st, c, name, false, NULL, 0);
        }
    }
    free(name);
    return rc < 0 ? rc : ops_ack(c, XS_MKDIR);
}

/* Deletes name's subtree, children first, firing as Xen's delnode_sub. */
static int ops_rm_sub(struct store *st, struct sconn *c, const char *root,
                      const char *name)
{
    const struct snode *n;
    uint32_t off = 0;
    char *kids;
    int rc = tree_lookup(st, c, name, &n);

    if (rc < 0) {
        return rc == -ENOENT ? 0 : rc;
    }
    kids = malloc(n->childlen + 1);
    if (kids == NULL) {
        return -ENOMEM;
    }
    if (n->childlen) {
        memcpy(kids, n->children, n->childlen);
    }
    kids[n->childlen] = '\0';
    while (off < n->childlen && rc == 0) {
        const char *k = kids + off;
        size_t nl = strlen(name), kl = strlen(k);
        char *child = malloc(nl + kl + 2);

        if (child == NULL) {
            rc = -ENOMEM;
            break;
        }
        sprintf(child, "%s/%s", strcmp(name, "/") ? name : "", k);
        rc = ops_rm_sub(st, c, root, child);
        free(child);
        off += (uint32_t)kl + 1;
        rc = rc == 0 && tree_lookup(st, c, name, &n) < 0 ? -EIO : rc;
    }
    free(kids);
    if (rc == 0) {
        uint32_t owner = n->perms ? n->perms[0].id : 0;

        watch_fire(st, c, name, strcmp(root, name) != 0, NULL, 0);
        rc = tree_delete(st, c, name);
        if (rc == 0) {
            domain_entry_adjust(st, c, owner, -1);
        }
    }
    return rc;
}

int ops_rm_node(struct store *st, struct sconn *c, const char *name)
{
    const struct snode *p;
    struct snode *pd;
    char *parent = tree_parent(name);
    int rc;

    if (parent == NULL) {
        return -ENOMEM;
    }
    rc = tree_lookup(st, c, parent, &p);
    free(parent);
    if (rc < 0) {
        return rc == -ENOMEM || rc == -ENOSPC ? rc : -EINVAL;
    }
    pd = node_dup(p);
    if (pd == NULL) {
        return -ENOMEM;
    }
    rc = ops_rm_sub(st, c, name, name);
    if (rc == 0) {
        node_del_child(pd, strrchr(name, '/') + 1);
        return tree_write(st, c, pd, true);
    }
    node_free(pd);
    return rc;
}

int op_rm(struct store *st, struct sconn *c, char *body, uint32_t len)
{
    const struct snode *n;
    char *name, *parent;
    int rc = ops_get(st, c, ops_onearg(body, len), SPERM_WRITE, &n, &name);

    if (rc == -ENOENT) {
        parent = tree_parent(name);
        rc = parent == NULL ? -ENOMEM : tree_lookup(st, c, parent, &n);
        free(parent);
        if (rc == 0) {
            rc = ops_ack(c, XS_RM);
        } else if (rc != -ENOMEM && rc != -ENOSPC) {
            rc = -ENOENT;
        }
    } else if (rc == 0) {
        rc = strcmp(name, "/") == 0 ? -EINVAL : ops_rm_node(st, c, name);
        if (rc == 0) {
            rc = ops_ack(c, XS_RM);
        }
    }
    free(name);
    return rc;
}

/* Xen's xs_strings_to_perms over exactly n nul-terminated strings. */
static int ops_parse_perms(struct store *st, const char *s, struct sperm *p,
                           uint32_t n)
{
    static const char letters[] = "nrwb";
    uint32_t i;

    for (i = 0; i < n; i++) {
        const char *l = *s ? strchr(letters, *s) : NULL;
        char *end;

        if (l == NULL) {
            return -EINVAL;
        }
        p[i].perms = (uint32_t)(l - letters);
        s++;
        p[i].id = (uint32_t)strtol(s, &end, 0);
        if (*end != '\0' || *s == '\0') {
            return -EINVAL;
        }
        s = end + 1;
        if (domain_find_or_alloc(st, p[i].id) == NULL) {
            p[i].perms |= SPERM_IGNORE;
        }
    }
    return 0;
}

static int ops_set_special(struct store *st, struct sconn *c, const char *name,
                           struct sperm *p, uint32_t n)
{
    const unsigned need = SPERM_WRITE | SPERM_OWNER;
    int k;

    if (strcmp(name, "@introduceDomain") == 0) {
        k = 0;
    } else if (strcmp(name, "@releaseDomain") == 0) {
        k = 1;
    } else {
        return -EINVAL;
    }
    if ((tree_perm_for_list(c, st->special[k], st->nspecial[k]) & need) !=
        need) {
        return -EACCES;
    }
    free(st->special[k]);
    st->special[k] = p;
    st->nspecial[k] = n;
    return 0;
}

int op_set_perms(struct store *st, struct sconn *c, char *body, uint32_t len)
{
    uint32_t n = ops_count_nuls(body, len);
    const struct snode *node;
    struct sperm *p;
    struct snode *d;
    char *name = NULL;
    int rc;

    if (n < 2) {
        return -EINVAL;
    }
    n--;
    if (conn_unprivileged(c) && n > QUOTA_NB_PERMS_PER_NODE) {
        return -ENOSPC;
    }
    p = calloc(n, sizeof(*p));
    if (p == NULL) {
        return -ENOMEM;
    }
    rc = ops_parse_perms(st, body + strlen(body) + 1, p, n);
    if (rc == 0 && (p[0].perms & SPERM_IGNORE)) {
        rc = -ENOENT;
    }
    if (rc == 0 && body[0] == '@') {
        rc = ops_set_special(st, c, body, p, n);
        if (rc == 0) {
            return ops_ack(c, XS_SET_PERMS);
        }
    }
    if (rc == 0) {
        rc = ops_get(st, c, body, SPERM_WRITE | SPERM_OWNER, &node, &name);
    }
    if (rc == 0 && conn_unprivileged(c) && p[0].id != node->perms[0].id) {
        rc = -EPERM;
    }
    d = rc == 0 ? node_dup(node) : NULL;
    if (rc == 0 && d == NULL) {
        rc = -ENOMEM;
    }
    if (rc == 0) {
        struct sperm *old = d->perms;
        uint32_t nold = d->nperms;

        d->perms = p;
        d->nperms = n;
        p = old;
        rc = tree_write(st, c, d, false);
        if (rc == 0) {
            domain_entry_adjust(st, c, old[0].id, -1);
            domain_entry_adjust(st, c, d->perms[0].id, 1);
            watch_fire(st, c, name, false, old, nold);
            rc = ops_ack(c, XS_SET_PERMS);
        }
    }
    free(p);
    free(name);
    return rc;
}
