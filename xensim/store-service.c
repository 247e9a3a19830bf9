/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xenstored as a service of the simulated host: creates the
 * store on the host's loop, listening on DIR/xenstored.sock, and does
 * what Xen's xen-init-dom0 does at boot (writes /local/domain/0/domid
 * and /local/domain/0/name), so the tree looks like a booted Xen
 * host's.
 */
#include "config.h"

#include <errno.h>

#include "log.h"
#include "simhost.h"
#include "store.h"

int xenstored_start(struct simhost *h)
{
    int rc;

    h->store = store_new(h->loop, h->dir);
    if (h->store == NULL) {
        rc = -errno;
        log_warn("xenstored: cannot serve in %s", h->dir);
        return rc;
    }
    rc = store_node_write(h->store, "/local/domain/0/domid", "0");
    if (rc == 0) {
        rc = store_node_write(h->store, "/local/domain/0/name", "Domain-0");
    }
    return rc;
}

void xenstored_stop(struct simhost *h)
{
    store_free(h->store);
    h->store = NULL;
}
