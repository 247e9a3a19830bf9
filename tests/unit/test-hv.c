/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of xensim's hypervisor services through the client library
 * and through xendm's seam (xen/hv-sim.c): domains, guest memory,
 * foreign mapping, grant tables, event channels, and the refusal of
 * misbehaving clients (raw protocol messages), all against the real
 * service running in a child process on real sockets.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <xen/grant_table.h>

#include "tests/tap.h"
#include "tests/unit/hv-harness.h"
#include "xen/hv.h"
#include "xensim/hvclient-internal.h"
#include "xensim/hvclient.h"
#include "xensim/hvproto.h"

static struct hv_harness H;

static uint32_t make_domain(struct hvc *ctl, enum hvc_dom_type type)
{
    struct hvc_domain_config cfg = {type, 2, 4096, 0, 0};
    uint32_t domid = 0;
    int rc = hvc_domain_create(ctl, &cfg, &domid);

    is_int(rc, 0, "create a %s domain", type == HVC_DOM_HVM ? "hvm" : "pv");
    return domid;
}

static void test_domains(struct hvc *ctl)
{
    struct hvc_domain_config bad = {HVC_DOM_PV, 0, 4096, 0, 0};
    struct hvc_domain_info info, list[8];
    struct hvc *g;
    uint32_t d1, d2 = 0;
    int n;

    ok(hvc_privileged(ctl) && hvc_domid(ctl) == 0, "control is dom0");
    d1 = make_domain(ctl, HVC_DOM_PV);
    is_int(hvc_domain_info(ctl, d1, &info), 0, "info");
    ok(info.vcpus == 2 && info.mem_pages == 1024 && info.type == HVC_DOM_PV,
       "info: 2 vcpus, 1024 pages, pv");
    ok(info.gnttab_frames == 32 && info.gnttab_gfn == 1024 - 32,
       "grant table at the top of memory");
    is_int(hvc_domain_create(ctl, &bad, &d2), -EINVAL, "0 vcpus refused");
    bad.vcpus = 1;
    bad.mem_kib = 1ull << 40;
    is_int(hvc_domain_create(ctl, &bad, &d2), -EINVAL, "huge memory refused");
    n = hvc_domain_list(ctl, 0, list, 8);
    ok(n == 2 && list[0].domid == 0 && list[1].domid == d1, "list: dom0, d1");
    is_int(hvc_domain_pause(ctl, d1), 0, "pause");
    hvc_domain_info(ctl, d1, &info);
    ok(info.paused, "paused");
    is_int(hvc_domain_unpause(ctl, d1), 0, "unpause");
    hvc_domain_info(ctl, d1, &info);
    ok(!info.paused, "unpaused");

    g = hvc_open(H.dir, d1);
    ok(g && !hvc_privileged(g) && hvc_domid(g) == d1, "guest connects");
    if (!g) {
        return;
    }
    is_int(hvc_domain_create(g, &bad, &d2), -EPERM, "guest cannot create");
    is_int(hvc_domain_info(g, 0, &info), -EPERM, "guest cannot see dom0");
    is_int(hvc_domain_pause(g, d1), -EPERM, "guest cannot pause itself");
    is_int(hvc_domain_shutdown(g, d1, 1), 0, "guest shuts itself down");
    hvc_domain_info(ctl, d1, &info);
    ok(info.shutdown && info.shutdown_reason == 1, "shutdown, reason reboot");
    hvc_close(g);
    is_int(hvc_domain_destroy(ctl, d1), 0, "destroy");
    is_int(hvc_domain_info(ctl, d1, &info), -ESRCH, "gone");
    ok(hvc_open(H.dir, d1) == NULL, "its socket is gone");
}

static void test_memory(struct hvc *ctl, uint32_t d, struct hvc *g)
{
    uint64_t pages = 0, gfns[3] = {5, 6, 1u << 30};
    int errs[3] = {1, 1, 1};
    uint8_t *mem = hvc_memory(g, &pages), *map;

    ok(mem && pages == 1024, "guest maps its memory");
    if (!mem) {
        return;
    }
    memset(mem + 5 * 4096, 0x5a, 4096);
    memset(mem + 6 * 4096, 0xa5, 4096);
    map =
        hvc_foreign_map(ctl, d, HVC_PROT_READ | HVC_PROT_WRITE, 3, gfns, errs);
    ok(map && errs[0] == 0 && errs[1] == 0 && errs[2] == -EINVAL,
       "foreign map: two frames, one refused");
    if (map) {
        ok(map[0] == 0x5a && map[4096 + 17] == 0xa5, "sees guest data");
        map[100] = 0x11;
        ok(mem[5 * 4096 + 100] == 0x11, "guest sees our write");
        hvc_foreign_unmap(ctl, map, 3);
    }
    ok(hvc_foreign_map(ctl, d, HVC_PROT_READ, 3, gfns, NULL) == NULL,
       "without errs, one bad frame fails the map");
    ok(hvc_foreign_map(g, 0, HVC_PROT_READ, 1, gfns, NULL) == NULL &&
           errno == EPERM,
       "a guest cannot map foreign memory");
}

static void test_grants(struct hvc *ctl, uint32_t d, struct hvc *g)
{
    uint8_t *mem = hvc_memory(g, NULL), buf[64], *p;
    uint32_t refs[2] = {8, 9}, bad = 100000;
    struct hvc_copy_seg seg[4];
    uint32_t other;

    memset(mem + 10 * 4096, 0x77, 4096);
    is_int(hvc_grant_access(g, 8, 0, 10, false), 0, "grant rw");
    is_int(hvc_grant_access(g, 9, 0, 11, true), 0, "grant ro");
    is_int(hvc_grant_access(g, 10, 0, 12, false), 0, "grant rw");
    p = hvc_grant_map(ctl, d, 1, refs, HVC_PROT_READ | HVC_PROT_WRITE);
    ok(p && p[0] == 0x77, "map a granted page");
    ok((hvc_grant_flags(g, 8) & (GTF_reading | GTF_writing)) ==
           (GTF_reading | GTF_writing),
       "GTF_reading|GTF_writing while mapped rw");
    is_int(hvc_grant_end(g, 8), -EBUSY, "cannot revoke while mapped");
    if (p) {
        p[1] = 0x33;
        ok(mem[10 * 4096 + 1] == 0x33, "write through the grant");
        is_int(hvc_grant_unmap(ctl, p, 1), 0, "unmap");
    }
    ok(!(hvc_grant_flags(g, 8) & (GTF_reading | GTF_writing)),
       "flags cleared on unmap");
    is_int(hvc_grant_end(g, 8), 0, "revoke after unmap");
    ok(hvc_grant_map(ctl, d, 1, refs, HVC_PROT_READ) == NULL,
       "a revoked grant cannot be mapped");
    ok(hvc_grant_map(ctl, d, 1, &refs[1], HVC_PROT_READ | HVC_PROT_WRITE) ==
               NULL &&
           errno == EPERM,
       "a read-only grant cannot be mapped writable");
    p = hvc_grant_map(ctl, d, 1, &refs[1], HVC_PROT_READ);
    ok(p != NULL && (hvc_grant_flags(g, 9) & GTF_reading) &&
           !(hvc_grant_flags(g, 9) & GTF_writing),
       "read-only map sets only GTF_reading");
    if (p) {
        hvc_grant_unmap(ctl, p, 1);
    }
    ok(hvc_grant_map(ctl, d, 1, &bad, HVC_PROT_READ) == NULL,
       "a ref beyond the table is refused");
    /* a grant to another domain is not ours to map */
    other = make_domain(ctl, HVC_DOM_PV);
    hvc_grant_access(g, 11, other, 13, false);
    refs[0] = 11;
    ok(hvc_grant_map(ctl, d, 1, refs, HVC_PROT_READ) == NULL,
       "a grant for another domain is refused");
    hvc_domain_destroy(ctl, other);

    memset(buf, 0xc3, sizeof(buf));
    seg[0] = (struct hvc_copy_seg){true, d, 10, 100, 64, buf, 1};
    seg[1] = (struct hvc_copy_seg){true, d, 9, 0, 8, buf, 1};
    seg[2] = (struct hvc_copy_seg){false, d, 77, 0, 8, buf, 1};
    seg[3] = (struct hvc_copy_seg){false, d, 10, 4090, 8, buf, 1};
    is_int(hvc_grant_copy(ctl, seg, 4), 0, "grant copy");
    ok(seg[0].status == GNTST_okay && mem[12 * 4096 + 100] == 0xc3 &&
           mem[12 * 4096 + 163] == 0xc3 && mem[12 * 4096 + 164] == 0,
       "copy to guest lands exactly");
    is_int(seg[1].status, GNTST_permission_denied, "copy into ro refused");
    is_int(seg[2].status, GNTST_bad_gntref, "copy from an ungranted ref");
    is_int(seg[3].status, GNTST_bad_copy_arg, "copy across the page end");
    mem[12 * 4096 + 5] = 0x42;
    memset(buf, 0, sizeof(buf));
    seg[0] = (struct hvc_copy_seg){false, d, 10, 0, 16, buf, 1};
    hvc_grant_copy(ctl, seg, 1);
    ok(seg[0].status == 0 && buf[5] == 0x42, "copy from guest");
    /* later copies are checked by the library itself: same answers */
    memset(buf, 0x42, 4);
    seg[0] = (struct hvc_copy_seg){true, d, 10, 200, 4, buf, 1};
    seg[1] = (struct hvc_copy_seg){true, d, 9, 0, 8, buf, 1};
    seg[2] = (struct hvc_copy_seg){false, d, 77, 0, 8, buf, 1};
    seg[3] = (struct hvc_copy_seg){false, d, 10, 4090, 8, buf, 1};
    is_int(hvc_grant_copy(ctl, seg, 4), 0, "grant copy, local checks");
    ok(seg[0].status == GNTST_okay && mem[12 * 4096 + 199] == 0 &&
           mem[12 * 4096 + 200] == 0x42 && mem[12 * 4096 + 203] == 0x42 &&
           mem[12 * 4096 + 204] == 0,
       "local copy lands");
    ok(seg[1].status == GNTST_permission_denied &&
           seg[2].status == GNTST_bad_gntref &&
           seg[3].status == GNTST_bad_copy_arg,
       "local checks refuse read-only, ungranted and page-crossing");
    hvc_grant_end(g, 10);
    seg[0] = (struct hvc_copy_seg){false, d, 10, 0, 4, buf, 1};
    hvc_grant_copy(ctl, seg, 1);
    is_int(seg[0].status, GNTST_bad_gntref, "a revoked grant is refused");
    hvc_grant_access(g, 10, 0, 12, false);
}

static void test_evtchn(struct hvc *ctl, uint32_t d, struct hvc *g)
{
    int gp, bp, p;

    gp = hvc_evtchn_alloc_unbound(g, 0);
    ok(gp > 0, "guest allocates an unbound port");
    is_int(hvc_evtchn_bind_interdomain(ctl, d, gp + 1), -EINVAL,
           "binding a free port is refused");
    bp = hvc_evtchn_bind_interdomain(ctl, d, gp);
    ok(bp > 0, "backend binds it");
    is_int(hvc_evtchn_bind_interdomain(ctl, d, gp), -EINVAL,
           "binding it twice is refused");
    is_int(hvc_evtchn_notify(ctl, bp), 0, "backend notifies");
    is_int(hvc_evtchn_wait(g, 2000), gp, "guest sees its port");
    is_int(hvc_evtchn_pending(g), -EAGAIN, "once");
    is_int(hvc_evtchn_notify(g, gp), 0, "guest notifies");
    is_int(hvc_evtchn_wait(ctl, 2000), bp, "backend sees its port");
    hvc_evtchn_notify(g, gp);
    is_int(hvc_evtchn_wait(ctl, 50), -ETIMEDOUT, "masked until unmask");
    hvc_evtchn_unmask(ctl, bp);
    is_int(hvc_evtchn_wait(ctl, 2000), bp, "delivered after unmask");
    hvc_evtchn_unmask(ctl, bp);
    hvc_evtchn_unmask(g, gp);
    is_int(hvc_evtchn_notify(g, gp + 7), -EINVAL, "notify a port not ours");
    {
        /* the same domain, another connection's port */
        struct hvc *g2 = hvc_open(H.dir, d);
        int p2 = g2 ? hvc_evtchn_alloc_unbound(g2, 0) : -1;

        ok(p2 > 0, "second guest connection allocates a port");
        is_int(hvc_evtchn_notify_slow(g, (uint32_t)p2), -EINVAL,
               "daemon refuses a port the connection does not own");
        is_int(hvc_evtchn_notify_slow(g, 4095), -EINVAL,
               "daemon refuses a free port");
        hvc_close(g2);
    }
    is_int(hvc_evtchn_notify_slow(g, gp), 0, "validated notify");
    is_int(hvc_evtchn_wait(ctl, 2000), bp, "arrives");
    hvc_evtchn_unmask(ctl, bp);
    {
        /* a peer that notifies and closes at once: the event survives */
        int gp2 = hvc_evtchn_alloc_unbound(g, 0);
        int bp2 = hvc_evtchn_bind_interdomain(ctl, d, (uint32_t)gp2);

        hvc_evtchn_notify(ctl, (uint32_t)bp2);
        hvc_evtchn_close(ctl, (uint32_t)bp2);
        is_int(hvc_evtchn_wait(g, 2000), gp2,
               "an event sent just before the peer closed is delivered");
        hvc_evtchn_close(g, (uint32_t)gp2);
    }
    is_int(hvc_evtchn_close(g, gp), 0, "guest closes its end");
    is_int(hvc_evtchn_notify(ctl, bp), 0, "notify an orphan: dropped");
    p = hvc_evtchn_wait(g, 50);
    is_int(p, -ETIMEDOUT, "nothing arrives");
    hvc_evtchn_close(ctl, bp);
}

/*
 * A guest scribbling on the pending page it was given (the backend's
 * page for that guest's domain) can raise only the ports it shares
 * with the backend, never another guest's.
 */
static void test_isolation(struct hvc *ctl)
{
    uint32_t da = make_domain(ctl, HVC_DOM_PV);
    uint32_t db = make_domain(ctl, HVC_DOM_PV);
    struct hvc *ga = hvc_open(H.dir, da), *gb = hvc_open(H.dir, db);
    int pa, pb, ba, bb;

    if (!ga || !gb) {
        ok(0, "two guests connect");
        return;
    }
    pa = hvc_evtchn_alloc_unbound(ga, 0);
    pb = hvc_evtchn_alloc_unbound(gb, 0);
    ba = hvc_evtchn_bind_interdomain(ctl, da, (uint32_t)pa);
    bb = hvc_evtchn_bind_interdomain(ctl, db, (uint32_t)pb);
    ok(ba > 0 && bb > 0 && ba != bb, "backend bound to two guests");
    hvc_evtchn_notify(ga, (uint32_t)pa); /* learn the peer (async event) */
    hvc_evtchn_wait(ctl, 2000);
    hvc_evtchn_unmask(ctl, (uint32_t)ba);
    /* guest A sets every bit of the page it may write, then wakes us */
    memset(ga->ports[pa].tx, 0xff, 4096);
    hvc_evtchn_notify_slow(ga, (uint32_t)pa);
    is_int(hvc_evtchn_wait(ctl, 2000), ba, "guest A raises its own port");
    is_int(hvc_evtchn_wait(ctl, 50), -ETIMEDOUT,
           "but not guest B's port (nor any other)");
    hvc_evtchn_unmask(ctl, (uint32_t)ba);
    hvc_evtchn_close(ctl, (uint32_t)ba);
    hvc_evtchn_close(ctl, (uint32_t)bb);
    hvc_close(ga);
    hvc_close(gb);
    hvc_domain_destroy(ctl, da);
    hvc_domain_destroy(ctl, db);
}

/* The backend side through xendm's seam, the guest through hvclient. */
static void test_seam(struct hvc *ctl, uint32_t d, struct hvc *g)
{
    char err[256] = "";
    struct hv *hv;
    struct hv_domain_info info;
    struct hv_grant_copy_seg seg;
    uint8_t *mem = hvc_memory(g, NULL), *p, buf[8] = {1, 2, 3, 4};
    uint32_t ref = 20;
    int gp, bp;
    struct pollfd pfd;

    setenv("XENSIM_DIR", H.dir, 1);
    hv = hv_open(err, sizeof(err));
    ok(hv && strcmp(hv_backend_name(hv), "xensim") == 0, "seam opens xensim");
    if (!hv) {
        return;
    }
    ok(hv_domain_info(hv, d, &info) == 0 && info.max_vcpu_id == 1 &&
           info.max_pages == 1024,
       "seam: domain info");
    hvc_grant_access(g, ref, 0, 30, false);
    mem[30 * 4096] = 0x99;
    p = hv_grant_map(hv, d, 1, &ref, HV_PROT_READ | HV_PROT_WRITE);
    ok(p && p[0] == 0x99, "seam: grant map");
    if (p) {
        p[1] = 0x98;
        is_int(hv_grant_unmap(hv, p, 1), 0, "seam: grant unmap");
    }
    seg = (struct hv_grant_copy_seg){true, d, ref, 8, 4, buf, 1};
    ok(hv_grant_copy(hv, &seg, 1) == 0 && seg.status == 0 &&
           mem[30 * 4096 + 11] == 4 && mem[30 * 4096 + 1] == 0x98,
       "seam: grant copy");
    gp = hvc_evtchn_alloc_unbound(g, 0);
    bp = hv_evtchn_bind_interdomain(hv, d, gp);
    ok(bp > 0, "seam: bind");
    hvc_evtchn_notify(g, gp);
    pfd = (struct pollfd){hv_evtchn_fd(hv), POLLIN, 0};
    ok(poll(&pfd, 1, 2000) == 1, "seam: fd readable");
    is_int(hv_evtchn_pending(hv), bp, "seam: pending");
    is_int(hv_evtchn_unmask(hv, bp), 0, "seam: unmask");
    is_int(hv_evtchn_notify(hv, bp), 0, "seam: notify");
    is_int(hvc_evtchn_wait(g, 2000), gp, "guest sees the seam's notify");
    is_int(hv_evtchn_unbind(hv, bp), 0, "seam: unbind");
    is_int(hv_set_isa_irq_level(hv, d, 3, 1), 0, "seam: isa irq");
    is_int(hv_modified_memory(hv, d, 4, 2), 0, "seam: modified memory");
    is_int(hv_shutdown(hv, 0, HV_SHUTDOWN_CRASH), -ESRCH,
           "seam: no shutting down dom0");
    hv_close(hv);
    unsetenv("XENSIM_DIR");
}

/* A raw client: the protocol without the library's good manners. */
static int raw_open(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int raw_call(int fd, uint16_t type, const void *body, uint32_t len,
                    uint16_t version)
{
    uint64_t buf[HVP_MAX_MSG / 8];
    struct hvp_hdr h = {version, type, (uint32_t)sizeof(h) + len, 7, 0};
    struct pollfd pfd = {fd, POLLIN, 0};
    ssize_t n;

    memcpy(buf, &h, sizeof(h));
    memcpy((uint8_t *)buf + sizeof(h), body, len);
    if (send(fd, buf, sizeof(h) + len, MSG_NOSIGNAL) < 0) {
        return -EPIPE;
    }
    if (poll(&pfd, 1, 2000) != 1) {
        return -ETIMEDOUT;
    }
    n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
        return -ECONNRESET;
    }
    memcpy(&h, buf, sizeof(h));
    return h.status;
}

static void test_hostile(struct hvc *ctl, uint32_t d)
{
    struct hvp_hello hello = {HVP_VERSION, 0};
    struct hvp_domid mine = {d, 0}, dom0 = {0, 0};
    struct hvp_evt_bind bind = {0, 1};
    struct hvc_domain_info info;
    char path[400], junk[64];
    int fd;

    snprintf(path, sizeof(path), "%s/domains/%u/hv.sock", H.dir, d);
    fd = raw_open(path);
    is_int(raw_call(fd, HVP_MEM_FD, &mine, sizeof(mine), HVP_VERSION),
           -ECONNRESET, "a request before hello disconnects");
    close(fd);
    fd = raw_open(path);
    is_int(raw_call(fd, HVP_HELLO, &hello, sizeof(hello), 9), -ECONNRESET,
           "a wrong version disconnects");
    close(fd);
    fd = raw_open(path);
    is_int(raw_call(fd, HVP_HELLO, &hello, sizeof(hello) - 4, HVP_VERSION),
           -ECONNRESET, "a short body disconnects");
    close(fd);
    fd = raw_open(path);
    is_int(raw_call(fd, HVP_HELLO, &hello, sizeof(hello), HVP_VERSION), 0,
           "hello");
    is_int(raw_call(fd, HVP_MEM_FD, &dom0, sizeof(dom0), HVP_VERSION), -EPERM,
           "a guest asking for dom0's memory is refused");
    is_int(raw_call(fd, HVP_DOM_LIST, &dom0, sizeof(dom0), HVP_VERSION), -EPERM,
           "a guest listing domains is refused");
    is_int(raw_call(fd, HVP_EVT_BIND, &bind, sizeof(bind), HVP_VERSION),
           -EINVAL, "binding a port nobody offered is refused");
    memset(junk, 0xff, sizeof(junk));
    is_int(raw_call(fd, 0xffff, junk, sizeof(junk), HVP_VERSION), -ECONNRESET,
           "an unknown type disconnects");
    close(fd);
    fd = raw_open(path);
    raw_call(fd, HVP_HELLO, &hello, sizeof(hello), HVP_VERSION);
    {
        static uint8_t big[HVP_MAX_MSG + 512];
        struct pollfd pfd = {fd, POLLIN, 0};

        send(fd, big, sizeof(big), MSG_NOSIGNAL);
        ok(poll(&pfd, 1, 2000) == 1 && recv(fd, junk, sizeof(junk), 0) <= 0,
           "an oversized message disconnects");
    }
    close(fd);
    is_int(hvc_domain_info(ctl, d, &info), 0, "the host keeps serving others");
}

static void test_no_xen(void)
{
    char err[256] = "";
    struct hv *hv;

    if (access("/dev/xen/evtchn", F_OK) == 0) {
        ok(1, "# SKIP a real hypervisor is present");
        return;
    }
    unsetenv("XENSIM_DIR");
    hv = hv_open(err, sizeof(err));
    ok(hv == NULL && strstr(err, "no Xen hypervisor") && !strchr(err, '\n'),
       "without Xen or XENSIM_DIR, hv_open fails in one line: %s", err);
    hv_close(hv);
}

int main(void)
{
    struct hvc *ctl, *g;
    uint32_t d;

    alarm(300); /* a hang fails the test instead of stalling the suite */
    test_no_xen();

    if (!ok(harness_start(&H) == 0, "service starts")) {
        return tap_done();
    }
    ctl = hvc_open(H.dir, HVC_CONTROL);
    ok(ctl != NULL, "control connects");
    if (ctl) {
        test_domains(ctl);
        d = make_domain(ctl, HVC_DOM_PV);
        g = hvc_open(H.dir, d);
        ok(g != NULL, "guest connects");
        if (g) {
            test_memory(ctl, d, g);
            test_grants(ctl, d, g);
            test_evtchn(ctl, d, g);
            test_isolation(ctl);
            test_seam(ctl, d, g);
            test_hostile(ctl, d);
            is_int(hvc_domain_destroy(ctl, d), 0, "destroy with a guest on");
            ok(hvc_evtchn_alloc_unbound(g, 0) < 0,
               "the guest's connection is closed");
            hvc_close(g);
        }
        hvc_close(ctl);
    }
    is_int(harness_stop(&H), 0, "service stops cleanly");
    return tap_done();
}
