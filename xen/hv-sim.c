/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor seam over xensim (selected by XENSIM_DIR): xendm is
 * the control domain's device model, connected to DIR/hv.sock through
 * the hvclient library.  Each call maps onto one hvclient call; the
 * semantics the seam promises (libxenevtchn's pending/unmask, all-or-
 * nothing grant maps, per-frame foreign-map errors) are hvclient's.
 * Trusts the daemon as Xen is trusted, within hvclient's checks.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xen/hv-ops.h"
#include "xensim/hvclient.h"

struct hv_sim {
    struct hv hv;
    struct hvc *c;
};

static struct hvc *hv_sim_c(const struct hv *hv)
{
    return ((const struct hv_sim *)hv)->c;
}

static void hv_sim_close(struct hv *hv)
{
    hvc_close(hv_sim_c(hv));
    free(hv);
}

static int hv_sim_limit(struct hv *hv, uint32_t domid)
{
    return hvc_restrict(hv_sim_c(hv), domid);
}

static int hv_sim_domain_info(struct hv *hv, uint32_t domid,
                              struct hv_domain_info *out)
{
    struct hvc_domain_info i;
    int rc = hvc_domain_info(hv_sim_c(hv), domid, &i);

    if (rc < 0) {
        return rc;
    }
    memset(out, 0, sizeof(*out));
    out->domid = i.domid;
    out->max_vcpu_id = i.vcpus ? i.vcpus - 1 : 0;
    out->max_pages = i.mem_pages;
    out->hvm = i.type == HVC_DOM_HVM;
    out->paused = i.paused;
    out->shutdown = i.shutdown;
    out->dying = i.dying;
    return 0;
}

static int hv_sim_evtchn_fd(struct hv *hv)
{
    return hvc_evtchn_fd(hv_sim_c(hv));
}

static int hv_sim_evtchn_bind_unbound(struct hv *hv, uint32_t domid)
{
    return hvc_evtchn_alloc_unbound(hv_sim_c(hv), domid);
}

static int hv_sim_evtchn_bind_interdomain(struct hv *hv, uint32_t domid,
                                          uint32_t remote_port)
{
    return hvc_evtchn_bind_interdomain(hv_sim_c(hv), domid, remote_port);
}

static int hv_sim_evtchn_unbind(struct hv *hv, uint32_t port)
{
    return hvc_evtchn_close(hv_sim_c(hv), port);
}

static int hv_sim_evtchn_notify(struct hv *hv, uint32_t port)
{
    return hvc_evtchn_notify(hv_sim_c(hv), port);
}

static int hv_sim_evtchn_pending(struct hv *hv)
{
    return hvc_evtchn_pending(hv_sim_c(hv));
}

static int hv_sim_evtchn_unmask(struct hv *hv, uint32_t port)
{
    return hvc_evtchn_unmask(hv_sim_c(hv), port);
}

static void *hv_sim_grant_map(struct hv *hv, uint32_t domid, uint32_t count,
                              const uint32_t *refs, int prot)
{
    return hvc_grant_map(hv_sim_c(hv), domid, count, refs,
                         ((prot & HV_PROT_READ) ? HVC_PROT_READ : 0) |
                             ((prot & HV_PROT_WRITE) ? HVC_PROT_WRITE : 0));
}

static int hv_sim_grant_unmap(struct hv *hv, void *addr, uint32_t count)
{
    return hvc_grant_unmap(hv_sim_c(hv), addr, count);
}

static int hv_sim_grant_copy(struct hv *hv, struct hv_grant_copy_seg *segs,
                             uint32_t count)
{
    struct hvc_copy_seg tmp[64];
    uint32_t done = 0, i, n;
    int rc;

    while (done < count) {
        n = count - done < 64 ? count - done : 64;
        for (i = 0; i < n; i++) {
            const struct hv_grant_copy_seg *s = &segs[done + i];

            tmp[i] = (struct hvc_copy_seg){
                s->to_guest, s->domid, s->ref, s->offset, s->len, s->local, 0};
        }
        rc = hvc_grant_copy(hv_sim_c(hv), tmp, n);
        if (rc < 0) {
            return rc;
        }
        for (i = 0; i < n; i++) {
            segs[done + i].status = tmp[i].status;
        }
        done += n;
    }
    return 0;
}

static bool hv_sim_grant_copy_supported(const struct hv *hv)
{
    return true;
}

static void *hv_sim_fmem_map(struct hv *hv, uint32_t domid, int prot,
                             size_t pages, const uint64_t *gfns, int *errs)
{
    return hvc_foreign_map(hv_sim_c(hv), domid,
                           ((prot & HV_PROT_READ) ? HVC_PROT_READ : 0) |
                               ((prot & HV_PROT_WRITE) ? HVC_PROT_WRITE : 0),
                           pages, gfns, errs);
}

static int hv_sim_fmem_unmap(struct hv *hv, void *addr, size_t pages)
{
    return hvc_foreign_unmap(hv_sim_c(hv), addr, pages);
}

static int hv_sim_ios_create(struct hv *hv, uint32_t domid, bool bufioreq,
                             uint16_t *id)
{
    return hvc_ioreq_server_create(hv_sim_c(hv), domid, bufioreq, id);
}

static int hv_sim_ios_map(struct hv *hv, uint32_t domid, uint16_t id,
                          void **ioreq_page, void **bufioreq_page,
                          uint32_t *bufioreq_port)
{
    return hvc_ioreq_server_map(hv_sim_c(hv), domid, id, ioreq_page,
                                bufioreq_page, bufioreq_port);
}

static int hv_sim_ios_unmap(struct hv *hv, void *ioreq_page,
                            void *bufioreq_page)
{
    hvc_ioreq_server_unmap(hv_sim_c(hv), ioreq_page, bufioreq_page);
    return 0;
}

static int hv_sim_ios_set_state(struct hv *hv, uint32_t domid, uint16_t id,
                                bool enabled)
{
    return hvc_ioreq_server_set_state(hv_sim_c(hv), domid, id, enabled);
}

static int hv_sim_ios_range(struct hv *hv, uint32_t domid, uint16_t id,
                            int type, bool map, uint64_t start, uint64_t end)
{
    if (type != HV_IOREQ_RANGE_PORT && type != HV_IOREQ_RANGE_MMIO) {
        return -EINVAL;
    }
    return hvc_ioreq_server_range(hv_sim_c(hv), domid, id,
                                  type == HV_IOREQ_RANGE_PORT ? HVC_RANGE_PORT
                                                              : HVC_RANGE_MMIO,
                                  map, start, end);
}

static int hv_sim_ios_map_range(struct hv *hv, uint32_t domid, uint16_t id,
                                int type, uint64_t start, uint64_t end)
{
    return hv_sim_ios_range(hv, domid, id, type, true, start, end);
}

static int hv_sim_ios_unmap_range(struct hv *hv, uint32_t domid, uint16_t id,
                                  int type, uint64_t start, uint64_t end)
{
    return hv_sim_ios_range(hv, domid, id, type, false, start, end);
}

static uint64_t hv_sim_sbdf(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
    return (uint64_t)seg << 16 | (uint64_t)bus << 8 |
           (uint64_t)(dev & 31) << 3 | (fn & 7);
}

static int hv_sim_ios_map_pcidev(struct hv *hv, uint32_t domid, uint16_t id,
                                 uint16_t seg, uint8_t bus, uint8_t dev,
                                 uint8_t fn)
{
    uint64_t sbdf = hv_sim_sbdf(seg, bus, dev, fn);

    if (dev > 31 || fn > 7) {
        return -EINVAL;
    }
    return hvc_ioreq_server_range(hv_sim_c(hv), domid, id, HVC_RANGE_PCI, true,
                                  sbdf, sbdf);
}

static int hv_sim_ios_unmap_pcidev(struct hv *hv, uint32_t domid, uint16_t id,
                                   uint16_t seg, uint8_t bus, uint8_t dev,
                                   uint8_t fn)
{
    uint64_t sbdf = hv_sim_sbdf(seg, bus, dev, fn);

    if (dev > 31 || fn > 7) {
        return -EINVAL;
    }
    return hvc_ioreq_server_range(hv_sim_c(hv), domid, id, HVC_RANGE_PCI, false,
                                  sbdf, sbdf);
}

static int hv_sim_ios_destroy(struct hv *hv, uint32_t domid, uint16_t id)
{
    return hvc_ioreq_server_destroy(hv_sim_c(hv), domid, id);
}

static int hv_sim_set_isa_irq_level(struct hv *hv, uint32_t domid, uint8_t irq,
                                    unsigned level)
{
    return hvc_set_isa_irq_level(hv_sim_c(hv), domid, irq, level);
}

static int hv_sim_set_pci_intx_level(struct hv *hv, uint32_t domid,
                                     uint16_t seg, uint8_t bus, uint8_t dev,
                                     uint8_t intx, unsigned level)
{
    return hvc_set_pci_intx_level(hv_sim_c(hv), domid, seg, bus, dev, intx,
                                  level);
}

static int hv_sim_set_pci_link_route(struct hv *hv, uint32_t domid,
                                     uint8_t link, uint8_t irq)
{
    return hvc_set_pci_link_route(hv_sim_c(hv), domid, link, irq);
}

static int hv_sim_modified_memory(struct hv *hv, uint32_t domid,
                                  uint64_t first_pfn, uint32_t nr)
{
    return hvc_modified_memory(hv_sim_c(hv), domid, first_pfn, nr);
}

static int hv_sim_set_mem_type(struct hv *hv, uint32_t domid,
                               enum hv_mem_type t, uint64_t first_pfn,
                               uint32_t nr)
{
    return hvc_set_mem_type(hv_sim_c(hv), domid,
                            t == HV_MEM_RAM_RO ? HVC_MEM_RAM_RO
                                               : HVC_MEM_RAM_RW,
                            first_pfn, nr);
}

static int hv_sim_shutdown(struct hv *hv, uint32_t domid,
                           enum hv_shutdown_reason r)
{
    return hvc_domain_shutdown(hv_sim_c(hv), domid, (unsigned)r);
}

static const struct hv_ops hv_sim_ops = {
    .name = "xensim",
    .close = hv_sim_close,
    .limit = hv_sim_limit,
    .domain_info = hv_sim_domain_info,
    .evtchn_fd = hv_sim_evtchn_fd,
    .evtchn_bind_unbound = hv_sim_evtchn_bind_unbound,
    .evtchn_bind_interdomain = hv_sim_evtchn_bind_interdomain,
    .evtchn_unbind = hv_sim_evtchn_unbind,
    .evtchn_notify = hv_sim_evtchn_notify,
    .evtchn_pending = hv_sim_evtchn_pending,
    .evtchn_unmask = hv_sim_evtchn_unmask,
    .grant_map = hv_sim_grant_map,
    .grant_unmap = hv_sim_grant_unmap,
    .grant_copy = hv_sim_grant_copy,
    .grant_copy_supported = hv_sim_grant_copy_supported,
    .fmem_map = hv_sim_fmem_map,
    .fmem_unmap = hv_sim_fmem_unmap,
    .ioreq_server_create = hv_sim_ios_create,
    .ioreq_server_map = hv_sim_ios_map,
    .ioreq_server_unmap = hv_sim_ios_unmap,
    .ioreq_server_set_state = hv_sim_ios_set_state,
    .ioreq_server_map_range = hv_sim_ios_map_range,
    .ioreq_server_unmap_range = hv_sim_ios_unmap_range,
    .ioreq_server_map_pcidev = hv_sim_ios_map_pcidev,
    .ioreq_server_unmap_pcidev = hv_sim_ios_unmap_pcidev,
    .ioreq_server_destroy = hv_sim_ios_destroy,
    .set_isa_irq_level = hv_sim_set_isa_irq_level,
    .set_pci_intx_level = hv_sim_set_pci_intx_level,
    .set_pci_link_route = hv_sim_set_pci_link_route,
    .modified_memory = hv_sim_modified_memory,
    .set_mem_type = hv_sim_set_mem_type,
    .shutdown = hv_sim_shutdown,
};

struct hv *hv_sim_open(const char *dir, char *err, size_t errlen)
{
    struct hv_sim *s = calloc(1, sizeof(*s));

    if (!s) {
        snprintf(err, errlen, "xensim: out of memory");
        return NULL;
    }
    s->c = hvc_open(dir, HVC_CONTROL);
    if (!s->c) {
        int e = errno;

        snprintf(err, errlen, "xensim: cannot reach %s/hv.sock: %s", dir,
                 strerror(e));
        free(s);
        errno = e;
        return NULL;
    }
    s->hv.ops = &hv_sim_ops;
    return &s->hv;
}
