/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim's xenstored: the public face other xensim services use.
 *
 * The xenstored serves the xs_wire.h protocol on DIR/xenstored.sock
 * (the control domain, privileged) and, once a domain is introduced,
 * on DIR/domains/<domid>/xenstored.sock (that domain's identity, as
 * if over its ring).  It runs on the simulated host's event loop; it
 * trusts nothing a client sends.  Semantics follow Xen 4.17's C
 * xenstored; docs/xensim.md lists where it differs.
 *
 * The hypervisor service tells the store about domains:
 *   - store_set_exists_hook: how to ask whether a domid exists (for
 *     permission entries naming dead domains and for INTRODUCE).
 *     Without a hook every domid below DOMID_FIRST_RESERVED exists.
 *   - store_domain_shutdown: the domain shut down or crashed
 *     (fires @releaseDomain, as Xen's VIRQ_DOM_EXC handling does).
 *   - store_domain_released: the domain is dying/destroyed: its guest
 *     socket and connections go, nodes it owns are removed and
 *     @releaseDomain fires if it had been introduced.
 */
#ifndef XENSIM_STORE_H
#define XENSIM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct store;

typedef bool store_exists_fn(void *opaque, uint32_t domid);

/* Creates the store and listens on DIR/xenstored.sock; NULL + errno. */
struct store *store_new(struct loop *loop, const char *dir);
/* Closes every connection and removes the sockets it created. */
void store_free(struct store *st);

void store_set_exists_hook(struct store *st, store_exists_fn *fn, void *opaque);
void store_domain_shutdown(struct store *st, uint32_t domid);
void store_domain_released(struct store *st, uint32_t domid);

/*
 * In-process access for xensim's own services (the simulated host's
 * "xen-init-dom0"): privileged write and read, no transaction.
 * 0 or -errno; store_node_read returns a malloc'd nul-terminated copy.
 */
int store_node_write(struct store *st, const char *path, const char *value);
int store_node_read(struct store *st, const char *path, char **value);

/*
 * A connection with no socket, for the fuzzer and unit tests: bytes
 * go in with store_test_feed, replies are counted and dropped.
 * domid 0 is the control domain.  NULL + errno.
 */
struct sconn;
struct sconn *store_test_conn(struct store *st, uint32_t domid);
int store_test_feed(struct sconn *c, const uint8_t *data, size_t len);
void store_test_close(struct sconn *c);

#endif
