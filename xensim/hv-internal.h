/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal state of xensim's hypervisor services, shared by
 * hv-host.c (sockets, connections, dispatch), hv-dom.c (domains,
 * memory, device-model ops), hv-evtchn.c, hv-gnttab.c and hv-ioreq.c.
 * Not for use outside xensim/hv-*.c.
 *
 * Theory of operation: one struct hyp per process owns a list of
 * domains and a list of connections.  Domain 0 (the control domain)
 * exists from the start, without memory.  Each connection has an
 * identity (its domain, privileged or not, an optional restriction)
 * and is a receiving event-channel endpoint (struct hv_ep: an eventfd
 * and one pending page per sending domain).  Each guest domain also
 * has a "xen" endpoint, owned by the daemon itself, for the buffered
 * ioreq ports, and (HVM) one endpoint per vCPU owning its vCPU ports,
 * whose eventfd and pending page go to the client driving that vCPU.  A sender
 * sets a bit in the receiver's page for the sender's domain and writes the
 * receiver's eventfd, so notifications need no daemon round trip; a
 * receiver only honours bits for ports bound to that page's domain, so
 * a guest cannot raise another guest's ports.
 */
#ifndef XENDM_HV_INTERNAL_H
#define XENDM_HV_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "log.h"
#include "xensim/hvproto.h"
#include "xensim/hvsvc.h"

struct loop;
struct hyp;
struct hv_conn;

struct hv_page {
    uint32_t id;
    uint32_t sender_domid;
    int fd;
    uint64_t *bits;
};

struct hv_ep {
    uint32_t id;
    uint32_t domid;
    int efd;
    struct hv_conn *conn; /* NULL for a domain's xen endpoint */
    struct hv_page **rx;  /* one per sending domain */
    unsigned nrx;
};

enum hv_port_state { HV_PORT_FREE = 0, HV_PORT_UNBOUND, HV_PORT_BOUND };

struct hv_port {
    uint8_t state;
    uint32_t remote_domid;
    uint32_t remote_port;
    struct hv_ep *owner;
};

struct hv_range {
    uint8_t type;
    uint64_t start;
    uint64_t end;
};

struct hv_ios {
    uint16_t id;
    uint32_t uid; /* unique in this daemon (EV_VCPU) */
    bool enabled;
    bool buffered;
    struct hv_conn *owner;
    int memfd;
    uint8_t *pages;      /* frame 0 buffered, frame 1 ioreq */
    uint32_t *vcpu_port; /* xen-owned ports in the guest's domain */
    uint32_t buf_port;
    struct hv_range ranges[HVP_MAX_RANGES];
    unsigned nranges;
};

struct hv_vcpu {
    struct hv_conn *waiter; /* blocked in VCPU_IO, or NULL */
    uint32_t seq;
    struct hv_ios *server;  /* answering it, NULL while queued */
    struct hvp_vcpu_io req; /* kept while queued (paused domain) */
    uint32_t told_conn;     /* endpoint id last sent EV_VCPU ... */
    uint32_t told_server;   /* ... for this server uid */
    uint32_t fast_conn;     /* endpoint id last sent EV_FAST ... */
    uint32_t fast_server;   /* ... for this server uid, */
    uint32_t fast_ep;       /* ... device-model endpoint ... */
    uint32_t fast_port;     /* ... and its port */
};

struct hv_dom {
    struct hv_dom *next;
    struct hyp *hs;
    uint32_t domid;
    uint32_t type;
    uint32_t vcpus;
    uint64_t mem_pages;
    uint64_t gnttab_gfn;
    uint32_t gnttab_frames;
    bool paused;
    bool shutdown;
    uint32_t reason;
    int memfd;
    uint8_t *mem;
    struct hv_port *ports; /* HVP_MAX_PORTS */
    struct hv_ep xen_ep;
    int lsock;           /* DIR/domains/<id>/hv.sock */
    uint16_t *gnt_pins;  /* per entry: mappings */
    uint16_t *gnt_wpins; /* per entry: writable mappings */
    struct hv_ios *ios[HVP_MAX_IOREQ_SERVERS];
    uint16_t next_ios;
    struct hv_vcpu *vcpu;
    struct hv_ep *vcpu_ep; /* HVM: per vCPU, owns its vp_eports */
    uint32_t cf8;
    /* device-model ops, recorded */
    uint32_t isa_levels;
    uint32_t irq_events;
    uint8_t link_route[4];
    uint32_t intx_levels[4];
    uint8_t *dirty;
    uint8_t *ro; /* per frame: p2m_ram_ro (hv-p2m.c) */
    uint64_t modified_pages;
    uint64_t modified_ops;
    uint64_t ioreqs;
    uint64_t unclaimed;
    struct hvp_fast *fast;      /* shared with vCPU clients (hv-fast.c) */
    struct hvp_fast *fast_next; /* scratch: what to publish */
    int fast_fd;
};

struct hv_gmap {
    struct hv_gmap *next;
    uint32_t handle;
    uint32_t domid;
    bool writable;
    uint32_t count;
    uint32_t refs[];
};

struct hv_conn {
    struct hv_conn *next;
    struct hyp *hs;
    int fd;
    bool dead;
    bool hello;
    uint32_t domid;
    bool priv;
    int64_t restrict_to; /* -1: none */
    struct hv_ep ep;
    int status_fd;
    struct hvp_status *status;
    struct hv_gmap *gmaps;
    uint32_t next_handle;
    uint32_t mapped_refs; /* pins held, bounded by HV_MAX_PINS */
    bool fast_told;       /* was sent EV_FAST (may hold fast claims) */
};

/* Grant pins one connection may hold at once (a memory bound). */
#define HV_MAX_PINS 65536u

struct hyp {
    struct loop *loop;
    char *dir;
    int lsock;
    struct hv_dom *doms;
    struct hv_conn *conns;
    uint32_t next_id; /* endpoint and page ids */
    uint32_t next_domid;
    struct hvsvc_hooks hooks;
    struct hv_reply *reply;  /* scratch for the message being handled */
    struct ratelimit log_rl; /* client-triggered messages */
    struct hv_conn *current; /* whose message is being handled */
};

/* A reply under construction: body bytes and fds to attach. */
struct hv_reply {
    int status;
    uint8_t buf[HVP_MAX_MSG - sizeof(struct hvp_hdr)];
    uint32_t len;
    int fds[HVP_MAX_FDS];
    unsigned nfds;
    bool deferred; /* answered later (vCPU I/O) */
};

typedef int hv_handler_fn(struct hv_conn *c, const struct hvp_msg *m,
                          struct hv_reply *r);

/* hv-host.c */
int hv_send(struct hv_conn *c, uint16_t type, uint32_t seq, int status,
            const void *body, uint32_t len, const int *fds, unsigned nfds);
void hv_conn_kill(struct hv_conn *c, const char *why);
int hv_reply_put(struct hv_reply *r, const void *p, uint32_t n);
void hv_reply_fd(struct hv_reply *r, int fd);
bool hv_may_control(const struct hv_conn *c, uint32_t domid);
uint32_t hv_new_id(struct hyp *hs);
int hv_ep_init(struct hyp *hs, struct hv_ep *ep, uint32_t domid,
               struct hv_conn *conn);
void hv_ep_fini(struct hv_ep *ep);
int hv_guest_listen(struct hyp *hs, struct hv_dom *d);
void hv_guest_unlisten(struct hyp *hs, struct hv_dom *d);

/* hv-dom.c */
struct hv_dom *hv_dom_find(struct hyp *hs, uint32_t domid);
int hv_dom_init0(struct hyp *hs);
void hv_dom_free_all(struct hyp *hs);
hv_handler_fn hv_h_dom_create, hv_h_dom_op, hv_h_dom_info, hv_h_dom_list,
    hv_h_mem_fd, hv_h_dm_irq, hv_h_dm_modmem, hv_h_dm_state, hv_h_dm_dirty;

/* hv-p2m.c */
bool hv_p2m_ro(const struct hv_dom *d, uint64_t pfn);
hv_handler_fn hv_h_dm_memtype, hv_h_vcpu_mem;

/* hv-evtchn.c */
/* The page `ep` reads for events sent by domain `sender` (created). */
struct hv_page *hv_rx_page(struct hyp *hs, struct hv_ep *ep, uint32_t sender);
int hv_port_alloc(struct hv_dom *d, uint32_t remote, struct hv_ep *owner);
void hv_port_close(struct hyp *hs, struct hv_dom *d, uint32_t port);
void hv_evtchn_raise(struct hyp *hs, struct hv_dom *d, uint32_t port);
void hv_evtchn_conn_gone(struct hyp *hs, struct hv_conn *c);
void hv_evtchn_dom_gone(struct hyp *hs, struct hv_dom *d);
void hv_xen_ep_event(struct loop *loop, int fd, unsigned ev, void *opaque);
hv_handler_fn hv_h_evt_alloc, hv_h_evt_bind, hv_h_evt_close, hv_h_evt_notify;

/* hv-gnttab.c */
void hv_gnttab_conn_gone(struct hyp *hs, struct hv_conn *c);
hv_handler_fn hv_h_gnt_map, hv_h_gnt_unmap, hv_h_gnt_copy;

/* hv-ioreq.c */
void hv_ioreq_conn_gone(struct hyp *hs, struct hv_conn *c);
void hv_ioreq_dom_gone(struct hyp *hs, struct hv_dom *d);
void hv_ioreq_unpaused(struct hyp *hs, struct hv_dom *d);
hv_handler_fn hv_h_ios_create, hv_h_ios_info, hv_h_ios_state, hv_h_ios_range,
    hv_h_ios_destroy, hv_h_vcpu_io;

/* hv-fast.c */
/* Republishes d's routing snapshot if it changed. */
void hv_fast_publish(struct hyp *hs, struct hv_dom *d);
void hv_fast_publish_all(struct hyp *hs);
/* Sends EV_FAST to w for (v, s) when it lacks it. */
void hv_fast_tell(struct hyp *hs, struct hv_dom *d, uint32_t v,
                  struct hv_ios *s, struct hv_conn *w);
/* Answers (all ones) every fast access claimed at s, which goes away. */
void hv_fast_abort(struct hyp *hs, struct hv_dom *d, struct hv_ios *s);
/* Whether a fast access holds vCPU v now. */
bool hv_fast_claimed(const struct hv_dom *d, uint32_t v);
/* Publishes v's new waiter; true if a fast access holds v. */
bool hv_fast_busy(struct hyp *hs, struct hv_dom *d, uint32_t v);
void hv_fast_conn_gone(struct hyp *hs, struct hv_conn *c);
/* Fast accesses completed on d (DM_STATE's ioreqs). */
uint64_t hv_fast_done(const struct hv_dom *d);
void hv_fast_fini(struct hv_dom *d);

#endif
