/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The wire protocol of xensim's hypervisor services (DIR/hv.sock and
 * DIR/domains/<domid>/hv.sock), shared by the daemon (xensim/hv-*.c)
 * and the client library (xensim/hvclient.c).
 *
 * Transport: AF_UNIX SOCK_SEQPACKET, so one send is one message.  Every
 * message is a 16-byte header followed by a body of fixed size for its
 * type and, for some types, a trailing array of fixed-size elements
 * whose count is implied by the length.  All fields are little-endian
 * host integers (client and daemon share a host).  Messages are at most
 * HVP_MAX_MSG bytes; file descriptors travel as SCM_RIGHTS (at most
 * HVP_MAX_FDS per message).  docs/xensim.md, "Hypervisor services",
 * lists every message.
 *
 * hvproto_parse() is the one validator of untrusted bytes: both ends
 * run every received message through it before touching a field.  The
 * daemon trusts nothing a client sends; the client trusts the daemon
 * only as far as the parser's checks go (it is the "hypervisor").
 */
#ifndef XENDM_HVPROTO_H
#define XENDM_HVPROTO_H

#include <stddef.h>
#include <stdint.h>

#define HVP_VERSION 1
#define HVP_MAX_MSG 65536
#define HVP_MAX_FDS 4
#define HVP_PAGE    4096u

/* Limits the daemon enforces (documented in docs/xensim.md). */
#define HVP_MAX_PORTS             4096 /* event channels per domain (2-level) */
#define HVP_MAX_VCPUS             128  /* 128 * sizeof(ioreq_t) == one page */
#define HVP_MAX_GRANT_BATCH       1024 /* refs per map, segments per copy */
#define HVP_MAX_GNTTAB_FRAMES     64
#define HVP_DEFAULT_GNTTAB_FRAMES 32
#define HVP_MAX_MEM_PAGES         (1u << 20) /* 4 GiB of guest memory */
#define HVP_MAX_DOMID             32751u     /* DOMID_FIRST_RESERVED - 1 */
#define HVP_MAX_IOREQ_SERVERS     8          /* per domain */
#define HVP_MAX_RANGES            256        /* per server */
#define HVP_LIST_MAX              256        /* domains per DOM_LIST reply */

struct hvp_hdr {
    uint16_t version;
    uint16_t type;
    uint32_t len;   /* whole message, header included */
    uint32_t seq;   /* echoed by the reply; 0 for async events */
    int32_t status; /* replies: 0 or -errno; requests: 0 */
};

enum hvp_type {
    HVP_HELLO = 1,
    HVP_DOM_CREATE,
    HVP_DOM_OP,
    HVP_DOM_INFO,
    HVP_DOM_LIST,
    HVP_MEM_FD,
    HVP_RESTRICT,
    HVP_EVT_ALLOC,
    HVP_EVT_BIND,
    HVP_EVT_CLOSE,
    HVP_EVT_NOTIFY,
    HVP_GNT_MAP,
    HVP_GNT_UNMAP,
    HVP_GNT_COPY,
    HVP_IOS_CREATE,
    HVP_IOS_INFO,
    HVP_IOS_STATE,
    HVP_IOS_RANGE,
    HVP_IOS_DESTROY,
    HVP_VCPU_IO,
    HVP_DM_IRQ,
    HVP_DM_MODMEM,
    HVP_DM_STATE,
    HVP_DM_DIRTY,
    /* async, daemon -> client */
    HVP_EV_PEER,
    HVP_EV_UNBOUND,
    HVP_EV_VCPU,
    /* requests added later (numbered after the events) */
    HVP_DM_MEMTYPE,
    HVP_VCPU_MEM,
    HVP_EV_FAST, /* async */
    HVP_TYPE_MAX
};

/* HELLO: request body, reply body + fds [wake eventfd, status page]. */
struct hvp_hello {
    uint32_t version;
    uint32_t pad;
};
struct hvp_hello_r {
    uint32_t domid; /* the identity of this connection */
    uint32_t conn_id;
    uint32_t privileged; /* 1 on DIR/hv.sock (the control domain) */
    uint32_t max_ports;
};

enum hvp_dom_type { HVP_DOM_PV = 0, HVP_DOM_PVH = 1, HVP_DOM_HVM = 2 };

struct hvp_dom_create {
    uint32_t type;          /* enum hvp_dom_type */
    uint32_t vcpus;         /* 1..HVP_MAX_VCPUS */
    uint64_t mem_pages;     /* 16..HVP_MAX_MEM_PAGES */
    uint32_t gnttab_frames; /* 0: default */
    uint32_t domid;         /* 0: next free, else that id */
};
struct hvp_domid_r {
    uint32_t domid;
    uint32_t pad;
};

enum hvp_dom_opcode {
    HVP_OP_PAUSE = 0,
    HVP_OP_UNPAUSE = 1,
    HVP_OP_SHUTDOWN = 2, /* arg: SHUTDOWN_* reason */
    HVP_OP_DESTROY = 3,
    HVP_OP_RESUME = 4, /* XEN_DOMCTL_resume: undo a SHUTDOWN_suspend */
};

struct hvp_dom_op {
    uint32_t domid;
    uint32_t op;
    uint32_t arg;
    uint32_t pad;
};

struct hvp_domid {
    uint32_t domid;
    uint32_t pad;
};

struct hvp_dom_info {
    uint32_t domid;
    uint32_t type;
    uint32_t vcpus;
    uint32_t flags; /* HVP_DI_* */
    uint64_t mem_pages;
    uint64_t gnttab_gfn; /* first frame of the grant table */
    uint32_t gnttab_frames;
    uint32_t shutdown_reason;
};
#define HVP_DI_PAUSED   0x1u
#define HVP_DI_SHUTDOWN 0x2u
#define HVP_DI_DYING    0x4u

/* MEM_FD reply: {u64 pages} + fd [memfd]. */
struct hvp_mem_r {
    uint64_t pages;
};

struct hvp_evt_alloc {
    uint32_t remote_domid;
    uint32_t pad;
};
struct hvp_port {
    uint32_t port;
    uint32_t pad;
};

struct hvp_evt_bind {
    uint32_t remote_domid;
    uint32_t remote_port;
};
/*
 * EVT_BIND reply and EV_PEER event: the local port's peer, plus fds
 * [peer wake eventfd, tx page (the peer's pending page for our
 * domain), rx page (our pending page for the peer's domain)].  Pages
 * and endpoints carry ids so a client maps each only once.
 */
struct hvp_bound {
    uint32_t port;
    uint32_t peer_domid;
    uint32_t peer_port;
    uint32_t peer_ep;
    uint32_t tx_page;
    uint32_t rx_page;
};

#define HVP_GNT_WRITE   0x1u /* map writable */
#define HVP_GNT_WANT_FD 0x2u /* attach the granting domain's memfd */

struct hvp_gnt_map {
    uint32_t domid;
    uint32_t flags;
    /* followed by uint32_t refs[] */
};
struct hvp_gnt_map_r {
    uint32_t handle;
    uint32_t pad;
    /* followed by uint64_t gfns[]; fd [memfd] when asked */
};
struct hvp_handle {
    uint32_t handle;
    uint32_t pad;
};

struct hvp_gnt_copy {
    uint32_t domid;
    uint32_t flags;
    /* followed by struct hvp_copy_seg[] */
};
struct hvp_copy_seg {
    uint32_t ref;
    uint16_t offset;
    uint16_t len;
    uint32_t to_guest;
    uint32_t pad;
};
/*
 * GNT_COPY reply body: where the granting domain's table is, so the
 * client can check later segments itself against the same entries
 * (it holds the memory anyway; see docs/xensim.md).
 */
struct hvp_copy_info {
    uint64_t gnttab_gfn;
    uint32_t gnttab_frames; /* 0: unknown domain */
    uint32_t pad;
};
struct hvp_copy_r {
    int32_t status; /* GNTST_* */
    uint32_t pad;
    uint64_t gfn;
};

struct hvp_ios_create {
    uint32_t domid;
    uint32_t bufioreq;
};
struct hvp_ios_id {
    uint32_t domid;
    uint32_t id;
};
/* IOS_INFO reply + fd [2-page memfd: frame 0 buffered, frame 1 ioreq]. */
struct hvp_ios_info_r {
    uint32_t bufioreq_port; /* 0: no buffered ring */
    uint32_t vcpus;
};
struct hvp_ios_state {
    uint32_t domid;
    uint32_t id;
    uint32_t enabled;
    uint32_t pad;
};

enum hvp_range_type {
    HVP_RANGE_PORT = 0,
    HVP_RANGE_MMIO = 1,
    HVP_RANGE_PCI = 2
};

struct hvp_ios_range {
    uint32_t domid;
    uint32_t id;
    uint32_t type;  /* enum hvp_range_type */
    uint32_t map;   /* 1 map, 0 unmap */
    uint64_t start; /* PCI: sbdf */
    uint64_t end;   /* inclusive */
};

#define HVP_IO_BUFFERED 0x1u /* a posted write: may use the buffered ring */

struct hvp_vcpu_io {
    uint32_t domid;
    uint32_t vcpu;
    uint64_t addr;
    uint64_t data;
    uint32_t size;
    uint32_t count;
    uint8_t type; /* IOREQ_TYPE_PIO, COPY, PCI_CONFIG */
    uint8_t dir;  /* IOREQ_READ / IOREQ_WRITE */
    uint8_t df;
    uint8_t data_is_ptr;
    uint32_t flags;
};
struct hvp_vcpu_io_r {
    uint64_t data;
    uint32_t server; /* id of the server that answered, ~0: none */
    uint32_t pad;
};

enum hvp_irq_op { HVP_IRQ_ISA = 0, HVP_IRQ_INTX = 1, HVP_IRQ_LINK = 2 };

struct hvp_dm_irq {
    uint32_t domid;
    uint32_t op;
    uint32_t a; /* ISA: irq; INTX: (seg<<16)|(bus<<8)|dev; LINK: link */
    uint32_t b; /* INTX: intx; LINK: irq */
    uint32_t level;
    uint32_t pad;
};

struct hvp_dm_modmem {
    uint32_t domid;
    uint32_t nr;
    uint64_t first_pfn;
};

/* HVMMEM_* types xensim models (hvm/hvm_op.h numbering). */
enum hvp_mem_type { HVP_MEM_RAM_RW = 0, HVP_MEM_RAM_RO = 1 };

struct hvp_dm_memtype {
    uint32_t domid;
    uint32_t mem_type; /* enum hvp_mem_type */
    uint64_t first_pfn;
    uint32_t nr;
    uint32_t pad;
};

/*
 * VCPU_MEM: a guest CPU's own load or store of guest-physical memory
 * (what an HVM guest does through its page tables), done by the daemon
 * with Xen's p2m rules: stores to RAM_RO frames are discarded.  A
 * write carries its bytes as trailing elements; a read's reply does.
 */
#define HVP_VCPU_MEM_MAX 8192u
struct hvp_vcpu_mem {
    uint32_t domid;
    uint32_t write; /* 1 store, 0 load */
    uint64_t gpa;
    uint32_t len; /* 1..HVP_VCPU_MEM_MAX; a write: its element count */
    uint32_t pad;
    /* followed by uint8_t data[] (write) */
};
struct hvp_vcpu_mem_r {
    uint32_t discarded; /* bytes of a store that hit RAM_RO frames */
    uint32_t pad;
    /* followed by uint8_t data[] (read) */
};

struct hvp_dm_state_r {
    uint32_t isa_levels;     /* bit n: ISA IRQ n asserted */
    uint32_t irq_events;     /* count of IRQ level ops */
    uint8_t link_route[4];   /* PCI link A..D -> ISA IRQ (0: none) */
    uint32_t intx_levels[4]; /* bus 0: bit dev, one word per INTx */
    uint64_t modified_pages; /* distinct pages reported modified */
    uint64_t modified_ops;
    uint64_t ioreqs;    /* ioreqs sent to servers */
    uint64_t unclaimed; /* accesses no server claimed */
};

struct hvp_dm_dirty {
    uint32_t domid;
    uint32_t clear; /* 1: clear the bits returned */
    uint64_t first_pfn;
    uint32_t nr; /* <= 8 * (HVP_MAX_MSG - 64) */
    uint32_t pad;
};
/* DM_DIRTY reply: struct hvp_dirty_r + bitmap bytes. */
struct hvp_dirty_r {
    uint64_t first_pfn;
    uint32_t nr;
    uint32_t pad;
};

/*
 * The status page each connection maps read-only (HELLO's second fd).
 * A synchronous VCPU_IO that reached a server is not answered on the
 * socket: the daemon records its seq and the server here, and the
 * server's notification on the vCPU's port wakes the client directly
 * (EV_VCPU gave it that port's eventfd and pending page and the
 * server's pages); the client then reads the ioreq_t and sets it back
 * to STATE_IOREQ_NONE.  Only failures come back on the socket.
 *
 * The vCPU's eventfd and pending page are shared by every client that
 * ever drove that vCPU.  The daemon keeps, in word HVP_VCPU_HOLDER of
 * that pending page, the connection id (HELLO's conn_id) of the client
 * it last put at a server on that vCPU; only that client may wait on
 * the eventfd, and it gives back a count it read once it sees it is no
 * longer the holder (see hvc-ioreq.c).
 */
#define HVP_VCPU_HOLDER (HVP_PAGE / 8 - 1) /* u64 index in the page */
struct hvp_status {
    uint64_t async;     /* async messages sent so far */
    uint32_t io_seq;    /* the VCPU_IO now at a server */
    uint32_t io_server; /* that server's uid */
};

/* EV_VCPU + fds [vCPU port eventfd, its pending page, server pages]. */
struct hvp_ev_vcpu {
    uint32_t domid;
    uint32_t vcpu;
    uint32_t port;    /* the vCPU's port (vp_eport) */
    uint32_t ep;      /* id of the vCPU endpoint (eventfd) */
    uint32_t rx_page; /* id of its pending page for the server */
    uint32_t server;  /* the server's uid */
};

/*
 * The vCPU I/O fast path (hv-fast.c, hvc-fast.c).  For each HVM
 * domain the daemon keeps a shared page set (struct hvp_fast) holding,
 * under a seqlock (gen odd while it rewrites), what a vCPU client needs
 * to route a synchronous port access itself as hvm_select_ioreq_server
 * would: whether the domain runs, each server slot's uid, id, enabled
 * flag and port ranges, for each (slot, vCPU) the device model's end
 * of the vCPU's port, and what the daemon itself has on each vCPU.
 * EV_FAST hands a client the means to raise that port (the device
 * model's eventfd and its pending page for the guest's domain) and the
 * page set.  A client with a fast access in flight owns the vCPU's
 * claim word (conn_id << 32 | seq, set by compare-and-swap from 0);
 * whoever clears it (the client taking the answer, or the daemon
 * tearing the server down, which then answers all ones on the socket
 * with that seq) owns the answer.
 */
#define HVP_FAST_RANGES 64 /* port ranges per server; more: no fast path */
#define HVP_FAST_SIZE   (8 * HVP_PAGE)
#define HVP_FAST_QUEUED 0xffffffffu
#define HVP_FAST_ORPHAN 0xfffffffeu
struct hvp_fast_srv {
    uint32_t uid; /* 0: slot empty */
    uint16_t id;
    uint8_t enabled;
    uint8_t overflow; /* more port ranges than fit: no fast path */
    uint32_t nranges;
    uint32_t range[HVP_FAST_RANGES]; /* first | last << 16 */
};
struct hvp_fast_bind {
    uint32_t dm_port; /* 0: the vCPU port is not bound */
    uint32_t dm_ep;   /* id of the device model's endpoint */
};
struct hvp_fast_claim {
    uint64_t claim; /* 0, or conn_id << 32 | seq */
    uint32_t uid;   /* the server it went to */
    uint32_t size;  /* the access size (for all ones) */
    uint64_t done;  /* fast accesses completed (DM_STATE's ioreqs) */
};
struct hvp_fast {
    uint32_t gen;
    uint32_t running; /* 1: neither paused nor shut down */
    uint32_t vcpus;
    uint32_t pad;
    struct hvp_fast_srv srv[HVP_MAX_IOREQ_SERVERS];
    /*
     * per vCPU: the daemon's own access: 0 none, the server's uid
     * while its client may still be taking the answer, HVP_FAST_QUEUED
     * while the daemon holds it, HVP_FAST_ORPHAN when its client died
     */
    uint32_t slow[HVP_MAX_VCPUS];
    struct hvp_fast_bind bind[HVP_MAX_IOREQ_SERVERS][HVP_MAX_VCPUS];
    /* written by clients, outside the seqlock */
    struct hvp_fast_claim claim[HVP_MAX_VCPUS];
};

/* EV_FAST + fds [DM eventfd, DM pending page for the guest, page set]. */
struct hvp_ev_fast {
    uint32_t domid;
    uint32_t vcpu;
    uint32_t server;  /* uid */
    uint32_t dm_port; /* as in struct hvp_fast_bind */
    uint32_t dm_ep;
    uint32_t dm_page; /* id of the DM's pending page */
};

/* A parsed message: pointers into the caller's buffer. */
struct hvp_msg {
    struct hvp_hdr hdr;
    const void *body; /* aligned copy lives in the caller's buffer */
    const void *elems;
    uint32_t nelems;
};

/*
 * Validates buf[0..len) as one message travelling in the direction
 * given (reply != 0: daemon -> client).  Checks version, type, length
 * against the type's table entry and the element count limits.
 * Returns 0 and fills *msg, or -EPROTO / -EMSGSIZE / -EINVAL.
 */
int hvproto_parse(const void *buf, size_t len, int reply, struct hvp_msg *msg);
/* Name of a message type, for logs ("?" when unknown). */
const char *hvproto_name(unsigned type);
/* Fixed body size of a type in the given direction, or -EINVAL. */
int hvproto_body_size(unsigned type, int reply);

#endif
