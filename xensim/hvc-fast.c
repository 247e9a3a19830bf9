/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim hypervisor client: the vCPU I/O fast path.
 *
 * Real Xen runs its ioreq routing on the trapping CPU, in the vCPU's
 * own context.  Here the vCPU is a client of the daemon, and going
 * through the daemon costs a third wake-up per access; so for the
 * common case the client does what the daemon would: it reads the
 * domain's routing snapshot (struct hvp_fast, see hvproto.h) under its
 * seqlock, picks the server as hvm_select_ioreq_server does, claims
 * the vCPU, writes the ioreq_t (state READY after a barrier), raises
 * the vCPU's port at the device model (its pending bit and eventfd,
 * as hv_evtchn_raise would) and waits for the answer exactly as the
 * daemon-routed path does.
 *
 * Taken only for a synchronous single port access (PIO, count 1, no
 * pointer, size 1/2/4) outside 0xcf8-0xcff, on a running domain, whose
 * port the first enabled server claims, when this client already has
 * EV_VCPU and EV_FAST for that server and vCPU, the device model's
 * binding is the one it was given, and neither the daemon nor another
 * client has an access on that vCPU.  Anything else -- unclaimed
 * ports, PCI config, buffered writes, MMIO, a paused or shut-down
 * domain, a snapshot that moved -- goes to the daemon (VCPU_IO), the
 * reference path.  The first access of a client to a server is always
 * routed by the daemon: that is what hands out EV_VCPU and EV_FAST.
 *
 * Trusts: the page set and server pages are the daemon's and the
 * device model's; every index taken from them is bounded here.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xen/hvm/ioreq.h>

#include "xensim/hvclient-internal.h"

void hvc_set_io_fast(struct hvc *c, bool on)
{
    c->no_fast = !on;
}

void hvc_io_stats(const struct hvc *c, struct hvc_io_stats *out)
{
    *out = c->io_stats;
}

void hvc_fast_learn(struct hvc *c, const struct hvp_ev_fast *e, int *fds,
                    unsigned nfds)
{
    struct hvc_vcpu *f;
    struct stat st;
    void *page;
    unsigned i;

    if (nfds != 3 || e->dm_port == 0 || e->dm_port >= HVP_MAX_PORTS ||
        e->vcpu >= HVP_MAX_VCPUS ||
        !(f = hvc_vcpu_get(c, e->domid, e->vcpu))) {
        goto err;
    }
    if (fstat(fds[2], &st) < 0) {
        goto err;
    }
    if (!f->fast || f->ino != st.st_ino) {
        /*
         * A new page set (the domain id was reused).  The old mapping
         * stays while a fast access may still be using it.
         */
        page = mmap(NULL, HVP_FAST_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
                    fds[2], 0);
        if (f->fast && !c->fast_waiting) {
            munmap(f->fast, HVP_FAST_SIZE);
        }
        f->fast = page == MAP_FAILED ? NULL : page;
        f->ino = st.st_ino;
    }
    close(fds[2]);
    f->fast_server = e->server;
    f->dm_port = e->dm_port;
    f->dm_ep = e->dm_ep;
    f->dm_efd = hvc_ep_get(c, e->dm_ep, fds[0]);
    f->dm_bits = hvc_pg_get(c, e->dm_page, fds[1], false);
    return;

err:
    for (i = 0; i < nfds; i++) {
        close(fds[i]);
    }
}

void hvc_fast_fini(struct hvc *c)
{
    unsigned i;

    for (i = 0; i < c->nvcpus; i++) {
        if (c->vcpus[i].fast) {
            munmap(c->vcpus[i].fast, HVP_FAST_SIZE);
            c->vcpus[i].fast = NULL;
        }
    }
}

static bool hvc_fast_eligible(const struct hvc *c, uint32_t vcpu,
                              const struct hvc_io *io)
{
    uint64_t last = io->addr + io->size - 1;

    return !c->no_fast && c->conn_id != 0 && vcpu < HVP_MAX_VCPUS &&
           io->type == IOREQ_TYPE_PIO && !io->buffered && io->count == 1 &&
           !io->data_is_ptr && !io->df &&
           (io->dir == IOREQ_READ || io->dir == IOREQ_WRITE) &&
           (io->size == 1 || io->size == 2 || io->size == 4) &&
           last <= 0xffff && (last < 0xcf8 || io->addr > 0xcff);
}

/*
 * The slot (0..HVP_MAX_IOREQ_SERVERS-1) of the first enabled server
 * claiming [lo, hi], or -1 (none, or one whose ranges did not fit).
 */
static int hvc_fast_route(const struct hvp_fast *f, uint32_t lo, uint32_t hi)
{
    unsigned i, k, n;

    for (i = 0; i < HVP_MAX_IOREQ_SERVERS; i++) {
        const struct hvp_fast_srv *s = &f->srv[i];

        if (!__atomic_load_n(&s->uid, __ATOMIC_RELAXED) ||
            !__atomic_load_n(&s->enabled, __ATOMIC_RELAXED)) {
            continue;
        }
        if (__atomic_load_n(&s->overflow, __ATOMIC_RELAXED)) {
            return -1;
        }
        n = __atomic_load_n(&s->nranges, __ATOMIC_RELAXED);
        for (k = 0; k < n && k < HVP_FAST_RANGES; k++) {
            uint32_t r = __atomic_load_n(&s->range[k], __ATOMIC_RELAXED);

            if ((r & 0xffff) <= lo && hi <= r >> 16) {
                return (int)i;
            }
        }
    }
    return -1;
}

/*
 * Handles async events waiting on the socket (EV_VCPU / EV_FAST may
 * be among them), dropping late VCPU_IO replies for finished accesses.
 */
static void hvc_fast_drain(struct hvc *c)
{
    struct hvc_reply rep;
    int rc;

    if (!c->status ||
        __atomic_load_n(&c->status->async, __ATOMIC_ACQUIRE) == c->async_seen) {
        return;
    }
    c->async_seen = __atomic_load_n(&c->status->async, __ATOMIC_ACQUIRE);
    while (!c->broken) {
        rc = hvc_recv_one(c, MSG_DONTWAIT, &rep);
        if (rc == -EINPROGRESS) {
            continue;
        }
        if (rc < 0) {
            return;
        }
        hvc_reply_close(&rep);
        if (rep.m.hdr.type != HVP_VCPU_IO) {
            c->broken = true;
        }
    }
}

static void hvc_fast_raise(const struct hvc_vcpu *v)
{
    uint64_t bit = 1ull << (v->dm_port % 64), one = 1;
    uint64_t old = __atomic_fetch_or(&v->dm_bits[v->dm_port / 64], bit,
                                     __ATOMIC_SEQ_CST);

    if (!(old & bit) && write(v->dm_efd, &one, sizeof(one)) < 0) {
        /* counter overflow only; the bit is set */
    }
}

int hvc_fast_io(struct hvc *c, uint32_t domid, uint32_t vcpu,
                struct hvc_io *io)
{
    struct hvc_vcpu *v;
    struct hvc_srv *sv;
    struct hvc_fast_wait fw = {0};
    struct hvp_fast *f;
    struct hvp_fast_claim *cl;
    uint32_t gen, uid, slow, seq;
    ioreq_t *slot;
    int i, rc;

    if (!hvc_fast_eligible(c, vcpu, io)) {
        return 0;
    }
    hvc_fast_drain(c);
    if (!(v = hvc_vcpu_find(c, domid, vcpu)) || !v->fast || !v->dm_bits ||
        v->dm_efd < 0 || !v->rx || v->server != v->fast_server ||
        !(sv = hvc_srv_find(c, v->server))) {
        return 0;
    }
    f = v->fast;
    gen = __atomic_load_n(&f->gen, __ATOMIC_ACQUIRE);
    if ((gen & 1) || !__atomic_load_n(&f->running, __ATOMIC_RELAXED) ||
        vcpu >= __atomic_load_n(&f->vcpus, __ATOMIC_RELAXED)) {
        return 0;
    }
    i = hvc_fast_route(f, (uint32_t)io->addr,
                       (uint32_t)(io->addr + io->size - 1));
    if (i < 0) {
        return 0;
    }
    uid = __atomic_load_n(&f->srv[i].uid, __ATOMIC_RELAXED);
    fw.id = __atomic_load_n(&f->srv[i].id, __ATOMIC_RELAXED);
    slow = __atomic_load_n(&f->slow[vcpu], __ATOMIC_RELAXED);
    slot = &((shared_iopage_t *)(sv->base + HVP_PAGE))->vcpu_ioreq[vcpu];
    if (uid != v->fast_server ||
        __atomic_load_n(&f->bind[i][vcpu].dm_port, __ATOMIC_RELAXED) !=
            v->dm_port ||
        __atomic_load_n(&f->bind[i][vcpu].dm_ep, __ATOMIC_RELAXED) !=
            v->dm_ep ||
        (slow != 0 && slow != uid)) {
        return 0;
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (slot->state != STATE_IOREQ_NONE) {
        return 0; /* an answer nobody took yet: the daemon sorts it out */
    }
    if (__atomic_load_n(&f->gen, __ATOMIC_RELAXED) != gen) {
        return 0;
    }
    /* claim the vCPU, then make sure nothing moved meanwhile */
    if (++c->seq == 0) {
        c->seq = 1;
    }
    seq = c->seq;
    cl = &f->claim[vcpu];
    fw.claim = &cl->claim;
    fw.mine = (uint64_t)c->conn_id << 32 | seq;
    fw.uid = uid;
    __atomic_store_n(&cl->uid, uid, __ATOMIC_RELAXED);
    __atomic_store_n(&cl->size, io->size, __ATOMIC_RELAXED);
    {
        uint64_t zero = 0;

        if (!__atomic_compare_exchange_n(&cl->claim, &zero, fw.mine, false,
                                         __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            return 0;
        }
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&f->gen, __ATOMIC_SEQ_CST) != gen) {
        uint64_t mine = fw.mine;

        if (__atomic_compare_exchange_n(&cl->claim, &mine, 0, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            return 0;
        }
        fw.lost = true; /* the daemon took it: its answer is coming */
    } else {
        /* we are the one waiting on the vCPU's eventfd now */
        __atomic_store_n(&v->rx[HVP_VCPU_HOLDER], (uint64_t)c->conn_id,
                         __ATOMIC_RELEASE);
        __atomic_fetch_and(&v->rx[v->port / 64], ~(1ull << (v->port % 64)),
                           __ATOMIC_ACQ_REL);
        if (slot->vp_eport != v->port) {
            slot->vp_eport = v->port;
        }
        slot->addr = io->addr;
        slot->data = io->data;
        slot->count = 1;
        slot->size = io->size;
        slot->data_is_ptr = 0;
        slot->dir = io->dir;
        slot->df = 0;
        slot->type = IOREQ_TYPE_PIO;
        __atomic_thread_fence(__ATOMIC_RELEASE);
        slot->state = STATE_IOREQ_READY;
        hvc_fast_raise(v);
    }
    c->io_stats.fast++;
    c->fast_waiting = true;
    rc = hvc_vcpu_wait(c, domid, vcpu, seq, io, &fw);
    c->fast_waiting = false;
    if (rc < 0) {
        return rc;
    }
    if (!fw.lost) {
        __atomic_add_fetch(&cl->done, 1, __ATOMIC_RELAXED);
    }
    return 1;
}
