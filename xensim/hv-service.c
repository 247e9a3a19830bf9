/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor services as a service of the simulated host
 * (xensim/main.c's table): starts them on the host's loop in its
 * directory, after the xenstored, and tells the xenstored when a
 * domain shuts down or is destroyed (@releaseDomain and cleanup).
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>

#include "simhost.h"
#include "xensim/hvsvc.h"
#include "xensim/store.h"

static void hyp_on_shutdown(void *opaque, uint32_t domid)
{
    struct simhost *h = opaque;

    if (h->store) {
        store_domain_shutdown(h->store, domid);
    }
}

static void hyp_on_released(void *opaque, uint32_t domid)
{
    struct simhost *h = opaque;

    if (h->store) {
        store_domain_released(h->store, domid);
    }
}

int hyp_start(struct simhost *h)
{
    struct hvsvc_hooks hooks = {hyp_on_shutdown, hyp_on_released, h};
    struct hyp *hs = hvsvc_start(h->loop, h->dir);

    if (!hs) {
        return errno ? -errno : -ENOMEM;
    }
    hvsvc_set_hooks(hs, &hooks);
    h->hyp = hs;
    if (h->store) {
        /* as Xen's xenstored asks Xen: INTRODUCE, permission entries */
        store_set_exists_hook(h->store, hvsvc_domain_exists, hs);
    }
    return 0;
}

void hyp_stop(struct simhost *h)
{
    if (h->store) {
        store_set_exists_hook(h->store, NULL, NULL);
    }
    hvsvc_stop(h->hyp);
    h->hyp = NULL;
}
