/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The xenstore nodes libxl writes for a domain and its devices; see
 * tslayout.h.  Permissions use libxl's three shapes: "ro" (owner dom0,
 * the guest may read: n0,r<d>), "rw" (owned by the guest: n<d>),
 * "front" (owned by the guest, the backend may read: n<d>,r0), and
 * dom0-only (n0) for backends' parents and /libxl.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xensim/dmargv.h"
#include "xensim/tslayout.h"

enum tsl_shape { P_DOM0, P_RO, P_RW, P_FRONT, P_BACK };

static void tsl_add(struct tsl_list *l, enum tsl_shape shape, uint32_t domid,
                    const char *value, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void tsl_add(struct tsl_list *l, enum tsl_shape shape, uint32_t domid,
                    const char *value, const char *fmt, ...)
{
    struct tsl_node *n;
    va_list ap;

    if (l->rc) {
        return;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 128;
        struct tsl_node *v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL) {
            l->rc = -ENOMEM;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    n = &l->v[l->n];
    memset(n, 0, sizeof(*n));
    va_start(ap, fmt);
    if (vasprintf(&n->path, fmt, ap) < 0) {
        va_end(ap);
        l->rc = -ENOMEM;
        return;
    }
    va_end(ap);
    n->value = strdup(value);
    if (n->value == NULL) {
        free(n->path);
        l->rc = -ENOMEM;
        return;
    }
    switch (shape) {
    case P_DOM0:
        n->perms[0] = (struct tsl_perm){ 0, 'n' };
        n->nperms = 1;
        break;
    case P_RO:
    case P_BACK:
        n->perms[0] = (struct tsl_perm){ 0, 'n' };
        n->perms[1] = (struct tsl_perm){ domid, 'r' };
        n->nperms = 2;
        break;
    case P_RW:
        n->perms[0] = (struct tsl_perm){ domid, 'n' };
        n->nperms = 1;
        break;
    case P_FRONT:
        n->perms[0] = (struct tsl_perm){ domid, 'n' };
        n->perms[1] = (struct tsl_perm){ 0, 'r' };
        n->nperms = 2;
        break;
    }
    l->n++;
}

/* One key=value of a device, in both the backend and the /libxl copy. */
struct dev {
    struct tsl_list *l;
    uint32_t domid;
    const char *kind;        /* backend kind: qdisk, vfb, vkbd, console */
    const char *fkind;       /* frontend kind: vbd, vfb, vkbd */
    unsigned devid;
    char fpath[128];
    char bpath[128];
};

static void dev_begin(struct dev *d, struct tsl_list *l, uint32_t domid,
                      const char *kind, const char *fkind, unsigned devid,
                      bool primary_console)
{
    d->l = l;
    d->domid = domid;
    d->kind = kind;
    d->fkind = fkind;
    d->devid = devid;
    if (primary_console) {
        snprintf(d->fpath, sizeof(d->fpath), "/local/domain/%u/console",
                 domid);
    } else {
        snprintf(d->fpath, sizeof(d->fpath), "/local/domain/%u/device/%s/%u",
                 domid, fkind, devid);
    }
    snprintf(d->bpath, sizeof(d->bpath),
             "/local/domain/0/backend/%s/%u/%u", kind, domid, devid);
    tsl_add(l, P_BACK, domid, "", "%s", d->bpath);
    tsl_add(l, P_BACK, domid, d->fpath, "%s/frontend", d->bpath);
    tsl_add(l, P_DOM0, domid, d->fpath, "/libxl/%u/device/%s/%u/frontend",
            domid, fkind, devid);
    tsl_add(l, P_DOM0, domid, d->bpath, "/libxl/%u/device/%s/%u/backend",
            domid, fkind, devid);
}

static void dev_back(struct dev *d, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void dev_back(struct dev *d, const char *key, const char *fmt, ...)
{
    char v[4200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(v, sizeof(v), fmt, ap);
    va_end(ap);
    tsl_add(d->l, P_BACK, d->domid, v, "%s/%s", d->bpath, key);
    tsl_add(d->l, P_DOM0, d->domid, v, "/libxl/%u/device/%s/%u/%s", d->domid,
            d->fkind, d->devid, key);
}

static void dev_common_back(struct dev *d)
{
    dev_back(d, "frontend-id", "%u", d->domid);
    dev_back(d, "online", "1");
    dev_back(d, "state", "1");
}

static void dev_front(struct dev *d)
{
    char b[140];

    snprintf(b, sizeof(b), "%s", d->bpath);
    tsl_add(d->l, P_FRONT, d->domid, "", "%s", d->fpath);
    tsl_add(d->l, P_FRONT, d->domid, b, "%s/backend", d->fpath);
    tsl_add(d->l, P_FRONT, d->domid, "0", "%s/backend-id", d->fpath);
    tsl_add(d->l, P_FRONT, d->domid, "1", "%s/state", d->fpath);
}

static void add_disk(struct tsl_list *l, uint32_t domid,
                     const struct xlcfg_disk *k)
{
    int disk, part, devid = xlcfg_vdev_number(k->vdev, &disk, &part);
    const char *prefix = xlcfg_format_params_prefix(k->format);
    struct dev d;

    if (devid < 0) {
        return;
    }
    dev_begin(&d, l, domid, "qdisk", "vbd", (unsigned)devid, false);
    if (k->target != NULL && prefix != NULL) {
        dev_back(&d, "params", "%s:%s", prefix, k->target);
    } else {
        dev_back(&d, "params", "%s", "");
    }
    dev_common_back(&d);
    dev_back(&d, "removable", "%d", k->cdrom ? 1 : 0);
    dev_back(&d, "bootable", "1");
    dev_back(&d, "dev", "%s", k->vdev);
    dev_back(&d, "type", "qdisk");
    dev_back(&d, "mode", "%s", k->readwrite ? "w" : "r");
    dev_back(&d, "device-type", "%s", k->cdrom ? "cdrom" : "disk");
    dev_back(&d, "discard-enable", "%d", k->discard ? 1 : 0);
    dev_back(&d, "specification", "xen");
    dev_front(&d);
    {
        char num[16];
        snprintf(num, sizeof(num), "%d", devid);
        tsl_add(l, P_FRONT, domid, num, "%s/virtual-device", d.fpath);
    }
    tsl_add(l, P_FRONT, domid, k->cdrom ? "cdrom" : "disk", "%s/device-type",
            d.fpath);
    tsl_add(l, P_FRONT, domid, k->trusted ? "1" : "0", "%s/trusted", d.fpath);
}

static void add_vfb(struct tsl_list *l, uint32_t domid, unsigned devid,
                    const struct xlcfg_vfb *v)
{
    struct dev d;

    dev_begin(&d, l, domid, "vfb", "vfb", devid, false);
    dev_common_back(&d);
    dev_back(&d, "vnc", "%d", v->vnc ? 1 : 0);
    dev_back(&d, "vnclisten", "%s",
             v->vnclisten != NULL ? v->vnclisten : "127.0.0.1");
    if (v->vncpasswd != NULL) {
        dev_back(&d, "vncpasswd", "%s", v->vncpasswd);
    }
    dev_back(&d, "vncdisplay", "%d", v->vncdisplay);
    dev_back(&d, "vncunused", "%d", v->vncunused ? 1 : 0);
    dev_back(&d, "sdl", "%d", v->sdl ? 1 : 0);
    dev_back(&d, "opengl", "0");
    if (v->keymap != NULL) {
        dev_back(&d, "keymap", "%s", v->keymap);
    }
    dev_front(&d);
}

static void add_vkbd(struct tsl_list *l, uint32_t domid, unsigned devid)
{
    struct dev d;

    dev_begin(&d, l, domid, "vkbd", "vkbd", devid, false);
    dev_common_back(&d);
    dev_front(&d);
}

static void add_console(struct tsl_list *l, uint32_t domid)
{
    struct dev d;
    char b[140];

    dev_begin(&d, l, domid, "console", "console", 0, true);
    dev_common_back(&d);
    dev_back(&d, "protocol", "vt100");
    snprintf(b, sizeof(b), "%s", d.bpath);
    tsl_add(l, P_RO, domid, "", "%s", d.fpath);
    tsl_add(l, P_RO, domid, b, "%s/backend", d.fpath);
    tsl_add(l, P_FRONT, domid, "0", "%s/backend-id", d.fpath);
    tsl_add(l, P_RO, domid, "1048576", "%s/limit", d.fpath);
    tsl_add(l, P_RO, domid, "xenconsoled", "%s/type", d.fpath);
    tsl_add(l, P_RO, domid, "pty", "%s/output", d.fpath);
}

/* Channels are consoles served by the device model (type ioemu). */
static void add_channel(struct tsl_list *l, uint32_t domid, size_t i,
                        const struct xlcfg_channel *c)
{
    struct dev d;

    dev_begin(&d, l, domid, "console", "console", (unsigned)i + 1, false);
    dev_common_back(&d);
    dev_back(&d, "protocol", "vt100");
    dev_back(&d, "name", "%s", c->name);
    dev_back(&d, "connection", "%s",
             c->connection == XLCFG_CONN_PTY ? "pty" : "socket");
    if (c->path != NULL) {
        dev_back(&d, "path", "%s", c->path);
    }
    dev_front(&d);
    /*
     * As libxl 4.17 (seen in the lab): the device model's instructions
     * sit in the frontend, read-only to the guest; a pty channel says
     * "pty" (the DM makes one and fills in `tty`), a socket channel
     * names the chardev libxl passed.
     */
    tsl_add(l, P_RO, domid, c->name, "%s/name", d.fpath);
    tsl_add(l, P_RO, domid, "1048576", "%s/limit", d.fpath);
    tsl_add(l, P_RO, domid, "ioemu", "%s/type", d.fpath);
    if (c->connection == XLCFG_CONN_PTY) {
        tsl_add(l, P_RO, domid, "pty", "%s/output", d.fpath);
    } else {
        char out[40];

        snprintf(out, sizeof(out), "chardev:libxl-channel%zu", i);
        tsl_add(l, P_RO, domid, out, "%s/output", d.fpath);
    }
    tsl_add(l, P_RO, domid, "", "%s/tty", d.fpath);
}

int tsl_build_devices(const struct xlcfg *cfg, uint32_t domid,
                      struct tsl_list *l)
{
    size_t i, nvkb = cfg->nvkbs;

    for (i = 0; i < cfg->ndisks; i++) {
        add_disk(l, domid, &cfg->disks[i]);
    }
    for (i = 0; i < cfg->nvfbs; i++) {
        add_vfb(l, domid, (unsigned)i, &cfg->vfbs[i]);
    }
    /* xl gives every vfb a vkb; HVM guests get one by default. */
    if (nvkb < cfg->nvfbs) {
        nvkb = cfg->nvfbs;
    }
    if (cfg->type == XLCFG_TYPE_HVM && nvkb == 0) {
        nvkb = 1;
    }
    for (i = 0; i < nvkb; i++) {
        add_vkbd(l, domid, (unsigned)i);
    }
    add_console(l, domid);
    for (i = 0; i < cfg->nchannels; i++) {
        add_channel(l, domid, i, &cfg->channels[i]);
    }
    tsl_add(l, P_DOM0, domid, xlcfg_type_name(cfg->type), "/libxl/%u/type",
            domid);
    return l->rc;
}

static void add_home(struct tsl_list *l, const struct xlcfg *cfg,
                     const struct tsl_domain *d)
{
    static const char *const rw[] = {
        "device/suspend/event-channel", "control/shutdown",
        "control/feature-poweroff", "control/feature-reboot",
        "control/feature-suspend", "control/sysrq", "data", "drivers",
        "feature", "attr", "error",
    };
    const char *home = "/local/domain";
    uint32_t id = d->domid;
    bool hvm = cfg->type == XLCFG_TYPE_HVM;
    char num[32];
    size_t i;

    tsl_add(l, P_RO, id, "", "%s/%u", home, id);
    {
        char vm[80];
        snprintf(vm, sizeof(vm), "/vm/%s", d->uuid);
        tsl_add(l, P_RO, id, vm, "%s/%u/vm", home, id);
    }
    tsl_add(l, P_RO, id, cfg->name, "%s/%u/name", home, id);
    for (i = 0; i < cfg->maxvcpus; i++) {
        tsl_add(l, P_RO, id, i < cfg->vcpus ? "online" : "offline",
                "%s/%u/cpu/%zu/availability", home, id, i);
    }
    snprintf(num, sizeof(num), "%llu",
             (unsigned long long)cfg->maxmem_mb * 1024);
    tsl_add(l, P_RO, id, num, "%s/%u/memory/static-max", home, id);
    snprintf(num, sizeof(num), "%llu",
             (unsigned long long)(cfg->memory_mb - cfg->videoram_mb) * 1024);
    tsl_add(l, P_RO, id, num, "%s/%u/memory/target", home, id);
    snprintf(num, sizeof(num), "%llu",
             (unsigned long long)cfg->videoram_mb * 1024);
    tsl_add(l, P_RO, id, num, "%s/%u/memory/videoram", home, id);
    tsl_add(l, P_RO, id, "", "%s/%u/device", home, id);
    tsl_add(l, P_RO, id, "", "%s/%u/control", home, id);
    for (i = 0; i < sizeof(rw) / sizeof(rw[0]); i++) {
        tsl_add(l, P_RW, id, "", "%s/%u/%s", home, id, rw[i]);
    }
    if (hvm) {
        tsl_add(l, P_RW, id, "", "%s/%u/control/feature-s3", home, id);
        tsl_add(l, P_RW, id, "", "%s/%u/control/feature-s4", home, id);
    }
    tsl_add(l, P_RO, id, "1",
            "%s/%u/control/platform-feature-multiprocessor-suspend", home, id);
    tsl_add(l, P_RO, id, "1",
            "%s/%u/control/platform-feature-xs_reset_watches", home, id);
    snprintf(num, sizeof(num), "%u", id);
    tsl_add(l, P_RO, id, num, "%s/%u/domid", home, id);
    if (hvm) {
        static const char *const plat[][2] = {
            { "acpi", "1" }, { "acpi_s3", "1" }, { "acpi_s4", "1" },
            { "acpi_laptop_slate", "0" }, { "device-model", "qemu_xen" },
        };
        tsl_add(l, P_RO, id, "seabios", "%s/%u/hvmloader/bios", home, id);
        tsl_add(l, P_RO, id, "0", "%s/%u/hvmloader/allow-memory-relocate",
                home, id);
        for (i = 0; i < sizeof(plat) / sizeof(plat[0]); i++) {
            tsl_add(l, P_RO, id, i == 0 && !cfg->acpi ? "0" : plat[i][1],
                    "%s/%u/platform/%s", home, id, plat[i][0]);
        }
    }
}

static void add_vm(struct tsl_list *l, const struct xlcfg *cfg,
                   const struct tsl_domain *d)
{
    uint32_t id = d->domid;
    char t[40];

    tsl_add(l, P_RO, id, "", "/vm/%s", d->uuid);
    tsl_add(l, P_RO, id, cfg->name, "/vm/%s/name", d->uuid);
    tsl_add(l, P_RO, id, d->uuid, "/vm/%s/uuid", d->uuid);
    if (cfg->type == XLCFG_TYPE_HVM) {
        tsl_add(l, P_RO, id, "", "/vm/%s/rtc/timeoffset", d->uuid);
        tsl_add(l, P_RO, id, "hvm", "/vm/%s/image/ostype", d->uuid);
    } else {
        tsl_add(l, P_RO, id, "linux", "/vm/%s/image/ostype", d->uuid);
        if (cfg->kernel != NULL) {
            tsl_add(l, P_RO, id, cfg->kernel, "/vm/%s/image/kernel", d->uuid);
        }
        if (cfg->ramdisk != NULL) {
            tsl_add(l, P_RO, id, cfg->ramdisk, "/vm/%s/image/ramdisk",
                    d->uuid);
        }
        if (cfg->cmdline != NULL) {
            tsl_add(l, P_RO, id, cfg->cmdline, "/vm/%s/image/cmdline",
                    d->uuid);
        }
    }
    snprintf(t, sizeof(t), "%.2f", d->start_time);
    tsl_add(l, P_RO, id, t, "/vm/%s/start_time", d->uuid);
}

int tsl_build_domain(const struct xlcfg *cfg, const struct tsl_domain *d,
                     struct tsl_list *out)
{
    memset(out, 0, sizeof(*out));
    add_home(out, cfg, d);
    add_vm(out, cfg, d);
    return tsl_build_devices(cfg, d->domid, out);
}

void tsl_free(struct tsl_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].value);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

char **tsl_destroy_paths(const struct xlcfg *cfg, uint32_t domid,
                         const char *uuid)
{
    static const char *const kinds[] = { "qdisk", "vfb", "vkbd", "console" };
    char **p = calloc(16, sizeof(*p));
    size_t n = 0, i;

    if (p == NULL) {
        return NULL;
    }
    (void)cfg;
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (asprintf(&p[n++], "/local/domain/0/backend/%s/%u", kinds[i],
                     domid) < 0) {
            goto fail;
        }
    }
    if (asprintf(&p[n++], "/local/domain/0/device-model/%u", domid) < 0 ||
        asprintf(&p[n++], "/local/domain/%u", domid) < 0 ||
        asprintf(&p[n++], "/vm/%s", uuid) < 0 ||
        asprintf(&p[n++], "/libxl/%u", domid) < 0) {
        goto fail;
    }
    return p;
fail:
    p[n - 1] = NULL;
    tsl_free_paths(p);
    return NULL;
}

void tsl_free_paths(char **paths)
{
    size_t i;

    if (paths == NULL) {
        return;
    }
    for (i = 0; paths[i] != NULL; i++) {
        free(paths[i]);
    }
    free(paths);
}

int tsl_perms_string(const struct tsl_node *n, char *buf, size_t len)
{
    size_t i, off = 0;

    buf[0] = '\0';
    for (i = 0; i < n->nperms; i++) {
        int k = snprintf(buf + off, len - off, "%s%c%u", i ? "," : "",
                         n->perms[i].perm, n->perms[i].domid);
        if (k < 0 || (size_t)k >= len - off) {
            return -ENAMETOOLONG;
        }
        off += (size_t)k;
    }
    return 0;
}
