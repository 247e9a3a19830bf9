/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the xensim hypervisor client (hvclient.c, hvc-evtchn.c,
 * hvc-mem.c).  Not for use elsewhere: the API is hvclient.h.
 */
#ifndef XENDM_HVCLIENT_INTERNAL_H
#define XENDM_HVCLIENT_INTERNAL_H

#include "xensim/hvclient.h"
#include "xensim/hvproto.h"

enum { HVC_PORT_FREE = 0, HVC_PORT_UNBOUND, HVC_PORT_BOUND };

struct hvc_port {
    uint8_t state;
    uint32_t peer_domid;
    uint32_t peer_port;
    int peer_efd; /* borrowed from the endpoint cache */
    uint64_t *tx; /* peer's pending page for our domain */
    uint64_t *rx; /* our pending page for the peer's domain */
};

struct hvc_ep {
    uint32_t id;
    int efd;
};

struct hvc_pg {
    uint32_t id;
    uint64_t *bits;
    bool rx; /* scanned by pending() */
};

struct hvc_mem {
    uint32_t domid;
    int fd;
    uint8_t *base;
    uint64_t pages;
    uint64_t gnt_gfn;    /* its grant table, once a copy told us */
    uint32_t gnt_frames; /* 0: not known yet */
};

/*
 * What this client knows of one vCPU: where its synchronous answers
 * arrive (EV_VCPU; rx NULL until then) and how to raise its port at
 * the device model itself (EV_FAST; fast NULL until then).
 */
struct hvc_vcpu {
    uint32_t domid;
    uint32_t vcpu;
    uint32_t port;
    int efd;      /* borrowed from the endpoint cache */
    uint64_t *rx; /* borrowed from the page cache */
    uint32_t server; /* uid of the server port is for */
    uint32_t fast_server; /* uid EV_FAST was for */
    uint32_t dm_port;
    uint32_t dm_ep;
    int dm_efd;          /* borrowed from the endpoint cache */
    uint64_t *dm_bits;   /* borrowed from the page cache */
    struct hvp_fast *fast; /* own mapping of the domain's page set */
    uint64_t ino;          /* its memfd's inode */
};

/* An ioreq server's pages, mapped for reading answers. */
struct hvc_srv {
    uint32_t uid;
    uint8_t *base;
};

struct hvc_gmap {
    struct hvc_gmap *next;
    void *addr;
    uint32_t count;
    uint32_t handle;
};

struct hvc {
    int fd;
    uint32_t domid;
    uint32_t conn_id; /* HELLO's: names us as a vCPU's holder */
    bool priv;
    bool broken;
    uint32_t seq;
    int efd;
    bool efd_read; /* efd read since the last empty hvc_evtchn_pending */
    struct hvp_status *status;
    uint64_t async_seen;
    struct hvc_port *ports; /* HVP_MAX_PORTS */
    uint64_t latched[HVP_MAX_PORTS / 64];
    uint64_t masked[HVP_MAX_PORTS / 64];
    uint32_t cursor;
    struct hvc_ep *eps;
    unsigned neps;
    struct hvc_pg *pgs;
    unsigned npgs;
    struct hvc_mem *mems;
    unsigned nmems;
    struct hvc_gmap *gmaps;
    struct hvc_vcpu *vcpus;
    unsigned nvcpus;
    struct hvc_srv *srvs;
    unsigned nsrvs;
    bool no_fast; /* hvc_set_io_fast(false) or XENSIM_IO_FAST=0 */
    bool fast_waiting; /* a fast access uses its page set */
    struct hvc_io_stats io_stats;
    struct hvc_domain_info self;
    uint64_t *rbuf; /* receive buffer, HVP_MAX_MSG + 8 */
};

/* A reply: the parsed message plus the fds that came with it. */
struct hvc_reply {
    struct hvp_msg m;
    int fds[HVP_MAX_FDS];
    unsigned nfds;
};

/* Sends one request (its seq is then c->seq); 0 or -errno. */
int hvc_send_req(struct hvc *c, uint16_t type, const void *body, uint32_t blen,
                 const void *elems, uint32_t elen);
/*
 * One message from the socket (flags: 0 or MSG_DONTWAIT), parsed as a
 * reply; async events are handled and reported as -EINPROGRESS.
 */
int hvc_recv_one(struct hvc *c, int flags, struct hvc_reply *rep);
/*
 * Sends one request (body, then elems) and waits for its reply,
 * handling async events meanwhile.  Returns the reply's status (0 or
 * -errno); on 0 the caller owns rep->fds.  rep's pointers are valid
 * until the next call.
 */
int hvc_call(struct hvc *c, uint16_t type, const void *body, uint32_t blen,
             const void *elems, uint32_t elen, struct hvc_reply *rep);
void hvc_reply_close(struct hvc_reply *rep);
/* A request whose reply carries nothing the caller needs. */
int hvc_simple(struct hvc *c, uint16_t type, const void *b, uint32_t len);
/* Handles every async event waiting on the socket. */
void hvc_drain(struct hvc *c);
void hvc_async(struct hvc *c, const struct hvp_msg *m, int *fds, unsigned nfds);

/* hvc-mem.c */
struct hvc_mem *hvc_mem_find(struct hvc *c, uint32_t domid);
/* Adopts fd (closes it on failure or when already known). */
struct hvc_mem *hvc_mem_adopt(struct hvc *c, uint32_t domid, int fd,
                              uint64_t pages);
void hvc_mem_fini(struct hvc *c);

/* hvc-evtchn.c */
void hvc_evtchn_fini(struct hvc *c);
/* The cached eventfd / mapped page with this id, adopting fd. */
int hvc_ep_get(struct hvc *c, uint32_t id, int fd);
uint64_t *hvc_pg_get(struct hvc *c, uint32_t id, int fd, bool rx);

/* hvc-fast.c */
void hvc_fast_learn(struct hvc *c, const struct hvp_ev_fast *e, int *fds,
                    unsigned nfds);
void hvc_fast_fini(struct hvc *c);
/* The fast-path access: 1 done, 0 not taken (use VCPU_IO), or -errno. */
int hvc_fast_io(struct hvc *c, uint32_t domid, uint32_t vcpu,
                struct hvc_io *io);
/* An access a fast claim is waiting for (NULL: a VCPU_IO). */
struct hvc_fast_wait {
    uint64_t *claim;
    uint64_t mine;
    uint32_t uid;
    uint32_t id;
    bool lost; /* the daemon took the claim: its answer comes on the socket */
};
int hvc_vcpu_wait(struct hvc *c, uint32_t domid, uint32_t vcpu, uint32_t seq,
                  struct hvc_io *io, struct hvc_fast_wait *fw);
struct hvc_vcpu *hvc_vcpu_find(struct hvc *c, uint32_t domid, uint32_t vcpu);
struct hvc_vcpu *hvc_vcpu_get(struct hvc *c, uint32_t domid, uint32_t vcpu);
struct hvc_srv *hvc_srv_find(struct hvc *c, uint32_t uid);


#endif
