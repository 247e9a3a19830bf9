/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim hypervisor services: guest frame types (Xen's p2m types, as
 * far as a device model sets them) and the guest CPU's own loads and
 * stores of its memory.
 *
 * Theory of operation.  Each domain keeps one bit per frame, set when
 * the frame is p2m_ram_ro.  DM_MEMTYPE (xendevicemodel_set_mem_type:
 * the Xen platform device's ROM lock makes 0xc0000-0xfffff read-only)
 * sets or clears the bits for a range, checked as Xen's dm_op checks
 * it: HVM domains only, the whole range inside the domain's memory,
 * types RAM_RW and RAM_RO (the others Xen knows need MMIO emulation
 * xensim does not model: refused).  VCPU_MEM is a store or load by
 * the guest's CPU: a store to a RAM_RO frame takes an EPT write fault
 * in Xen, goes to the emulator, and the emulator discards it
 * (p2m_is_discard_write); here the daemon copies the bytes frame by
 * frame and skips RAM_RO frames the same way, reporting how many
 * bytes were discarded.  What the type does not restrict, in Xen as
 * here: foreign mappings by the control domain (privcmd maps the
 * frame itself) and grant maps and copies (the grant path checks the
 * grant entry, not the granting domain's p2m type), so xendm's own
 * writes to guest memory are unaffected.
 *
 * Trusts nothing in a message: domain, range and length are checked
 * against the domain before any byte is touched.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "xensim/hv-internal.h"

bool hv_p2m_ro(const struct hv_dom *d, uint64_t pfn)
{
    return d->ro && pfn < d->mem_pages && (d->ro[pfn / 8] & (1u << (pfn % 8)));
}

int hv_h_dm_memtype(struct hv_conn *c, const struct hvp_msg *m,
                    struct hv_reply *r)
{
    const struct hvp_dm_memtype *b = m->body;
    struct hv_dom *d = hv_dom_find(c->hs, b->domid);
    uint64_t pfn;

    (void)r;
    if (!hv_may_control(c, b->domid)) {
        return -EPERM;
    }
    if (!d || !d->mem) {
        return -ESRCH;
    }
    if (d->type != HVP_DOM_HVM) {
        return -EINVAL;
    }
    if (b->nr == 0 || b->first_pfn >= d->mem_pages ||
        b->nr > d->mem_pages - b->first_pfn) {
        return -EINVAL;
    }
    if (b->mem_type != HVP_MEM_RAM_RW && b->mem_type != HVP_MEM_RAM_RO) {
        /* mmio_dm and ioreq_server exist in Xen; xensim has no such frames */
        return b->mem_type == 2 || b->mem_type == 4 ? -EOPNOTSUPP : -EINVAL;
    }
    for (pfn = b->first_pfn; pfn < b->first_pfn + b->nr; pfn++) {
        if (b->mem_type == HVP_MEM_RAM_RO) {
            d->ro[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
        } else {
            d->ro[pfn / 8] &= (uint8_t) ~(1u << (pfn % 8));
        }
    }
    return 0;
}

/* Copies one store frame by frame, skipping RAM_RO frames. */
static uint32_t hv_p2m_store(struct hv_dom *d, uint64_t gpa,
                             const uint8_t *src, uint32_t len)
{
    uint32_t discarded = 0;

    while (len > 0) {
        uint64_t pfn = gpa / HVP_PAGE;
        uint32_t in_page = HVP_PAGE - (uint32_t)(gpa % HVP_PAGE);
        uint32_t n = len < in_page ? len : in_page;

        if (hv_p2m_ro(d, pfn)) {
            discarded += n;
        } else {
            memcpy(d->mem + gpa, src, n);
        }
        gpa += n;
        src += n;
        len -= n;
    }
    return discarded;
}

int hv_h_vcpu_mem(struct hv_conn *c, const struct hvp_msg *m,
                  struct hv_reply *r)
{
    const struct hvp_vcpu_mem *b = m->body;
    struct hv_dom *d = hv_dom_find(c->hs, b->domid);
    struct hvp_vcpu_mem_r o = {0, 0};
    uint64_t bytes;

    if (!(c->priv ? hv_may_control(c, b->domid) : b->domid == c->domid)) {
        return -EPERM;
    }
    if (!d || !d->mem) {
        return -ESRCH;
    }
    bytes = d->mem_pages * HVP_PAGE;
    if (b->write > 1 || b->len == 0 || b->len > HVP_VCPU_MEM_MAX ||
        b->gpa >= bytes || b->len > bytes - b->gpa) {
        return -EINVAL;
    }
    if (b->write) {
        if (m->nelems != b->len) {
            return -EINVAL;
        }
        o.discarded = hv_p2m_store(d, b->gpa, m->elems, b->len);
        return hv_reply_put(r, &o, sizeof(o));
    }
    if (m->nelems != 0) {
        return -EINVAL;
    }
    hv_reply_put(r, &o, sizeof(o));
    return hv_reply_put(r, d->mem + b->gpa, b->len);
}
