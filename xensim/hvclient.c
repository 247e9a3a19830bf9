/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim hypervisor client: connection, request/reply and domains.
 * Event channels are in hvc-evtchn.c, memory and grants in hvc-mem.c,
 * ioreq servers, vCPU I/O and device-model operations in hvc-ioreq.c.
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
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

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
    struct iovec iov = {c->rbuf, HVP_MAX_MSG + 8};
    struct msghdr mh = {0};
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

    c->async_seen =
        c->status ? __atomic_load_n(&c->status->async, __ATOMIC_ACQUIRE) : 0;
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

int hvc_send_req(struct hvc *c, uint16_t type, const void *body, uint32_t blen,
                 const void *elems, uint32_t elen)
{
    struct hvp_hdr h = {HVP_VERSION, type, 0, 0, 0};
    struct iovec iov[3] = {
        {&h, sizeof(h)}, {(void *)body, blen}, {(void *)elems, elen}};
    struct msghdr mh = {0};

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
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
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
    struct hvp_hello b = {HVP_VERSION, 0};
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
    c->conn_id = o->conn_id;
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
    c->no_fast = getenv("XENSIM_IO_FAST") && !strcmp(getenv("XENSIM_IO_FAST"), "0");
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
    hvc_fast_fini(c);
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
int hvc_simple(struct hvc *c, uint16_t type, const void *b, uint32_t len)
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
    struct hvp_domid b = {domid, 0};

    return hvc_simple(c, HVP_RESTRICT, &b, sizeof(b));
}

int hvc_domain_create(struct hvc *c, const struct hvc_domain_config *cfg,
                      uint32_t *domid)
{
    struct hvp_dom_create b = {(uint32_t)cfg->type, cfg->vcpus,
                               (cfg->mem_kib + 3) / 4, cfg->gnttab_frames,
                               cfg->domid};
    struct hvc_reply rep;
    int rc = hvc_call(c, HVP_DOM_CREATE, &b, sizeof(b), NULL, 0, &rep);

    if (rc == 0) {
        *domid = ((const struct hvp_domid_r *)rep.m.body)->domid;
        hvc_reply_close(&rep);
    }
    return rc;
}

static int hvc_dom_op(struct hvc *c, uint32_t domid, uint32_t op, uint32_t arg)
{
    struct hvp_dom_op b = {domid, op, arg, 0};

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

int hvc_domain_resume(struct hvc *c, uint32_t domid)
{
    return hvc_dom_op(c, domid, HVP_OP_RESUME, 0);
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

int hvc_domain_info(struct hvc *c, uint32_t domid, struct hvc_domain_info *out)
{
    struct hvp_domid b = {domid, 0};
    struct hvc_reply rep;
    int rc = hvc_call(c, HVP_DOM_INFO, &b, sizeof(b), NULL, 0, &rep);

    if (rc == 0) {
        hvc_info_from(rep.m.body, out);
        hvc_reply_close(&rep);
    }
    return rc;
}

int hvc_domain_list(struct hvc *c, uint32_t first, struct hvc_domain_info *out,
                    unsigned max)
{
    struct hvp_domid b = {first, 0};
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
