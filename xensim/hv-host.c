/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim hypervisor services: sockets, connections and dispatch.
 *
 * Listens on DIR/hv.sock (control domain, privileged) and on one
 * socket per guest (created by hv-dom.c); every connection speaks the
 * protocol of hvproto.h.  A received message is validated by
 * hvproto_parse, then checked against the dispatch table (hello first,
 * privilege) before its handler runs; a handler's semantic refusal is
 * an error reply, while a protocol violation (bad size, bad version,
 * unknown type, fds sent to us) disconnects that client only.
 * Sends never block: a client whose socket is full is disconnected.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "xensim/hv-internal.h"
#include "xensim/hvsvc.h"

#define HVF_PRIV 0x1u /* control domain only */
#define HVF_ANY  0x2u /* allowed before hello */

struct hv_cmd {
    hv_handler_fn *fn;
    unsigned flags;
};

static hv_handler_fn hv_h_hello, hv_h_restrict;

static const struct hv_cmd hv_cmds[HVP_TYPE_MAX] = {
    [HVP_HELLO] = {hv_h_hello, HVF_ANY},
    [HVP_DOM_CREATE] = {hv_h_dom_create, HVF_PRIV},
    [HVP_DOM_OP] = {hv_h_dom_op, 0},
    [HVP_DOM_INFO] = {hv_h_dom_info, 0},
    [HVP_DOM_LIST] = {hv_h_dom_list, HVF_PRIV},
    [HVP_MEM_FD] = {hv_h_mem_fd, 0},
    [HVP_RESTRICT] = {hv_h_restrict, HVF_PRIV},
    [HVP_EVT_ALLOC] = {hv_h_evt_alloc, 0},
    [HVP_EVT_BIND] = {hv_h_evt_bind, 0},
    [HVP_EVT_CLOSE] = {hv_h_evt_close, 0},
    [HVP_EVT_NOTIFY] = {hv_h_evt_notify, 0},
    [HVP_GNT_MAP] = {hv_h_gnt_map, 0},
    [HVP_GNT_UNMAP] = {hv_h_gnt_unmap, 0},
    [HVP_GNT_COPY] = {hv_h_gnt_copy, 0},
    [HVP_IOS_CREATE] = {hv_h_ios_create, HVF_PRIV},
    [HVP_IOS_INFO] = {hv_h_ios_info, HVF_PRIV},
    [HVP_IOS_STATE] = {hv_h_ios_state, HVF_PRIV},
    [HVP_IOS_RANGE] = {hv_h_ios_range, HVF_PRIV},
    [HVP_IOS_DESTROY] = {hv_h_ios_destroy, HVF_PRIV},
    [HVP_VCPU_IO] = {hv_h_vcpu_io, 0},
    [HVP_DM_IRQ] = {hv_h_dm_irq, HVF_PRIV},
    [HVP_DM_MODMEM] = {hv_h_dm_modmem, HVF_PRIV},
    [HVP_DM_STATE] = {hv_h_dm_state, HVF_PRIV},
    [HVP_DM_DIRTY] = {hv_h_dm_dirty, HVF_PRIV},
    [HVP_DM_MEMTYPE] = {hv_h_dm_memtype, HVF_PRIV},
    [HVP_VCPU_MEM] = {hv_h_vcpu_mem, 0},
};

uint32_t hv_new_id(struct hyp *hs)
{
    return ++hs->next_id;
}

bool hv_may_control(const struct hv_conn *c, uint32_t domid)
{
    if (!c->priv) {
        return false;
    }
    return c->restrict_to < 0 || c->restrict_to == (int64_t)domid;
}

int hv_ep_init(struct hyp *hs, struct hv_ep *ep, uint32_t domid,
               struct hv_conn *conn)
{
    memset(ep, 0, sizeof(*ep));
    ep->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (ep->efd < 0) {
        return -errno;
    }
    ep->id = hv_new_id(hs);
    ep->domid = domid;
    ep->conn = conn;
    return 0;
}

void hv_ep_fini(struct hv_ep *ep)
{
    unsigned i;

    for (i = 0; i < ep->nrx; i++) {
        munmap(ep->rx[i]->bits, HVP_PAGE);
        close(ep->rx[i]->fd);
        free(ep->rx[i]);
    }
    free(ep->rx);
    ep->rx = NULL;
    ep->nrx = 0;
    if (ep->efd >= 0) {
        close(ep->efd);
        ep->efd = -1;
    }
}

int hv_reply_put(struct hv_reply *r, const void *p, uint32_t n)
{
    if (n > sizeof(r->buf) - r->len) {
        return -EMSGSIZE;
    }
    memcpy(r->buf + r->len, p, n);
    r->len += n;
    return 0;
}

void hv_reply_fd(struct hv_reply *r, int fd)
{
    if (r->nfds < HVP_MAX_FDS) {
        r->fds[r->nfds++] = fd;
    }
}

int hv_send(struct hv_conn *c, uint16_t type, uint32_t seq, int status,
            const void *body, uint32_t len, const int *fds, unsigned nfds)
{
    struct hvp_hdr h = {HVP_VERSION, type, 0, seq, status};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * HVP_MAX_FDS)];
    } cbuf;
    struct iovec iov[2];
    struct msghdr mh = {0};

    if (c->dead) {
        return -EPIPE;
    }
    if (status != 0) {
        len = 0;
        nfds = 0;
    }
    h.len = (uint32_t)sizeof(h) + len;
    iov[0].iov_base = &h;
    iov[0].iov_len = sizeof(h);
    iov[1].iov_base = (void *)body;
    iov[1].iov_len = len;
    mh.msg_iov = iov;
    mh.msg_iovlen = len ? 2 : 1;
    if (nfds > 0) {
        struct cmsghdr *cm;

        memset(&cbuf, 0, sizeof(cbuf));
        mh.msg_control = cbuf.buf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
    }
    if (sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
        int e = errno;

        /* a peer that hung up is no news; one that stopped reading is */
        hv_conn_kill(c, e == EAGAIN ? "not reading its socket" : NULL);
        return -e;
    }
    if (seq == 0 && c->status) {
        uint64_t one = 1;

        __atomic_add_fetch(&c->status->async, 1, __ATOMIC_RELEASE);
        if (write(c->ep.efd, &one, sizeof(one)) < 0) {
            /* eventfd overflow cannot happen at these rates */
        }
    }
    return 0;
}

static void hv_conn_free(struct hv_conn *c)
{
    hv_ep_fini(&c->ep);
    if (c->status) {
        munmap(c->status, HVP_PAGE);
    }
    if (c->status_fd >= 0) {
        close(c->status_fd);
    }
    free(c);
}

void hv_conn_kill(struct hv_conn *c, const char *why)
{
    struct hyp *hs = c->hs;
    struct hv_conn **pp;

    if (c->dead) {
        return;
    }
    if (why) {
        /* clients can reconnect and misbehave at will: rate-limited */
        log_ratelimited(&hs->log_rl, "hv: dom%u client %u disconnected: %s",
                        c->domid, c->ep.id, why);
    }
    c->dead = true;
    loop_fd_del(hs->loop, c->fd);
    close(c->fd);
    c->fd = -1;
    hv_ioreq_conn_gone(hs, c);
    hv_gnttab_conn_gone(hs, c);
    hv_evtchn_conn_gone(hs, c);
    hv_fast_publish_all(hs);
    for (pp = &hs->conns; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    if (c != hs->current) {
        hv_conn_free(c); /* else hv_conn_event frees it when done */
    }
}

static int hv_h_hello(struct hv_conn *c, const struct hvp_msg *m,
                      struct hv_reply *r)
{
    const struct hvp_hello *b = m->body;
    struct hvp_hello_r out = {c->domid, c->ep.id, c->priv, HVP_MAX_PORTS};

    if (c->hello || b->version != HVP_VERSION) {
        return -EPROTO;
    }
    c->status_fd = memfd_create("hv-status", MFD_CLOEXEC);
    if (c->status_fd < 0 || ftruncate(c->status_fd, HVP_PAGE) < 0) {
        return -errno;
    }
    c->status = mmap(NULL, HVP_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
                     c->status_fd, 0);
    if (c->status == MAP_FAILED) {
        c->status = NULL;
        return -errno;
    }
    c->hello = true;
    hv_reply_put(r, &out, sizeof(out));
    hv_reply_fd(r, c->ep.efd);
    hv_reply_fd(r, c->status_fd);
    return 0;
}

static int hv_h_restrict(struct hv_conn *c, const struct hvp_msg *m,
                         struct hv_reply *r)
{
    const struct hvp_domid *b = m->body;

    if (c->restrict_to >= 0 && c->restrict_to != b->domid) {
        return -EPERM;
    }
    /*
     * Like Xen's restrict ioctls, this does not require the domain to
     * exist yet: libxl may start the device model before the domain's
     * devices exist, and a restricted handle simply sees nothing else.
     */
    if (b->domid == 0 || b->domid >= 0x7ff0) {
        return -EINVAL;
    }
    c->restrict_to = b->domid;
    return 0;
}

/* One message from c; false when c was disconnected. */
static bool hv_conn_dispatch(struct hv_conn *c, const uint8_t *buf, size_t len)
{
    struct hv_reply *r = c->hs->reply;
    struct hvp_msg m;
    const struct hv_cmd *cmd;
    int rc;

    rc = hvproto_parse(buf, len, 0, &m);
    if (rc < 0) {
        hv_conn_kill(c, "malformed message");
        return false;
    }
    cmd = &hv_cmds[m.hdr.type];
    if (!cmd->fn || (!c->hello && !(cmd->flags & HVF_ANY))) {
        hv_conn_kill(c, "message out of place");
        return false;
    }
    r->status = 0;
    r->len = 0;
    r->nfds = 0;
    r->deferred = false;
    if ((cmd->flags & HVF_PRIV) && !c->priv) {
        rc = -EPERM;
    } else {
        rc = cmd->fn(c, &m, r);
    }
    if (rc == -EPROTO) {
        hv_conn_kill(c, "protocol violation");
        return false;
    }
    hv_fast_publish_all(c->hs);
    if (r->deferred && rc == 0) {
        return !c->dead;
    }
    hv_send(c, m.hdr.type, m.hdr.seq, rc, r->buf, r->len, r->fds, r->nfds);
    return !c->dead;
}

static void hv_conn_read(struct hv_conn *c, int fd)
{
    uint64_t abuf[HVP_MAX_MSG / 8 + 1];
    char cbuf[CMSG_SPACE(sizeof(int) * HVP_MAX_FDS)];
    /*
     * One message per wake-up: the loop is level-triggered, so more
     * messages bring it back, and a lone request (the vCPU round trip)
     * costs no extra recvmsg that would only say EAGAIN.
     */
    int budget = 1;

    while (budget-- > 0 && !c->dead) {
        struct iovec iov = {abuf, sizeof(abuf)};
        struct msghdr mh = {0};
        ssize_t n;

        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = cbuf;
        mh.msg_controllen = sizeof(cbuf);
        n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return;
        }
        if (n <= 0) {
            hv_conn_kill(c, NULL);
            return;
        }
        if (mh.msg_controllen > 0) {
            struct cmsghdr *cm;

            for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
                if (cm->cmsg_level == SOL_SOCKET &&
                    cm->cmsg_type == SCM_RIGHTS) {
                    int *fds = (int *)CMSG_DATA(cm);
                    size_t k, nf = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

                    for (k = 0; k < nf; k++) {
                        close(fds[k]);
                    }
                }
            }
            hv_conn_kill(c, "sent file descriptors");
            return;
        }
        if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
            hv_conn_kill(c, "oversized message");
            return;
        }
        if (!hv_conn_dispatch(c, (const uint8_t *)abuf, (size_t)n)) {
            return;
        }
    }
}

/*
 * A connection killed while its own message is being handled is freed
 * here, once nothing on the stack uses it; others are freed at once.
 */
static void hv_conn_event(struct loop *loop, int fd, unsigned events,
                          void *opaque)
{
    struct hv_conn *c = opaque;
    struct hyp *hs = c->hs;

    hs->current = c;
    hv_conn_read(c, fd);
    hs->current = NULL;
    if (c->dead) {
        hv_conn_free(c);
    }
}

static int hv_conn_new(struct hyp *hs, int fd, uint32_t domid, bool priv)
{
    struct hv_conn *c = calloc(1, sizeof(*c));

    if (!c || hv_ep_init(hs, &c->ep, domid, c) < 0) {
        free(c);
        return -ENOMEM;
    }
    c->hs = hs;
    c->fd = fd;
    c->domid = domid;
    c->priv = priv;
    c->restrict_to = -1;
    c->status_fd = -1;
    if (loop_fd_add(hs->loop, fd, LOOP_READ, hv_conn_event, c) < 0) {
        hv_ep_fini(&c->ep);
        free(c);
        return -ENOMEM;
    }
    c->next = hs->conns;
    hs->conns = c;
    return 0;
}

int hvsvc_adopt(struct hyp *hs, int fd, uint32_t domid, bool priv)
{
    if (!priv && !hv_dom_find(hs, domid)) {
        return -ESRCH;
    }
    return hv_conn_new(hs, fd, domid, priv);
}

static void hv_accept(struct loop *loop, int lfd, unsigned events, void *opaque)
{
    struct hyp *hs = opaque;
    struct hv_dom *d;
    uint32_t domid = 0;
    int fd;

    /* lfd tells who connects: the control socket or a guest's */
    for (d = hs->doms; d; d = d->next) {
        if (d->lsock == lfd) {
            domid = d->domid;
        }
    }
    fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        return;
    }
    if (hv_conn_new(hs, fd, domid, lfd == hs->lsock) < 0) {
        close(fd);
    }
}

/* Binds under a temporary name and renames once listening, so the
 * socket appears only when connects succeed. */
static int hv_listen_at(struct hyp *hs, const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd, e;

    if (strlen(path) + 4 >= sizeof(sa.sun_path)) {
        return -ENAMETOOLONG;
    }
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.new", path);
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    unlink(sa.sun_path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, 64) < 0 || rename(sa.sun_path, path) < 0) {
        e = errno;
        unlink(sa.sun_path);
        close(fd);
        return -e;
    }
    e = loop_fd_add(hs->loop, fd, LOOP_READ, hv_accept, hs);
    if (e < 0) {
        unlink(path);
        close(fd);
        return e;
    }
    return fd;
}

int hv_guest_listen(struct hyp *hs, struct hv_dom *d)
{
    char path[4096];
    int fd;

    if (!hs->dir) {
        return 0; /* socketless (fuzzing): clients come via hvsvc_adopt */
    }
    snprintf(path, sizeof(path), "%s/domains", hs->dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/domains/%u", hs->dir, d->domid);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/domains/%u/hv.sock", hs->dir, d->domid);
    fd = hv_listen_at(hs, path);
    if (fd < 0) {
        return fd;
    }
    d->lsock = fd;
    return 0;
}

void hv_guest_unlisten(struct hyp *hs, struct hv_dom *d)
{
    char path[4096];
    struct hv_conn *c, *next;

    if (d->lsock >= 0) {
        loop_fd_del(hs->loop, d->lsock);
        close(d->lsock);
        d->lsock = -1;
        snprintf(path, sizeof(path), "%s/domains/%u/hv.sock", hs->dir,
                 d->domid);
        unlink(path);
        snprintf(path, sizeof(path), "%s/domains/%u", hs->dir, d->domid);
        rmdir(path); /* fails while xenstored still has its socket there */
    }
    for (c = hs->conns; c; c = next) {
        next = c->next;
        if (!c->priv && c->domid == d->domid) {
            hv_conn_kill(c, NULL);
        }
    }
}

struct hyp *hvsvc_start(struct loop *loop, const char *dir)
{
    struct hyp *hs = calloc(1, sizeof(*hs));
    char path[4096];
    int rc;

    if (!hs) {
        return NULL;
    }
    hs->loop = loop;
    hs->log_rl = (struct ratelimit)RATELIMIT_INIT(1000, 20);
    hs->dir = dir ? strdup(dir) : NULL;
    hs->next_domid = 1;
    hs->lsock = -1;
    hs->reply = malloc(sizeof(*hs->reply));
    if ((dir && !hs->dir) || !hs->reply || (rc = hv_dom_init0(hs)) < 0) {
        free(hs->reply);
        free(hs->dir);
        free(hs);
        errno = ENOMEM;
        return NULL;
    }
    if (!dir) {
        return hs;
    }
    snprintf(path, sizeof(path), "%s/hv.sock", dir);
    rc = hv_listen_at(hs, path);
    if (rc < 0) {
        hv_dom_free_all(hs);
        free(hs->reply);
        free(hs->dir);
        free(hs);
        errno = -rc;
        return NULL;
    }
    hs->lsock = rc;
    return hs;
}

void hvsvc_set_hooks(struct hyp *hs, const struct hvsvc_hooks *hooks)
{
    hs->hooks = *hooks;
}

bool hvsvc_domain_exists(void *opaque, uint32_t domid)
{
    return hv_dom_find(opaque, domid) != NULL;
}

void hvsvc_stop(struct hyp *hs)
{
    char path[4096];

    if (!hs) {
        return;
    }
    while (hs->conns) {
        hv_conn_kill(hs->conns, NULL);
    }
    hv_dom_free_all(hs);
    if (hs->lsock >= 0) {
        loop_fd_del(hs->loop, hs->lsock);
        close(hs->lsock);
        snprintf(path, sizeof(path), "%s/hv.sock", hs->dir);
        unlink(path);
    }
    free(hs->reply);
    free(hs->dir);
    free(hs);
}
