/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vkbd backend.  See vkbd.h.
 *
 * Keys written: feature-abs-pointer = 1, feature-raw-pointer = 1.
 * Frontend keys read (hostile): page-gref (grant reference of the
 * shared page), event-channel, request-abs-pointer.  The legacy
 * `page-ref` (a frame number needing a foreign mapping) is not used:
 * every current frontend also writes page-gref.
 *
 * Theory of operation.  The shared page starts with in_cons, in_prod,
 * out_cons, out_prod; the "in" ring (backend -> frontend) is 2048
 * bytes at offset 1024 holding 40-byte events, 51 of them, indexed
 * modulo 51 (not a power of two).  To send, we read in_cons once and
 * refuse if in_prod - in_cons already says full or impossible (a
 * hostile frontend cannot make us write outside the ring: the slot is
 * always prod % 51).  Events are built in a local 40-byte buffer and
 * copied in, then in_prod is published and the frontend notified.
 * The "out" ring (frontend -> backend, LED state) is drained and
 * ignored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pv/vkbd.h"
#include "src/log.h"

#define KBD_IN_CONS 0
#define KBD_IN_PROD 4
#define KBD_OUT_CONS 8
#define KBD_OUT_PROD 12
#define KBD_IN_OFFS 1024
#define KBD_EVENT 40
#define KBD_IN_LEN (2048 / KBD_EVENT)

#define KBD_TYPE_MOTION 1
#define KBD_TYPE_KEY 3
#define KBD_TYPE_POS 4

struct vkbd {
    struct xenbus_dev *dev;
    uint8_t *page;
    int evtchn;
    bool abs;
};

static uint32_t kbd_load(const uint8_t *p, size_t off)
{
    return __atomic_load_n((const uint32_t *)(p + off), __ATOMIC_ACQUIRE);
}

static void kbd_store(uint8_t *p, size_t off, uint32_t v)
{
    __atomic_store_n((uint32_t *)(p + off), v, __ATOMIC_RELEASE);
}

static bool kbd_put(struct vkbd *k, const uint8_t ev[KBD_EVENT])
{
    uint32_t cons, prod;

    if (k->page == NULL) {
        return false;
    }
    cons = kbd_load(k->page, KBD_IN_CONS);
    prod = kbd_load(k->page, KBD_IN_PROD);
    if (prod - cons >= KBD_IN_LEN) {
        return false; /* full, or indices the frontend scrambled */
    }
    memcpy(k->page + KBD_IN_OFFS + (size_t)(prod % KBD_IN_LEN) * KBD_EVENT,
           ev, KBD_EVENT);
    kbd_store(k->page, KBD_IN_PROD, prod + 1);
    xenbus_notify(k->dev, (uint32_t)k->evtchn);
    return true;
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

struct kbd_send {
    uint8_t ev[KBD_EVENT];
    bool need_abs;
    int sent;
};

static void kbd_send_one(struct xenbus_dev *dev, void *opaque)
{
    struct vkbd *k = xenbus_priv(dev);
    struct kbd_send *s = opaque;

    if (k && (!s->need_abs || k->abs) && kbd_put(k, s->ev)) {
        s->sent++;
    }
}

int vkbd_send_key(struct xenbus *bus, uint32_t keycode, bool pressed)
{
    struct kbd_send s = {{0}};

    s.ev[0] = KBD_TYPE_KEY;
    s.ev[1] = pressed;
    put32(s.ev + 4, keycode);
    xenbus_foreach(bus, "vkbd", kbd_send_one, &s);
    return s.sent;
}

int vkbd_send_motion(struct xenbus *bus, int32_t dx, int32_t dy, int32_t dz)
{
    struct kbd_send s = {{0}};

    s.ev[0] = KBD_TYPE_MOTION;
    put32(s.ev + 4, (uint32_t)dx);
    put32(s.ev + 8, (uint32_t)dy);
    put32(s.ev + 12, (uint32_t)dz);
    xenbus_foreach(bus, "vkbd", kbd_send_one, &s);
    return s.sent;
}

int vkbd_send_position(struct xenbus *bus, int32_t x, int32_t y, int32_t dz)
{
    struct kbd_send s = {{0}};

    s.ev[0] = KBD_TYPE_POS;
    put32(s.ev + 4, (uint32_t)x);
    put32(s.ev + 8, (uint32_t)y);
    put32(s.ev + 12, (uint32_t)dz);
    s.need_abs = true;
    xenbus_foreach(bus, "vkbd", kbd_send_one, &s);
    return s.sent;
}

static int kbd_init(struct xenbus_dev *dev)
{
    struct vkbd *k = calloc(1, sizeof(*k));

    if (k == NULL) {
        return -ENOMEM;
    }
    k->dev = dev;
    k->evtchn = -1;
    xenbus_set_priv(dev, k);
    xenbus_write_be(dev, "feature-abs-pointer", "1");
    xenbus_write_be(dev, "feature-raw-pointer", "1");
    return 0;
}

static int kbd_connect(struct xenbus_dev *dev)
{
    struct vkbd *k = xenbus_priv(dev);
    struct pv_grants *g = xenbus_grants(dev);
    uint64_t ref, port, abs = 0;
    uint32_t r;

    if (xenbus_read_fe_uint(dev, "page-gref", UINT32_MAX, &ref) < 0 ||
        xenbus_read_fe_uint(dev, "event-channel", UINT32_MAX, &port) < 0) {
        return -EINVAL;
    }
    if (xenbus_read_fe_uint(dev, "request-abs-pointer", 1, &abs) < 0) {
        abs = 0;
    }
    k->abs = abs == 1;
    r = (uint32_t)ref;
    k->page = g->ops->map(g->ctx, xenbus_domid(dev), 1, &r,
                          HV_PROT_READ | HV_PROT_WRITE);
    if (k->page == NULL) {
        return -EFAULT;
    }
    k->evtchn = xenbus_bind(dev, (uint32_t)port);
    return k->evtchn < 0 ? k->evtchn : 0;
}

static void kbd_disconnect(struct xenbus_dev *dev)
{
    struct vkbd *k = xenbus_priv(dev);
    struct pv_grants *g = xenbus_grants(dev);

    if (k == NULL) {
        return;
    }
    if (k->evtchn >= 0) {
        xenbus_unbind(dev, (uint32_t)k->evtchn);
        k->evtchn = -1;
    }
    if (k->page) {
        g->ops->unmap(g->ctx, k->page, 1);
        k->page = NULL;
    }
}

static void kbd_free(struct xenbus_dev *dev)
{
    struct vkbd *k = xenbus_priv(dev);

    if (k) {
        kbd_disconnect(dev);
        free(k);
        xenbus_set_priv(dev, NULL);
    }
}

/* LED updates from the frontend: consume and ignore. */
static void kbd_event(struct xenbus_dev *dev, uint32_t port)
{
    struct vkbd *k = xenbus_priv(dev);

    if (k && k->page) {
        kbd_store(k->page, KBD_OUT_CONS, kbd_load(k->page, KBD_OUT_PROD));
    }
}

const struct xenbus_ops vkbd_ops = {
    .init = kbd_init,
    .connect = kbd_connect,
    .disconnect = kbd_disconnect,
    .free = kbd_free,
    .event = kbd_event,
};
