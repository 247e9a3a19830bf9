/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ioreq dispatcher: one decoded request, or the buffered ring, run
 * on the emulated machine.
 *
 * Theory of operation.  A request is checked before anything runs:
 * its type must be known, its size legal for the type (1/2/4 for port
 * and config accesses, up to 8 for MMIO), a rep count between 1 and
 * IOREQ_MAX_COUNT, ports below 0x10000, config accesses single and
 * on segment 0 bus 0.  Rep accesses step the guest-memory side (and
 * for MMIO the device side) by `size` up or down per `df`, as qemu-xen
 * does; each guest-memory element goes through the memory ops, which
 * refuse addresses outside the guest.  A refused request is answered
 * with all ones when it reads a value, counted, and logged through a
 * rate limit; the ring drain is bounded to one ring's worth per call
 * so a guest cannot keep xendm in it.
 */
#include <errno.h>
#include <string.h>

#include "ioreq.h"

static const struct ratelimit dispatch_rl_init = RATELIMIT_INIT(1000, 10);

static uint64_t ones(uint32_t size)
{
    return size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
}

void ioreq_dispatch_init(struct ioreq_dispatch *d, struct machine *m,
                         const struct ioreq_mem_ops *mem, void *mem_opaque)
{
    memset(d, 0, sizeof(*d));
    d->m = m;
    d->mem = mem;
    d->mem_opaque = mem_opaque;
    d->rl = dispatch_rl_init;
    if (m != NULL && mem != NULL) {     /* DMA-capable devices (fw_cfg) */
        machine_set_guest_memory(m, mem->read, mem->write, mem_opaque);
    }
}

static int refuse(struct ioreq_dispatch *d, ioreq_t *req, const char *why)
{
    d->stats.refused++;
    log_ratelimited(&d->rl,
                    "ioreq: refused type %u size %u count %u addr %#llx: %s",
                    req->type, req->size, req->count,
                    (unsigned long long)req->addr, why);
    if (req->dir == IOREQ_READ && !req->data_is_ptr) {
        req->data = ones(req->size);
    }
    return -EINVAL;
}

/* Guest address of element i of a rep access based at `base`. */
static uint64_t step(const ioreq_t *req, uint64_t base, uint32_t i)
{
    uint64_t off = (uint64_t)i * req->size;

    return req->df ? base - off : base + off;
}

static int mem_rw(struct ioreq_dispatch *d, uint64_t gpa, uint64_t *v,
                  uint32_t size, bool write)
{
    if (!d->mem) {
        return -EFAULT;
    }
    if (write) {
        return d->mem->write(d->mem_opaque, gpa, v, size);
    }
    *v = 0;
    return d->mem->read(d->mem_opaque, gpa, v, size);
}

static uint64_t pio_in(struct ioreq_dispatch *d, uint64_t port,
                       uint32_t size)
{
    uint32_t v = UINT32_MAX;

    machine_pio(d->m, (uint16_t)port, size, false, &v);
    return v & ones(size);
}

static void pio_out(struct ioreq_dispatch *d, uint64_t port, uint32_t size,
                    uint64_t v)
{
    uint32_t w = (uint32_t)(v & ones(size));

    if (port >= 0xcfc && port <= 0xcff) {
        d->config_written = true;
    }
    machine_pio(d->m, (uint16_t)port, size, true, &w);
}

static int do_pio(struct ioreq_dispatch *d, ioreq_t *req)
{
    uint64_t v;
    uint32_t i;

    if (req->size != 1 && req->size != 2 && req->size != 4) {
        return refuse(d, req, "bad size");
    }
    if (req->addr > 0xffff) {
        return refuse(d, req, "port beyond 0xffff");
    }
    if (!req->data_is_ptr) {
        if (req->dir == IOREQ_READ) {
            req->data = pio_in(d, req->addr, req->size);
        } else {
            pio_out(d, req->addr, req->size, req->data);
        }
        return 0;
    }
    for (i = 0; i < req->count; i++) {
        uint64_t gpa = step(req, req->data, i);

        if (req->dir == IOREQ_READ) {
            v = pio_in(d, req->addr, req->size);
            if (mem_rw(d, gpa, &v, req->size, true) < 0) {
                return refuse(d, req, "rep ins: pointer outside the guest");
            }
        } else {
            if (mem_rw(d, gpa, &v, req->size, false) < 0) {
                return refuse(d, req, "rep outs: pointer outside the guest");
            }
            pio_out(d, req->addr, req->size, v);
        }
    }
    return 0;
}

static uint64_t mmio_in(struct ioreq_dispatch *d, uint64_t addr,
                        uint32_t size)
{
    uint64_t v = UINT64_MAX;

    machine_mmio(d->m, addr, size, false, &v);
    return v & ones(size);
}

static int do_copy(struct ioreq_dispatch *d, ioreq_t *req)
{
    uint64_t v;
    uint32_t i;

    if (req->size != 1 && req->size != 2 && req->size != 4 &&
        req->size != 8) {
        return refuse(d, req, "bad size");
    }
    for (i = 0; i < req->count; i++) {
        uint64_t a = step(req, req->addr, i);

        if (!req->data_is_ptr) {
            if (req->dir == IOREQ_READ) {
                req->data = mmio_in(d, a, req->size);
            } else {
                v = req->data & ones(req->size);
                machine_mmio(d->m, a, req->size, true, &v);
            }
            continue;
        }
        if (req->dir == IOREQ_READ) {
            v = mmio_in(d, a, req->size);
            if (mem_rw(d, step(req, req->data, i), &v, req->size, true) < 0) {
                return refuse(d, req, "MMIO read: pointer outside the guest");
            }
        } else {
            if (mem_rw(d, step(req, req->data, i), &v, req->size, false) < 0) {
                return refuse(d, req, "MMIO write: pointer outside the guest");
            }
            machine_mmio(d->m, a, req->size, true, &v);
        }
    }
    return 0;
}

static int do_pci_config(struct ioreq_dispatch *d, ioreq_t *req)
{
    uint32_t sbdf = (uint32_t)(req->addr >> 32), reg = (uint32_t)req->addr;
    uint32_t v = (uint32_t)req->data;

    if (req->size != 1 && req->size != 2 && req->size != 4) {
        return refuse(d, req, "bad config size");
    }
    if (req->count != 1 || req->data_is_ptr) {
        return refuse(d, req, "config access with rep or pointer");
    }
    if (sbdf > 0xff) {
        /* no device outside segment 0 bus 0: ones, as an empty slot */
        if (req->dir == IOREQ_READ) {
            req->data = ones(req->size);
        }
        return 0;
    }
    if (req->dir == IOREQ_READ) {
        machine_pci_config(d->m, sbdf, reg, req->size, false, &v);
        req->data = v & ones(req->size);
    } else {
        v &= (uint32_t)ones(req->size);
        machine_pci_config(d->m, sbdf, reg, req->size, true, &v);
        d->config_written = true;
    }
    return 0;
}

int ioreq_dispatch(struct ioreq_dispatch *d, ioreq_t *req)
{
    int rc;

    if (req->count == 0 || req->count > IOREQ_MAX_COUNT) {
        return refuse(d, req, "bad count");
    }
    switch (req->type) {
    case IOREQ_TYPE_PIO:
        rc = do_pio(d, req);
        break;
    case IOREQ_TYPE_COPY:
        rc = do_copy(d, req);
        break;
    case IOREQ_TYPE_PCI_CONFIG:
        rc = do_pci_config(d, req);
        break;
    case IOREQ_TYPE_TIMEOFFSET:
        rc = 0;             /* the guest's RTC offset: Xen keeps it */
        break;
    case IOREQ_TYPE_INVALIDATE:
        if (d->mem && d->mem->invalidate) {
            d->mem->invalidate(d->mem_opaque);
        }
        rc = 0;
        break;
    default:
        return refuse(d, req, "unknown type");
    }
    if (rc == 0) {
        d->stats.handled++;
    }
    return rc;
}

unsigned ioreq_drain_buffered(struct ioreq_dispatch *d,
                              buffered_iopage_t *bp)
{
    unsigned done = 0;

    while (done < IOREQ_BUFFER_SLOT_NUM) {
        /*
         * Xen renormalises both pointers together (one 64-bit cmpxchg),
         * so read them together too: two separate loads can straddle a
         * renormalisation and look corrupt.  x86 is little-endian: the
         * read pointer is the low half.
         */
        uint64_t both = __atomic_load_n((const uint64_t *)(const void *)
                                            &bp->read_pointer,
                                        __ATOMIC_ACQUIRE);
        uint32_t rp = (uint32_t)both;
        uint32_t wp = (uint32_t)(both >> 32);
        buf_ioreq_t slot, hi;
        ioreq_t req;
        uint32_t qw;

        if (rp == wp) {
            break;
        }
        if (wp - rp > IOREQ_BUFFER_SLOT_NUM) {
            log_ratelimited(&d->rl, "ioreq: buffered ring pointers corrupt");
            break;
        }
        slot = bp->buf_ioreq[rp % IOREQ_BUFFER_SLOT_NUM];
        memset(&req, 0, sizeof(req));
        req.type = slot.type;
        req.size = 1u << slot.size;
        req.addr = slot.addr;
        req.data = slot.data;
        req.count = 1;
        req.dir = IOREQ_WRITE;
        qw = req.size == 8 ? 2 : 1;
        if (qw == 2) {
            if (wp - rp < 2) {
                break;      /* second half not published yet */
            }
            hi = bp->buf_ioreq[(rp + 1) % IOREQ_BUFFER_SLOT_NUM];
            req.data |= (uint64_t)hi.data << 32;
        }
        if (slot.dir != IOREQ_WRITE || (req.type != IOREQ_TYPE_PIO &&
                                        req.type != IOREQ_TYPE_COPY)) {
            refuse(d, &req, "buffered request is not a write");
        } else {
            ioreq_dispatch(d, &req);
            d->stats.buffered++;
        }
        __atomic_fetch_add(&bp->read_pointer, qw, __ATOMIC_RELEASE);
        done += qw;
    }
    return done;
}
