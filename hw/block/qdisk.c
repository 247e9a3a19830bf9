/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The qdisk backend: a xenbus type that serves blkif frontends from a
 * raw image file, with hw/block/blkback.c doing the requests.
 *
 * Keys read (backend dir, toolstack-written): params ("[format:]path",
 * where format aio/raw/file means raw), format, mode (r|w),
 * device-type, discard-enable, direct-io-safe (1: O_DIRECT).
 * Keys written: sectors, sector-size, physical-sector-size, info,
 * feature-flush-cache, feature-discard, discard-granularity,
 * discard-alignment, feature-persistent, feature-max-indirect-segments,
 * max-ring-page-order, multi-queue-max-queues.
 * Frontend keys read (guest-written, hostile): protocol,
 * ring-page-order, multi-queue-num-queues, ring-ref / ring-refN,
 * event-channel (per queue under queue-N/ with several queues),
 * feature-persistent.
 * Anything but raw is refused at init with a clear hotplug-error.
 * The shared ring is mapped through the grant provider; data moves by
 * grant copy when the provider supports it, by mapping otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/block/blkback.h"
#include "hw/block/qdisk.h"
#include "hw/pv/xenbus.h"
#include "qapi/json.h"
#include "src/log.h"

#define QDISK_MAX_QUEUES 4

struct qdisk_queue {
    struct qdisk *qd;
    struct blkback_queue *bq;
    void *ring;
    uint32_t ring_pages;
    int port;
};

/*
 * A queue disconnected while requests were still in flight: it keeps
 * its ring mapped until they complete, apart from the live queue slot,
 * so a frontend that reconnects at once gets fresh queues.
 */
struct qdisk_draining {
    struct qdisk *qd;
    struct blkback_queue *bq;
    void *ring;
    uint32_t ring_pages;
    struct qdisk_draining *next;
};

struct qdisk {
    struct xenbus_dev *dev;
    struct qdisk_draining *draining;
    struct blkback_disk disk;
    char *path;
    char *vdev;
    bool read_only;
    bool direct;
    uint32_t nqueues;
    struct qdisk_queue queues[QDISK_MAX_QUEUES];
};

/* "aio:/img", "raw:/img", "/img"; with `format` taking precedence. */
static int qdisk_parse_params(const char *params, const char *format,
                              char **path)
{
    static const char *const raw_names[] = {"raw", "aio", "file", NULL};
    const char *colon = strchr(params, ':');
    const char *fmt = format;
    const char *p = params;
    bool raw = false;

    if (colon && params[0] != '/') {
        fmt = fmt ? fmt : params;
        p = colon + 1;
        if (format == NULL) {
            /* Only the prefix names the format. */
            char pre[16];
            size_t n = (size_t)(colon - params);

            if (n >= sizeof(pre)) {
                return -EINVAL;
            }
            memcpy(pre, params, n);
            pre[n] = '\0';
            for (int i = 0; raw_names[i]; i++) {
                raw |= strcmp(pre, raw_names[i]) == 0;
            }
            if (!raw) {
                return -EOPNOTSUPP;
            }
        }
    }
    if (fmt && !raw) {
        for (int i = 0; raw_names[i]; i++) {
            raw |= strcmp(fmt, raw_names[i]) == 0;
        }
        if (!raw) {
            return -EOPNOTSUPP;
        }
    }
    if (*p == '\0') {
        return -EINVAL;
    }
    *path = strdup(p);
    return *path ? 0 : -ENOMEM;
}

static int qdisk_open(struct qdisk *qd)
{
    struct stat st;
    uint64_t bytes;
    int flags = (qd->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;

    qd->disk.fd = open(qd->path, flags | (qd->direct ? O_DIRECT : 0));
    if (qd->disk.fd < 0 && qd->direct && errno == EINVAL) {
        log_warnx("%s: %s does not support O_DIRECT; using the page cache",
                  xenbus_name(qd->dev), qd->path);
        qd->direct = false;
        qd->disk.fd = open(qd->path, flags);
    }
    if (qd->disk.fd < 0 || fstat(qd->disk.fd, &st) < 0) {
        return -errno;
    }
    if (S_ISBLK(st.st_mode)) {
        if (ioctl(qd->disk.fd, BLKGETSIZE64, &bytes) < 0) {
            return -errno;
        }
    } else if (S_ISREG(st.st_mode)) {
        bytes = (uint64_t)st.st_size;
    } else {
        return -ENOTBLK;
    }
    qd->disk.lim.sectors = bytes >> BLKIF_SECTOR_SHIFT;
    return 0;
}

static void qdisk_advertise(struct qdisk *qd)
{
    struct xenbus_dev *dev = qd->dev;
    unsigned info = qd->read_only ? VDISK_READONLY : 0;
    char *dt = xenbus_read_be(dev, "device-type");

    if (dt && strcmp(dt, "cdrom") == 0) {
        info |= VDISK_CDROM | VDISK_REMOVABLE;
    }
    free(dt);
    xenbus_printf_be(dev, "info", "%u", info);
    xenbus_write_be(dev, "sector-size", "512");
    xenbus_write_be(dev, "physical-sector-size", "512");
    xenbus_printf_be(dev, "sectors", "%llu",
                     (unsigned long long)qd->disk.lim.sectors);
    xenbus_write_be(dev, "feature-flush-cache", "1");
    xenbus_write_be(dev, "feature-persistent", "1");
    xenbus_printf_be(dev, "feature-max-indirect-segments", "%u",
                     BLKIF_MAX_INDIRECT_SEGS);
    xenbus_printf_be(dev, "max-ring-page-order", "%u", BLKIF_MAX_RING_ORDER);
    xenbus_printf_be(dev, "multi-queue-max-queues", "%u", QDISK_MAX_QUEUES);
    if (qd->disk.lim.discard) {
        xenbus_write_be(dev, "feature-discard", "1");
        xenbus_write_be(dev, "discard-granularity", "512");
        xenbus_write_be(dev, "discard-alignment", "0");
    }
}

static int qdisk_init(struct xenbus_dev *dev)
{
    struct qdisk *qd = calloc(1, sizeof(*qd));
    char *params, *format, *mode, *de, *dio;
    int rc;

    if (qd == NULL) {
        return -ENOMEM;
    }
    qd->dev = dev;
    qd->disk.fd = -1;
    xenbus_set_priv(dev, qd);
    params = xenbus_read_be(dev, "params");
    format = xenbus_read_be(dev, "format");
    mode = xenbus_read_be(dev, "mode");
    de = xenbus_read_be(dev, "discard-enable");
    dio = xenbus_read_be(dev, "direct-io-safe");
    rc = params ? qdisk_parse_params(params, format, &qd->path) : -EINVAL;
    if (rc == -EOPNOTSUPP) {
        log_warnx("%s: image format of '%s' not supported (raw only)",
                  xenbus_name(dev), params);
    }
    qd->read_only = mode == NULL || strcmp(mode, "w") != 0;
    qd->direct = dio && strcmp(dio, "1") == 0;
    qd->disk.lim.discard = !qd->read_only && !(de && strcmp(de, "0") == 0);
    qd->disk.lim.flush = true;
    qd->disk.lim.read_only = qd->read_only;
    qd->disk.lim.max_indirect_segs = BLKIF_MAX_INDIRECT_SEGS;
    free(params);
    free(format);
    free(mode);
    free(de);
    free(dio);
    if (rc == 0) {
        rc = qdisk_open(qd);
    }
    if (rc == 0) {
        qd->disk.eng = ioeng_new(xenbus_loop(dev), IOENG_AUTO, 128);
        rc = qd->disk.eng ? 0 : -errno;
    }
    if (rc < 0) {
        return rc;
    }
    qdisk_advertise(qd);
    return 0;
}

static void qdisk_notify(void *opaque)
{
    struct qdisk_queue *q = opaque;

    xenbus_notify(q->qd->dev, (uint32_t)q->port);
}

static int qdisk_read_queue(struct qdisk *qd, uint32_t i, uint32_t order,
                            uint32_t *refs, uint64_t *evtchn)
{
    char key[64];
    const char *pre = "";
    char prefix[24] = "";
    uint64_t v;

    if (qd->nqueues > 1) {
        snprintf(prefix, sizeof(prefix), "queue-%u/", i);
        pre = prefix;
    }
    for (uint32_t p = 0; p < (1u << order); p++) {
        if (order == 0) {
            snprintf(key, sizeof(key), "%sring-ref", pre);
        } else {
            snprintf(key, sizeof(key), "%sring-ref%u", pre, p);
        }
        if (xenbus_read_fe_uint(qd->dev, key, UINT32_MAX, &v) < 0) {
            return -EINVAL;
        }
        refs[p] = (uint32_t)v;
    }
    snprintf(key, sizeof(key), "%sevent-channel", pre);
    return xenbus_read_fe_uint(qd->dev, key, UINT32_MAX, evtchn) < 0
               ? -EINVAL
               : 0;
}

static int qdisk_connect_queue(struct qdisk *qd, uint32_t i, uint32_t order,
                               enum blkif_proto proto, bool persistent)
{
    struct pv_grants *g = xenbus_grants(qd->dev);
    struct qdisk_queue *q = &qd->queues[i];
    uint32_t refs[1u << BLKIF_MAX_RING_ORDER];
    uint64_t evtchn;
    char name[64];
    int rc = qdisk_read_queue(qd, i, order, refs, &evtchn);

    if (rc < 0) {
        return rc;
    }
    q->qd = qd;
    q->ring_pages = 1u << order;
    q->ring = g->ops->map(g->ctx, xenbus_domid(qd->dev), q->ring_pages, refs,
                          HV_PROT_READ | HV_PROT_WRITE);
    if (q->ring == NULL) {
        return -EFAULT;
    }
    snprintf(name, sizeof(name), "%s/q%u", xenbus_name(qd->dev), i);
    q->bq = blkback_queue_new(&(struct blkback_queue_cfg){
        .disk = &qd->disk,
        .grants = g,
        .domid = xenbus_domid(qd->dev),
        .proto = proto,
        .sring = q->ring,
        .sring_bytes = (size_t)q->ring_pages * 4096,
        /* Persistent mappings cost no hypercall per request (Linux
         * blkback's choice); grant copy otherwise, mapping as a fallback. */
        .use_copy = !persistent && g->ops->copy_supported(g->ctx),
        .persistent = persistent,
        .copy_fallback = g->ops->copy_supported(g->ctx),
        .notify = qdisk_notify,
        .opaque = q,
        .name = name,
    });
    if (q->bq == NULL) {
        return -errno;
    }
    q->port = xenbus_bind(qd->dev, (uint32_t)evtchn);
    return q->port < 0 ? q->port : 0;
}

static int qdisk_connect(struct xenbus_dev *dev)
{
    struct qdisk *qd = xenbus_priv(dev);
    enum blkif_proto proto;
    uint64_t order = 0, nq = 1, pers = 0;
    char *ps = xenbus_read_fe(dev, "protocol");
    int rc = blkif_proto_parse(ps, &proto);

    free(ps);
    if (rc < 0) {
        return rc;
    }
    if (xenbus_read_fe_uint(dev, "ring-page-order", BLKIF_MAX_RING_ORDER,
                            &order) == -EINVAL ||
        xenbus_read_fe_uint(dev, "multi-queue-num-queues", QDISK_MAX_QUEUES,
                            &nq) == -EINVAL ||
        nq == 0) {
        return -EINVAL;
    }
    if (xenbus_read_fe_uint(dev, "feature-persistent", 1, &pers) < 0) {
        pers = 0;
    }
    qd->nqueues = (uint32_t)nq;
    for (uint32_t i = 0; i < qd->nqueues; i++) {
        qd->queues[i].port = -1;
        rc = qdisk_connect_queue(qd, i, (uint32_t)order, proto, pers == 1);
        if (rc < 0) {
            return rc;
        }
    }
    for (uint32_t i = 0; i < qd->nqueues; i++) {
        blkback_queue_kick(qd->queues[i].bq);
    }
    return 0;
}

static void qdisk_queue_release(struct qdisk_queue *q)
{
    struct pv_grants *g = xenbus_grants(q->qd->dev);

    blkback_queue_free(q->bq);
    q->bq = NULL;
    if (q->ring) {
        g->ops->unmap(g->ctx, q->ring, q->ring_pages);
        q->ring = NULL;
    }
}

static void qdisk_drained_free(struct qdisk_draining *dq)
{
    struct pv_grants *g = xenbus_grants(dq->qd->dev);
    struct qdisk_draining **pp;

    for (pp = &dq->qd->draining; *pp; pp = &(*pp)->next) {
        if (*pp == dq) {
            *pp = dq->next;
            break;
        }
    }
    blkback_queue_free(dq->bq);
    g->ops->unmap(g->ctx, dq->ring, dq->ring_pages);
    free(dq);
}

static void qdisk_queue_drained(void *opaque)
{
    qdisk_drained_free(opaque);
}

/* Stops a queue; frees it now or when its last request completes. */
static void qdisk_queue_stop(struct qdisk *qd, struct qdisk_queue *q)
{
    struct qdisk_draining *dq;

    if (q->bq == NULL || blkback_queue_inflight(q->bq) == 0 ||
        (dq = calloc(1, sizeof(*dq))) == NULL) {
        /* Nothing in flight (or no memory: the engine is then drained
         * synchronously by qdisk_free before anything is unmapped). */
        if (q->bq && blkback_queue_inflight(q->bq) > 0) {
            ioeng_free(qd->disk.eng);
            qd->disk.eng = ioeng_new(xenbus_loop(qd->dev), IOENG_AUTO, 128);
        }
        qdisk_queue_release(q);
        return;
    }
    *dq = (struct qdisk_draining){qd, q->bq, q->ring, q->ring_pages,
                                  qd->draining};
    qd->draining = dq;
    q->bq = NULL;
    q->ring = NULL;
    blkback_queue_close(dq->bq, qdisk_queue_drained, dq);
}

static void qdisk_disconnect(struct xenbus_dev *dev)
{
    struct qdisk *qd = xenbus_priv(dev);

    if (qd == NULL) {
        return;
    }
    for (uint32_t i = 0; i < qd->nqueues; i++) {
        struct qdisk_queue *q = &qd->queues[i];

        if (q->port >= 0) {
            xenbus_unbind(dev, (uint32_t)q->port);
            q->port = -1;
        }
        if (q->bq || q->ring) {
            qdisk_queue_stop(qd, q);
        }
    }
    qd->nqueues = 0;
}

static void qdisk_free(struct xenbus_dev *dev)
{
    struct qdisk *qd = xenbus_priv(dev);

    if (qd == NULL) {
        return;
    }
    /* Waits for I/O still in flight (their callbacks are dropped),
     * then nothing refers to the rings any more. */
    ioeng_free(qd->disk.eng);
    qd->disk.eng = NULL;
    while (qd->draining) {
        qdisk_drained_free(qd->draining);
    }
    for (uint32_t i = 0; i < qd->nqueues; i++) {
        if (qd->queues[i].bq || qd->queues[i].ring) {
            qdisk_queue_release(&qd->queues[i]);
        }
    }
    if (qd->disk.fd >= 0) {
        close(qd->disk.fd);
    }
    free(qd->path);
    free(qd);
    xenbus_set_priv(dev, NULL);
}

static void qdisk_event(struct xenbus_dev *dev, uint32_t port)
{
    struct qdisk *qd = xenbus_priv(dev);

    for (uint32_t i = 0; i < qd->nqueues; i++) {
        if (qd->queues[i].port == (int)port && qd->queues[i].bq) {
            blkback_queue_kick(qd->queues[i].bq);
        }
    }
}

const struct xenbus_ops qdisk_ops = {
    .init = qdisk_init,
    .connect = qdisk_connect,
    .disconnect = qdisk_disconnect,
    .free = qdisk_free,
    .event = qdisk_event,
};

/* ---- QMP data ---- */

static void qdisk_block_one(struct xenbus_dev *dev, void *opaque)
{
    struct qdisk *qd = xenbus_priv(dev);
    struct json *arr = opaque, *o = json_new_object(), *ins;
    char name[48];

    if (qd == NULL || o == NULL) {
        json_free(o);
        return;
    }
    snprintf(name, sizeof(name), "xvd-%u", xenbus_devid(dev));
    json_object_set(o, "device", json_new_string(name));
    json_object_set(o, "locked", json_new_bool(false));
    json_object_set(o, "removable", json_new_bool(false));
    json_object_set(o, "type", json_new_string("unknown"));
    ins = json_new_object();
    if (ins) {
        json_object_set(ins, "file", json_new_string(qd->path));
        json_object_set(ins, "drv", json_new_string("raw"));
        json_object_set(ins, "ro", json_new_bool(qd->read_only));
        json_object_set(ins, "encrypted", json_new_bool(false));
        json_object_set(ins, "image", json_new_object());
        json_object_set(o, "inserted", ins);
    }
    json_array_append(arr, o);
}

static void qdisk_stats_one(struct xenbus_dev *dev, void *opaque)
{
    struct qdisk *qd = xenbus_priv(dev);
    const struct blkback_stats *s;
    struct json *arr = opaque, *o = json_new_object(), *st = json_new_object();
    char name[48];

    if (qd == NULL || o == NULL || st == NULL) {
        json_free(o);
        json_free(st);
        return;
    }
    s = &qd->disk.stats;
    snprintf(name, sizeof(name), "xvd-%u", xenbus_devid(dev));
    json_object_set(o, "device", json_new_string(name));
    json_object_set(st, "rd_bytes", json_new_uint(s->rd_bytes));
    json_object_set(st, "wr_bytes", json_new_uint(s->wr_bytes));
    json_object_set(st, "rd_operations", json_new_uint(s->rd_ops));
    json_object_set(st, "wr_operations", json_new_uint(s->wr_ops));
    json_object_set(st, "flush_operations", json_new_uint(s->flush_ops));
    json_object_set(st, "unmap_operations", json_new_uint(s->discard_ops));
    json_object_set(st, "rd_total_time_ns", json_new_uint(s->rd_time_ns));
    json_object_set(st, "wr_total_time_ns", json_new_uint(s->wr_time_ns));
    json_object_set(st, "flush_total_time_ns",
                    json_new_uint(s->flush_time_ns));
    json_object_set(st, "failed_rd_operations",
                    json_new_uint(s->failed_rd_ops));
    json_object_set(st, "failed_wr_operations",
                    json_new_uint(s->failed_wr_ops));
    json_object_set(st, "failed_flush_operations",
                    json_new_uint(s->failed_flush_ops));
    json_object_set(st, "failed_unmap_operations",
                    json_new_uint(s->failed_discard_ops));
    json_object_set(st, "invalid_rd_operations", json_new_uint(0));
    json_object_set(st, "invalid_wr_operations", json_new_uint(0));
    json_object_set(o, "stats", st);
    json_array_append(arr, o);
}

struct json *qdisk_query_block(struct xenbus *bus)
{
    struct json *arr = json_new_array();

    if (arr && bus) {
        xenbus_foreach(bus, "qdisk", qdisk_block_one, arr);
    }
    return arr;
}

struct json *qdisk_query_blockstats(struct xenbus *bus)
{
    struct json *arr = json_new_array();

    if (arr && bus) {
        xenbus_foreach(bus, "qdisk", qdisk_stats_one, arr);
    }
    return arr;
}
