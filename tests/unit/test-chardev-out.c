/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Chardev flow control with real unix sockets on the real loop: a
 * peer that stops reading makes producers wait, never lose bytes, never
 * grow memory past CHARDEV_OUT_MAX, never block the loop.
 *
 * Producers: a generic writer honouring the output-ready callback, and
 * the 16550A UART (hw/emu/serial.c) driven like a polling guest driver
 * (write THR only when LSR.THRE is set), with the FIFO off and on.
 * Input side: a reader with little room is fed a megabyte and must see
 * every byte in order without ever being handed more than its room.
 * A second chardev is served throughout; a peer that disconnects while
 * a producer waits releases it and further writes are refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hw/emu/serial.h"
#include "src/chardev.h"
#include "src/loop.h"
#include "src/xendm.h"
#include "tests/tap.h"

#define NCH 4

static struct xendm x;
static char dir[64];
static char paths[NCH][128];

static uint8_t pattern_at(size_t i)
{
    return (uint8_t)((i * 131u + (i >> 9)) & 0xff);
}

static int connect_to(const char *path, int rcvbuf)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (rcvbuf > 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    }
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

static void spin(int n)
{
    while (n-- > 0) {
        loop_run_once(x.loop, 0);
    }
}

/* Reads what is there (non-blocking) into got[*len], bounded. */
static void drain(int fd, uint8_t *got, size_t *len, size_t cap)
{
    ssize_t n;

    while (*len < cap && (n = read(fd, got + *len, cap - *len)) > 0) {
        *len += (size_t)n;
    }
}

/* ---- a generic producer ---- */

struct producer {
    struct chardev *cd;
    size_t sent, total;
    bool waiting;
    unsigned readies;
    size_t max_pending;
};

static void producer_run(struct producer *p)
{
    uint8_t chunk[3000];

    while (!p->waiting && p->sent < p->total) {
        size_t n = p->total - p->sent < sizeof(chunk) ? p->total - p->sent
                                                       : sizeof(chunk);
        ssize_t took;

        for (size_t i = 0; i < n; i++) {
            chunk[i] = pattern_at(p->sent + i);
        }
        took = chardev_write(p->cd, chunk, n);
        if (took < 0) {
            p->waiting = true;         /* no peer: stop the test producer */
            return;
        }
        p->sent += (size_t)took;
        if ((size_t)took < n) {
            p->waiting = true;
        }
        if (chardev_output_pending(p->cd) > p->max_pending) {
            p->max_pending = chardev_output_pending(p->cd);
        }
    }
}

static void producer_ready(struct chardev *cd, void *opaque)
{
    struct producer *p = opaque;

    p->readies++;
    p->waiting = false;
    producer_run(p);
}

/* ---- an echo on another chardev, to show it is still served ---- */

static size_t echoed;

static void echo_read(struct chardev *cd, const void *buf, size_t len,
                      void *opaque)
{
    echoed += len;
    chardev_write(cd, buf, len);
}

static void test_producer(void)
{
    struct producer p = {.cd = chardev_lookup(&x, "out0"),
                         .total = 2u << 20};
    struct chardev *echo = chardev_lookup(&x, "echo");
    size_t cap = p.total, len = 0, i;
    uint8_t *got = malloc(cap);
    int fd, efd;
    char ebuf[64];
    bool same = true;

    fd = connect_to(paths[0], 4096);
    efd = connect_to(paths[1], 0);
    spin(5);
    ok(chardev_connected(p.cd), "socket chardev has its client");
    chardev_set_output_ready(p.cd, producer_ready, &p);
    chardev_set_reader(echo, echo_read, NULL);
    producer_run(&p);
    spin(20);
    ok(p.waiting && p.sent < p.total,
       "a peer that does not read stops the producer (%zu of %zu taken)",
       p.sent, p.total);
    ok(p.max_pending <= CHARDEV_OUT_MAX &&
       chardev_output_pending(p.cd) == CHARDEV_OUT_MAX,
       "pending output is capped at CHARDEV_OUT_MAX (%zu)", p.max_pending);
    /* the loop still serves another chardev meanwhile */
    ok(write(efd, "ping", 4) == 4, "write to the other chardev");
    spin(5);
    ok(echoed == 4 && read(efd, ebuf, sizeof(ebuf)) == 4,
       "the other chardev is served while the first is stuck");
    /* the peer reads again: everything arrives, in order */
    for (i = 0; i < 200000 && len < p.total; i++) {
        drain(fd, got, &len, cap);
        loop_run_once(x.loop, 1);
    }
    is_int(len, p.total, "every byte arrived after the peer resumed");
    for (i = 0; i < len && same; i++) {
        same = got[i] == pattern_at(i);
    }
    ok(same, "bytes arrived in order, none lost or repeated");
    ok(p.readies > 0, "output-ready called the producer back (%u times)",
       p.readies);
    ok(p.max_pending <= CHARDEV_OUT_MAX, "memory stayed bounded (%zu)",
       p.max_pending);

    /* a peer gone while a producer waits releases it; then -EPIPE */
    p.sent = 0;
    p.waiting = false;
    p.readies = 0;
    producer_run(&p);
    ok(p.waiting, "stuck again");
    close(fd);
    for (i = 0; i < 50 && p.readies == 0; i++) {
        loop_run_once(x.loop, 10);
    }
    ok(p.readies > 0 && chardev_output_pending(p.cd) == 0,
       "disconnect discards pending output and releases the producer");
    is_int(chardev_write(p.cd, "x", 1), -EPIPE,
           "writes without a peer are refused with -EPIPE");
    chardev_set_output_ready(p.cd, NULL, NULL);
    chardev_set_reader(echo, NULL, NULL);
    close(efd);
    spin(5);
    free(got);
}

/* ---- the UART ---- */

struct uart_port {
    struct serial s;
    struct chardev *cd;
};

static size_t uart_be_write(void *opaque, const uint8_t *buf, size_t len)
{
    struct uart_port *u = opaque;
    ssize_t n = chardev_write(u->cd, buf, len);

    return n < 0 ? len : (size_t)n;
}

static void uart_ready(struct chardev *cd, void *opaque)
{
    struct uart_port *u = opaque;

    serial_output_ready(&u->s);
}

static const struct serial_backend_ops uart_ops = {.write = uart_be_write};

static void no_irq(void *opaque, int level)
{
}

static int64_t no_clock(void *opaque)
{
    return 0;
}

static void test_uart(const char *id, const char *path, bool fifo)
{
    struct uart_port u = {.cd = chardev_lookup(&x, id)};
    size_t total = 200000, sent = 0, len = 0, i, stalls = 0;
    size_t max_pending = 0;
    uint8_t *got = malloc(total);
    bool same = true, held_seen = false;
    int fd;

    serial_init(&u.s, no_irq, no_clock, NULL);
    serial_set_backend(&u.s, &uart_ops, &u);
    chardev_set_output_ready(u.cd, uart_ready, &u);
    if (fifo) {
        serial_pio_write(&u.s, 2, 0x07);
    }
    fd = connect_to(path, 4096);
    spin(5);
    /* the guest: polls LSR, writes THR when THRE; the peer reads late */
    for (i = 0; i < 2000000 && len < total; i++) {
        uint8_t lsr = serial_pio_read(&u.s, 5);

        if ((lsr & 0x20) && sent < total) {
            serial_pio_write(&u.s, 0, pattern_at(sent));
            sent++;
            continue;
        }
        if (!(lsr & 0x40) && u.s.st.tsr_retry > 0) {
            held_seen = true;
        }
        stalls++;
        if (chardev_output_pending(u.cd) > max_pending) {
            max_pending = chardev_output_pending(u.cd);
        }
        if (stalls > 10) {          /* the peer only now starts reading */
            drain(fd, got, &len, total);
        }
        loop_run_once(x.loop, 0);
    }
    for (i = 0; i < 1000 && len < total; i++) {
        drain(fd, got, &len, total);
        loop_run_once(x.loop, 1);
    }
    ok(held_seen, "%s: a full chardev held the UART transmitter "
       "(TEMT clear, tsr_retry set)", id);
    ok(max_pending <= CHARDEV_OUT_MAX, "%s: pending output bounded (%zu)",
       id, max_pending);
    is_int(len, total, "%s: every byte the guest wrote arrived", id);
    for (i = 0; i < len && same; i++) {
        same = got[i] == pattern_at(i);
    }
    ok(same, "%s: in order, none lost%s", id, fifo ? " (FIFO on)" : "");
    chardev_set_output_ready(u.cd, NULL, NULL);
    close(fd);
    spin(5);
    free(got);
}

/* ---- input flow control ---- */

struct slow_reader {
    uint8_t *got;
    size_t len, cap, room, over;
};

static size_t slow_room(struct chardev *cd, void *opaque)
{
    struct slow_reader *r = opaque;

    return r->room;
}

static void slow_read(struct chardev *cd, const void *buf, size_t len,
                      void *opaque)
{
    struct slow_reader *r = opaque;

    if (len > r->room) {
        r->over++;
        len = r->room;
    }
    if (len > r->cap - r->len) {
        len = r->cap - r->len;
    }
    memcpy(r->got + r->len, buf, len);
    r->len += len;
    r->room -= len;
}

static void test_input(void)
{
    struct chardev *cd = chardev_lookup(&x, "in0");
    size_t total = 1u << 20, put = 0, i;
    struct slow_reader r = {.got = malloc(total), .cap = total, .room = 0};
    uint8_t chunk[8192];
    bool same = true, paused_seen = false;
    int fd = connect_to(paths[3], 0);

    spin(5);
    chardev_set_reader(cd, slow_read, &r);
    chardev_set_input_room(cd, slow_room);
    for (i = 0; i < 500000 && r.len < total; i++) {
        while (put < total) {
            size_t n = total - put < sizeof(chunk) ? total - put
                                                    : sizeof(chunk), k;
            ssize_t w;

            for (k = 0; k < n; k++) {
                chunk[k] = pattern_at(put + k);
            }
            w = write(fd, chunk, n);
            if (w <= 0) {
                paused_seen = paused_seen || r.room == 0;
                break;
            }
            put += (size_t)w;
        }
        loop_run_once(x.loop, 0);
        if (i % 3 == 0) {           /* the "guest" frees a little room */
            r.room += 700;
            chardev_input_ready(cd);
        }
    }
    ok(paused_seen, "a full reader leaves input with the peer "
       "(its writes block)");
    is_int(r.len, total, "every input byte reached the reader");
    is_int(r.over, 0, "the reader was never handed more than its room");
    for (i = 0; i < r.len && same; i++) {
        same = r.got[i] == pattern_at(i);
    }
    ok(same, "input in order, none lost");

    /* the peer sends and hangs up while the reader is full: no spin,
     * its last bytes still delivered, then the client is let go */
    r.len = 0;
    r.room = 0;
    for (put = 0; put < 40000;) {
        size_t n = 40000 - put < sizeof(chunk) ? 40000 - put : sizeof(chunk);
        size_t k;
        ssize_t w;

        for (k = 0; k < n; k++) {
            chunk[k] = pattern_at(put + k);
        }
        w = write(fd, chunk, n);
        if (w <= 0) {
            break;
        }
        put += (size_t)w;
    }
    loop_run_once(x.loop, 0);
    close(fd);
    {
        int calls = 0;

        for (i = 0; i < 200; i++) {
            calls += loop_run_once(x.loop, 0);
        }
        ok(put == 40000 && calls <= 3, "a peer gone while the reader is "
           "full does not spin the loop (%d callbacks in 200 turns)", calls);
    }
    for (i = 0; i < 100000 && r.len < 40000; i++) {
        r.room += 1000;
        chardev_input_ready(cd);
        loop_run_once(x.loop, 0);
    }
    for (i = 0, same = r.len == 40000; i < r.len && same; i++) {
        same = r.got[i] == pattern_at(i);
    }
    ok(same, "its last %zu bytes were still delivered, in order", r.len);
    r.room += 1;                /* room to find the end of the stream */
    chardev_input_ready(cd);
    spin(5);
    ok(!chardev_connected(cd), "then the client is let go");
    chardev_set_reader(cd, NULL, NULL);
    free(r.got);
}

int main(void)
{
    static const char *const ids[NCH] = {"out0", "echo", "uart0", "in0"};
    char err[256] = "";
    size_t i;

    signal(SIGPIPE, SIG_IGN);        /* as xendm's main */
    snprintf(dir, sizeof(dir), "/tmp/xendm-chardev-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    x.loop = loop_new();
    for (i = 0; i < NCH; i++) {
        snprintf(paths[i], sizeof(paths[i]), "%s/%s.sock", dir, ids[i]);
        x.opts.chardevs[i] = (struct chardev_spec){
            .id = (char *)ids[i], .kind = CHARDEV_SOCKET, .path = paths[i],
            .fd = -1, .server = true};
    }
    x.opts.nchardevs = NCH;
    ok(chardev_open_all(&x, err, sizeof(err)) == 0, "open chardevs: %s",
       err);
    test_producer();
    test_uart("uart0", paths[2], false);
    test_uart("uart0", paths[2], true);
    test_input();
    chardev_close_all(&x);
    loop_free(x.loop);
    rmdir(dir);
    return tap_done();
}
