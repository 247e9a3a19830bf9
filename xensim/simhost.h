/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated Xen host ("xensim start"): one process, one event
 * loop, a fixed list of services started in order and stopped in
 * reverse order.
 *
 * Adding a service: write `int NAME_start(struct simhost *h)` (0 or
 * -errno; it registers its fds/timers on h->loop and keeps its state
 * in a field of struct simhost) and `void NAME_stop(struct simhost *h)`
 * (idempotent, also called when a later service failed to start),
 * then add one line to the `services` table in xensim/main.c.
 * Services run on the loop's thread only; a service that needs
 * another one (the hypervisor needs the xenstored to report domain
 * death) must come after it in the table and reaches it through the
 * fields here (e.g. store_domain_released(h->store, domid)).
 */
#ifndef XENSIM_SIMHOST_H
#define XENSIM_SIMHOST_H

struct loop;
struct store;
struct hyp;

struct simhost {
    struct loop *loop;
    const char *dir;       /* absolute path of XENSIM_DIR */
    struct store *store;   /* the xenstored (xensim/store.h) */
    struct hyp *hyp;       /* the hypervisor services, owned by them */
};

struct simhost_service {
    const char *name;
    int (*start)(struct simhost *h);
    void (*stop)(struct simhost *h);
};

/* The xenstored service (xensim/store-service.c). */
int xenstored_start(struct simhost *h);
void xenstored_stop(struct simhost *h);

/* The hypervisor services (xensim/hv-service.c, xensim/hvsvc.h). */
int hyp_start(struct simhost *h);
void hyp_stop(struct simhost *h);

#endif
