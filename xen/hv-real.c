/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor seam over real Xen: libxenevtchn, libxengnttab,
 * libxenforeignmemory, libxendevicemodel and libxenctrl, one handle of
 * each per process.  On a machine without /dev/xen the first open fails
 * (ENOENT) and hv_real_open reports that in one line; the libraries'
 * own chatter goes to a silent logger.  The ioreq pages are mapped as
 * a resource first and by PFN when that is not supported, as QEMU does.
 * Trusts the hypervisor; everything else is the caller's business.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xentoollog.h>
#include <xen/hvm/hvm_op.h>
#include <xen/memory.h>

#include "xen/hv-ops.h"

#define HV_REAL_MAX_RES 8

struct hv_real {
    struct hv hv;
    xentoollog_logger quiet;
    xenevtchn_handle *xce;
    xengnttab_handle *xgt;
    xenforeignmemory_handle *fmem;
    xendevicemodel_handle *dmod;
    xc_interface *xch;
    struct {
        void *addr;
        xenforeignmemory_resource_handle *res;
        void *pfn_ioreq, *pfn_buf;
    } res[HV_REAL_MAX_RES];
};

#define R(hv) ((struct hv_real *)(hv))

static int hv_neg_errno(int rc)
{
    return rc < 0 ? (errno ? -errno : -EIO) : rc;
}

static void hv_quiet_msg(struct xentoollog_logger *l, xentoollog_level lvl,
                         int errnoval, const char *context, const char *format,
                         va_list al)
{
}

static void hv_quiet_progress(struct xentoollog_logger *l, const char *context,
                              const char *doing_what, int percent,
                              unsigned long done, unsigned long total)
{
}

static void hv_quiet_destroy(struct xentoollog_logger *l)
{
}

static void hv_real_close(struct hv *hv)
{
    struct hv_real *r = R(hv);

    if (r->xce) {
        xenevtchn_close(r->xce);
    }
    if (r->xgt) {
        xengnttab_close(r->xgt);
    }
    if (r->fmem) {
        xenforeignmemory_close(r->fmem);
    }
    if (r->dmod) {
        xendevicemodel_close(r->dmod);
    }
    if (r->xch) {
        xc_interface_close(r->xch);
    }
    free(r);
}

static int hv_real_limit(struct hv *hv, uint32_t domid)
{
    struct hv_real *r = R(hv);

    if (xenevtchn_restrict(r->xce, (domid_t)domid) < 0 ||
        xenforeignmemory_restrict(r->fmem, (domid_t)domid) < 0 ||
        xendevicemodel_restrict(r->dmod, (domid_t)domid) < 0) {
        return hv_neg_errno(-1);
    }
    return 0;
}

static int hv_real_domain_info(struct hv *hv, uint32_t domid,
                               struct hv_domain_info *out)
{
    xc_dominfo_t info;

    if (!R(hv)->xch) {
        return -EPERM; /* restricted device models have no libxenctrl */
    }
    if (xc_domain_getinfo(R(hv)->xch, domid, 1, &info) != 1 ||
        info.domid != domid) {
        return -ESRCH;
    }
    memset(out, 0, sizeof(*out));
    out->domid = info.domid;
    out->max_vcpu_id = info.max_vcpu_id;
    out->max_pages = info.max_memkb / 4;
    out->hvm = info.hvm;
    out->paused = info.paused;
    out->shutdown = info.shutdown;
    out->dying = info.dying;
    return 0;
}

static int hv_real_evtchn_fd(struct hv *hv)
{
    return xenevtchn_fd(R(hv)->xce);
}

static int hv_real_evtchn_bind_unbound(struct hv *hv, uint32_t domid)
{
    return hv_neg_errno(xenevtchn_bind_unbound_port(R(hv)->xce, domid));
}

static int hv_real_evtchn_bind_interdomain(struct hv *hv, uint32_t domid,
                                           uint32_t remote_port)
{
    return hv_neg_errno(
        xenevtchn_bind_interdomain(R(hv)->xce, domid, remote_port));
}

static int hv_real_evtchn_unbind(struct hv *hv, uint32_t port)
{
    return hv_neg_errno(xenevtchn_unbind(R(hv)->xce, port));
}

static int hv_real_evtchn_notify(struct hv *hv, uint32_t port)
{
    return hv_neg_errno(xenevtchn_notify(R(hv)->xce, port));
}

static int hv_real_evtchn_pending(struct hv *hv)
{
    int port = xenevtchn_pending(R(hv)->xce);

    return port < 0 ? (errno == EAGAIN ? -EAGAIN : hv_neg_errno(-1)) : port;
}

static int hv_real_evtchn_unmask(struct hv *hv, uint32_t port)
{
    return hv_neg_errno(xenevtchn_unmask(R(hv)->xce, port));
}

static int hv_real_prot(int prot)
{
    return ((prot & HV_PROT_READ) ? PROT_READ : 0) |
           ((prot & HV_PROT_WRITE) ? PROT_WRITE : 0);
}

static void *hv_real_grant_map(struct hv *hv, uint32_t domid, uint32_t count,
                               const uint32_t *refs, int prot)
{
    return xengnttab_map_domain_grant_refs(
        R(hv)->xgt, count, domid, (uint32_t *)refs, hv_real_prot(prot));
}

static int hv_real_grant_unmap(struct hv *hv, void *addr, uint32_t count)
{
    return hv_neg_errno(xengnttab_unmap(R(hv)->xgt, addr, count));
}

static int hv_real_grant_copy(struct hv *hv, struct hv_grant_copy_seg *segs,
                              uint32_t count)
{
    xengnttab_grant_copy_segment_t seg[32];
    uint32_t done = 0, i, n;

    while (done < count) {
        n = count - done < 32 ? count - done : 32;
        memset(seg, 0, sizeof(seg));
        for (i = 0; i < n; i++) {
            struct hv_grant_copy_seg *s = &segs[done + i];

            if (s->to_guest) {
                seg[i].flags = GNTCOPY_dest_gref;
                seg[i].dest.foreign.ref = s->ref;
                seg[i].dest.foreign.domid = (domid_t)s->domid;
                seg[i].dest.foreign.offset = s->offset;
                seg[i].source.virt = s->local;
            } else {
                seg[i].flags = GNTCOPY_source_gref;
                seg[i].source.foreign.ref = s->ref;
                seg[i].source.foreign.domid = (domid_t)s->domid;
                seg[i].source.foreign.offset = s->offset;
                seg[i].dest.virt = s->local;
            }
            seg[i].len = s->len;
        }
        if (xengnttab_grant_copy(R(hv)->xgt, n, seg) < 0) {
            return hv_neg_errno(-1);
        }
        for (i = 0; i < n; i++) {
            segs[done + i].status = seg[i].status;
        }
        done += n;
    }
    return 0;
}

static bool hv_real_grant_copy_supported(const struct hv *hv)
{
    /* probe with an empty batch, as QEMU does */
    return xengnttab_grant_copy(R(hv)->xgt, 0, NULL) == 0;
}

static void *hv_real_fmem_map(struct hv *hv, uint32_t domid, int prot,
                              size_t pages, const uint64_t *gfns, int *errs)
{
    xen_pfn_t *pfns = calloc(pages ? pages : 1, sizeof(*pfns));
    void *p;
    size_t i;

    if (!pfns) {
        return NULL;
    }
    for (i = 0; i < pages; i++) {
        pfns[i] = (xen_pfn_t)gfns[i];
    }
    p = xenforeignmemory_map(R(hv)->fmem, domid, hv_real_prot(prot), pages,
                             pfns, errs);
    free(pfns);
    return p;
}

static int hv_real_fmem_unmap(struct hv *hv, void *addr, size_t pages)
{
    return hv_neg_errno(xenforeignmemory_unmap(R(hv)->fmem, addr, pages));
}

static int hv_real_ios_create(struct hv *hv, uint32_t domid, bool bufioreq,
                              uint16_t *id)
{
    ioservid_t sid;
    int rc = xendevicemodel_create_ioreq_server(
        R(hv)->dmod, (domid_t)domid,
        bufioreq ? HVM_IOREQSRV_BUFIOREQ_ATOMIC : HVM_IOREQSRV_BUFIOREQ_OFF,
        &sid);

    if (rc < 0) {
        return hv_neg_errno(rc);
    }
    *id = sid;
    return 0;
}

static int hv_real_ios_map(struct hv *hv, uint32_t domid, uint16_t id,
                           void **ioreq_page, void **bufioreq_page,
                           uint32_t *bufioreq_port)
{
    struct hv_real *r = R(hv);
    xen_pfn_t ioreq_pfn = 0, buf_pfn = 0;
    evtchn_port_t port = 0;
    void *addr = NULL;
    unsigned slot;

    for (slot = 0; slot < HV_REAL_MAX_RES && r->res[slot].addr; slot++) {
    }
    if (slot == HV_REAL_MAX_RES) {
        return -ENOSPC;
    }
    if (xendevicemodel_get_ioreq_server_info(r->dmod, (domid_t)domid, id, NULL,
                                             NULL, &port) < 0) {
        return hv_neg_errno(-1);
    }
    /* with a buffered ring: frames 0 (buffered) and 1; else frame 1 */
    r->res[slot].res = xenforeignmemory_map_resource(
        r->fmem, (domid_t)domid, XENMEM_resource_ioreq_server, id,
        port ? XENMEM_resource_ioreq_server_frame_bufioreq
             : XENMEM_resource_ioreq_server_frame_ioreq(0),
        port ? 2 : 1, &addr, PROT_READ | PROT_WRITE, 0);
    if (r->res[slot].res) {
        *ioreq_page = port ? (uint8_t *)addr + HV_PAGE_SIZE : addr;
        *bufioreq_page = port ? addr : NULL;
        r->res[slot].addr = *ioreq_page;
    } else if (errno == EOPNOTSUPP) {
        if (xendevicemodel_get_ioreq_server_info(
                r->dmod, (domid_t)domid, id, &ioreq_pfn, &buf_pfn, NULL) < 0) {
            return hv_neg_errno(-1);
        }
        *ioreq_page = xenforeignmemory_map(
            r->fmem, domid, PROT_READ | PROT_WRITE, 1, &ioreq_pfn, NULL);
        *bufioreq_page =
            port ? xenforeignmemory_map(r->fmem, domid, PROT_READ | PROT_WRITE,
                                        1, &buf_pfn, NULL)
                 : NULL;
        if (!*ioreq_page || (port && !*bufioreq_page)) {
            return hv_neg_errno(-1);
        }
        r->res[slot].addr = *ioreq_page;
        r->res[slot].pfn_ioreq = *ioreq_page;
        r->res[slot].pfn_buf = *bufioreq_page;
    } else {
        return hv_neg_errno(-1);
    }
    *bufioreq_port = port;
    return 0;
}

static int hv_real_ios_unmap(struct hv *hv, void *ioreq_page,
                             void *bufioreq_page)
{
    struct hv_real *r = R(hv);
    unsigned slot;

    for (slot = 0; slot < HV_REAL_MAX_RES; slot++) {
        if (r->res[slot].addr != ioreq_page || !ioreq_page) {
            continue;
        }
        if (r->res[slot].res) {
            xenforeignmemory_unmap_resource(r->fmem, r->res[slot].res);
        } else {
            xenforeignmemory_unmap(r->fmem, r->res[slot].pfn_ioreq, 1);
            if (r->res[slot].pfn_buf) {
                xenforeignmemory_unmap(r->fmem, r->res[slot].pfn_buf, 1);
            }
        }
        memset(&r->res[slot], 0, sizeof(r->res[slot]));
        return 0;
    }
    return -EINVAL;
}

static int hv_real_ios_set_state(struct hv *hv, uint32_t domid, uint16_t id,
                                 bool enabled)
{
    return hv_neg_errno(xendevicemodel_set_ioreq_server_state(
        R(hv)->dmod, (domid_t)domid, id, enabled));
}

static int hv_real_ios_map_range(struct hv *hv, uint32_t domid, uint16_t id,
                                 int type, uint64_t start, uint64_t end)
{
    return hv_neg_errno(xendevicemodel_map_io_range_to_ioreq_server(
        R(hv)->dmod, (domid_t)domid, id, type == HV_IOREQ_RANGE_MMIO, start,
        end));
}

static int hv_real_ios_unmap_range(struct hv *hv, uint32_t domid, uint16_t id,
                                   int type, uint64_t start, uint64_t end)
{
    return hv_neg_errno(xendevicemodel_unmap_io_range_from_ioreq_server(
        R(hv)->dmod, (domid_t)domid, id, type == HV_IOREQ_RANGE_MMIO, start,
        end));
}

static int hv_real_ios_map_pcidev(struct hv *hv, uint32_t domid, uint16_t id,
                                  uint16_t seg, uint8_t bus, uint8_t dev,
                                  uint8_t fn)
{
    return hv_neg_errno(xendevicemodel_map_pcidev_to_ioreq_server(
        R(hv)->dmod, (domid_t)domid, id, seg, bus, dev, fn));
}

static int hv_real_ios_unmap_pcidev(struct hv *hv, uint32_t domid, uint16_t id,
                                    uint16_t seg, uint8_t bus, uint8_t dev,
                                    uint8_t fn)
{
    return hv_neg_errno(xendevicemodel_unmap_pcidev_from_ioreq_server(
        R(hv)->dmod, (domid_t)domid, id, seg, bus, dev, fn));
}

static int hv_real_ios_destroy(struct hv *hv, uint32_t domid, uint16_t id)
{
    return hv_neg_errno(
        xendevicemodel_destroy_ioreq_server(R(hv)->dmod, (domid_t)domid, id));
}

static int hv_real_set_isa_irq_level(struct hv *hv, uint32_t domid, uint8_t irq,
                                     unsigned level)
{
    return hv_neg_errno(xendevicemodel_set_isa_irq_level(
        R(hv)->dmod, (domid_t)domid, irq, level));
}

static int hv_real_set_pci_intx_level(struct hv *hv, uint32_t domid,
                                      uint16_t seg, uint8_t bus, uint8_t dev,
                                      uint8_t intx, unsigned level)
{
    return hv_neg_errno(xendevicemodel_set_pci_intx_level(
        R(hv)->dmod, (domid_t)domid, seg, bus, dev, intx, level));
}

static int hv_real_set_pci_link_route(struct hv *hv, uint32_t domid,
                                      uint8_t link, uint8_t irq)
{
    return hv_neg_errno(xendevicemodel_set_pci_link_route(
        R(hv)->dmod, (domid_t)domid, link, irq));
}

static int hv_real_modified_memory(struct hv *hv, uint32_t domid,
                                   uint64_t first_pfn, uint32_t nr)
{
    return hv_neg_errno(xendevicemodel_modified_memory(
        R(hv)->dmod, (domid_t)domid, first_pfn, nr));
}

static int hv_real_set_mem_type(struct hv *hv, uint32_t domid,
                                enum hv_mem_type t, uint64_t first_pfn,
                                uint32_t nr)
{
    return hv_neg_errno(xendevicemodel_set_mem_type(
        R(hv)->dmod, (domid_t)domid,
        t == HV_MEM_RAM_RO ? HVMMEM_ram_ro : HVMMEM_ram_rw, first_pfn, nr));
}

static int hv_real_shutdown(struct hv *hv, uint32_t domid,
                            enum hv_shutdown_reason reason)
{
    return hv_neg_errno(
        xendevicemodel_shutdown(R(hv)->dmod, (domid_t)domid, reason));
}

static const struct hv_ops hv_real_ops = {
    .name = "xen",
    .close = hv_real_close,
    .limit = hv_real_limit,
    .domain_info = hv_real_domain_info,
    .evtchn_fd = hv_real_evtchn_fd,
    .evtchn_bind_unbound = hv_real_evtchn_bind_unbound,
    .evtchn_bind_interdomain = hv_real_evtchn_bind_interdomain,
    .evtchn_unbind = hv_real_evtchn_unbind,
    .evtchn_notify = hv_real_evtchn_notify,
    .evtchn_pending = hv_real_evtchn_pending,
    .evtchn_unmask = hv_real_evtchn_unmask,
    .grant_map = hv_real_grant_map,
    .grant_unmap = hv_real_grant_unmap,
    .grant_copy = hv_real_grant_copy,
    .grant_copy_supported = hv_real_grant_copy_supported,
    .fmem_map = hv_real_fmem_map,
    .fmem_unmap = hv_real_fmem_unmap,
    .ioreq_server_create = hv_real_ios_create,
    .ioreq_server_map = hv_real_ios_map,
    .ioreq_server_unmap = hv_real_ios_unmap,
    .ioreq_server_set_state = hv_real_ios_set_state,
    .ioreq_server_map_range = hv_real_ios_map_range,
    .ioreq_server_unmap_range = hv_real_ios_unmap_range,
    .ioreq_server_map_pcidev = hv_real_ios_map_pcidev,
    .ioreq_server_unmap_pcidev = hv_real_ios_unmap_pcidev,
    .ioreq_server_destroy = hv_real_ios_destroy,
    .set_isa_irq_level = hv_real_set_isa_irq_level,
    .set_pci_intx_level = hv_real_set_pci_intx_level,
    .set_pci_link_route = hv_real_set_pci_link_route,
    .modified_memory = hv_real_modified_memory,
    .set_mem_type = hv_real_set_mem_type,
    .shutdown = hv_real_shutdown,
};

struct hv *hv_real_open(char *err, size_t errlen)
{
    struct hv_real *r = calloc(1, sizeof(*r));
    xentoollog_logger *log;
    int e;

    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->hv.ops = &hv_real_ops;
    r->quiet.vmessage = hv_quiet_msg;
    r->quiet.progress = hv_quiet_progress;
    r->quiet.destroy = hv_quiet_destroy;
    log = &r->quiet;
    r->xce = xenevtchn_open(log, 0);
    if (!r->xce) {
        e = errno;
        if (e == ENOENT) {
            snprintf(err, errlen,
                     "no Xen hypervisor here (/dev/xen/evtchn: %s); "
                     "set XENSIM_DIR to use xensim",
                     strerror(e));
        } else {
            snprintf(err, errlen, "cannot open Xen event channels: %s",
                     strerror(e));
        }
        goto err_close;
    }
    /* the seam's pending() says -EAGAIN rather than blocking */
    e = xenevtchn_fd(r->xce);
    if (e >= 0) {
        fcntl(e, F_SETFL, fcntl(e, F_GETFL) | O_NONBLOCK);
    }
    r->xgt = xengnttab_open(log, 0);
    r->fmem = xenforeignmemory_open(log, 0);
    r->dmod = xendevicemodel_open(log, 0);
    if (!r->xgt || !r->fmem || !r->dmod) {
        e = errno;
        snprintf(err, errlen, "cannot open the Xen device-model interfaces: %s",
                 strerror(e));
        goto err_close;
    }
    r->xch = xc_interface_open(log, log, 0); /* optional: domain info */
    return &r->hv;

err_close:
    hv_real_close(&r->hv);
    errno = e;
    return NULL;
}
