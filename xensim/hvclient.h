/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Client library of xensim's hypervisor services.
 *
 * One struct hvc is one connection to the simulated hypervisor, with
 * the identity of the socket it came through: DIR/hv.sock is the
 * control domain (domid 0, privileged: creates domains, maps foreign
 * memory, runs ioreq servers); DIR/domains/<domid>/hv.sock is that
 * guest (its own memory, its own grant table, its event channels, its
 * vCPUs' I/O).  The same library serves xendm (through xen/hv-sim.c),
 * the simulated toolstack and the simulated guests.
 *
 * Calls are synchronous requests to the daemon, except the event
 * channel hot path: notify writes the peer's pending page and wakes
 * its eventfd directly, and pending/wait read this connection's pages,
 * so a notify costs no daemon round trip.  The connection is not
 * thread-safe; use one per thread or process.  A vCPU I/O call blocks
 * until the device model answers, so a vCPU and the device model that
 * serves it must not share a thread.
 *
 * Returns: int calls give 0 (or a port, an id) or -errno; pointer
 * calls give NULL with errno set.  Nothing here aborts on what the
 * daemon sends; a daemon that breaks the protocol closes the
 * connection (-EPROTO from then on).
 */
#ifndef XENDM_HVCLIENT_H
#define XENDM_HVCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hvc;

#define HVC_PAGE_SIZE  4096u
#define HVC_PROT_READ  0x1
#define HVC_PROT_WRITE 0x2

/* ------------------------------------------------------------ connection */

/*
 * Connects to the daemon in `dir`: as the control domain when domid is
 * HVC_CONTROL, else as guest `domid` (which must exist).
 */
#define HVC_CONTROL UINT32_MAX
struct hvc *hvc_open(const char *dir, uint32_t domid);
void hvc_close(struct hvc *c);
uint32_t hvc_domid(const struct hvc *c);
bool hvc_privileged(const struct hvc *c);
/* Limits a control connection to one target domain, for good. */
int hvc_restrict(struct hvc *c, uint32_t domid);

/* ------------------------------------------------------------ domains */

enum hvc_dom_type { HVC_DOM_PV = 0, HVC_DOM_PVH = 1, HVC_DOM_HVM = 2 };

struct hvc_domain_config {
    enum hvc_dom_type type;
    uint32_t vcpus;         /* 1..128 */
    uint64_t mem_kib;       /* rounded up to pages; >= 64 KiB */
    uint32_t gnttab_frames; /* 0: default 32 (16384 v1 entries) */
    uint32_t domid;         /* 0: pick the next free id */
};

struct hvc_domain_info {
    uint32_t domid;
    enum hvc_dom_type type;
    uint32_t vcpus;
    uint64_t mem_pages;
    uint64_t gnttab_gfn; /* the grant table is frames [gfn, gfn+n) */
    uint32_t gnttab_frames;
    bool paused;
    bool shutdown;
    bool dying;
    uint32_t shutdown_reason; /* SHUTDOWN_* when shutdown */
};

/* Control domain only. */
int hvc_domain_create(struct hvc *c, const struct hvc_domain_config *cfg,
                      uint32_t *domid);
int hvc_domain_pause(struct hvc *c, uint32_t domid);
int hvc_domain_unpause(struct hvc *c, uint32_t domid);
int hvc_domain_destroy(struct hvc *c, uint32_t domid);
/* Up to max domains with id >= first; returns the number filled. */
int hvc_domain_list(struct hvc *c, uint32_t first, struct hvc_domain_info *out,
                    unsigned max);
/* Control domain (any domain) or a guest (itself). */
int hvc_domain_shutdown(struct hvc *c, uint32_t domid, unsigned reason);
/* Undoes a SHUTDOWN_suspend (xc_domain_resume); -EINVAL otherwise. */
int hvc_domain_resume(struct hvc *c, uint32_t domid);
int hvc_domain_info(struct hvc *c, uint32_t domid, struct hvc_domain_info *out);

/* ------------------------------------------------------------ memory */

/* Guest: its whole memory, mapped once (cached; do not unmap). */
void *hvc_memory(struct hvc *c, uint64_t *pages);
/* Control domain: maps frames of domid contiguously; errs may be NULL. */
void *hvc_foreign_map(struct hvc *c, uint32_t domid, int prot, size_t n,
                      const uint64_t *gfns, int *errs);
int hvc_foreign_unmap(struct hvc *c, void *addr, size_t n);

/* ------------------------------------------------------------ grants */

/*
 * Guest side: its v1 grant table lives in its own memory (frames from
 * hvc_domain_info's gnttab_gfn); these write entries as a guest
 * kernel does (frame and domid first, flags last, with a barrier).
 */
uint32_t hvc_grant_entries(struct hvc *c);
int hvc_grant_access(struct hvc *c, uint32_t ref, uint32_t domid, uint64_t gfn,
                     bool readonly);
/* Revokes; -EBUSY while the grantee still has it mapped. */
int hvc_grant_end(struct hvc *c, uint32_t ref);
/* Raw entry flags (GTF_*), for tests: GTF_reading/GTF_writing. */
int hvc_grant_flags(struct hvc *c, uint32_t ref);

/* Grantee side: refs of domid, checked against their entries. */
void *hvc_grant_map(struct hvc *c, uint32_t domid, uint32_t count,
                    const uint32_t *refs, int prot);
int hvc_grant_unmap(struct hvc *c, void *addr, uint32_t count);

struct hvc_copy_seg {
    bool to_guest; /* local -> granted page */
    uint32_t domid;
    uint32_t ref;
    uint16_t offset;
    uint16_t len; /* offset + len <= 4096 */
    void *local;
    int16_t status; /* out: GNTST_okay or a GNTST_* error */
};
/* 0 when every segment was tried (see each status), or -errno. */
int hvc_grant_copy(struct hvc *c, struct hvc_copy_seg *segs, uint32_t n);

/* ------------------------------------------------------------ events */

/*
 * As /dev/xen/evtchn: one fd per connection, readable when a port of
 * this connection may be pending; hvc_evtchn_pending returns it and
 * masks it until hvc_evtchn_unmask.
 */
int hvc_evtchn_fd(struct hvc *c);
int hvc_evtchn_alloc_unbound(struct hvc *c, uint32_t remote_domid);
int hvc_evtchn_bind_interdomain(struct hvc *c, uint32_t remote_domid,
                                uint32_t remote_port);
int hvc_evtchn_close(struct hvc *c, uint32_t port);
/* Fast path: no daemon round trip once the peer is known. */
int hvc_evtchn_notify(struct hvc *c, uint32_t port);
int hvc_evtchn_pending(struct hvc *c);
int hvc_evtchn_mask(struct hvc *c, uint32_t port);
int hvc_evtchn_unmask(struct hvc *c, uint32_t port);
/* Waits up to timeout_ms (-1 forever) for a pending port; -ETIMEDOUT. */
int hvc_evtchn_wait(struct hvc *c, int timeout_ms);
/* The daemon-validated notify (slow path; for tests of refusals). */
int hvc_evtchn_notify_slow(struct hvc *c, uint32_t port);

/* ------------------------------------------------------------ ioreq servers */

enum hvc_range_type {
    HVC_RANGE_PORT = 0,
    HVC_RANGE_MMIO = 1,
    HVC_RANGE_PCI = 2
};

int hvc_ioreq_server_create(struct hvc *c, uint32_t domid, bool bufioreq,
                            uint16_t *id);
/*
 * Maps the server's pages (shared_iopage_t and buffered_iopage_t as in
 * hvm/ioreq.h; *buf is NULL without a buffered ring).  Unmap with
 * hvc_ioreq_server_unmap.
 */
int hvc_ioreq_server_map(struct hvc *c, uint32_t domid, uint16_t id,
                         void **ioreq_page, void **buf_page,
                         uint32_t *bufioreq_port);
void hvc_ioreq_server_unmap(struct hvc *c, void *ioreq_page, void *buf_page);
int hvc_ioreq_server_set_state(struct hvc *c, uint32_t domid, uint16_t id,
                               bool enabled);
/* PCI: start = end = sbdf (seg<<16 | bus<<8 | dev<<3 | fn). */
int hvc_ioreq_server_range(struct hvc *c, uint32_t domid, uint16_t id,
                           enum hvc_range_type type, bool map, uint64_t start,
                           uint64_t end);
int hvc_ioreq_server_destroy(struct hvc *c, uint32_t domid, uint16_t id);

/* ------------------------------------------------------------ vCPU I/O */

/*
 * One access by vCPU `vcpu` of `domid` (a guest connection: its own
 * domain; the control domain: any HVM domain, as `xensim io` does).
 * type is IOREQ_TYPE_PIO, IOREQ_TYPE_COPY (MMIO) or IOREQ_TYPE_PCI_CONFIG
 * (addr = sbdf << 32 | register); dir is IOREQ_READ or IOREQ_WRITE.
 * Blocks until the claiming server answers; an access nobody claims
 * reads all ones (within size) and drops writes.  `buffered` asks for
 * a posted write through the buffered ring when the server has one.
 * PIO to 0xcf8/0xcfc-0xcff is decoded into PCI_CONFIG as Xen does.
 */
struct hvc_io {
    uint8_t type;
    uint8_t dir;
    uint8_t df;
    uint8_t data_is_ptr;
    uint32_t size;  /* 1, 2, 4, 8 */
    uint32_t count; /* >= 1 (rep) */
    bool buffered;
    uint64_t addr;
    uint64_t data;   /* in: write value or guest paddr; out: read value */
    uint32_t server; /* out: answering server id, UINT32_MAX if none */
};
int hvc_vcpu_io(struct hvc *c, uint32_t domid, uint32_t vcpu,
                struct hvc_io *io);
/*
 * Whether hvc_vcpu_io may take the fast path (route a port access
 * itself and kick the device model directly, see hvc-fast.c); on by
 * default, off when XENSIM_IO_FAST=0 is in the environment at open.
 */
void hvc_set_io_fast(struct hvc *c, bool on);
/* How this client's hvc_vcpu_io calls went: fast path or VCPU_IO. */
struct hvc_io_stats {
    uint64_t fast;   /* routed by the client itself */
    uint64_t routed; /* sent to the daemon */
};
void hvc_io_stats(const struct hvc *c, struct hvc_io_stats *out);

/* ------------------------------------------------------------ DM ops */

int hvc_set_isa_irq_level(struct hvc *c, uint32_t domid, uint8_t irq,
                          unsigned level);
int hvc_set_pci_intx_level(struct hvc *c, uint32_t domid, uint16_t seg,
                           uint8_t bus, uint8_t dev, uint8_t intx,
                           unsigned level);
int hvc_set_pci_link_route(struct hvc *c, uint32_t domid, uint8_t link,
                           uint8_t irq);
int hvc_modified_memory(struct hvc *c, uint32_t domid, uint64_t first_pfn,
                        uint32_t nr);

/* Frame types (HVMMEM_ram_rw / HVMMEM_ram_ro), control domain only. */
enum hvc_mem_type { HVC_MEM_RAM_RW = 0, HVC_MEM_RAM_RO = 1 };
int hvc_set_mem_type(struct hvc *c, uint32_t domid, enum hvc_mem_type t,
                     uint64_t first_pfn, uint32_t nr);

/*
 * The guest CPU's own store / load of guest-physical memory (a guest
 * connection: its own domain; the control domain: any), len 1..8192.
 * A store to read-only frames is discarded there, as Xen's emulator
 * discards it; *discarded (may be NULL) gets the bytes dropped.
 */
int hvc_vcpu_mem_write(struct hvc *c, uint32_t domid, uint64_t gpa,
                       const void *buf, uint32_t len, uint32_t *discarded);
int hvc_vcpu_mem_read(struct hvc *c, uint32_t domid, uint64_t gpa, void *buf,
                      uint32_t len);

/* What device models did to a domain, for tests and the toolstack. */
struct hvc_dm_state {
    uint32_t isa_levels;
    uint32_t irq_events;
    uint8_t link_route[4];
    uint32_t intx_levels[4];
    uint64_t modified_pages;
    uint64_t modified_ops;
    uint64_t ioreqs;
    uint64_t unclaimed;
};
int hvc_dm_state(struct hvc *c, uint32_t domid, struct hvc_dm_state *out);
/* Copies the modified-page bitmap of [first, first+nr) into bits. */
int hvc_dm_dirty(struct hvc *c, uint32_t domid, uint64_t first, uint32_t nr,
                 bool clear, uint8_t *bits);

#endif
