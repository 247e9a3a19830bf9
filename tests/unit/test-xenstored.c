/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of xensim's xenstored through the interface other xensim
 * services use (xensim/store.h): the domain hooks the hypervisor
 * service calls (shutdown, released, exists) and the in-process
 * read/write.  The store runs on a real loop in a private directory;
 * a raw xs_wire client on its real socket watches what guests and
 * the control domain would see, the loop being pumped between steps.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#include "loop.h"
#include "tests/tap.h"
#include "xensim/store.h"

struct reply {
    uint32_t type;
    uint32_t len;
    char body[XENSTORE_PAYLOAD_MAX + 1];
};

static struct loop *lp;

static int client(const char *dir)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/xenstored.sock", dir);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        printf("Bail out! connect: %s\n", strerror(errno));
        exit(1);
    }
    return fd;
}

static void pump(int ms)
{
    uint64_t end = loop_now_ns() + (uint64_t)ms * 1000000u;

    while (loop_now_ns() < end) {
        loop_run_once(lp, 5);
    }
}

/* Next message on fd (pumping the store's loop), or type ~0 if none. */
static void next_msg(int fd, struct reply *r, int ms)
{
    struct xsd_sockmsg h;
    struct pollfd p = {.fd = fd, .events = POLLIN};

    r->type = ~0u;
    for (int i = 0; i < ms; i++) {
        loop_run_once(lp, 0);
        if (poll(&p, 1, 1) == 1) {
            break;
        }
    }
    if (poll(&p, 1, 0) != 1 || read(fd, &h, sizeof(h)) != sizeof(h) ||
        h.len > XENSTORE_PAYLOAD_MAX) {
        return;
    }
    if (h.len && read(fd, r->body, h.len) != (ssize_t)h.len) {
        return;
    }
    r->type = h.type;
    r->len = h.len;
    r->body[h.len] = '\0';
}

static void send_req(int fd, uint32_t type, const void *body, uint32_t len)
{
    struct xsd_sockmsg h = {type, 0, 0, len};

    if (write(fd, &h, sizeof(h)) != sizeof(h) ||
        (len && write(fd, body, len) != (ssize_t)len)) {
        printf("Bail out! write\n");
        exit(1);
    }
}

static void request(int fd, uint32_t type, const void *body, uint32_t len,
                    struct reply *r)
{
    send_req(fd, type, body, len);
    do {
        next_msg(fd, r, 1000);
    } while (r->type == XS_WATCH_EVENT);
}

/* A request whose body is a string literal, its final nul included. */
#define REQ(fd, type, lit, r) request((fd), (type), (lit), sizeof(lit), (r))

static bool only_three(void *opaque, uint32_t domid)
{
    (*(int *)opaque)++;
    return domid == 3;
}

int main(void)
{
    char dir[] = "/tmp/test-xenstored-XXXXXX", sock[128], *v = NULL;
    struct store *st;
    struct reply r;
    int fd, asked = 0;

    lp = loop_new();
    if (mkdtemp(dir) == NULL || lp == NULL) {
        printf("Bail out! setup\n");
        return 1;
    }
    st = store_new(lp, dir);
    ok(st != NULL, "store_new serves in a fresh directory");
    fd = client(dir);

    is_int(store_node_write(st, "/local/domain/3/name", "three"), 0,
           "store_node_write");
    is_int(store_node_read(st, "/local/domain/3/name", &v), 0,
           "store_node_read");
    ok(v != NULL && strcmp(v, "three") == 0, "store_node_read gives the value");
    free(v);
    is_int(store_node_write(st, "bad//path", "x"), -EINVAL,
           "store_node_write: bad path");

    REQ(fd, XS_WATCH, "@releaseDomain\0rel", &r);
    is_int(r.type, XS_WATCH, "watch @releaseDomain");
    next_msg(fd, &r, 1000);
    is_int(r.type, XS_WATCH_EVENT, "its initial event");
    REQ(fd, XS_INTRODUCE,
        "3\0"
        "0\0"
        "1",
        &r);
    ok(r.type == XS_INTRODUCE, "introduce 3");
    snprintf(sock, sizeof(sock), "%s/domains/3/xenstored.sock", dir);
    ok(access(sock, F_OK) == 0, "guest socket made");
    REQ(fd, XS_SET_PERMS, "/local/domain/3/name\0n3", &r);
    ok(r.type == XS_SET_PERMS, "domain 3 owns its name node");

    store_domain_shutdown(st, 3);
    next_msg(fd, &r, 1000);
    ok(r.type == XS_WATCH_EVENT && strcmp(r.body, "@releaseDomain") == 0,
       "shutdown fires @releaseDomain");
    store_domain_shutdown(st, 3);
    next_msg(fd, &r, 100);
    is_int(r.type, ~0u, "a second shutdown report does not fire again");

    store_domain_released(st, 3);
    next_msg(fd, &r, 1000);
    ok(r.type == XS_WATCH_EVENT && strcmp(r.body, "@releaseDomain") == 0,
       "death fires @releaseDomain");
    ok(access(sock, F_OK) < 0, "guest socket removed on death");
    ok(store_node_read(st, "/local/domain/3/name", &v) == -ENOENT,
       "nodes the dead domain owned are gone");
    REQ(fd, XS_IS_DOMAIN_INTRODUCED, "3", &r);
    ok(r.type == XS_IS_DOMAIN_INTRODUCED && r.body[0] == 'F',
       "no longer introduced");

    store_node_write(st, "/local/domain/8/x", "");
    REQ(fd, XS_SET_PERMS, "/local/domain/8/x\0n8", &r);
    store_domain_released(st, 8);
    next_msg(fd, &r, 100);
    is_int(r.type, ~0u, "death of a never-introduced domain fires nothing");
    ok(store_node_read(st, "/local/domain/8/x", &v) == -ENOENT,
       "but its nodes go");

    store_set_exists_hook(st, only_three, &asked);
    REQ(fd, XS_INTRODUCE,
        "4\0"
        "0\0"
        "1",
        &r);
    ok(r.type == XS_ERROR && strcmp(r.body, "ENOENT") == 0,
       "exists hook: introducing a domain that does not exist: ENOENT");
    REQ(fd, XS_SET_PERMS, "/local/domain\0n4", &r);
    ok(r.type == XS_ERROR && strcmp(r.body, "ENOENT") == 0,
       "exists hook: owner that does not exist: ENOENT");
    REQ(fd, XS_SET_PERMS, "/local/domain\0n0\0r3\0r4", &r);
    ok(r.type == XS_SET_PERMS, "other entries may name missing domains");
    ok(asked > 0, "the hook was asked");

    close(fd);
    pump(20);
    store_free(st);
    ok(access(sock, F_OK) < 0, "store_free leaves no socket");
    snprintf(sock, sizeof(sock), "%s/xenstored.sock", dir);
    ok(access(sock, F_OK) < 0, "nor the control socket");
    rmdir(dir);
    loop_free(lp);
    return tap_done();
}
