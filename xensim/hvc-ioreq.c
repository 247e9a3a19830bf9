/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim hypervisor client: ioreq servers (the device model's side),
 * simulated vCPU I/O (the guest's side) and device-model operations.
 *
 * A synchronous vCPU access that reaches a server is answered by the
 * server directly: the client waits on its socket (for failures and
 * unclaimed accesses) and on the vCPU endpoint's eventfd, and takes
 * the answer from the server's ioreq_t once the status page names this
 * request (see hvproto.h, struct hvp_status).  Everything read from
 * shared pages is checked against what this client asked.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <xen/hvm/ioreq.h>

#include "xensim/hvclient-internal.h"

int hvc_ioreq_server_create(struct hvc *c, uint32_t domid, bool bufioreq,
                            uint16_t *id)
{
    struct hvp_ios_create b = {domid, bufioreq ? 1u : 0u};
    struct hvc_reply rep;
    int rc = hvc_call(c, HVP_IOS_CREATE, &b, sizeof(b), NULL, 0, &rep);

    if (rc == 0) {
        *id = (uint16_t)((const struct hvp_ios_id *)rep.m.body)->id;
        hvc_reply_close(&rep);
    }
    return rc;
}

int hvc_ioreq_server_map(struct hvc *c, uint32_t domid, uint16_t id,
                         void **ioreq_page, void **buf_page,
                         uint32_t *bufioreq_port)
{
    struct hvp_ios_id b = {domid, id};
    const struct hvp_ios_info_r *o;
    struct hvc_reply rep;
    uint8_t *base;
    int rc = hvc_call(c, HVP_IOS_INFO, &b, sizeof(b), NULL, 0, &rep);

    if (rc < 0) {
        return rc;
    }
    o = rep.m.body;
    if (rep.nfds != 1) {
        hvc_reply_close(&rep);
        return -EPROTO;
    }
    base = mmap(NULL, 2 * HVP_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
                rep.fds[0], 0);
    hvc_reply_close(&rep);
    if (base == MAP_FAILED) {
        return -errno;
    }
    *ioreq_page = base + HVP_PAGE;
    if (buf_page) {
        *buf_page = o->bufioreq_port ? base : NULL;
    }
    if (bufioreq_port) {
        *bufioreq_port = o->bufioreq_port;
    }
    return 0;
}

void hvc_ioreq_server_unmap(struct hvc *c, void *ioreq_page, void *buf_page)
{
    if (ioreq_page) {
        munmap((uint8_t *)ioreq_page - HVP_PAGE, 2 * HVP_PAGE);
    }
}

int hvc_ioreq_server_set_state(struct hvc *c, uint32_t domid, uint16_t id,
                               bool enabled)
{
    struct hvp_ios_state b = {domid, id, enabled, 0};

    return hvc_simple(c, HVP_IOS_STATE, &b, sizeof(b));
}

int hvc_ioreq_server_range(struct hvc *c, uint32_t domid, uint16_t id,
                           enum hvc_range_type type, bool map, uint64_t start,
                           uint64_t end)
{
    struct hvp_ios_range b = {domid, id, (uint32_t)type, map, start, end};

    return hvc_simple(c, HVP_IOS_RANGE, &b, sizeof(b));
}

int hvc_ioreq_server_destroy(struct hvc *c, uint32_t domid, uint16_t id)
{
    struct hvp_ios_id b = {domid, id};

    return hvc_simple(c, HVP_IOS_DESTROY, &b, sizeof(b));
}

/* What EV_VCPU / EV_FAST told us of a vCPU, or NULL. */
struct hvc_vcpu *hvc_vcpu_find(struct hvc *c, uint32_t domid,
                               uint32_t vcpu)
{
    unsigned i;

    for (i = 0; i < c->nvcpus; i++) {
        if (c->vcpus[i].domid == domid && c->vcpus[i].vcpu == vcpu) {
            return &c->vcpus[i];
        }
    }
    return NULL;
}

/* The pages of the server with this uid that EV_VCPU mapped, or NULL. */
struct hvc_srv *hvc_srv_find(struct hvc *c, uint32_t uid)
{
    unsigned i;

    for (i = 0; i < c->nsrvs; i++) {
        if (c->srvs[i].uid == uid) {
            return &c->srvs[i];
        }
    }
    return NULL;
}

/* hvc_vcpu_find's vCPU, made knowing nothing yet if new; NULL if no memory. */
struct hvc_vcpu *hvc_vcpu_get(struct hvc *c, uint32_t domid, uint32_t vcpu)
{
    struct hvc_vcpu *v = hvc_vcpu_find(c, domid, vcpu), *grown;

    if (v) {
        return v;
    }
    grown = realloc(c->vcpus, (c->nvcpus + 1) * sizeof(*grown));
    if (!grown) {
        return NULL;
    }
    c->vcpus = grown;
    v = &c->vcpus[c->nvcpus++];
    *v = (struct hvc_vcpu){.domid = domid, .vcpu = vcpu, .efd = -1,
                           .dm_efd = -1};
    return v;
}

/*
 * Whether the daemon has put request `seq` at a server (it names it
 * in our status page, then makes the slot ready).
 */
static bool hvc_vcpu_named(struct hvc *c, uint32_t seq)
{
    return c->status &&
           __atomic_load_n(&c->status->io_seq, __ATOMIC_ACQUIRE) == seq;
}

/* Whether we are the client the daemon last put at a server on v. */
static bool hvc_vcpu_holder(const struct hvc *c, const struct hvc_vcpu *v)
{
    return v && v->rx &&
           __atomic_load_n(&v->rx[HVP_VCPU_HOLDER], __ATOMIC_ACQUIRE) ==
               c->conn_id;
}

/* The answer to request `seq` if its server has given it, else false. */
static bool hvc_vcpu_answer(struct hvc *c, struct hvc_vcpu *v, uint32_t seq,
                            struct hvc_fast_wait *fw, uint64_t *data,
                            uint32_t *server)
{
    struct hvc_srv *sv;
    uint32_t uid;
    ioreq_t *slot;

    if (!v || !v->rx || v->vcpu >= HVP_MAX_VCPUS ||
        (fw ? fw->lost : !hvc_vcpu_named(c, seq))) {
        return false;
    }
    uid = fw ? fw->uid
             : __atomic_load_n(&c->status->io_server, __ATOMIC_RELAXED);
    sv = hvc_srv_find(c, uid);
    if (!sv) {
        return false;
    }
    /*
     * Consume the wake-up before looking, so none is lost: a notify
     * after this clear writes the eventfd again.  The bit may also be
     * a late notify of an earlier answer (a device model may notify
     * after the client already took it); clearing that is what keeps
     * the next notify writing a wake-up.
     */
    __atomic_fetch_and(&v->rx[v->port / 64], ~(1ull << (v->port % 64)),
                       __ATOMIC_ACQ_REL);
    slot = &((shared_iopage_t *)(sv->base + HVP_PAGE))->vcpu_ioreq[v->vcpu];
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (slot->state != STATE_IORESP_READY) {
        return false;
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    *data = slot->data;
    *server = fw ? fw->id : uid & 0xffff;
    slot->state = STATE_IOREQ_NONE;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    if (fw) {
        /*
         * The slot is free before the vCPU is: the daemon routes the
         * next access only after this.  If the daemon took the claim
         * meanwhile (its server went away), its all-ones reply on the
         * socket carries a finished seq and is dropped as late.
         */
        __atomic_compare_exchange_n(fw->claim, &fw->mine, 0, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    }
    return true;
}

/*
 * Waits on the socket (failures, unclaimed accesses, async events) and,
 * while we are the vCPU's holder, on its eventfd.  Every client that
 * drove this vCPU holds that eventfd: one that drained it while
 * another client's answer was due would leave that client asleep with
 * the port's bit set, so only the holder waits on it, and a count read
 * just as the daemon made another client holder is given back.
 */
int hvc_vcpu_wait(struct hvc *c, uint32_t domid, uint32_t vcpu, uint32_t seq,
                  struct hvc_io *io, struct hvc_fast_wait *fw)
{
    const struct hvp_vcpu_io_r *o;
    struct hvc_reply rep;
    uint64_t data, cnt;
    uint32_t server;
    int rc;

    for (;;) {
        struct hvc_vcpu *v = hvc_vcpu_find(c, domid, vcpu);
        struct pollfd pfd[2] = {
            {c->fd, POLLIN, 0},
            {hvc_vcpu_holder(c, v) ? v->efd : -1, POLLIN, 0}};

        if (hvc_vcpu_answer(c, v, seq, fw, &data, &server)) {
            if (io->dir == IOREQ_READ) {
                io->data = data;
            }
            io->server = server;
            return 0;
        }
        if (poll(pfd, 2, -1) < 0 && errno != EINTR) {
            return -errno;
        }
        if ((pfd[1].revents & POLLIN) &&
            read(pfd[1].fd, &cnt, sizeof(cnt)) == sizeof(cnt) &&
            !fw && !hvc_vcpu_named(c, seq) && !hvc_vcpu_holder(c, v) &&
            write(pfd[1].fd, &cnt, sizeof(cnt)) < 0) {
            /* the new holder's wake-up: given back (cannot overflow) */
        }
        if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            continue;
        }
        rc = hvc_recv_one(c, MSG_DONTWAIT, &rep);
        if (rc == -EINPROGRESS || rc == -EAGAIN) {
            continue;
        }
        if (rc < 0) {
            return rc;
        }
        if (rep.m.hdr.type != HVP_VCPU_IO) {
            hvc_reply_close(&rep);
            c->broken = true;
            return -EPROTO;
        }
        if (rep.m.hdr.seq != seq) {
            hvc_reply_close(&rep); /* a late failure for an old access */
            continue;
        }
        if (rep.m.hdr.status != 0) {
            hvc_reply_close(&rep);
            return rep.m.hdr.status;
        }
        o = rep.m.body;
        if (io->dir == IOREQ_READ) {
            io->data = o->data;
        }
        io->server = o->server;
        hvc_reply_close(&rep);
        return 0;
    }
}

int hvc_vcpu_io(struct hvc *c, uint32_t domid, uint32_t vcpu, struct hvc_io *io)
{
    struct hvp_vcpu_io b = {domid,
                            vcpu,
                            io->addr,
                            io->data,
                            io->size,
                            io->count,
                            io->type,
                            io->dir,
                            io->df,
                            io->data_is_ptr,
                            io->buffered ? HVP_IO_BUFFERED : 0};
    int rc = hvc_fast_io(c, domid, vcpu, io);

    if (rc != 0) {
        return rc < 0 ? rc : 0;
    }
    c->io_stats.routed++;
    rc = hvc_send_req(c, HVP_VCPU_IO, &b, sizeof(b), NULL, 0);
    return rc < 0 ? rc : hvc_vcpu_wait(c, domid, vcpu, c->seq, io, NULL);
}

static int hvc_irq(struct hvc *c, uint32_t domid, uint32_t op, uint32_t a,
                   uint32_t b, unsigned level)
{
    struct hvp_dm_irq m = {domid, op, a, b, level, 0};

    return hvc_simple(c, HVP_DM_IRQ, &m, sizeof(m));
}

int hvc_set_isa_irq_level(struct hvc *c, uint32_t domid, uint8_t irq,
                          unsigned level)
{
    return hvc_irq(c, domid, HVP_IRQ_ISA, irq, 0, level);
}

int hvc_set_pci_intx_level(struct hvc *c, uint32_t domid, uint16_t seg,
                           uint8_t bus, uint8_t dev, uint8_t intx,
                           unsigned level)
{
    return hvc_irq(c, domid, HVP_IRQ_INTX,
                   (uint32_t)seg << 16 | (uint32_t)bus << 8 | dev, intx, level);
}

int hvc_set_pci_link_route(struct hvc *c, uint32_t domid, uint8_t link,
                           uint8_t irq)
{
    return hvc_irq(c, domid, HVP_IRQ_LINK, link, irq, 0);
}

int hvc_modified_memory(struct hvc *c, uint32_t domid, uint64_t first_pfn,
                        uint32_t nr)
{
    struct hvp_dm_modmem b = {domid, nr, first_pfn};

    return hvc_simple(c, HVP_DM_MODMEM, &b, sizeof(b));
}

int hvc_dm_state(struct hvc *c, uint32_t domid, struct hvc_dm_state *out)
{
    struct hvp_domid b = {domid, 0};
    const struct hvp_dm_state_r *o;
    struct hvc_reply rep;
    int rc = hvc_call(c, HVP_DM_STATE, &b, sizeof(b), NULL, 0, &rep);

    if (rc < 0) {
        return rc;
    }
    o = rep.m.body;
    out->isa_levels = o->isa_levels;
    out->irq_events = o->irq_events;
    memcpy(out->link_route, o->link_route, sizeof(out->link_route));
    memcpy(out->intx_levels, o->intx_levels, sizeof(out->intx_levels));
    out->modified_pages = o->modified_pages;
    out->modified_ops = o->modified_ops;
    out->ioreqs = o->ioreqs;
    out->unclaimed = o->unclaimed;
    hvc_reply_close(&rep);
    return 0;
}

int hvc_dm_dirty(struct hvc *c, uint32_t domid, uint64_t first, uint32_t nr,
                 bool clear, uint8_t *bits)
{
    struct hvp_dm_dirty b = {domid, clear, first, nr, 0};
    struct hvc_reply rep;
    int rc = hvc_call(c, HVP_DM_DIRTY, &b, sizeof(b), NULL, 0, &rep);

    if (rc < 0) {
        return rc;
    }
    if (rep.m.nelems != (nr + 7) / 8) {
        hvc_reply_close(&rep);
        return -EPROTO;
    }
    memcpy(bits, rep.m.elems, rep.m.nelems);
    hvc_reply_close(&rep);
    return 0;
}

int hvc_set_mem_type(struct hvc *c, uint32_t domid, enum hvc_mem_type t,
                     uint64_t first_pfn, uint32_t nr)
{
    struct hvp_dm_memtype b = {domid, (uint32_t)t, first_pfn, nr, 0};

    return hvc_simple(c, HVP_DM_MEMTYPE, &b, sizeof(b));
}

/* A store when src is given, else a load into dst. */
static int hvc_vcpu_mem(struct hvc *c, uint32_t domid, uint64_t gpa,
                        const void *src, void *dst, uint32_t len,
                        uint32_t *discarded)
{
    bool write = src != NULL;
    struct hvp_vcpu_mem b = {domid, write, gpa, len, 0};
    const struct hvp_vcpu_mem_r *o;
    struct hvc_reply rep;
    int rc;

    if (len == 0 || len > HVP_VCPU_MEM_MAX) {
        return -EINVAL;
    }
    rc = hvc_call(c, HVP_VCPU_MEM, &b, sizeof(b), src, write ? len : 0, &rep);
    if (rc < 0) {
        return rc;
    }
    o = rep.m.body;
    if (rep.m.nelems != (write ? 0 : len) || o->discarded > len) {
        hvc_reply_close(&rep);
        return -EPROTO;
    }
    if (dst != NULL) {
        memcpy(dst, rep.m.elems, len);
    }
    if (discarded) {
        *discarded = o->discarded;
    }
    hvc_reply_close(&rep);
    return 0;
}

int hvc_vcpu_mem_write(struct hvc *c, uint32_t domid, uint64_t gpa,
                       const void *buf, uint32_t len, uint32_t *discarded)
{
    return hvc_vcpu_mem(c, domid, gpa, buf, NULL, len, discarded);
}

int hvc_vcpu_mem_read(struct hvc *c, uint32_t domid, uint64_t gpa, void *buf,
                      uint32_t len)
{
    return hvc_vcpu_mem(c, domid, gpa, NULL, buf, len, NULL);
}
