/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor seam's entry points: hv_open() picks the backend
 * (XENSIM_DIR set: xensim, else real Xen) and every other call goes
 * through the backend's ops table (xen/hv-ops.h).  Trusts nothing but
 * the environment variable's presence.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "xen/hv-ops.h"

struct hv *hv_open(char *err, size_t errlen)
{
    const char *dir = getenv("XENSIM_DIR");

    if (dir && *dir) {
        return hv_sim_open(dir, err, errlen);
    }
    return hv_real_open(err, errlen);
}

void hv_close(struct hv *hv)
{
    if (hv) {
        hv->ops->close(hv);
    }
}

const char *hv_backend_name(const struct hv *hv)
{
    return hv->ops->name;
}

int hv_restrict(struct hv *hv, uint32_t domid)
{
    return hv->ops->limit(hv, domid);
}

int hv_domain_info(struct hv *hv, uint32_t domid, struct hv_domain_info *out)
{
    return hv->ops->domain_info(hv, domid, out);
}

int hv_evtchn_fd(struct hv *hv)
{
    return hv->ops->evtchn_fd(hv);
}

int hv_evtchn_bind_unbound(struct hv *hv, uint32_t domid)
{
    return hv->ops->evtchn_bind_unbound(hv, domid);
}

int hv_evtchn_bind_interdomain(struct hv *hv, uint32_t domid,
                               uint32_t remote_port)
{
    return hv->ops->evtchn_bind_interdomain(hv, domid, remote_port);
}

int hv_evtchn_unbind(struct hv *hv, uint32_t local_port)
{
    return hv->ops->evtchn_unbind(hv, local_port);
}

int hv_evtchn_notify(struct hv *hv, uint32_t local_port)
{
    return hv->ops->evtchn_notify(hv, local_port);
}

int hv_evtchn_pending(struct hv *hv)
{
    return hv->ops->evtchn_pending(hv);
}

int hv_evtchn_unmask(struct hv *hv, uint32_t local_port)
{
    return hv->ops->evtchn_unmask(hv, local_port);
}

void *hv_grant_map(struct hv *hv, uint32_t domid, uint32_t count,
                   const uint32_t *refs, int prot)
{
    return hv->ops->grant_map(hv, domid, count, refs, prot);
}

int hv_grant_unmap(struct hv *hv, void *addr, uint32_t count)
{
    return hv->ops->grant_unmap(hv, addr, count);
}

int hv_grant_copy(struct hv *hv, struct hv_grant_copy_seg *segs, uint32_t count)
{
    return hv->ops->grant_copy(hv, segs, count);
}

bool hv_grant_copy_supported(const struct hv *hv)
{
    return hv->ops->grant_copy_supported(hv);
}

void *hv_fmem_map(struct hv *hv, uint32_t domid, int prot, size_t pages,
                  const uint64_t *gfns, int *errs)
{
    return hv->ops->fmem_map(hv, domid, prot, pages, gfns, errs);
}

int hv_fmem_unmap(struct hv *hv, void *addr, size_t pages)
{
    return hv->ops->fmem_unmap(hv, addr, pages);
}

int hv_ioreq_server_create(struct hv *hv, uint32_t domid, bool bufioreq,
                           uint16_t *id)
{
    return hv->ops->ioreq_server_create(hv, domid, bufioreq, id);
}

int hv_ioreq_server_map(struct hv *hv, uint32_t domid, uint16_t id,
                        void **ioreq_page, void **bufioreq_page,
                        uint32_t *bufioreq_port)
{
    return hv->ops->ioreq_server_map(hv, domid, id, ioreq_page, bufioreq_page,
                                     bufioreq_port);
}

int hv_ioreq_server_unmap(struct hv *hv, void *ioreq_page, void *bufioreq_page)
{
    return hv->ops->ioreq_server_unmap(hv, ioreq_page, bufioreq_page);
}

int hv_ioreq_server_set_state(struct hv *hv, uint32_t domid, uint16_t id,
                              bool enabled)
{
    return hv->ops->ioreq_server_set_state(hv, domid, id, enabled);
}

int hv_ioreq_server_map_range(struct hv *hv, uint32_t domid, uint16_t id,
                              int type, uint64_t start, uint64_t end)
{
    return hv->ops->ioreq_server_map_range(hv, domid, id, type, start, end);
}

int hv_ioreq_server_unmap_range(struct hv *hv, uint32_t domid, uint16_t id,
                                int type, uint64_t start, uint64_t end)
{
    return hv->ops->ioreq_server_unmap_range(hv, domid, id, type, start, end);
}

int hv_ioreq_server_map_pcidev(struct hv *hv, uint32_t domid, uint16_t id,
                               uint16_t seg, uint8_t bus, uint8_t dev,
                               uint8_t fn)
{
    return hv->ops->ioreq_server_map_pcidev(hv, domid, id, seg, bus, dev, fn);
}

int hv_ioreq_server_unmap_pcidev(struct hv *hv, uint32_t domid, uint16_t id,
                                 uint16_t seg, uint8_t bus, uint8_t dev,
                                 uint8_t fn)
{
    return hv->ops->ioreq_server_unmap_pcidev(hv, domid, id, seg, bus, dev, fn);
}

int hv_ioreq_server_destroy(struct hv *hv, uint32_t domid, uint16_t id)
{
    return hv->ops->ioreq_server_destroy(hv, domid, id);
}

int hv_set_isa_irq_level(struct hv *hv, uint32_t domid, uint8_t irq,
                         unsigned level)
{
    return hv->ops->set_isa_irq_level(hv, domid, irq, level);
}

int hv_set_pci_intx_level(struct hv *hv, uint32_t domid, uint16_t seg,
                          uint8_t bus, uint8_t dev, uint8_t intx,
                          unsigned level)
{
    return hv->ops->set_pci_intx_level(hv, domid, seg, bus, dev, intx, level);
}

int hv_set_pci_link_route(struct hv *hv, uint32_t domid, uint8_t link,
                          uint8_t irq)
{
    return hv->ops->set_pci_link_route(hv, domid, link, irq);
}

int hv_modified_memory(struct hv *hv, uint32_t domid, uint64_t first_pfn,
                       uint32_t nr)
{
    return hv->ops->modified_memory(hv, domid, first_pfn, nr);
}

int hv_set_mem_type(struct hv *hv, uint32_t domid, enum hv_mem_type t,
                    uint64_t first_pfn, uint32_t nr)
{
    if (t != HV_MEM_RAM_RW && t != HV_MEM_RAM_RO) {
        return -EINVAL;
    }
    return hv->ops->set_mem_type(hv, domid, t, first_pfn, nr);
}

int hv_shutdown(struct hv *hv, uint32_t domid, enum hv_shutdown_reason r)
{
    return hv->ops->shutdown(hv, domid, r);
}
