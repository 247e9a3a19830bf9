/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PV console backend for "ioemu" consoles.  See console.h.
 *
 * Keys read: frontend `type` (only "ioemu" is ours: anything else,
 * e.g. the xenconsoled console, is left untouched), frontend `output`
 * as QEMU reads it ("chardev:<id>", or "pty" for a new pty whose path
 * we write to the frontend's `tty`; libxl 4.17 writes "pty" for a
 * channel with connection=pty), frontend `ring-ref` (a grant
 * reference) and `port` (the event channel).
 *
 * Theory of operation.  The shared page is struct xencons_interface:
 * in[1024] (host -> guest), out[2048] (guest -> host), then in_cons,
 * in_prod, out_cons, out_prod.  On an event we read out_prod once;
 * if it claims more than the ring holds the ring is broken and the
 * console stops (logged, rate-limited).  Guest output goes into a
 * private buffer, then to the chardev as fast as it accepts.  Without
 * XEN_QEMU_CONSOLE_LIMIT the buffer is bounded (64 KiB) and, when
 * full, we stop draining the ring, so a guest writing faster than the
 * chardev reads simply waits.  With XEN_QEMU_CONSOLE_LIMIT=<bytes>
 * (qemu-xen's variable) we keep draining and drop the oldest bytes
 * beyond the limit, so the guest never blocks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pv/console.h"
#include "src/log.h"

#define CONS_IN 0
#define CONS_IN_SIZE 1024u
#define CONS_OUT 1024
#define CONS_OUT_SIZE 2048u
#define CONS_IN_CONS 3072
#define CONS_IN_PROD 3076
#define CONS_OUT_CONS 3080
#define CONS_OUT_PROD 3084
#define CONS_DEFAULT_BUF (64u * 1024)

struct pvcons {
    struct xenbus_dev *dev;
    char chardev_id[64];
    struct pv_chardev_port port;
    bool bound;
    uint8_t *page;
    int evtchn;
    uint8_t *buf;
    size_t len, cap, limit;
    bool broken;
    struct ratelimit rl;
};

static uint32_t idx_load(const uint8_t *page, size_t off)
{
    return __atomic_load_n((const uint32_t *)(page + off), __ATOMIC_ACQUIRE);
}

static void idx_store(uint8_t *page, size_t off, uint32_t v)
{
    __atomic_store_n((uint32_t *)(page + off), v, __ATOMIC_RELEASE);
}

static void cons_flush(struct pvcons *c)
{
    ssize_t n;

    while (c->len > 0) {
        if (!c->bound) {
            c->len = 0; /* no sink: output is discarded */
            return;
        }
        n = c->port.ops->write(c->port.chr, c->buf, c->len);
        if (n < 0) {
            c->len = 0;
            return;
        }
        if (n == 0) {
            return;
        }
        memmove(c->buf, c->buf + n, c->len - (size_t)n);
        c->len -= (size_t)n;
    }
}

/* Guest output into the buffer; true if anything was consumed. */
static bool cons_drain(struct pvcons *c)
{
    uint32_t cons = idx_load(c->page, CONS_OUT_CONS);
    uint32_t prod = idx_load(c->page, CONS_OUT_PROD);
    uint32_t avail = prod - cons, take;

    if (avail > CONS_OUT_SIZE) {
        c->broken = true;
        log_ratelimited(&c->rl, "%s: output ring indices impossible"
                        " (%u ahead); console stopped",
                        xenbus_name(c->dev), avail);
        return false;
    }
    take = avail;
    if (c->limit == 0 && take > c->cap - c->len) {
        take = (uint32_t)(c->cap - c->len);
    }
    if (take == 0) {
        return false;
    }
    if (c->limit && c->len + take > c->cap) {
        size_t drop = c->len + take - c->cap;

        memmove(c->buf, c->buf + drop, c->len - drop);
        c->len -= drop;
    }
    for (uint32_t i = 0; i < take; i++) {
        c->buf[c->len++] = c->page[CONS_OUT + ((cons + i) % CONS_OUT_SIZE)];
    }
    idx_store(c->page, CONS_OUT_CONS, cons + take);
    if (c->limit && c->len > c->limit) {
        size_t drop = c->len - c->limit;

        memmove(c->buf, c->buf + drop, c->limit);
        c->len = c->limit;
    }
    return true;
}

size_t pvcons_input_room(const struct pvcons *c)
{
    uint32_t used;

    if (c == NULL || c->page == NULL || c->broken) {
        return 0;
    }
    used = idx_load(c->page, CONS_IN_PROD) - idx_load(c->page, CONS_IN_CONS);
    return used >= CONS_IN_SIZE ? 0 : CONS_IN_SIZE - used;
}

size_t pvcons_input(struct pvcons *c, const void *buf, size_t len)
{
    size_t room = pvcons_input_room(c), n = len < room ? len : room;
    uint32_t prod;

    if (n == 0) {
        return 0;
    }
    prod = idx_load(c->page, CONS_IN_PROD);
    for (size_t i = 0; i < n; i++) {
        c->page[CONS_IN + ((prod + i) % CONS_IN_SIZE)] =
            ((const uint8_t *)buf)[i];
    }
    idx_store(c->page, CONS_IN_PROD, prod + (uint32_t)n);
    xenbus_notify(c->dev, (uint32_t)c->evtchn);
    return n;
}

void pvcons_output_ready(struct pvcons *c)
{
    if (c->page == NULL || c->broken) {
        return;
    }
    cons_flush(c);
    if (cons_drain(c)) {
        xenbus_notify(c->dev, (uint32_t)c->evtchn);
        cons_flush(c);
    }
}

static void cons_event(struct xenbus_dev *dev, uint32_t port)
{
    struct pvcons *c = xenbus_priv(dev);

    if (c == NULL || c->page == NULL || c->broken) {
        return;
    }
    pvcons_output_ready(c);
    if (c->bound && c->port.ops->input_ready && pvcons_input_room(c) > 0) {
        c->port.ops->input_ready(c->port.chr);
    }
}

static void cons_bind_output(struct pvcons *c)
{
    struct pv_env *env = xenbus_env(c->dev);
    char *out = xenbus_read_fe(c->dev, "output");
    char tty[64];
    bool known = false;

    if (out && strncmp(out, "chardev:", 8) == 0 &&
        strlen(out + 8) < sizeof(c->chardev_id)) {
        snprintf(c->chardev_id, sizeof(c->chardev_id), "%s", out + 8);
        known = true;
    } else if (out && strcmp(out, "pty") == 0 && env &&
               env->chardev_new_pty) {
        /* QEMU's label for a console's own chardev. */
        snprintf(c->chardev_id, sizeof(c->chardev_id), "xencons%u",
                 xenbus_devid(c->dev));
        known = env->chardev_new_pty(env->ctx, c->chardev_id, tty,
                                     sizeof(tty)) == 0;
        if (known && xenbus_write_fe(c->dev, "tty", tty) < 0) {
            log_warnx("%s: cannot publish tty %s", xenbus_name(c->dev),
                      tty);
        }
    }
    if (known) {
        c->bound = env && env->chardev_bind &&
                   env->chardev_bind(env->ctx, c->chardev_id, c,
                                     &c->port) == 0;
    }
    if (!c->bound) {
        log_warnx("%s: output '%s' is not a known chardev; output dropped",
                  xenbus_name(c->dev), out ? out : "(none)");
    }
    free(out);
}

static int cons_init(struct xenbus_dev *dev)
{
    char *type = xenbus_read_fe(dev, "type");
    const char *lim = getenv("XEN_QEMU_CONSOLE_LIMIT");
    bool mine = type && strcmp(type, "ioemu") == 0;
    struct pvcons *c;

    free(type);
    if (!mine) {
        return XENBUS_NOT_MINE;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return -ENOMEM;
    }
    c->dev = dev;
    c->evtchn = -1;
    c->rl = (struct ratelimit)RATELIMIT_INIT(1000, 5);
    c->limit = lim ? strtoul(lim, NULL, 10) : 0;
    if (c->limit > (64u << 20)) {
        c->limit = 64u << 20;
    }
    c->cap = c->limit ? c->limit + CONS_OUT_SIZE : CONS_DEFAULT_BUF;
    c->buf = malloc(c->cap);
    xenbus_set_priv(dev, c);
    if (c->buf == NULL) {
        return -ENOMEM;
    }
    cons_bind_output(c);
    return 0;
}

static int cons_connect(struct xenbus_dev *dev)
{
    struct pvcons *c = xenbus_priv(dev);
    struct pv_grants *g = xenbus_grants(dev);
    uint64_t ref, port;
    uint32_t r;

    if (xenbus_read_fe_uint(dev, "ring-ref", UINT32_MAX, &ref) < 0 ||
        xenbus_read_fe_uint(dev, "port", UINT32_MAX, &port) < 0) {
        char *rs = xenbus_read_fe(dev, "ring-ref");
        char *ps = xenbus_read_fe(dev, "port");

        log_warnx("%s: frontend ring-ref '%s' port '%s' unusable",
                  xenbus_name(dev), rs ? rs : "(none)", ps ? ps : "(none)");
        free(rs);
        free(ps);
        return -EINVAL;
    }
    r = (uint32_t)ref;
    c->page = g->ops->map(g->ctx, xenbus_domid(dev), 1, &r,
                          HV_PROT_READ | HV_PROT_WRITE);
    if (c->page == NULL) {
        return -EFAULT;
    }
    c->broken = false;
    c->evtchn = xenbus_bind(dev, (uint32_t)port);
    if (c->evtchn < 0) {
        return c->evtchn;
    }
    cons_event(dev, (uint32_t)c->evtchn);
    return 0;
}

static void cons_disconnect(struct xenbus_dev *dev)
{
    struct pvcons *c = xenbus_priv(dev);
    struct pv_grants *g = xenbus_grants(dev);

    if (c == NULL) {
        return;
    }
    if (c->evtchn >= 0) {
        xenbus_unbind(dev, (uint32_t)c->evtchn);
        c->evtchn = -1;
    }
    if (c->page) {
        g->ops->unmap(g->ctx, c->page, 1);
        c->page = NULL;
    }
}

static void cons_free(struct xenbus_dev *dev)
{
    struct pvcons *c = xenbus_priv(dev);
    struct pv_env *env = xenbus_env(dev);

    if (c == NULL) {
        return;
    }
    cons_disconnect(dev);
    if (c->bound && env && env->chardev_unbind) {
        env->chardev_unbind(env->ctx, c->chardev_id, c);
    }
    free(c->buf);
    free(c);
    xenbus_set_priv(dev, NULL);
}

const struct xenbus_ops pvcons_ops = {
    .init = cons_init,
    .connect = cons_connect,
    .disconnect = cons_disconnect,
    .free = cons_free,
    .event = cons_event,
};
