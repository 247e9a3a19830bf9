/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim xenstored: transactions.
 *
 * Theory of operation (as Xen 4.17's xenstored_transaction.c): a
 * transaction records every node it touches, in first-touch order.
 * A first read saves the node's generation (or "absent") and a
 * private copy; writes and deletes change only the copy.  On commit
 * every node that was read must still carry the generation seen, or
 * the commit fails with EAGAIN and nothing is applied; otherwise the
 * modified copies replace the global nodes, each with a fresh
 * generation, and the watch events queued during the transaction
 * fire.  Node-count quota changes are kept per domain and applied at
 * commit.  Transaction ids are per connection and never 0.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"

struct taccess *txn_find(struct stxn *t, const char *name)
{
    struct taccess *a;

    for (a = t->acc; a != NULL; a = a->next) {
        if (strcmp(a->name, name) == 0) {
            return a;
        }
    }
    return NULL;
}

static struct taccess *txn_access_new(const char *name,
                                      const struct snode *global)
{
    struct taccess *a = calloc(1, sizeof(*a));

    if (a == NULL) {
        return NULL;
    }
    a->name = strdup(name);
    if (a->name == NULL) {
        free(a);
        return NULL;
    }
    if (global != NULL && global->nperms) {
        a->operms = malloc(global->nperms * sizeof(*a->operms));
        if (a->operms == NULL) {
            free(a->name);
            free(a);
            return NULL;
        }
        memcpy(a->operms, global->perms, global->nperms * sizeof(*a->operms));
        a->noperms = global->nperms;
    }
    return a;
}

static void txn_access_free(struct taccess *a)
{
    node_free(a->copy);
    free(a->operms);
    free(a->name);
    free(a);
}

int txn_access(struct store *st, struct sconn *c, const char *name,
               const struct snode *global, bool write, struct taccess **out)
{
    struct stxn *t = c->cur;
    struct taccess *a = txn_find(t, name);

    if (a == NULL) {
        if (t->nodes >= QUOTA_TRANS_NODES && conn_unprivileged(c)) {
            t->fail = true;
            return -ENOSPC;
        }
        a = txn_access_new(name, global);
        if (a == NULL) {
            t->fail = true;
            return -ENOMEM;
        }
        if (!write) {
            a->check_gen = true;
            a->gen = global ? global->gen : STORE_NO_GEN;
            if (global != NULL) {
                a->copy = node_dup(global);
                if (a->copy == NULL) {
                    txn_access_free(a);
                    t->fail = true;
                    return -ENOMEM;
                }
            }
        }
        t->nodes++;
        *t->acc_tail = a;
        t->acc_tail = &a->next;
    }
    if (write) {
        a->modified = true;
    }
    *out = a;
    return 0;
}

struct stxn *txn_lookup(struct sconn *c, uint32_t id)
{
    struct stxn *t;

    for (t = c->txns; t != NULL; t = t->next) {
        if (t->id == id) {
            return t;
        }
    }
    return NULL;
}

/* Open transactions of c's domain, over all its connections (one "ring"). */
static unsigned txn_domain_count(struct store *st, const struct sconn *c)
{
    const struct sconn *i;
    unsigned n = 0;

    for (i = st->conns; i != NULL; i = i->next) {
        if (i->dom == c->dom && !i->dead) {
            n += i->ntxns;
        }
    }
    return n;
}

int txn_start(struct store *st, struct sconn *c, uint32_t *id)
{
    struct stxn *t;

    if (c->cur != NULL) {
        return -EBUSY;
    }
    if (conn_unprivileged(c) &&
        txn_domain_count(st, c) > QUOTA_MAX_TRANSACTION) {
        return -ENOSPC;
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return -ENOMEM;
    }
    t->acc_tail = &t->acc;
    t->gen = ++st->generation;
    do {
        t->id = c->next_txid++;
    } while (t->id == 0 || txn_lookup(c, t->id) != NULL);
    t->next = c->txns;
    c->txns = t;
    c->ntxns++;
    *id = t->id;
    return 0;
}

static void txn_free(struct stxn *t)
{
    struct taccess *a, *an;
    struct tdomdelta *d, *dn;

    for (a = t->acc; a != NULL; a = an) {
        an = a->next;
        txn_access_free(a);
    }
    for (d = t->deltas; d != NULL; d = dn) {
        dn = d->next;
        free(d);
    }
    free(t);
}

static void txn_unlink(struct sconn *c, struct stxn *t)
{
    struct stxn **p;

    for (p = &c->txns; *p != NULL; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            c->ntxns--;
            return;
        }
    }
}

static int txn_check(struct store *st, struct sconn *c, struct stxn *t)
{
    bool chk_quota = t->node_created && conn_unprivileged(c);
    struct tdomdelta *d;
    struct taccess *a;

    for (d = t->deltas; chk_quota && d != NULL; d = d->next) {
        struct sdomain *dom = domain_find(st, d->domid);
        int cnt = (dom ? dom->nbentry : 0) + d->delta;

        if (d->domid != 0 && cnt >= QUOTA_NB_ENTRY_PER_DOMAIN) {
            return -ENOSPC;
        }
    }
    for (a = t->acc; a != NULL; a = a->next) {
        const struct snode *g = tree_global(st, a->name);

        if (a->check_gen && (g ? g->gen : STORE_NO_GEN) != a->gen) {
            return -EAGAIN;
        }
    }
    return 0;
}

/* Applies one modified node; the caller has checked for conflicts. */
static void txn_apply_one(struct store *st, struct sconn *c, struct taccess *a)
{
    if (a->copy != NULL) {
        struct snode *n = a->copy;

        a->copy = NULL;
        /* tree_write outside a transaction: stamps ++generation. */
        if (tree_write(st, NULL, n, true) < 0) {
            return;
        }
    } else if (tree_global(st, a->name) != NULL) {
        tree_delete(st, NULL, a->name);
    }
    if (a->fire) {
        watch_fire(st, c, a->name, a->exact, a->operms, a->noperms);
    }
}

int txn_end(struct store *st, struct sconn *c, bool commit)
{
    struct stxn *t = c->cur;
    struct tdomdelta *d;
    struct taccess *a;
    int rc = 0;

    if (t == NULL) {
        return -ENOENT;
    }
    txn_unlink(c, t);
    c->cur = NULL;
    if (commit) {
        rc = t->fail ? -ENOMEM : txn_check(st, c, t);
    }
    if (commit && rc == 0) {
        for (a = t->acc; a != NULL; a = a->next) {
            if (a->modified) {
                txn_apply_one(st, c, a);
            }
        }
        for (d = t->deltas; d != NULL; d = d->next) {
            struct sdomain *dom = domain_find_or_alloc(st, d->domid);

            if (dom != NULL) {
                dom->nbentry += d->delta;
                if (dom->nbentry < 0) {
                    dom->nbentry = 0;
                }
            }
        }
    }
    txn_free(t);
    return rc;
}

void txn_free_all(struct sconn *c)
{
    while (c->txns != NULL) {
        struct stxn *t = c->txns;

        c->txns = t->next;
        txn_free(t);
    }
    c->ntxns = 0;
    c->cur = NULL;
}

/* ---- the TRANSACTION_START and TRANSACTION_END requests */

int op_transaction_start(struct store *st, struct sconn *c, char *body,
                         uint32_t len)
{
    char id[16];
    uint32_t tid;
    int rc = txn_start(st, c, &tid);

    if (rc < 0) {
        return rc;
    }
    snprintf(id, sizeof(id), "%u", tid);
    return wire_reply(c, XS_TRANSACTION_START, id, strlen(id) + 1);
}

int op_transaction_end(struct store *st, struct sconn *c, char *body,
                       uint32_t len)
{
    const char *arg = ops_onearg(body, len);
    int rc;

    if (arg == NULL || (strcmp(arg, "T") != 0 && strcmp(arg, "F") != 0)) {
        return -EINVAL;
    }
    rc = txn_end(st, c, arg[0] == 'T');
    return rc < 0 ? rc : wire_reply(c, XS_TRANSACTION_END, "OK", 3);
}
