/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim hypervisor client: connection, request/reply, domains,
 * ioreq servers, vCPU I/O and device-model operations.  Event channels
 * are in hvc-evtchn.c, memory and grants in hvc-mem.c.
 *
 * Every message from the daemon goes through hvproto_parse; a reply
 * of the wrong type or a malformed message marks the connection
 * broken (-EPROTO from then on) and closes any fds that came with it.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <xen/hvm/ioreq.h>

#include "xensim/hvclient-internal.h"

void hvc_reply_close(struct hvc_reply *rep)
{
    unsigned i;

    for (i = 0; i < rep->nfds; i++) {
        close(rep->fds[i]);
    }
    rep->nfds = 0;
}

/* One message into c->rbuf; returns its length or -errno. */
static ssize_t hvc_recv(struct hvc *c, int flags, struct hvc_reply *rep)
{
    char cbuf[CMSG_SPACE(sizeof(int) * HVP_MAX_FDS)];
    struct iovec iov = { c->rbuf, HVP_MAX_MSG + 8 };
    struct msghdr mh = { 0 };
    struct cmsghdr *cm;
    ssize_t n;

    rep->nfds = 0;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof(cbuf);
    do {
        n = recvmsg(c->fd, &mh, flags | MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return -errno;
    }
    for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            size_t k, nf = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            int fd;

            for (k = 0; k < nf; k++) {
                memcpy(&fd, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
                if (rep->nfds < HVP_MAX_FDS) {
                    rep->fds[rep->nfds++] = fd;
                } else {
                    close(fd);
                }
            }
        }
    }
    if (n == 0) {
        hvc_reply_close(rep);
        return -ECONNRESET;
    }
    if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        hvc_reply_close(rep);
        return -EPROTO;
    }
    return n;
}

void hvc_drain(struct hvc *c)
{
    struct hvc_reply rep;

    c->async_seen = c->status ? __atomic_load_n(&c->status->async,
                                                __ATOMIC_ACQUIRE)
                              : 0;
    while (!c->broken) {
        ssize_t n = hvc_recv(c, MSG_DONTWAIT, &rep);

        if (n == -EAGAIN) {
            return;
        }
        if (n < 0 || hvproto_parse(c->rbuf, (size_t)n, 1, &rep.m) < 0 ||
            rep.m.hdr.seq != 0) {
            hvc_reply_close(&rep);
            c->broken = true;
            return;
        }
        hvc_async(c, &rep.m, rep.fds, rep.nfds);
    }
}

int hvc_send_req(struct hvc *c, uint16_t type, const void *body,
                 uint32_t blen, const void *elems, uint32_t elen)
{
    struct hvp_hdr h = { HVP_VERSION, type, 0, 0, 0 };
    struct iovec iov[3] = { { &h, sizeof(h) }, { (void *)body, blen },
                            { (void *)elems, elen } };
    struct msghdr mh = { 0 };

    if (c->broken) {
        return -EPROTO;
    }
    if ((uint64_t)sizeof(h) + blen + elen > HVP_MAX_MSG) {
        return -EMSGSIZE;
    }
    if (++c->seq == 0) {
        c->seq = 1;
    }
    h.seq = c->seq;
    h.len = (uint32_t)sizeof(h) + blen + elen;
    mh.msg_iov = iov;
    mh.msg_iovlen = 3;
    if (sendmsg(c->fd, &mh, MSG_NOSIGNAL) < 0) {
        c->broken = true;
        return -errno;
    }
    return 0;
}

int hvc_recv_one(struct hvc *c, int flags, struct hvc_reply *rep)
{
    ssize_t n = hvc_recv(c, flags, rep);

    if (n == -EAGAIN) {
        return (int)n;
    }
    if (n < 0) {
        c->broken = true;
        return (int)n;
    }
    if (hvproto_parse(c->rbuf, (size_t)n, 1, &rep->m) < 0) {
        hvc_reply_close(rep);
        c->broken = true;
        return -EPROTO;
    }
    if (rep->m.hdr.seq == 0) {
        hvc_async(c, &rep->m, rep->fds, rep->nfds);
        rep->nfds = 0;
        return -EINPROGRESS;
    }
    return 0;
}

int hvc_call(struct hvc *c, uint16_t type, const void *body, uint32_t blen,
             const void *elems, uint32_t elen, struct hvc_reply *rep)
{
    int rc = hvc_send_req(c, type, body, blen, elems, elen);

    rep->nfds = 0;
    if (rc < 0) {
        return rc;
    }
    for (;;) {
        rc = hvc_recv_one(c, 0, rep);
        if (rc == -EINPROGRESS) {
            continue;
        }
        if (rc < 0) {
            return rc;
        }
        if (rep->m.hdr.seq != c->seq && rep->m.hdr.type == HVP_VCPU_IO) {
            /* a late failure report for an access we already finished */
            hvc_reply_close(rep);
            continue;
        }
        if (rep->m.hdr.seq != c->seq || rep->m.hdr.type != type) {
            hvc_reply_close(rep);
            c->broken = true;
            return -EPROTO;
        }
        if (rep->m.hdr.status != 0) {
            hvc_reply_close(rep);
        }
        return rep->m.hdr.status;
    }
}

static int hvc_connect(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;

        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int hvc_hello(struct hvc *c)
{
    struct hvp_hello b = { HVP_VERSION, 0 };
    const struct hvp_hello_r *o;
    struct hvc_reply rep;
    int rc = hvc_call(c, HVP_HELLO, &b, sizeof(b), NULL, 0, &rep);

    if (rc < 0) {
        return rc;
    }
    o = rep.m.body;
    if (rep.nfds != 2) {
        hvc_reply_close(&rep);
        return -EPROTO;
    }
    c->domid = o->domid;
    c->priv = o->privileged != 0;
    c->efd = rep.fds[0];
    c->status = mmap(NULL, HVP_PAGE, PROT_READ, MAP_SHARED, rep.fds[1], 0);
    close(rep.fds[1]);
    if (c->status == MAP_FAILED) {
        c->status = NULL;
        return -errno;
    }
    return 0;
}

struct hvc *hvc_open(const char *dir, uint32_t domid)
{
    struct hvc *c = calloc(1, sizeof(*c));
    char path[4096];
    int rc;

    if (!c) {
        return NULL;
    }
    c->efd = -1;
    c->ports = calloc(HVP_MAX_PORTS, sizeof(*c->ports));
    c->rbuf = malloc(HVP_MAX_MSG + 8);
    if (domid == HVC_CONTROL) {
        snprintf(path, sizeof(path), "%s/hv.sock", dir);
    } else {
        snprintf(path, sizeof(path), "%s/domains/%u/hv.sock", dir, domid);
    }
    c->fd = (c->ports && c->rbuf) ? hvc_connect(path) : -1;
    if (c->fd < 0) {
        rc = errno ? -errno : -ENOMEM;
        goto err;
    }
    rc = hvc_hello(c);
    if (rc == 0 && !c->priv) {
        rc = hvc_domain_info(c, c->domid, &c->self);
    }
    if (rc < 0) {
        goto err;
    }
    return c;

err:
    hvc_close(c);
    errno = -rc;
    return NULL;
}

void hvc_close(struct hvc *c)
{
    if (!c) {
        return;
    }
    hvc_evtchn_fini(c);
    hvc_mem_fini(c);
    if (c->status) {
        munmap(c->status, HVP_PAGE);
    }
    if (c->efd >= 0) {
        close(c->efd);
    }
    if (c->fd >= 0) {
        close(c->fd);
    }
    free(c->ports);
    free(c->rbuf);
    free(c);
}

uint32_t hvc_domid(const struct hvc *c)
{
    return c->domid;
}

bool hvc_privileged(const struct hvc *c)
{
    return c->priv;
}

/* A request whose reply has no body of interest. */
int hvc_simple(struct hvc *c, uint16_t type, const void *b,
                      uint32_t len)
{
    struct hvc_reply rep;
    int rc = hvc_call(c, type, b, len, NULL, 0, &rep);

    if (rc == 0) {
        hvc_reply_close(&rep);
    }
    return rc;
}

int hvc_restrict(struct hvc *c, uint32_t domid)
{
    struct hvp_domid b = { domid, 0 };

    return hvc_simple(c, HVP_RESTRICT, &b, sizeof(b));
}

int hvc_domain_create(struct hvc *c, const struct hvc_domain_config *cfg,
                      uint32_t *domid)
{
    struct hvp_dom_create b = { (uint32_t)cfg->type, cfg->vcpus,
                                (cfg->mem_kib + 3) / 4, cfg->gnttab_frames,
                                cfg->domid };
    struct hvc_reply rep;
    int rc = hvc_call(c, HVP_DOM_CREATE, &b, sizeof(b), NULL, 0, &rep);

    if (rc == 0) {
        *domid = ((const struct hvp_domid_r *)rep.m.body)->domid;
        hvc_reply_close(&rep);
    }
    return rc;
}

static int hvc_dom_op(struct hvc *c, uint32_t domid, uint32_t op,
                      uint32_t arg)
{
    struct hvp_dom_op b = { domid, op, arg, 0 };

    return hvc_simple(c, HVP_DOM_OP, &b, sizeof(b));
}

int hvc_domain_pause(struct hvc *c, uint32_t domid)
{
    return hvc_dom_op(c, domid, HVP_OP_PAUSE, 0);
}

int hvc_domain_unpause(struct hvc *c, uint32_t domid)
{
    return hvc_dom_op(c, domid, HVP_OP_UNPAUSE, 0);
}

int hvc_domain_destroy(struct hvc *c, uint32_t domid)
{
    return hvc_dom_op(c, domid, HVP_OP_DESTROY, 0);
}

int hvc_domain_shutdown(struct hvc *c, uint32_t domid, unsigned reason)
{
    return hvc_dom_op(c, domid, HVP_OP_SHUTDOWN, reason);
}

static void hvc_info_from(const struct hvp_dom_info *i,
                          struct hvc_domain_info *o)
{
    memset(o, 0, sizeof(*o));
    o->domid = i->domid;
    o->type = (enum hvc_dom_type)i->type;
    o->vcpus = i->vcpus;
    o->mem_pages = i->mem_pages;
    o->gnttab_gfn = i->gnttab_gfn;
    o->gnttab_frames = i->gnttab_frames;
    o->paused = i->flags & HVP_DI_PAUSED;
    o->shutdown = i->flags & HVP_DI_SHUTDOWN;
    o->dying = i->flags & HVP_DI_DYING;
    o->shutdown_reason = i->shutdown_reason;
}

int hvc_domain_info(struct hvc *c, uint32_t domid,
                    struct hvc_domain_info *out)
{
    struct hvp_domid b = { domid, 0 };
    struct hvc_reply rep;
    int rc = hvc_call(c, HVP_DOM_INFO, &b, sizeof(b), NULL, 0, &rep);

    if (rc == 0) {
        hvc_info_from(rep.m.body, out);
        hvc_reply_close(&rep);
    }
    return rc;
}

int hvc_domain_list(struct hvc *c, uint32_t first,
                    struct hvc_domain_info *out, unsigned max)
{
    struct hvp_domid b = { first, 0 };
    const struct hvp_dom_info *e;
    struct hvc_reply rep;
    unsigned i;
    int rc = hvc_call(c, HVP_DOM_LIST, &b, sizeof(b), NULL, 0, &rep);

    if (rc < 0) {
        return rc;
    }
    e = rep.m.elems;
    for (i = 0; i < rep.m.nelems && i < max; i++) {
        hvc_info_from(&e[i], &out[i]);
    }
    hvc_reply_close(&rep);
    return (int)i;
}

int hvc_ioreq_server_create(struct hvc *c, uint32_t domid, bool bufioreq,
                            uint16_t *id)
{
    struct hvp_ios_create b = { domid, bufioreq ? 1u : 0u };
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
    struct hvp_ios_id b = { domid, id };
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
    struct hvp_ios_state b = { domid, id, enabled, 0 };

    return hvc_simple(c, HVP_IOS_STATE, &b, sizeof(b));
}

int hvc_ioreq_server_range(struct hvc *c, uint32_t domid, uint16_t id,
                           enum hvc_range_type type, bool map,
                           uint64_t start, uint64_t end)
{
    struct hvp_ios_range b = { domid, id, (uint32_t)type, map, start, end };

    return hvc_simple(c, HVP_IOS_RANGE, &b, sizeof(b));
}

int hvc_ioreq_server_destroy(struct hvc *c, uint32_t domid, uint16_t id)
{
    struct hvp_ios_id b = { domid, id };

    return hvc_simple(c, HVP_IOS_DESTROY, &b, sizeof(b));
}

/* The answer to request `seq` if its server has given it, else false. */
static bool hvc_vcpu_answer(struct hvc *c, uint32_t domid, uint32_t vcpu,
                            uint32_t seq, uint64_t *data, uint32_t *server)
{
    struct hvc_vcpu *v = NULL;
    struct hvc_srv *sv = NULL;
    uint32_t uid;
    ioreq_t *slot;
    unsigned i;

    if (!c->status ||
        __atomic_load_n(&c->status->io_seq, __ATOMIC_ACQUIRE) != seq) {
        return false;
    }
    uid = __atomic_load_n(&c->status->io_server, __ATOMIC_RELAXED);
    for (i = 0; i < c->nvcpus; i++) {
        if (c->vcpus[i].domid == domid && c->vcpus[i].vcpu == vcpu) {
            v = &c->vcpus[i];
        }
    }
    for (i = 0; i < c->nsrvs; i++) {
        if (c->srvs[i].uid == uid) {
            sv = &c->srvs[i];
        }
    }
    if (!v || !sv || !v->rx || vcpu >= HVP_MAX_VCPUS) {
        return false;
    }
    /* consume the wake-up before looking, so none is lost */
    __atomic_fetch_and(&v->rx[v->port / 64], ~(1ull << (v->port % 64)),
                       __ATOMIC_ACQ_REL);
    slot = &((shared_iopage_t *)(sv->base + HVP_PAGE))->vcpu_ioreq[vcpu];
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (slot->state != STATE_IORESP_READY) {
        return false;
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    *data = slot->data;
    *server = uid & 0xffff;
    slot->state = STATE_IOREQ_NONE;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    return true;
}

static int hvc_vcpu_efd(struct hvc *c, uint32_t domid, uint32_t vcpu)
{
    unsigned i;

    for (i = 0; i < c->nvcpus; i++) {
        if (c->vcpus[i].domid == domid && c->vcpus[i].vcpu == vcpu) {
            return c->vcpus[i].efd;
        }
    }
    return -1;
}

int hvc_vcpu_io(struct hvc *c, uint32_t domid, uint32_t vcpu,
                struct hvc_io *io)
{
    struct hvp_vcpu_io b = { domid, vcpu, io->addr, io->data, io->size,
                             io->count, io->type, io->dir, io->df,
                             io->data_is_ptr,
                             io->buffered ? HVP_IO_BUFFERED : 0 };
    const struct hvp_vcpu_io_r *o;
    struct hvc_reply rep;
    uint64_t data, cnt;
    uint32_t seq, server;
    int rc = hvc_send_req(c, HVP_VCPU_IO, &b, sizeof(b), NULL, 0);

    if (rc < 0) {
        return rc;
    }
    seq = c->seq;
    for (;;) {
        struct pollfd pfd[2] = { { c->fd, POLLIN, 0 },
                                 { hvc_vcpu_efd(c, domid, vcpu), POLLIN, 0 } };

        if (hvc_vcpu_answer(c, domid, vcpu, seq, &data, &server)) {
            if (io->dir == IOREQ_READ) {
                io->data = data;
            }
            io->server = server;
            return 0;
        }
        if (poll(pfd, pfd[1].fd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR) {
            return -errno;
        }
        if ((pfd[1].revents & POLLIN) &&
            read(pfd[1].fd, &cnt, sizeof(cnt)) < 0) {
            /* another vCPU client drained it; the bit decides */
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

static int hvc_irq(struct hvc *c, uint32_t domid, uint32_t op, uint32_t a,
                   uint32_t b, unsigned level)
{
    struct hvp_dm_irq m = { domid, op, a, b, level, 0 };

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
                   (uint32_t)seg << 16 | (uint32_t)bus << 8 | dev, intx,
                   level);
}

int hvc_set_pci_link_route(struct hvc *c, uint32_t domid, uint8_t link,
                           uint8_t irq)
{
    return hvc_irq(c, domid, HVP_IRQ_LINK, link, irq, 0);
}

int hvc_modified_memory(struct hvc *c, uint32_t domid, uint64_t first_pfn,
                        uint32_t nr)
{
    struct hvp_dm_modmem b = { domid, nr, first_pfn };

    return hvc_simple(c, HVP_DM_MODMEM, &b, sizeof(b));
}

int hvc_dm_state(struct hvc *c, uint32_t domid, struct hvc_dm_state *out)
{
    struct hvp_domid b = { domid, 0 };
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
    struct hvp_dm_dirty b = { domid, clear, first, nr, 0 };
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
