/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal types of xensim's xenstored, shared by its modules:
 * store-tree.c (nodes, permissions, domains, quotas), store-txn.c
 * (transactions), store-watch.c (watches and events), store-ops.c
 * (the request handlers), store-wire.c (message framing, dispatch)
 * and store-conn.c (sockets).  Nothing outside xensim/store-*.c
 * includes this; the rest of xensim uses store.h.
 *
 * Everything here is reached from requests of untrusted clients
 * (guests); every length is bounded by XENSTORE_PAYLOAD_MAX before a
 * handler runs, and every node name is validated by tree_valid_name.
 */
#ifndef XENSIM_STORE_INT_H
#define XENSIM_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

#include "store.h"

struct loop;

/* Permission bits, as xenstore_lib.h's XS_PERM_* (wire letters n/r/w/b). */
#define SPERM_NONE  0x00u
#define SPERM_READ  0x01u
#define SPERM_WRITE 0x02u
#define SPERM_OWNER 0x08u
/* Entry names a domain that did not exist when the node was written. */
#define SPERM_IGNORE 0x10u

#define STORE_NO_GEN               (~(uint64_t)0)
#define STORE_DOMID_SELF           0x7ff0u
#define STORE_DOMID_FIRST_RESERVED 0x7ff0u

/* Xen 4.17's defaults (xenstored_core.c). */
#define QUOTA_NB_ENTRY_PER_DOMAIN 1000
#define QUOTA_NB_WATCH_PER_DOMAIN 128
#define QUOTA_MAX_ENTRY_SIZE      2048
#define QUOTA_MAX_TRANSACTION     10
#define QUOTA_NB_PERMS_PER_NODE   5
#define QUOTA_TRANS_NODES         1024
#define QUOTA_MAX_PATH_LEN        XENSTORE_REL_PATH_MAX
#define QUOTA_REQ_OUTSTANDING     20
/* Ours: a connection that lets this much output pile up is dropped. */
#define CONN_OUT_MAX (8u << 20)
/* Guests: Xen's hard memory quota per domain (2.5 MiB) per connection. */
#define CONN_OUT_MAX_GUEST (5u << 19)
/*
 * Ours: connections to one guest socket.  Xen has one ring per domain;
 * the transaction quota is counted over all of a domain's connections
 * so extra connections do not multiply it.
 */
#define CONN_MAX_PER_DOMAIN 64

struct sperm {
    uint32_t id;
    uint32_t perms;
};

/* One node; stored in the global table or as a transaction's copy. */
struct snode {
    char *name;
    uint64_t gen;
    uint32_t nperms;
    uint32_t datalen;
    uint32_t childlen;
    struct sperm *perms;
    uint8_t *data;
    char *children;      /* nul-separated names, creation order */
    struct snode *hnext; /* hash chain */
};

struct ntable {
    struct snode **b;
    size_t nb;
    size_t n;
};

/* A domain the store knows of (Xen's struct domain). */
struct sdomain {
    struct sdomain *next;
    struct store *st;
    uint32_t domid;
    uint64_t gen; /* global generation when first seen */
    bool introduced;
    bool shutdown;
    bool has_target;
    uint32_t target;
    uint32_t port;
    int nbentry;
    int nbwatch;
    int listen_fd;
    char *sock_path;
};

struct swatch {
    struct swatch *next;
    char *node; /* absolute (canonical) path or @special */
    char *token;
    bool relative; /* reported relative to the domain path */
};

/* A node touched inside a transaction (Xen's accessed_node). */
struct taccess {
    struct taccess *next;
    char *name;
    uint64_t gen;         /* generation seen at first read */
    struct snode *copy;   /* the transaction's view; NULL: absent */
    struct sperm *operms; /* permissions at first access */
    uint32_t noperms;
    bool check_gen;
    bool modified;
    bool fire;
    bool exact;
};

struct tdomdelta {
    struct tdomdelta *next;
    uint32_t domid;
    int delta;
};

struct stxn {
    struct stxn *next;
    uint32_t id;
    uint64_t gen;
    unsigned nodes;
    bool node_created;
    bool fail;
    struct taccess *acc;
    struct taccess **acc_tail;
    struct tdomdelta *deltas;
};

struct outmsg {
    struct outmsg *next;
    size_t len;
    size_t off;
    bool event;
    uint8_t buf[];
};

struct sconn {
    struct sconn *next;
    struct store *st;
    int fd;
    uint32_t id;         /* the domain this connection acts as */
    struct sdomain *dom; /* NULL: control socket, privileged */
    bool dead;
    /* input: header then body */
    uint8_t hdr[sizeof(struct xsd_sockmsg)];
    uint32_t hdr_used;
    struct xsd_sockmsg msg;
    uint32_t body_used;
    bool in_body;
    bool read_off;
    bool flush_queued;
    char body[XENSTORE_PAYLOAD_MAX + 1]; /* nul appended past msg.len */
    /* output */
    struct outmsg *out;
    struct outmsg **out_tail;
    size_t out_bytes;
    unsigned out_replies;
    bool want_write;
    /* state */
    struct swatch *watches;
    struct stxn *txns;
    unsigned ntxns;
    uint32_t next_txid;
    struct stxn *cur; /* transaction of the request being handled */
};

struct store {
    struct loop *loop;
    char *dir;
    int listen_fd;
    char *sock_path;
    struct ntable nodes;
    uint64_t generation;
    struct sdomain *domains;
    struct sconn *conns;
    struct sconn **conns_tail;
    /* permissions of @introduceDomain [0] and @releaseDomain [1] */
    struct sperm *special[2];
    uint32_t nspecial[2];
    store_exists_fn *exists;
    void *exists_opaque;
    bool reap_queued;
};

/* ---- store-tree.c */
int tree_init(struct store *st);
void tree_fini(struct store *st);
bool tree_valid_name(const char *name);
void node_free(struct snode *n);
struct snode *node_dup(const struct snode *n);
struct snode *node_new(const char *name);
int node_set_data(struct snode *n, const void *data, uint32_t len);
int node_add_child(struct snode *n, const char *base);
bool node_del_child(struct snode *n, const char *base);
char *tree_parent(const char *name);
bool conn_unprivileged(const struct sconn *c);
unsigned tree_perm_for(struct store *st, const struct sconn *c,
                       const struct snode *n);
unsigned tree_perm_for_list(const struct sconn *c, const struct sperm *p,
                            uint32_t n);
/* Looks a node up through c's transaction; 0, -ENOENT or -errno. */
int tree_lookup(struct store *st, struct sconn *c, const char *name,
                const struct snode **out);
/* tree_lookup plus Xen's permission check and errno laundering. */
int tree_get(struct store *st, struct sconn *c, const char *name, unsigned perm,
             const struct snode **out);
/* Takes ownership of n; 0 or -errno (n freed on error). */
int tree_write(struct store *st, struct sconn *c, struct snode *n,
               bool no_quota);
int tree_delete(struct store *st, struct sconn *c, const char *name);
const struct snode *tree_global(struct store *st, const char *name);
size_t tree_entry_size(const struct snode *n);
struct sdomain *domain_find(struct store *st, uint32_t domid);
struct sdomain *domain_find_or_alloc(struct store *st, uint32_t domid);
void domain_free(struct store *st, struct sdomain *d);
void domain_entry_adjust(struct store *st, struct sconn *c, uint32_t owner,
                         int delta);
int domain_entries(struct store *st, const struct sconn *c);

/* ---- store-txn.c */
struct taccess *txn_find(struct stxn *t, const char *name);
int txn_access(struct store *st, struct sconn *c, const char *name,
               const struct snode *global, bool write, struct taccess **out);
int txn_start(struct store *st, struct sconn *c, uint32_t *id);
int txn_end(struct store *st, struct sconn *c, bool commit);
struct stxn *txn_lookup(struct sconn *c, uint32_t id);
void txn_free_all(struct sconn *c);

/* ---- store-watch.c */
void watch_fire(struct store *st, struct sconn *c, const char *name, bool exact,
                const struct sperm *operms, uint32_t noperms);
int watch_add(struct store *st, struct sconn *c, const char *path,
              const char *token);
int watch_remove(struct store *st, struct sconn *c, const char *path,
                 const char *token);
void watch_free_all(struct sconn *c);
char *watch_canonical(const struct sconn *c, const char *path);

/* ---- store-ops.c (node requests) and store-domain.c (domain requests) */
/* A handler sends its reply itself and returns 0, or returns -errno. */
typedef int store_op_fn(struct store *st, struct sconn *c, char *body,
                        uint32_t len);
store_op_fn op_directory, op_directory_part, op_read, op_get_perms,
    op_set_perms, op_write, op_mkdir, op_rm, op_watch, op_unwatch,
    op_transaction_start, op_transaction_end, op_reset_watches;
store_op_fn op_introduce, op_release, op_resume, op_get_domain_path,
    op_is_domain_introduced, op_set_target, op_control;
/* Number of nul-terminated strings at the start of body; vec gets up to n. */
unsigned ops_strings(char *body, uint32_t len, char **vec, unsigned n);
/* The single argument (exactly one nul, at the end) or NULL. */
const char *ops_onearg(const char *body, uint32_t len);
int ops_create(struct store *st, struct sconn *c, const char *name,
               const void *data, uint32_t len);
int ops_rm_node(struct store *st, struct sconn *c, const char *name);
void ops_remove_owned(struct store *st, uint32_t domid);
void ops_release_domain(struct store *st, struct sdomain *d);

/* ---- store-wire.c */
/* Handles one complete request on c (msg + body). */
void wire_dispatch(struct sconn *c);
int wire_reply(struct sconn *c, uint32_t type, const void *data, size_t len);
int wire_error(struct sconn *c, int err);
void wire_event(struct sconn *c, const char *path, const char *token);
/* Feeds raw bytes to c's parser (for the fuzzer and the socket path). */
int wire_feed(struct sconn *c, const uint8_t *data, size_t len, size_t *used);

/* ---- store-conn.c */
struct sconn *conn_new(struct store *st, int fd, struct sdomain *dom);
void conn_close(struct sconn *c);
int conn_queue(struct sconn *c, struct outmsg *m);
int conn_domain_listen(struct store *st, struct sdomain *d);
void conn_domain_unlisten(struct store *st, struct sdomain *d);
void conn_reap(struct store *st);

#endif
