/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PV backend framework.  See xenbus.h.
 *
 * Theory of operation.  xenbus_start watches backend/<type>/<domid>
 * (token "be/<type>") for each served type, never the whole backend
 * tree.  Any event under it re-enumerates that type: a new <devid>
 * whose online = 1 and state = 1 becomes a device (type init, then
 * hotplug-status = connected and state InitWait); a known device whose
 * online turned 0 is torn down.  Each device watches its frontend's
 * state (token "fe/<type>/<devid>"):
 *   frontend Initialised/Connected, we InitWait   -> connect -> Connected
 *   frontend Closing                              -> disconnect -> Closing
 *   frontend Closed / Unknown / node gone         -> disconnect -> Closed;
 *                                                    gone if online = 0
 *   frontend Initialising/InitWait, we Closed     -> InitWait again
 * (the last is the reconnect after a restore: PV backends carry no
 * saved state; the new frontend starts from Initialising.)
 * A failed connect leaves the device Closing with a logged reason.
 *
 * Event channels: one table port -> device.  Every delivery counts
 * against the port's allowance for its current 10 ms period; past it
 * the port stays masked until the period ends, when a timer serves
 * what queued up and unmasks it.  So a frontend that floods events
 * gets at most `allowance` wake-ups per period (100 000 a second by
 * default: above what event suppression lets an honest blkfront send,
 * about a fifth of a core for a flood) while the others are served
 * (xenconsoled's scheme, with a shorter period so a throttled disk
 * waits at most 10 ms).  The timer is armed only while a port is
 * throttled: an idle bus never wakes up.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pv/xenbus.h"
#include "src/log.h"
#include "src/loop.h"

#define XB_PATH 256
#define XB_PERIOD_NS (10ull * 1000 * 1000)
#define XB_MAX_PORTS 65536

struct xenbus_dev {
    struct xenbus *bus;
    const struct xenbus_type *type;
    uint32_t devid;
    char name[48];
    char be[XB_PATH];
    char fe[XB_PATH];
    char fe_token[80];
    enum xenbus_state be_state;
    bool connected;
    bool ignored;          /* not ours: never touched */
    void *priv;
    struct xenbus_dev *next;
};

struct port_slot {
    struct xenbus_dev *dev;
    uint64_t start;        /* this port's current period began */
    uint32_t count;        /* deliveries in it */
    bool throttled;        /* left masked until the period ends */
};

struct xenbus {
    struct xenbus_cfg cfg;
    struct xenbus_dev *devs;
    struct port_slot *ports;
    uint32_t nports;
    struct loop_timer *period;   /* armed only while a port is throttled */
    bool period_armed;
    struct ratelimit rl;
    bool started;
};

/* ---- host wrappers ---- */

static char *bus_read(struct xenbus *bus, const char *path)
{
    char *v = NULL;

    if (bus->cfg.host->read(bus->cfg.host_ctx, path, &v) < 0) {
        return NULL;
    }
    return v;
}

static int bus_write(struct xenbus *bus, const char *path, const char *v)
{
    return bus->cfg.host->write(bus->cfg.host_ctx, path, v);
}

/* Strict decimal: digits only, no sign, no overflow past max. */
static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (s == NULL) {
        return -ENOENT;
    }
    if (*s == '\0' || strlen(s) > 20) {
        return -EINVAL;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return -EINVAL;
        }
        if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10) {
            return -EINVAL;
        }
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (v > max) {
        return -EINVAL;
    }
    *out = v;
    return 0;
}

static int read_path_uint(struct xenbus *bus, const char *path, uint64_t max,
                          uint64_t *out)
{
    char *v = bus_read(bus, path);
    int rc = parse_uint(v, max, out);

    free(v);
    return rc;
}

/* ---- device helpers for types ---- */

struct loop *xenbus_loop(struct xenbus_dev *dev)
{
    return dev->bus->cfg.loop;
}

struct pv_grants *xenbus_grants(struct xenbus_dev *dev)
{
    return &dev->bus->cfg.grants;
}

uint32_t xenbus_domid(const struct xenbus_dev *dev)
{
    return dev->bus->cfg.domid;
}

uint32_t xenbus_devid(const struct xenbus_dev *dev)
{
    return dev->devid;
}

const char *xenbus_name(const struct xenbus_dev *dev)
{
    return dev->name;
}

void *xenbus_priv(struct xenbus_dev *dev)
{
    return dev->priv;
}

void *xenbus_env(struct xenbus_dev *dev)
{
    return dev->bus->cfg.env;
}

void xenbus_set_priv(struct xenbus_dev *dev, void *priv)
{
    dev->priv = priv;
}

enum xenbus_state xenbus_be_state(const struct xenbus_dev *dev)
{
    return dev->be_state;
}

static char *read_under(struct xenbus_dev *dev, const char *dir,
                        const char *key)
{
    char path[XB_PATH + 64];

    if (snprintf(path, sizeof(path), "%s/%s", dir, key) >= (int)sizeof(path)) {
        return NULL;
    }
    return bus_read(dev->bus, path);
}

char *xenbus_read_be(struct xenbus_dev *dev, const char *key)
{
    return read_under(dev, dev->be, key);
}

char *xenbus_read_fe(struct xenbus_dev *dev, const char *key)
{
    return dev->fe[0] ? read_under(dev, dev->fe, key) : NULL;
}

int xenbus_read_fe_uint(struct xenbus_dev *dev, const char *key, uint64_t max,
                        uint64_t *out)
{
    char *v = xenbus_read_fe(dev, key);
    int rc = parse_uint(v, max, out);

    free(v);
    return rc;
}

int xenbus_write_be(struct xenbus_dev *dev, const char *key, const char *val)
{
    char path[XB_PATH + 64];

    if (snprintf(path, sizeof(path), "%s/%s", dev->be, key) >=
        (int)sizeof(path)) {
        return -ENAMETOOLONG;
    }
    return bus_write(dev->bus, path, val);
}

int xenbus_write_fe(struct xenbus_dev *dev, const char *key, const char *val)
{
    char path[XB_PATH + 64];

    if (dev->fe[0] == '\0') {
        return -ENOENT;
    }
    if (snprintf(path, sizeof(path), "%s/%s", dev->fe, key) >=
        (int)sizeof(path)) {
        return -ENAMETOOLONG;
    }
    return bus_write(dev->bus, path, val);
}

int xenbus_printf_be(struct xenbus_dev *dev, const char *key,
                     const char *fmt, ...)
{
    char val[128];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    return xenbus_write_be(dev, key, val);
}

/* ---- event channels ---- */

int xenbus_bind(struct xenbus_dev *dev, uint32_t remote_port)
{
    struct xenbus *bus = dev->bus;
    int port = bus->cfg.host->evtchn_bind(bus->cfg.host_ctx, bus->cfg.domid,
                                          remote_port);

    if (port < 0) {
        return port;
    }
    if ((uint32_t)port >= XB_MAX_PORTS) {
        bus->cfg.host->evtchn_unbind(bus->cfg.host_ctx, (uint32_t)port);
        return -ERANGE;
    }
    if ((uint32_t)port >= bus->nports) {
        uint32_t n = (uint32_t)port + 64;
        struct port_slot *p = realloc(bus->ports, n * sizeof(*p));

        if (p == NULL) {
            bus->cfg.host->evtchn_unbind(bus->cfg.host_ctx, (uint32_t)port);
            return -ENOMEM;
        }
        memset(p + bus->nports, 0, (n - bus->nports) * sizeof(*p));
        bus->ports = p;
        bus->nports = n;
    }
    bus->ports[port] = (struct port_slot){.dev = dev};
    return port;
}

void xenbus_unbind(struct xenbus_dev *dev, uint32_t port)
{
    struct xenbus *bus = dev->bus;

    if (port < bus->nports && bus->ports[port].dev == dev) {
        bus->ports[port] = (struct port_slot){0};
        bus->cfg.host->evtchn_unbind(bus->cfg.host_ctx, port);
    }
}

void xenbus_notify(struct xenbus_dev *dev, uint32_t port)
{
    dev->bus->cfg.host->evtchn_notify(dev->bus->cfg.host_ctx, port);
}

static int64_t bus_period(struct loop *loop, void *opaque);

static void bus_arm(struct xenbus *bus, uint64_t deadline)
{
    if (bus->period_armed) {
        return;
    }
    if (bus->period == NULL) {
        bus->period = loop_timer_add(bus->cfg.loop, XB_PERIOD_NS, bus_period,
                                     bus);
    } else {
        loop_timer_mod(bus->cfg.loop, bus->period, deadline);
    }
    bus->period_armed = bus->period != NULL;
}

void xenbus_evtchn_fired(struct xenbus *bus, uint32_t port)
{
    struct xenbus_dev *dev;
    struct port_slot *s;
    uint64_t now = loop_now_ns();

    if (port >= bus->nports || bus->ports[port].dev == NULL) {
        /* Unbound meanwhile: leave it masked. */
        return;
    }
    dev = bus->ports[port].dev;
    dev->type->ops->event(dev, port);
    /* The handler may have unbound the port or grown the table. */
    if (port >= bus->nports || bus->ports[port].dev != dev) {
        return;
    }
    s = &bus->ports[port];
    if (now - s->start >= XB_PERIOD_NS) {
        s->start = now;
        s->count = 0;
    }
    if (++s->count >= bus->cfg.evtchn_allowance) {
        log_ratelimited(&bus->rl, "%s: event flood on port %u, throttled",
                        s->dev->name, port);
        s->throttled = true;
        bus_arm(bus, s->start + XB_PERIOD_NS);
        return;
    }
    bus->cfg.host->evtchn_unmask(bus->cfg.host_ctx, port);
}

/*
 * Serves and unmasks every throttled port whose period is over; runs
 * again while some port is still inside its period.
 */
static int64_t bus_period(struct loop *loop, void *opaque)
{
    struct xenbus *bus = opaque;
    uint64_t now = loop_now_ns(), next = 0;

    for (uint32_t p = 0; p < bus->nports; p++) {
        struct port_slot *s = &bus->ports[p];
        struct xenbus_dev *dev = s->dev;

        if (!s->throttled || dev == NULL) {
            continue;
        }
        if (now - s->start < XB_PERIOD_NS) {
            uint64_t left = s->start + XB_PERIOD_NS - now;

            next = next == 0 || left < next ? left : next;
            continue;
        }
        s->throttled = false;
        s->start = now;
        s->count = 0;
        /* Serve what queued up while masked, then unmask. */
        dev->type->ops->event(dev, p);
        if (p < bus->nports && bus->ports[p].dev == dev) {
            bus->cfg.host->evtchn_unmask(bus->cfg.host_ctx, p);
        }
    }
    bus->period_armed = next != 0;
    return next != 0 ? (int64_t)next : -1;
}

/* ---- state machine ---- */

static void dev_set_state(struct xenbus_dev *dev, enum xenbus_state st)
{
    if (dev->be_state != st) {
        dev->be_state = st;
        xenbus_printf_be(dev, "state", "%d", (int)st);
    }
}

static void dev_disconnect(struct xenbus_dev *dev)
{
    if (dev->connected) {
        dev->connected = false;
        if (dev->type->ops->disconnect) {
            dev->type->ops->disconnect(dev);
        }
    }
}

static void dev_connect(struct xenbus_dev *dev)
{
    int rc = dev->type->ops->connect ? dev->type->ops->connect(dev) : 0;

    if (rc < 0) {
        log_warnx("%s: cannot connect to the frontend: %s", dev->name,
                  strerror(-rc));
        if (dev->type->ops->disconnect) {
            dev->type->ops->disconnect(dev);
        }
        dev_set_state(dev, XB_CLOSING);
        return;
    }
    dev->connected = true;
    log_debug("%s: connected", dev->name);
    dev_set_state(dev, XB_CONNECTED);
}

static void dev_frontend_changed(struct xenbus_dev *dev)
{
    char path[XB_PATH + 16];
    uint64_t st = XB_UNKNOWN;

    snprintf(path, sizeof(path), "%s/state", dev->fe);
    if (read_path_uint(dev->bus, path, XB_CLOSED, &st) < 0) {
        st = XB_UNKNOWN;
    }
    log_debug("%s: frontend state %u, backend state %d", dev->name,
              (unsigned)st, (int)dev->be_state);
    switch ((enum xenbus_state)st) {
    case XB_INITIALISING:
    case XB_INITWAIT:
        if (dev->be_state == XB_CLOSED || dev->be_state == XB_CLOSING) {
            dev_disconnect(dev);
            dev_set_state(dev, XB_INITWAIT);
        }
        break;
    case XB_INITIALISED:
    case XB_CONNECTED:
        if (dev->be_state == XB_INITWAIT) {
            dev_connect(dev);
        }
        break;
    case XB_CLOSING:
        dev_disconnect(dev);
        dev_set_state(dev, XB_CLOSING);
        break;
    case XB_CLOSED:
    case XB_UNKNOWN:
        dev_disconnect(dev);
        if (dev->be_state != XB_INITWAIT) {
            dev_set_state(dev, XB_CLOSED);
        }
        break;
    }
}

static void dev_free(struct xenbus_dev *dev)
{
    struct xenbus *bus = dev->bus;
    struct xenbus_dev **pp;

    dev_disconnect(dev);
    if (dev->fe_token[0]) {
        char path[XB_PATH + 16];

        snprintf(path, sizeof(path), "%s/state", dev->fe);
        bus->cfg.host->unwatch(bus->cfg.host_ctx, path, dev->fe_token);
    }
    if (dev->type->ops->free) {
        dev->type->ops->free(dev);
    }
    for (uint32_t p = 0; p < bus->nports; p++) {
        if (bus->ports[p].dev == dev) {
            xenbus_unbind(dev, p);
        }
    }
    for (pp = &bus->devs; *pp; pp = &(*pp)->next) {
        if (*pp == dev) {
            *pp = dev->next;
            break;
        }
    }
    free(dev);
}

static struct xenbus_dev *dev_find(struct xenbus *bus,
                                   const struct xenbus_type *t,
                                   uint32_t devid)
{
    for (struct xenbus_dev *d = bus->devs; d; d = d->next) {
        if (d->type == t && d->devid == devid) {
            return d;
        }
    }
    return NULL;
}

static void dev_create(struct xenbus *bus, const struct xenbus_type *t,
                       uint32_t devid, const char *be)
{
    struct xenbus_dev *dev = calloc(1, sizeof(*dev));
    char *fe;
    char path[XB_PATH + 16];
    int rc;

    if (dev == NULL) {
        return;
    }
    dev->bus = bus;
    dev->type = t;
    dev->devid = devid;
    dev->be_state = XB_INITIALISING;
    snprintf(dev->name, sizeof(dev->name), "%s-%u/%u", t->name,
             bus->cfg.domid, devid);
    snprintf(dev->be, sizeof(dev->be), "%s", be);
    fe = xenbus_read_be(dev, "frontend");
    if (fe == NULL || strlen(fe) >= sizeof(dev->fe) || fe[0] != '/') {
        log_warnx("%s: no usable frontend path", dev->name);
        free(fe);
        free(dev);
        return;
    }
    snprintf(dev->fe, sizeof(dev->fe), "%s", fe);
    free(fe);
    dev->next = bus->devs;
    bus->devs = dev;
    rc = t->ops->init ? t->ops->init(dev) : 0;
    if (rc == XENBUS_NOT_MINE) {
        dev->ignored = true;
        return;
    }
    if (rc < 0) {
        log_warnx("%s: cannot create the backend: %s", dev->name,
                  strerror(-rc));
        xenbus_write_be(dev, "hotplug-error", strerror(-rc));
        dev_set_state(dev, XB_CLOSED);
        dev->fe_token[0] = '\0';
        bus->devs = dev->next;
        if (t->ops->free) {
            t->ops->free(dev);
        }
        free(dev);
        return;
    }
    xenbus_write_be(dev, "hotplug-status", "connected");
    dev_set_state(dev, XB_INITWAIT);
    snprintf(dev->fe_token, sizeof(dev->fe_token), "fe/%s/%u", t->name,
             devid);
    snprintf(path, sizeof(path), "%s/state", dev->fe);
    bus->cfg.host->watch(bus->cfg.host_ctx, path, dev->fe_token);
    log_info("%s: backend created for %s", dev->name, dev->fe);
}

static void type_enumerate(struct xenbus *bus, const struct xenbus_type *t)
{
    char dir[XB_PATH / 2], be[XB_PATH], path[XB_PATH + 32];
    char **names = NULL;
    unsigned n = 0;
    struct xenbus_dev *d, *next;
    uint64_t online, state, devid;

    snprintf(dir, sizeof(dir), "/local/domain/%u/backend/%s/%u",
             bus->cfg.be_domid, t->name, bus->cfg.domid);
    if (bus->cfg.host->directory(bus->cfg.host_ctx, dir, &names, &n) < 0) {
        n = 0;
    }
    for (unsigned i = 0; i < n; i++) {
        if (parse_uint(names[i], UINT32_MAX, &devid) == 0 &&
            dev_find(bus, t, (uint32_t)devid) == NULL) {
            snprintf(be, sizeof(be), "%s/%s", dir, names[i]);
            snprintf(path, sizeof(path), "%s/online", be);
            if (read_path_uint(bus, path, 1, &online) < 0) {
                online = 0;
            }
            snprintf(path, sizeof(path), "%s/state", be);
            if (read_path_uint(bus, path, XB_CLOSED, &state) < 0) {
                state = 0;
            }
            if (online == 1 && state == XB_INITIALISING) {
                dev_create(bus, t, (uint32_t)devid, be);
            }
        }
        free(names[i]);
    }
    free(names);
    /* Devices switched offline or removed. */
    for (d = bus->devs; d; d = next) {
        next = d->next;
        if (d->type != t) {
            continue;
        }
        if (d->ignored) {
            continue;
        }
        snprintf(path, sizeof(path), "%s/online", d->be);
        if (read_path_uint(bus, path, 1, &online) < 0 || online == 0) {
            if (d->be_state == XB_CLOSED || d->be_state == XB_INITWAIT ||
                !d->connected) {
                dev_set_state(d, XB_CLOSED);
                dev_free(d);
            } else {
                dev_disconnect(d);
                dev_set_state(d, XB_CLOSING);
            }
        }
    }
}

void xenbus_watch_fired(struct xenbus *bus, const char *path,
                        const char *token)
{
    for (size_t i = 0; i < bus->cfg.ntypes; i++) {
        const struct xenbus_type *t = &bus->cfg.types[i];
        size_t ln = strlen(t->name);

        if (strncmp(token, "be/", 3) == 0 && strcmp(token + 3, t->name) == 0) {
            type_enumerate(bus, t);
            return;
        }
        if (strncmp(token, "fe/", 3) == 0 &&
            strncmp(token + 3, t->name, ln) == 0 && token[3 + ln] == '/') {
            uint64_t devid;
            struct xenbus_dev *d;

            if (parse_uint(token + 4 + ln, UINT32_MAX, &devid) == 0 &&
                (d = dev_find(bus, t, (uint32_t)devid)) != NULL) {
                dev_frontend_changed(d);
                /* Frontend closed and toolstack already set online=0. */
                if (d->be_state == XB_CLOSED) {
                    type_enumerate(bus, t);
                }
            }
            return;
        }
    }
}

void xenbus_foreach(struct xenbus *bus, const char *type,
                    void (*fn)(struct xenbus_dev *dev, void *opaque),
                    void *opaque)
{
    for (struct xenbus_dev *d = bus->devs; d; d = d->next) {
        if (!d->ignored && (type == NULL || strcmp(d->type->name, type) == 0)) {
            fn(d, opaque);
        }
    }
}

/* ---- bus ---- */

struct xenbus *xenbus_new(const struct xenbus_cfg *cfg)
{
    struct xenbus *bus = calloc(1, sizeof(*bus));

    if (bus == NULL) {
        return NULL;
    }
    bus->cfg = *cfg;
    if (bus->cfg.evtchn_allowance == 0) {
        bus->cfg.evtchn_allowance = 1000;
    }
    bus->rl = (struct ratelimit)RATELIMIT_INIT(1000, 5);
    return bus;
}

int xenbus_start(struct xenbus *bus)
{
    char path[XB_PATH];
    char token[64];
    int rc;

    for (size_t i = 0; i < bus->cfg.ntypes; i++) {
        const char *name = bus->cfg.types[i].name;

        if (!bus->cfg.advertised) {
            snprintf(path, sizeof(path),
                     "/local/domain/%u/device-model/%u/backends/%s",
                     bus->cfg.be_domid, bus->cfg.domid, name);
            rc = bus_write(bus, path, "");
            if (rc < 0) {
                return rc;
            }
        }
        snprintf(path, sizeof(path), "/local/domain/%u/backend/%s/%u",
                 bus->cfg.be_domid, name, bus->cfg.domid);
        snprintf(token, sizeof(token), "be/%s", name);
        rc = bus->cfg.host->watch(bus->cfg.host_ctx, path, token);
        if (rc < 0) {
            return rc;
        }
    }
    bus->started = true;
    return 0;
}

void xenbus_free(struct xenbus *bus)
{
    if (bus == NULL) {
        return;
    }
    while (bus->devs) {
        dev_free(bus->devs);
    }
    if (bus->period) {
        loop_timer_del(bus->cfg.loop, bus->period);
    }
    free(bus->ports);
    free(bus);
}
