/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The seam between xendm and the hypervisor.
 *
 * Device code asks Xen for event channels, grants, foreign memory,
 * ioreq servers, IRQ lines and shutdowns only through these calls; it
 * never includes libxen* headers.  Two backends implement the ops
 * table: the real one over libxenevtchn/libxengnttab/
 * libxenforeignmemory/libxendevicemodel/libxenctrl (xen/hv-real.c),
 * and the simulated one over the xensim host (xen/hv-sim.c), chosen
 * at start-up: XENSIM_DIR set selects xensim.  xenstore is not here:
 * xen/store.h wraps real libxenstore, which reaches xensim's
 * xenstored through XENSTORED_PATH.
 *
 * One struct hv per process holds one event-channel handle, one
 * grant handle, one foreign-memory handle and one device-model
 * handle, as the style guide asks ("one handle, a port -> handler
 * table").  Every call returns 0 (or a port / pointer) on success and
 * -errno (or NULL with errno) on failure; nothing here aborts.
 *
 * Backends: hv_open() reads XENSIM_DIR; xen/hv-ops.h is the table
 * each backend fills.  Event-channel calls follow libxenevtchn: one fd,
 * hv_evtchn_pending() returns a port masked until hv_evtchn_unmask().
 * Grant mappings follow libxengnttab (all-or-nothing), foreign maps
 * libxenforeignmemory (per-frame errors when errs is given).
 */
#ifndef XENDM_HV_H
#define XENDM_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HV_PAGE_SHIFT 12
#define HV_PAGE_SIZE  (1u << HV_PAGE_SHIFT)

#define HV_PROT_READ  0x1
#define HV_PROT_WRITE 0x2

/* Shutdown reasons, as SHUTDOWN_* in xen/sched.h. */
enum hv_shutdown_reason {
    HV_SHUTDOWN_POWEROFF = 0,
    HV_SHUTDOWN_REBOOT = 1,
    HV_SHUTDOWN_SUSPEND = 2,
    HV_SHUTDOWN_CRASH = 3,
};

struct hv;

struct hv_domain_info {
    uint32_t domid;
    uint32_t max_vcpu_id;
    uint64_t max_pages;
    bool hvm;
    bool paused;
    bool shutdown;
    bool dying;
};

/* One grant-copy segment: guest grant <-> local buffer. */
struct hv_grant_copy_seg {
    bool to_guest; /* true: local -> granted page */
    uint32_t domid;
    uint32_t ref;
    uint16_t offset; /* within the granted page */
    uint16_t len;    /* offset + len <= HV_PAGE_SIZE */
    void *local;
    int16_t status; /* out: 0 or a GNTST_* (negative) value */
};

/*
 * Opens the backend chosen by the environment: xensim when XENSIM_DIR
 * is set, real Xen otherwise.  On a machine with no hypervisor the
 * real backend fails with -ENOENT and a one-line reason in err.
 */
struct hv *hv_open(char *err, size_t errlen);
void hv_close(struct hv *hv);
const char *hv_backend_name(const struct hv *hv);

/* Restricts every handle to `domid` (-xen-domid-restrict). */
int hv_restrict(struct hv *hv, uint32_t domid);

int hv_domain_info(struct hv *hv, uint32_t domid, struct hv_domain_info *out);

/* ---- event channels (one handle) ---- */
/* The fd to poll for readability; then call hv_evtchn_pending. */
int hv_evtchn_fd(struct hv *hv);
/* A new port of ours that domid may bind; returns it or -errno. */
int hv_evtchn_bind_unbound(struct hv *hv, uint32_t domid);
/* Binds to remote_port of domid; returns the local port or -errno. */
int hv_evtchn_bind_interdomain(struct hv *hv, uint32_t domid,
                               uint32_t remote_port);
int hv_evtchn_unbind(struct hv *hv, uint32_t local_port);
int hv_evtchn_notify(struct hv *hv, uint32_t local_port);
/* Next pending local port (it is masked until unmasked), or -EAGAIN. */
int hv_evtchn_pending(struct hv *hv);
int hv_evtchn_unmask(struct hv *hv, uint32_t local_port);

/* ---- grant tables ---- */
/* Maps `count` granted frames of domid contiguously; NULL + errno. */
void *hv_grant_map(struct hv *hv, uint32_t domid, uint32_t count,
                   const uint32_t *refs, int prot);
int hv_grant_unmap(struct hv *hv, void *addr, uint32_t count);
/* Performs each segment; per-segment status in seg->status. */
int hv_grant_copy(struct hv *hv, struct hv_grant_copy_seg *segs,
                  uint32_t count);
bool hv_grant_copy_supported(const struct hv *hv);

/* ---- foreign memory (privileged) ---- */
/* Maps guest frames; errs[i] gets 0 or -errno per frame (may be NULL). */
void *hv_fmem_map(struct hv *hv, uint32_t domid, int prot, size_t pages,
                  const uint64_t *gfns, int *errs);
int hv_fmem_unmap(struct hv *hv, void *addr, size_t pages);

/* ---- device model: ioreq servers ---- */
#define HV_IOREQ_RANGE_PORT 0
#define HV_IOREQ_RANGE_MMIO 1

int hv_ioreq_server_create(struct hv *hv, uint32_t domid, bool bufioreq,
                           uint16_t *id);
/*
 * Maps the server's pages: *ioreq_page is the shared_iopage_t (one
 * ioreq_t per vCPU), *bufioreq_page the buffered_iopage_t (NULL if the
 * server has none).  *bufioreq_port is the remote buffered port.  The
 * resource mapping is tried first, the legacy PFN route second.
 */
int hv_ioreq_server_map(struct hv *hv, uint32_t domid, uint16_t id,
                        void **ioreq_page, void **bufioreq_page,
                        uint32_t *bufioreq_port);
int hv_ioreq_server_unmap(struct hv *hv, void *ioreq_page, void *bufioreq_page);
int hv_ioreq_server_set_state(struct hv *hv, uint32_t domid, uint16_t id,
                              bool enabled);
int hv_ioreq_server_map_range(struct hv *hv, uint32_t domid, uint16_t id,
                              int type, uint64_t start, uint64_t end);
int hv_ioreq_server_unmap_range(struct hv *hv, uint32_t domid, uint16_t id,
                                int type, uint64_t start, uint64_t end);
int hv_ioreq_server_map_pcidev(struct hv *hv, uint32_t domid, uint16_t id,
                               uint16_t seg, uint8_t bus, uint8_t dev,
                               uint8_t fn);
int hv_ioreq_server_unmap_pcidev(struct hv *hv, uint32_t domid, uint16_t id,
                                 uint16_t seg, uint8_t bus, uint8_t dev,
                                 uint8_t fn);
int hv_ioreq_server_destroy(struct hv *hv, uint32_t domid, uint16_t id);

/* ---- device model: interrupts, memory, lifecycle ---- */
int hv_set_isa_irq_level(struct hv *hv, uint32_t domid, uint8_t irq,
                         unsigned level);
int hv_set_pci_intx_level(struct hv *hv, uint32_t domid, uint16_t seg,
                          uint8_t bus, uint8_t dev, uint8_t intx,
                          unsigned level);
int hv_set_pci_link_route(struct hv *hv, uint32_t domid, uint8_t link,
                          uint8_t irq);
int hv_modified_memory(struct hv *hv, uint32_t domid, uint64_t first_pfn,
                       uint32_t nr);

/*
 * Memory types of guest frames, as HVMMEM_* in hvm/hvm_op.h (only the
 * two a device model of ours sets).  RAM_RO is Xen's p2m_ram_ro: the
 * guest's own writes to such a frame are discarded (reads work);
 * mappings made by the device model are not affected.
 */
enum hv_mem_type {
    HV_MEM_RAM_RW = 0,
    HV_MEM_RAM_RO = 1,
};
/* Sets frames [first_pfn, first_pfn + nr) of domid to type t. */
int hv_set_mem_type(struct hv *hv, uint32_t domid, enum hv_mem_type t,
                    uint64_t first_pfn, uint32_t nr);
int hv_shutdown(struct hv *hv, uint32_t domid, enum hv_shutdown_reason r);

#endif
