/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A real libxenstore client for the xenstored tests (xensim's, or
 * Xen's own through the oracle).  It picks the socket per handle by
 * setting XENSTORED_PATH before xs_open, as any libxenstore user
 * would.
 *
 *   xs-client CTL introduce DOMID PORT | release DOMID | target D T
 *       one privileged request; exit 0 if it succeeded.
 *   xs-client CTL dom0
 *       TAP checks as the control domain (values, transactions,
 *       watches, @introduceDomain/@releaseDomain, DIRECTORY_PART).
 *   xs-client CTL guest DOMID DIR
 *       introduces DOMID, then TAP checks through
 *       DIR/domains/DOMID/xenstored.sock: permissions, quotas,
 *       SET_TARGET, release.
 *
 * As in Xen, xensim's xenstored asks the hypervisor whether a domain
 * exists (INTRODUCE, permission entries), so before introducing a
 * domain this client creates it in xensim's hypervisor service
 * (DIR/hv.sock next to CTL) when there is one.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "tests/tap.h"
#include "xensim/hvclient.h"

/*
 * Creates a small PV domain with this id in the hypervisor service
 * beside the xenstored socket `ctl`; 0 when it exists or no service
 * runs there (Xen's own xenstored under the oracle), else -errno.
 */
static int domain_make(const char *ctl, int domid)
{
    struct hvc_domain_config cfg = {HVC_DOM_PV, 1, 1024, 1, (uint32_t)domid};
    struct hvc_domain_info info;
    char dir[512], hv[600], *slash;
    struct hvc *c;
    uint32_t got;
    int rc;

    snprintf(dir, sizeof(dir), "%s", ctl);
    slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
    }
    snprintf(hv, sizeof(hv), "%s/hv.sock", dir);
    if (access(hv, F_OK) != 0) {
        return 0;
    }
    c = hvc_open(dir, HVC_CONTROL);
    if (c == NULL) {
        return -errno;
    }
    rc = hvc_domain_info(c, (uint32_t)domid, &info) == 0
             ? 0
             : hvc_domain_create(c, &cfg, &got);
    hvc_close(c);
    return rc;
}

/* Introduces domid, creating it in the hypervisor first. */
static bool domain_introduce(struct xs_handle *h, const char *ctl, int domid)
{
    if (domain_make(ctl, domid) < 0) {
        return false;
    }
    return xs_introduce_domain(h, (unsigned)domid, 0, 1);
}

static struct xs_handle *open_at(const char *path)
{
    struct xs_handle *h;

    setenv("XENSTORED_PATH", path, 1);
    h = xs_open(0);
    if (h == NULL) {
        printf("Bail out! xs_open(%s): %s\n", path, strerror(errno));
        exit(1);
    }
    return h;
}

/* Waits up to ms for the next watch event; 1 if one came. */
static int next_event(struct xs_handle *h, int ms, char *path, char *token)
{
    struct pollfd p = {.fd = xs_fileno(h), .events = POLLIN};
    char **v;

    for (;;) {
        v = xs_check_watch(h);
        if (v != NULL) {
            snprintf(path, 256, "%s", v[XS_WATCH_PATH]);
            snprintf(token, 256, "%s", v[XS_WATCH_TOKEN]);
            free(v);
            return 1;
        }
        if (poll(&p, 1, ms) <= 0) {
            return 0;
        }
    }
}

static int expect_event(struct xs_handle *h, const char *path,
                        const char *token, const char *what)
{
    char p[256] = "", t[256] = "";
    int got = next_event(h, 2000, p, t);

    ok(got && strcmp(p, path) == 0 && strcmp(t, token) == 0, "%s: event %s %s",
       what, path, token);
    if (!got || strcmp(p, path) || strcmp(t, token)) {
        printf("#   got %s '%s' '%s'\n", got ? "event" : "nothing", p, t);
        return 0;
    }
    return 1;
}

static void expect_no_event(struct xs_handle *h, const char *what)
{
    char p[256] = "", t[256] = "";
    int got = next_event(h, 200, p, t);

    ok(!got, "%s", what);
    if (got) {
        printf("#   got %s %s\n", p, t);
    }
}

static char *rd(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    unsigned len;

    return xs_read(h, t, path, &len);
}

static int wr(struct xs_handle *h, xs_transaction_t t, const char *path,
              const char *val)
{
    return xs_write(h, t, path, val, (unsigned)strlen(val)) ? 0 : errno;
}

static void is_str(char *got, const char *want, const char *what)
{
    ok(got != NULL && strcmp(got, want) == 0, "%s", what);
    if (got == NULL || strcmp(got, want) != 0) {
        printf("#   got '%s' want '%s'\n", got ? got : "(null)", want);
    }
    free(got);
}

static void dom0_transactions(struct xs_handle *h, struct xs_handle *h2)
{
    xs_transaction_t t;
    int rc;

    wr(h, XBT_NULL, "/t/a", "1");
    t = xs_transaction_start(h);
    ok(t != XBT_NULL, "transaction start");
    is_str(rd(h, t, "/t/a"), "1", "read in transaction");
    is_int(wr(h, t, "/t/b", "in-t"), 0, "write in transaction");
    ok(rd(h2, XBT_NULL, "/t/b") == NULL && errno == ENOENT,
       "uncommitted write invisible to others");
    is_int(wr(h2, XBT_NULL, "/t/a", "2"), 0, "conflicting write outside");
    rc = xs_transaction_end(h, t, false) ? 0 : errno;
    is_int(rc, EAGAIN, "conflicting transaction gets EAGAIN");
    ok(rd(h, XBT_NULL, "/t/b") == NULL, "failed transaction left nothing");
    t = xs_transaction_start(h);
    is_str(rd(h, t, "/t/a"), "2", "retry reads the new value");
    wr(h, t, "/t/b", "in-t");
    is_str(rd(h, t, "/t/b"), "in-t", "transaction sees its own write");
    ok(xs_transaction_end(h, t, false), "retry commits");
    is_str(rd(h2, XBT_NULL, "/t/b"), "in-t", "committed write visible");
    t = xs_transaction_start(h);
    wr(h, t, "/t/c", "x");
    ok(xs_transaction_end(h, t, true), "abort");
    ok(rd(h, XBT_NULL, "/t/c") == NULL, "aborted write discarded");
    t = xs_transaction_start(h);
    rd(h, t, "/t/missing");
    wr(h2, XBT_NULL, "/t/missing", "now");
    rc = xs_transaction_end(h, t, false) ? 0 : errno;
    is_int(rc, EAGAIN, "creation of a node read as absent conflicts");
}

static void dom0_watches(struct xs_handle *h, struct xs_handle *h2,
                         const char *ctl)
{
    ok(xs_watch(h, "/wt", "tok"), "watch /wt");
    expect_event(h, "/wt", "tok", "initial event");
    wr(h2, XBT_NULL, "/wt/c/d", "1");
    expect_event(h, "/wt/c/d", "tok", "child write fires");
    wr(h2, XBT_NULL, "/wtx", "1");
    expect_no_event(h, "a sibling with a common prefix does not fire");
    wr(h2, XBT_NULL, "/wt/e", "1");
    wr(h2, XBT_NULL, "/wt/f", "1");
    expect_event(h, "/wt/e", "tok", "events in order (1)");
    expect_event(h, "/wt/f", "tok", "events in order (2)");
    ok(xs_watch(h, "/wt/c/d", "exact"), "second watch");
    expect_event(h, "/wt/c/d", "exact", "initial event of the second");
    xs_rm(h2, XBT_NULL, "/wt/c");
    expect_event(h, "/wt/c/d", "exact", "rm fires on removed children");
    expect_event(h, "/wt/c", "tok", "rm fires on the removed node");
    ok(xs_watch(h, "rel", "r"), "relative watch");
    expect_event(h, "rel", "r", "relative initial event");
    wr(h2, XBT_NULL, "/local/domain/0/rel/x", "1");
    expect_event(h, "rel/x", "r", "relative path reported relative");
    ok(xs_unwatch(h, "/wt", "tok") && xs_unwatch(h, "/wt/c/d", "exact") &&
           xs_unwatch(h, "rel", "r"),
       "unwatch");
    ok(!xs_unwatch(h, "/wt", "tok") && errno == ENOENT,
       "unwatch twice: ENOENT");
    wr(h2, XBT_NULL, "/wt/g", "1");
    expect_no_event(h, "no event after unwatch");
    (void)ctl;
}

static void dom0_domains(struct xs_handle *h, struct xs_handle *h2,
                         const char *ctl)
{
    char *p;

    ok(xs_watch(h, "@introduceDomain", "in"), "watch @introduceDomain");
    expect_event(h, "@introduceDomain", "in", "its initial event");
    ok(xs_watch(h, "@releaseDomain", "out"), "watch @releaseDomain");
    expect_event(h, "@releaseDomain", "out", "its initial event");
    ok(!xs_is_domain_introduced(h2, 9), "domain 9 not introduced");
    ok(domain_introduce(h2, ctl, 9), "introduce domain 9");
    expect_event(h, "@introduceDomain", "in", "@introduceDomain fires");
    ok(xs_is_domain_introduced(h2, 9), "domain 9 introduced");
    ok(xs_release_domain(h2, 9), "release domain 9");
    expect_event(h, "@releaseDomain", "out", "@releaseDomain fires");
    ok(!xs_release_domain(h2, 9) && errno == ENOENT, "release again: ENOENT");
    p = xs_get_domain_path(h, 5);
    is_str(p, "/local/domain/5", "GET_DOMAIN_PATH");
    xs_unwatch(h, "@introduceDomain", "in");
    xs_unwatch(h, "@releaseDomain", "out");
}

/*
 * What the store learns from the hypervisor: a domain that does not
 * exist cannot be introduced or own a node, and a permission entry
 * naming it is ignored -- also once a domain with that id is created
 * later, which must not inherit access given before it existed.
 */
static void dom0_existence(struct xs_handle *h, const char *ctl)
{
    struct xs_permissions ghost_owner[1] = {{78, XS_PERM_NONE}};
    struct xs_permissions early[2] = {{0, XS_PERM_NONE}, {79, XS_PERM_READ}};
    char gpath[600], dir[512], *slash;
    struct xs_handle *g;

    snprintf(dir, sizeof(dir), "%s", ctl);
    slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
    }
    ok(!xs_introduce_domain(h, 77, 0, 1) && errno == ENOENT,
       "INTRODUCE of a domain that does not exist: ENOENT");
    wr(h, XBT_NULL, "/m/early", "secret");
    ok(!xs_set_permissions(h, XBT_NULL, "/m/early", ghost_owner, 1) &&
           errno == ENOENT,
       "a domain that does not exist cannot own a node (ENOENT)");
    ok(xs_set_permissions(h, XBT_NULL, "/m/early", early, 2),
       "read access for domain 79, which does not exist yet");
    ok(domain_introduce(h, ctl, 79), "domain 79 created and introduced");
    snprintf(gpath, sizeof(gpath), "%s/domains/79/xenstored.sock", dir);
    g = open_at(gpath);
    ok(rd(g, XBT_NULL, "/m/early") == NULL && errno == EACCES,
       "the new domain 79 does not inherit it (EACCES)");
    ok(xs_set_permissions(h, XBT_NULL, "/m/early", early, 2),
       "the same permissions set again, now that 79 exists");
    is_str(rd(g, XBT_NULL, "/m/early"), "secret", "now domain 79 reads it");
    xs_close(g);
    xs_release_domain(h, 79);
}

static void dom0_misc(struct xs_handle *h)
{
    struct xs_permissions perms[2] = {{0, XS_PERM_NONE}, {5, XS_PERM_READ}};
    struct xs_permissions *got;
    char name[64], **dir;
    unsigned n, i, len;
    char *v;

    ok(xs_write(h, XBT_NULL, "/m/bin", "a\0b", 3), "binary write");
    v = xs_read(h, XBT_NULL, "/m/bin", &len);
    ok(v != NULL && len == 3 && memcmp(v, "a\0b", 3) == 0, "binary read");
    free(v);
    ok(xs_mkdir(h, XBT_NULL, "/m/bin"), "mkdir of an existing node is OK");
    is_str(rd(h, XBT_NULL, "/m/bin"), "a", "mkdir kept the value");
    ok(xs_rm(h, XBT_NULL, "/m/none"), "rm of a missing node: OK");
    ok(!xs_rm(h, XBT_NULL, "/m/none/deeper") && errno == ENOENT,
       "rm below a missing parent: ENOENT");
    ok(!xs_write(h, XBT_NULL, "/m/bad//x", "1", 1) && errno == EINVAL,
       "bad path: EINVAL");
    ok(xs_set_permissions(h, XBT_NULL, "/m/bin", perms, 2), "set perms");
    got = xs_get_permissions(h, XBT_NULL, "/m/bin", &n);
    ok(got != NULL && n == 2 && got[1].id == 5 && got[1].perms == XS_PERM_READ,
       "get perms");
    free(got);
    for (i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "/m/big/child-with-a-long-name-%04u", i);
        wr(h, XBT_NULL, name, "");
    }
    dir = xs_directory(h, XBT_NULL, "/m/big", &n);
    ok(dir != NULL && n == 300, "directory of 300 children (DIRECTORY_PART)");
    ok(dir != NULL && n == 300 &&
           strcmp(dir[299], "child-with-a-long-name-0299") == 0,
       "children in creation order");
    free(dir);
}

static int run_dom0(const char *ctl)
{
    struct xs_handle *h = open_at(ctl), *h2 = open_at(ctl);

    dom0_transactions(h, h2);
    dom0_watches(h, h2, ctl);
    dom0_domains(h, h2, ctl);
    dom0_existence(h, ctl);
    dom0_misc(h);
    xs_close(h);
    xs_close(h2);
    return tap_done();
}

static void guest_perms(struct xs_handle *g, struct xs_handle *c, int d)
{
    struct xs_permissions *p, own[1] = {{0, XS_PERM_NONE}};
    char path[128];
    unsigned n;

    snprintf(path, sizeof(path), "/local/domain/%d", d);
    is_str(xs_get_domain_path(g, d), path, "guest: GET_DOMAIN_PATH");
    ok(rd(g, XBT_NULL, "/local/domain/0/name") == NULL && errno == EACCES,
       "guest: read of dom0's node refused (EACCES)");
    is_int(wr(g, XBT_NULL, "/x", "1"), EACCES, "guest: write at / refused");
    is_int(wr(g, XBT_NULL, "/local/domain/0/x", "1"), EACCES,
           "guest: write in dom0's home refused");
    is_int(wr(g, XBT_NULL, "name", "evil"), EACCES,
           "guest: write to a read-only own node refused");
    is_int(wr(g, XBT_NULL, "data/x", "1"), 0, "guest: relative write");
    snprintf(path, sizeof(path), "/local/domain/%d/data/x", d);
    is_str(rd(c, XBT_NULL, path), "1", "dom0 reads it at the absolute path");
    p = xs_get_permissions(g, XBT_NULL, "data/x", &n);
    ok(p != NULL && n == 1 && p[0].id == (unsigned)d,
       "guest owns what it creates");
    free(p);
    ok(!xs_set_permissions(g, XBT_NULL, "data/x", own, 1) && errno == EPERM,
       "guest cannot give a node away (EPERM)");
    ok(!xs_introduce_domain(g, 99, 0, 1) && errno == EACCES,
       "guest cannot INTRODUCE (EACCES)");
}

static void guest_quotas(struct xs_handle *g)
{
    char big[2100], name[64];
    int i, rc = 0, made = 0, w;
    xs_transaction_t t[12];

    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    is_int(wr(g, XBT_NULL, "data/big", big), ENOSPC,
           "guest: entry over 2048 bytes: ENOSPC");
    big[1900] = '\0';
    is_int(wr(g, XBT_NULL, "data/big", big), 0, "guest: 1900 bytes fit");
    for (i = 0; i < 1100 && rc == 0; i++) {
        /* spread over parents: a parent's child list counts as its size */
        snprintf(name, sizeof(name), "data/q/%d/%d", i / 100, i % 100);
        rc = wr(g, XBT_NULL, name, "");
        made += rc == 0;
    }
    is_int(rc, ENOSPC, "guest: node quota bites (ENOSPC)");
    made += made / 100 + 1 + 1; /* the parents, data/q */
    ok(made > 950 && made <= 1000, "after about 1000 nodes (%d new)", made);
    xs_rm(g, XBT_NULL, "data/q");
    is_int(wr(g, XBT_NULL, "data/again", "1"), 0, "quota freed by rm");
    for (w = 0; w < 200; w++) {
        snprintf(name, sizeof(name), "w%d", w);
        if (!xs_watch(g, "data", name)) {
            break;
        }
    }
    is_int(w, 129, "guest: watch quota (129 as Xen's '>' check allows)");
    ok(errno == E2BIG, "watch quota: E2BIG");
    for (i = 0; i < 12; i++) {
        t[i] = xs_transaction_start(g);
        if (t[i] == XBT_NULL) {
            break;
        }
    }
    is_int(i, 11, "guest: transaction quota (11 open, as Xen)");
    ok(errno == ENOSPC, "transaction quota: ENOSPC");
    while (i-- > 0) {
        xs_transaction_end(g, t[i], true);
    }
    t[0] = xs_transaction_start(g);
    for (i = 0; i < 1100; i++) {
        snprintf(name, sizeof(name), "data/absent-%d", i);
        if (rd(g, t[0], name) != NULL || errno != ENOENT) {
            break;
        }
    }
    ok(i > 1000 && i < 1024 && errno == ENOSPC,
       "guest: 1024 nodes per transaction, then ENOSPC (at %d)", i);
    xs_transaction_end(g, t[0], true);
    {
        struct xs_permissions six[6] = {{6, 0}, {1, 1}, {2, 1},
                                        {3, 1}, {4, 1}, {5, 1}};

        six[0].id = (unsigned)atoi(getenv("XS_GUEST_ID"));
        ok(!xs_set_permissions(g, XBT_NULL, "data/again", six, 6) &&
               errno == ENOSPC,
           "guest: more than 5 permission entries: ENOSPC");
        ok(xs_set_permissions(g, XBT_NULL, "data/again", six, 5),
           "guest: 5 entries are fine");
    }
}

static int run_guest(const char *ctl, int d, const char *dir)
{
    struct xs_handle *c = open_at(ctl), *g, *w;
    struct xs_permissions home[2] = {{0, XS_PERM_NONE}, {d, XS_PERM_READ}};
    struct xs_permissions data[1] = {{d, XS_PERM_NONE}};
    char gpath[512], path[128], sub[160];

    snprintf(path, sizeof(path), "/local/domain/%d", d);
    snprintf(gpath, sizeof(gpath), "%d", d);
    setenv("XS_GUEST_ID", gpath, 1);
    ok(domain_introduce(c, ctl, d), "introduce domain %d", d);
    snprintf(gpath, sizeof(gpath), "%s/domains/%d/xenstored.sock", dir, d);
    ok(access(gpath, F_OK) == 0, "guest socket exists");
    wr(c, XBT_NULL, path, "");
    xs_set_permissions(c, XBT_NULL, path, home, 2);
    snprintf(sub, sizeof(sub), "%s/name", path);
    wr(c, XBT_NULL, sub, "guest");
    xs_set_permissions(c, XBT_NULL, sub, home, 2);
    snprintf(sub, sizeof(sub), "%s/data", path);
    wr(c, XBT_NULL, sub, "");
    xs_set_permissions(c, XBT_NULL, sub, data, 1);
    g = open_at(gpath);
    guest_perms(g, c, d);
    w = open_at(gpath);
    ok(xs_watch(w, "/local/domain/0/name", "hidden"),
       "guest watch on dom0 node");
    expect_event(w, "/local/domain/0/name", "hidden",
                 "initial event regardless");
    wr(c, XBT_NULL, "/local/domain/0/name", "Domain-0");
    expect_no_event(w, "guest not told of changes it cannot read");
    xs_close(w);
    guest_quotas(g);
    ok(xs_watch(c, "@releaseDomain", "rel"), "dom0 watches @releaseDomain");
    expect_event(c, "@releaseDomain", "rel", "initial");
    ok(xs_release_domain(c, d), "release");
    expect_event(c, "@releaseDomain", "rel", "@releaseDomain on release");
    ok(rd(c, XBT_NULL, sub) == NULL && errno == ENOENT,
       "nodes the guest owned are gone");
    is_str(rd(c, XBT_NULL, path), "", "nodes dom0 owns stay");
    ok(access(gpath, F_OK) < 0, "guest socket removed");
    ok(rd(g, XBT_NULL, "data") == NULL, "guest connection closed");
    xs_close(g);
    xs_close(c);
    return tap_done();
}

static int run_target(const char *ctl, int d, int t, const char *dir)
{
    struct xs_handle *c = open_at(ctl), *g;
    struct xs_permissions own[1] = {{t, XS_PERM_NONE}};
    char gpath[512], path[128];

    snprintf(path, sizeof(path), "/local/domain/%d/owned", t);
    ok(domain_introduce(c, ctl, t) && domain_introduce(c, ctl, d),
       "introduce %d and %d", t, d);
    wr(c, XBT_NULL, path, "x");
    xs_set_permissions(c, XBT_NULL, path, own, 1);
    snprintf(gpath, sizeof(gpath), "%s/domains/%d/xenstored.sock", dir, d);
    g = open_at(gpath);
    ok(rd(g, XBT_NULL, path) == NULL && errno == EACCES,
       "before SET_TARGET: EACCES");
    ok(xs_set_target(c, d, t), "SET_TARGET %d -> %d", d, t);
    is_str(rd(g, XBT_NULL, path), "x", "after: the stub domain reads it");
    is_int(wr(g, XBT_NULL, path, "y"), 0, "and writes it");
    xs_release_domain(c, d);
    xs_release_domain(c, t);
    xs_close(g);
    xs_close(c);
    return tap_done();
}

int main(int argc, char **argv)
{
    struct xs_handle *h;
    bool r = false;

    if (argc < 3) {
        fprintf(stderr, "usage: xs-client CTL-SOCKET COMMAND ...\n");
        return 2;
    }
    if (strcmp(argv[2], "dom0") == 0) {
        return run_dom0(argv[1]);
    }
    if (strcmp(argv[2], "guest") == 0 && argc == 5) {
        return run_guest(argv[1], atoi(argv[3]), argv[4]);
    }
    if (strcmp(argv[2], "stubdom") == 0 && argc == 6) {
        return run_target(argv[1], atoi(argv[3]), atoi(argv[4]), argv[5]);
    }
    h = open_at(argv[1]);
    if (strcmp(argv[2], "introduce") == 0 && argc == 5) {
        r = domain_make(argv[1], atoi(argv[3])) == 0 &&
            xs_introduce_domain(h, atoi(argv[3]), 0, atoi(argv[4]));
    } else if (strcmp(argv[2], "release") == 0 && argc == 4) {
        r = xs_release_domain(h, atoi(argv[3]));
    } else {
        fprintf(stderr, "xs-client: bad command\n");
    }
    if (!r) {
        fprintf(stderr, "xs-client: %s: %s\n", argv[2], strerror(errno));
    }
    xs_close(h);
    return r ? 0 : 1;
}
