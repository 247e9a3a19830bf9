/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ops table behind xen/hv.h, filled by each backend: xen/hv-real.c
 * (libxen*) and xen/hv-sim.c (xensim).  Only xen/ includes this.  A
 * backend embeds struct hv first in its own handle struct.
 */
#ifndef XENDM_HV_OPS_H
#define XENDM_HV_OPS_H

#include "xen/hv.h"

struct hv_ops {
    const char *name;
    void (*close)(struct hv *hv);
    int (*limit)(struct hv *hv, uint32_t domid);
    int (*domain_info)(struct hv *hv, uint32_t domid,
                       struct hv_domain_info *out);
    int (*evtchn_fd)(struct hv *hv);
    int (*evtchn_bind_unbound)(struct hv *hv, uint32_t domid);
    int (*evtchn_bind_interdomain)(struct hv *hv, uint32_t domid,
                                   uint32_t remote_port);
    int (*evtchn_unbind)(struct hv *hv, uint32_t local_port);
    int (*evtchn_notify)(struct hv *hv, uint32_t local_port);
    int (*evtchn_pending)(struct hv *hv);
    int (*evtchn_unmask)(struct hv *hv, uint32_t local_port);
    void *(*grant_map)(struct hv *hv, uint32_t domid, uint32_t count,
                       const uint32_t *refs, int prot);
    int (*grant_unmap)(struct hv *hv, void *addr, uint32_t count);
    int (*grant_copy)(struct hv *hv, struct hv_grant_copy_seg *segs,
                      uint32_t count);
    bool (*grant_copy_supported)(const struct hv *hv);
    void *(*fmem_map)(struct hv *hv, uint32_t domid, int prot, size_t pages,
                      const uint64_t *gfns, int *errs);
    int (*fmem_unmap)(struct hv *hv, void *addr, size_t pages);
    int (*ioreq_server_create)(struct hv *hv, uint32_t domid, bool bufioreq,
                               uint16_t *id);
    int (*ioreq_server_map)(struct hv *hv, uint32_t domid, uint16_t id,
                            void **ioreq_page, void **bufioreq_page,
                            uint32_t *bufioreq_port);
    int (*ioreq_server_unmap)(struct hv *hv, void *ioreq_page,
                              void *bufioreq_page);
    int (*ioreq_server_set_state)(struct hv *hv, uint32_t domid, uint16_t id,
                                  bool enabled);
    int (*ioreq_server_map_range)(struct hv *hv, uint32_t domid, uint16_t id,
                                  int type, uint64_t start, uint64_t end);
    int (*ioreq_server_unmap_range)(struct hv *hv, uint32_t domid, uint16_t id,
                                    int type, uint64_t start, uint64_t end);
    int (*ioreq_server_map_pcidev)(struct hv *hv, uint32_t domid, uint16_t id,
                                   uint16_t seg, uint8_t bus, uint8_t dev,
                                   uint8_t fn);
    int (*ioreq_server_unmap_pcidev)(struct hv *hv, uint32_t domid, uint16_t id,
                                     uint16_t seg, uint8_t bus, uint8_t dev,
                                     uint8_t fn);
    int (*ioreq_server_destroy)(struct hv *hv, uint32_t domid, uint16_t id);
    int (*set_isa_irq_level)(struct hv *hv, uint32_t domid, uint8_t irq,
                             unsigned level);
    int (*set_pci_intx_level)(struct hv *hv, uint32_t domid, uint16_t seg,
                              uint8_t bus, uint8_t dev, uint8_t intx,
                              unsigned level);
    int (*set_pci_link_route)(struct hv *hv, uint32_t domid, uint8_t link,
                              uint8_t irq);
    int (*modified_memory)(struct hv *hv, uint32_t domid, uint64_t first_pfn,
                           uint32_t nr);
    int (*set_mem_type)(struct hv *hv, uint32_t domid, enum hv_mem_type t,
                        uint64_t first_pfn, uint32_t nr);
    int (*shutdown)(struct hv *hv, uint32_t domid, enum hv_shutdown_reason r);
};

struct hv {
    const struct hv_ops *ops;
};

/* Backend constructors: NULL with a one-line reason in err. */
struct hv *hv_real_open(char *err, size_t errlen);
struct hv *hv_sim_open(const char *dir, char *err, size_t errlen);

#endif
