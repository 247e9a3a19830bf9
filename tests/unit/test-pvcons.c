/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The console and vkbd backends through the xenbus framework, in
 * process: the test store and event channels of xb-harness.c, the test
 * guest of blk-harness.c as frontend, and real byte channels for the
 * chardev side (a socketpair and a pty, driven by the loop through the
 * console's byte interface, as the chardev layer will).
 * Covers: echo both ways over a socket and a pty, the xenconsoled
 * console left alone, XEN_QEMU_CONSOLE_LIMIT (drop oldest) versus
 * back-pressure without it, impossible ring indices, and vkbd key /
 * motion / position events, a full ring and scrambled indices.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hw/pv/console.h"
#include "hw/pv/vkbd.h"
#include "src/loop.h"
#include "tests/tap.h"
#include "tests/unit/blk-harness.h"
#include "tests/unit/xb-harness.h"

/* A chardev over an fd (our end of a socketpair or a pty master). */
struct tchr {
    const char *id;
    int fd;
    bool blocked;          /* pretend the peer is not reading */
    struct pvcons *cons;
    struct loop *loop;
};

static ssize_t tchr_write(void *chr, const void *buf, size_t len)
{
    struct tchr *c = chr;
    ssize_t n;

    if (c->blocked) {
        return 0;
    }
    n = write(c->fd, buf, len);
    if (n < 0) {
        return errno == EAGAIN ? 0 : -errno;
    }
    return n;
}

static const struct pv_chardev_ops tchr_ops = {.write = tchr_write};

static void tchr_readable(struct loop *loop, int fd, unsigned ev, void *op)
{
    struct tchr *c = op;
    char buf[256];
    ssize_t n;

    if (c->cons == NULL || pvcons_input_room(c->cons) == 0) {
        return;
    }
    n = read(fd, buf, sizeof(buf) < pvcons_input_room(c->cons)
                          ? sizeof(buf)
                          : pvcons_input_room(c->cons));
    if (n > 0) {
        pvcons_input(c->cons, buf, (size_t)n);
    }
}

struct tenv {
    struct tchr *chr[4];
    unsigned n;
    struct loop *loop;
    struct tchr made;      /* the chardev a "pty" output asked for */
    char made_id[32];
    char made_path[64];
    int made_slave;
};

static int tenv_bind(void *ctx, const char *id, struct pvcons *cons,
                     struct pv_chardev_port *port)
{
    struct tenv *e = ctx;

    for (unsigned i = 0; i < e->n; i++) {
        if (strcmp(e->chr[i]->id, id) == 0) {
            e->chr[i]->cons = cons;
            port->ops = &tchr_ops;
            port->chr = e->chr[i];
            return 0;
        }
    }
    return -ENOENT;
}

static void tenv_unbind(void *ctx, const char *id, struct pvcons *cons)
{
    struct tenv *e = ctx;

    for (unsigned i = 0; i < e->n; i++) {
        if (e->chr[i]->cons == cons) {
            e->chr[i]->cons = NULL;
        }
    }
}

/* As the daemon's hook: a fresh pty labelled `label`. */
static int tenv_new_pty(void *ctx, const char *label, char *path,
                        size_t pathlen)
{
    struct tenv *e = ctx;
    struct termios raw;
    int master;

    if (e->made.id != NULL || e->n >= 4 ||
        openpty(&master, &e->made_slave, e->made_path, NULL, NULL) < 0) {
        return -EIO;
    }
    tcgetattr(e->made_slave, &raw);
    cfmakeraw(&raw);
    tcsetattr(e->made_slave, TCSANOW, &raw);
    fcntl(master, F_SETFL, O_NONBLOCK);
    fcntl(e->made_slave, F_SETFL, O_NONBLOCK);
    snprintf(e->made_id, sizeof(e->made_id), "%s", label);
    e->made.id = e->made_id;
    e->made.fd = master;
    e->chr[e->n++] = &e->made;
    loop_fd_add(e->loop, master, LOOP_READ, tchr_readable, &e->made);
    snprintf(path, pathlen, "%s", e->made_path);
    return 0;
}

static const struct xenbus_type types[] = {
    {"console", &pvcons_ops},
    {"vkbd", &vkbd_ops},
};

struct world {
    struct loop *loop;
    struct fhost h;
    struct fguest g;
    struct xenbus *bus;
};

static void put(struct world *w, const char *path, const char *val)
{
    fh_write(&w->h, path, val);
    fhost_pump(&w->h, w->bus);
}

static bool is(struct world *w, const char *path, const char *want)
{
    struct kv *k = kv_find(&w->h, path);

    return k && strcmp(k->val, want) == 0;
}

/* libxl's layout for console <devid> of domain 1. */
static void add_console(struct world *w, unsigned devid, const char *type,
                        const char *output, uint32_t ring, uint32_t port)
{
    char be[96], fe[96], p[160], v[16];

    snprintf(be, sizeof(be), "/local/domain/0/backend/console/1/%u", devid);
    snprintf(fe, sizeof(fe), "/local/domain/1/device/console/%u", devid);
#define SET(dir, k, val) snprintf(p, sizeof(p), "%s/%s", dir, k), fh_write(&w->h, p, val)
    SET(fe, "type", type);
    SET(fe, "state", "1");
    SET(be, "frontend", fe);
    SET(be, "frontend-id", "1");
    SET(be, "protocol", "vt100");
    SET(fe, "output", output);
    SET(be, "state", "1");
    SET(be, "online", "1");
    fhost_pump(&w->h, w->bus);
    snprintf(v, sizeof(v), "%u", ring);
    SET(fe, "ring-ref", v);
    snprintf(v, sizeof(v), "%u", port);
    SET(fe, "port", v);
    SET(fe, "state", "4");
#undef SET
    fhost_pump(&w->h, w->bus);
}

/* The guest writes to its output ring and kicks. */
static void guest_out(struct world *w, uint32_t ring, uint32_t rport,
                      const char *s, size_t n)
{
    uint8_t *pg = fguest_page(&w->g, ring);
    uint32_t prod;

    memcpy(&prod, pg + 3084, 4);
    for (size_t i = 0; i < n; i++) {
        pg[1024 + ((prod + i) % 2048)] = (uint8_t)s[i];
    }
    prod += (uint32_t)n;
    memcpy(pg + 3084, &prod, 4);
    xenbus_evtchn_fired(w->bus, fhost_port_for(&w->h, rport));
}

static size_t guest_in(struct world *w, uint32_t ring, char *buf, size_t max)
{
    uint8_t *pg = fguest_page(&w->g, ring);
    uint32_t cons, prod;
    size_t n = 0;

    memcpy(&cons, pg + 3072, 4);
    memcpy(&prod, pg + 3076, 4);
    while (cons != prod && n < max) {
        buf[n++] = (char)pg[cons % 1024];
        cons++;
    }
    memcpy(pg + 3072, &cons, 4);
    return n;
}

static size_t read_peer(struct world *w, int fd, char *buf, size_t want)
{
    size_t got = 0;

    for (int i = 0; i < 200 && got < want; i++) {
        ssize_t n = read(fd, buf + got, want - got);

        if (n > 0) {
            got += (size_t)n;
        } else {
            loop_run_once(w->loop, 5);
        }
    }
    return got;
}

static void test_echo(struct world *w, struct tchr *c, int peer,
                      unsigned devid, uint32_t ring, uint32_t rport,
                      const char *what)
{
    char buf[64] = "";
    char devpath[96];
    size_t n = 0;

    snprintf(devpath, sizeof(devpath),
             "/local/domain/0/backend/console/1/%u/state", devid);
    ok(is(w, devpath, "4"), "%s console Connected", what);
    guest_out(w, ring, rport, "hello\n", 6);
    ok(read_peer(w, peer, buf, 6) == 6 && memcmp(buf, "hello\n", 6) == 0,
       "%s: guest output reaches the chardev peer", what);
    if (write(peer, "typed", 5) != 5) {
        ok(0, "%s: write to peer", what);
        return;
    }
    for (int i = 0; i < 200 && n < 5; i++) {
        loop_run_once(w->loop, 5);
        n += guest_in(w, ring, buf + n, sizeof(buf) - n);
    }
    ok(n == 5 && memcmp(buf, "typed", 5) == 0,
       "%s: chardev input reaches the guest's ring", what);
    (void)c;
}

static void test_console(struct world *w, struct tenv *env)
{
    int sv[2], master, slave;
    static struct tchr sock = {.id = "libxl-channel1"};
    static struct tchr pty = {.id = "libxl-channel2"};
    struct termios raw;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0 ||
        openpty(&master, &slave, NULL, NULL, NULL) < 0) {
        ok(0, "socketpair/openpty");
        return;
    }
    tcgetattr(slave, &raw);
    cfmakeraw(&raw);
    tcsetattr(slave, TCSANOW, &raw);
    fcntl(master, F_SETFL, O_NONBLOCK);
    fcntl(slave, F_SETFL, O_NONBLOCK);
    sock.fd = sv[0];
    pty.fd = master;
    env->chr[env->n++] = &sock;
    env->chr[env->n++] = &pty;
    loop_fd_add(w->loop, sv[0], LOOP_READ, tchr_readable, &sock);
    loop_fd_add(w->loop, master, LOOP_READ, tchr_readable, &pty);

    /* The first console belongs to xenconsoled: untouched. */
    add_console(w, 0, "xenconsoled", "pty", 30, 3);
    ok(is(w, "/local/domain/0/backend/console/1/0/state", "1") &&
           kv_find(&w->h, "/local/domain/0/backend/console/1/0/"
                          "hotplug-status") == NULL,
       "xenconsoled console left alone (state 1, no hotplug-status)");

    add_console(w, 1, "ioemu", "chardev:libxl-channel1", 31, 4);
    test_echo(w, &sock, sv[1], 1, 31, 4, "socket");
    add_console(w, 2, "ioemu", "chardev:libxl-channel2", 32, 5);
    test_echo(w, &pty, slave, 2, 32, 5, "pty");

    /* libxl 4.17's pty channel: output "pty", the backend makes one. */
    add_console(w, 5, "ioemu", "pty", 35, 8);
    ok(env->made.id != NULL && strcmp(env->made.id, "xencons5") == 0,
       "output \"pty\": a new pty chardev labelled xencons5 (as QEMU)");
    ok(env->made.id != NULL &&
           is(w, "/local/domain/1/device/console/5/tty", env->made_path),
       "its path is published as the frontend's tty (%s)", env->made_path);
    if (env->made.id != NULL) {
        test_echo(w, &env->made, env->made_slave, 5, 35, 8, "new pty");
        loop_fd_del(w->loop, env->made.fd);
    }
    add_console(w, 6, "ioemu", "file:/tmp/nope", 36, 9);
    ok(kv_find(&w->h, "/local/domain/1/device/console/6/tty") == NULL,
       "an output xendm does not know gets no chardev and no tty");

    /* Back-pressure without a limit: a blocked chardev stops the ring. */
    {
        char big[1500];
        uint32_t cons, prod;
        uint8_t *pg = fguest_page(&w->g, 31);

        memset(big, 'x', sizeof(big));
        sock.blocked = true;
        for (int i = 0; i < 60; i++) {
            memcpy(&cons, pg + 3080, 4);
            memcpy(&prod, pg + 3084, 4);
            if (2048 - (prod - cons) < sizeof(big)) {
                break;
            }
            guest_out(w, 31, 4, big, sizeof(big));
        }
        memcpy(&cons, pg + 3080, 4);
        memcpy(&prod, pg + 3084, 4);
        ok(prod != cons, "no limit: a blocked chardev leaves output in the"
           " guest's ring (%u bytes waiting)", prod - cons);
        sock.blocked = false;
        pvcons_output_ready(sock.cons);
        {
            char sink[4096];
            size_t total = 0;

            for (int i = 0; i < 400; i++) {
                ssize_t n = read(sv[1], sink, sizeof(sink));

                if (n > 0) {
                    total += (size_t)n;
                    pvcons_output_ready(sock.cons);
                } else {
                    loop_run_once(w->loop, 2);
                }
                memcpy(&cons, pg + 3080, 4);
                memcpy(&prod, pg + 3084, 4);
                if (cons == prod && n <= 0 && total > 0) {
                    break;
                }
            }
            ok(cons == prod && total % sizeof(big) == 0 && total > 65536,
               "after the chardev drains, every byte arrives (%zu)", total);
        }
    }

    /* Impossible indices: the console stops, xendm does not. */
    {
        uint8_t *pg = fguest_page(&w->g, 32);
        uint32_t cons, bad;

        memcpy(&cons, pg + 3080, 4);
        bad = cons + 100000;
        memcpy(pg + 3084, &bad, 4);
        xenbus_evtchn_fired(w->bus, fhost_port_for(&w->h, 5));
        ok(1, "out_prod 100000 ahead: handled without a crash");
    }
    loop_fd_del(w->loop, sv[0]);
    loop_fd_del(w->loop, master);
    close(sv[0]);
    close(sv[1]);
    close(master);
    close(slave);
    if (env->made.id != NULL) {
        close(env->made.fd);
        close(env->made_slave);
    }
}

static void test_console_limit(struct world *w, struct tenv *env)
{
    static struct tchr blk = {.id = "libxl-channel3", .fd = -1, .blocked = true};
    uint8_t *pg = fguest_page(&w->g, 33);
    char chunk[1000];
    uint32_t cons, prod;

    setenv("XEN_QEMU_CONSOLE_LIMIT", "4096", 1);
    env->chr[env->n++] = &blk;
    add_console(w, 3, "ioemu", "chardev:libxl-channel3", 33, 6);
    unsetenv("XEN_QEMU_CONSOLE_LIMIT");
    for (int i = 0; i < 50; i++) {
        memset(chunk, 'a' + i % 26, sizeof(chunk));
        guest_out(w, 33, 6, chunk, sizeof(chunk));
    }
    memcpy(&cons, pg + 3080, 4);
    memcpy(&prod, pg + 3084, 4);
    ok(cons == prod && prod == 50000,
       "XEN_QEMU_CONSOLE_LIMIT: the ring keeps draining with the chardev"
       " blocked (cons %u prod %u)", cons, prod);
    {
        int sv[2];
        char got[8192];
        ssize_t n;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0) {
            return;
        }
        blk.fd = sv[0];
        blk.blocked = false;
        pvcons_output_ready(blk.cons);
        n = read(sv[1], got, sizeof(got));
        ok(n == 4096 && got[0] == 'a' + (45 % 26) && got[4095] == 'x',
           "only the newest 4096 bytes were kept (%zd)", n);
        close(sv[0]);
        close(sv[1]);
        blk.fd = -1;
    }
}

static void test_vkbd(struct world *w)
{
    uint8_t *pg = fguest_page(&w->g, 40);
    uint32_t v, keycode;
    int32_t x;
    int sent, filled = 0;

    put(w, "/local/domain/1/device/vkbd/0/state", "1");
    fh_write(&w->h, "/local/domain/0/backend/vkbd/1/0/frontend",
             "/local/domain/1/device/vkbd/0");
    fh_write(&w->h, "/local/domain/0/backend/vkbd/1/0/frontend-id", "1");
    fh_write(&w->h, "/local/domain/0/backend/vkbd/1/0/state", "1");
    put(w, "/local/domain/0/backend/vkbd/1/0/online", "1");
    ok(is(w, "/local/domain/0/backend/vkbd/1/0/feature-abs-pointer", "1") &&
           is(w, "/local/domain/0/backend/vkbd/1/0/state", "2"),
       "vkbd: features written, InitWait");
    ok(vkbd_send_key(w->bus, 30, true) == 0,
       "vkbd: no delivery before the frontend connects");
    memset(pg, 0, 4096);
    fh_write(&w->h, "/local/domain/1/device/vkbd/0/page-gref", "40");
    fh_write(&w->h, "/local/domain/1/device/vkbd/0/event-channel", "7");
    fh_write(&w->h, "/local/domain/1/device/vkbd/0/request-abs-pointer", "1");
    put(w, "/local/domain/1/device/vkbd/0/state", "4");
    ok(is(w, "/local/domain/0/backend/vkbd/1/0/state", "4"),
       "vkbd Connected");
    sent = vkbd_send_key(w->bus, 30, true);
    memcpy(&v, pg + 4, 4);
    memcpy(&keycode, pg + 1024 + 4, 4);
    ok(sent == 1 && v == 1 && pg[1024] == 3 && pg[1025] == 1 &&
           keycode == 30,
       "key event (KEY_A down) in slot 0 of the frontend's ring");
    ok(w->h.notifies[fhost_port_for(&w->h, 7)] > 0, "frontend notified");
    vkbd_send_position(w->bus, 640, 480, 0);
    memcpy(&x, pg + 1024 + 40 + 4, 4);
    ok(pg[1024 + 40] == 4 && x == 640, "absolute position event in slot 1");
    vkbd_send_motion(w->bus, -3, 5, 0);
    memcpy(&x, pg + 1024 + 80 + 4, 4);
    ok(pg[1024 + 80] == 1 && x == -3, "relative motion event in slot 2");
    while (vkbd_send_key(w->bus, 31, false) == 1 && filled < 100) {
        filled++;
    }
    memcpy(&v, pg + 4, 4);
    ok(filled == 48 && v == 51,
       "ring holds 51 events, then input is dropped (%d more sent)", filled);
    v = 0xfffff000u; /* in_cons scrambled by the frontend */
    memcpy(pg, &v, 4);
    ok(vkbd_send_key(w->bus, 32, true) == 0,
       "scrambled in_cons: nothing written");
}

int main(void)
{
    struct world w;
    struct tenv env = {{0}};
    struct xenbus_cfg cfg;

    memset(&w, 0, sizeof(w));
    if (fguest_init(&w.g, 64) < 0) {
        return 1;
    }
    w.loop = loop_new();
    env.loop = w.loop;
    w.h.next_port = 5;
    cfg = (struct xenbus_cfg){
        .loop = w.loop,
        .host = &fh_ops,
        .host_ctx = &w.h,
        .grants = w.g.grants,
        .domid = 1,
        .types = types,
        .ntypes = 2,
        .env = &(struct pv_env){.chardev_bind = tenv_bind,
                                .chardev_unbind = tenv_unbind,
                                .chardev_new_pty = tenv_new_pty,
                                .ctx = &env},
    };
    w.bus = xenbus_new(&cfg);
    ok(xenbus_start(w.bus) == 0 &&
           is(&w, "/local/domain/0/device-model/1/backends/console", "") &&
           is(&w, "/local/domain/0/device-model/1/backends/vkbd", ""),
       "console and vkbd advertised under device-model/1/backends");
    fhost_pump(&w.h, w.bus);
    test_console(&w, &env);
    test_console_limit(&w, &env);
    test_vkbd(&w);
    xenbus_free(w.bus);
    fhost_fini(&w.h);
    is_int(w.g.live_maps, 0, "every mapping released");
    fguest_fini(&w.g);
    loop_free(w.loop);
    return tap_done();
}
