/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libxl's device-model argv for qemu-xen, step by step in libxl's
 * order (reference §A.1): domid and QMP monitors, channels,
 * -nodefaults -no-user-config, -xen-attach for PV/PVH, -name, VNC and
 * display, the HVM block (kernel, serial, VGA, boot, smp, -net none),
 * PV -nographic, -incoming, -machine, -m, and the HVM disks.  4.17
 * spellings: `server=on,wait=off`, `password=on`, and the
 * `suppress-vmdesc=on` machine option for xenfv.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xensim/dmargv.h"

struct vec {
    char **v;
    size_t n, cap;
    int rc;
};

static void vec_add(struct vec *a, const char *s)
{
    char **nv;

    if (a->rc) {
        return;
    }
    if (a->n + 2 > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 32;
        nv = realloc(a->v, cap * sizeof(*nv));
        if (nv == NULL) {
            a->rc = -ENOMEM;
            return;
        }
        a->v = nv;
        a->cap = cap;
    }
    if ((a->v[a->n] = strdup(s)) == NULL) {
        a->rc = -ENOMEM;
        return;
    }
    a->v[++a->n] = NULL;
}

__attribute__((format(printf, 2, 3)))
static void vec_addf(struct vec *a, const char *fmt, ...)
{
    va_list ap;
    char *s;

    if (a->rc) {
        return;
    }
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0) {
        a->rc = -ENOMEM;
        va_end(ap);
        return;
    }
    va_end(ap);
    vec_add(a, s);
    free(s);
}

static void vec_free(struct vec *a)
{
    size_t i;

    for (i = 0; i < a->n; i++) {
        free(a->v[i]);
    }
    free(a->v);
    memset(a, 0, sizeof(*a));
}

enum xlcfg_backend dmargv_disk_backend(const struct xlcfg_disk *d)
{
    return d->backend == XLCFG_BACKEND_DEFAULT ? XLCFG_BACKEND_QDISK
                                               : d->backend;
}

bool dmargv_needed(const struct xlcfg *cfg)
{
    size_t i;

    if (cfg->type == XLCFG_TYPE_HVM || cfg->nvfbs > 0 || cfg->nvkbs > 0 ||
        cfg->nchannels > 0) {
        return true;
    }
    for (i = 0; i < cfg->ndisks; i++) {
        if (dmargv_disk_backend(&cfg->disks[i]) == XLCFG_BACKEND_QDISK) {
            return true;
        }
    }
    return false;
}

int dmargv_qmp_path(char *buf, size_t len, const char *run_dir,
                    const char *which, uint32_t domid)
{
    int n = snprintf(buf, len, "%s/qmp-%s-%u", run_dir, which, domid);

    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* libxl__dm_vnc / dm_sdl / dm_keymap: HVM keys or the first vfb. */
static const struct xlcfg_vfb *display_of(const struct xlcfg *cfg)
{
    if (cfg->type == XLCFG_TYPE_HVM) {
        return &cfg->hvm_vnc;
    }
    return cfg->nvfbs > 0 ? &cfg->vfbs[0] : NULL;
}

static int add_vnc(struct vec *a, const struct xlcfg *cfg)
{
    const struct xlcfg_vfb *d = display_of(cfg);
    const char *listen;
    char arg[300];
    int n;

    if (d == NULL || !d->vnc) {
        vec_add(a, "-vnc");
        vec_add(a, "none");
        return 0;
    }
    listen = d->vnclisten != NULL ? d->vnclisten : "127.0.0.1";
    if (strchr(listen, ':') != NULL) {
        if (d->vncdisplay != 0) {
            return -EINVAL;      /* "vncdisplay set, vnclisten contains
                                    display" */
        }
        n = snprintf(arg, sizeof(arg), "%s", listen);
    } else {
        n = snprintf(arg, sizeof(arg), "%s:%d", listen, d->vncdisplay);
    }
    if (n < 0 || (size_t)n >= sizeof(arg) - 32) {
        return -EINVAL;
    }
    if (d->vncpasswd != NULL && d->vncpasswd[0] != '\0') {
        strcat(arg, ",password=on");
    }
    if (d->vncunused) {
        strcat(arg, ",to=99");
    }
    vec_add(a, "-vnc");
    vec_add(a, arg);
    return 0;
}

static int add_hvm_disks(struct vec *a, const struct xlcfg *cfg)
{
    size_t i;

    for (i = 0; i < cfg->ndisks; i++) {
        const struct xlcfg_disk *d = &cfg->disks[i];
        const char *fmt = dmargv_disk_backend(d) == XLCFG_BACKEND_QDISK
                              ? xlcfg_format_qemu_name(d->format)
                              : "raw";
        int disk, part, devno = xlcfg_vdev_number(d->vdev, &disk, &part);

        if (devno < 0) {
            continue;
        }
        if (d->cdrom) {
            if (d->format == XLCFG_FORMAT_EMPTY || d->target == NULL) {
                vec_add(a, "-drive");
                vec_addf(a, "if=ide,index=%d,readonly=on,media=cdrom,id=ide-%d",
                         disk, devno);
            } else {
                vec_add(a, "-drive");
                vec_addf(a, "if=ide,index=%d,readonly=on,media=cdrom,"
                         "id=ide-%d,file=%s,format=%s", disk, devno,
                         d->target, fmt != NULL ? fmt : "raw");
            }
            continue;
        }
        if (d->format == XLCFG_FORMAT_EMPTY || fmt == NULL) {
            continue;
        }
        if (strncmp(d->vdev, "sd", 2) == 0) {
            vec_add(a, "-drive");
            vec_addf(a, "file=%s,id=scsi0-hd%d,format=%s,if=none,"
                     "readonly=%s,cache=writeback", d->target, disk, fmt,
                     d->readwrite ? "off" : "on");
            vec_add(a, "-device");
            vec_addf(a, "scsi-hd,drive=scsi0-hd%d,scsi-id=%d", disk, disk);
            continue;
        }
        if (disk >= 4) {
            continue;            /* "Do not emulate this disk" */
        }
        if (!d->readwrite) {
            return -EINVAL;      /* no read-only IDE disks */
        }
        vec_add(a, "-drive");
        vec_addf(a, "file=%s,if=ide,index=%d,media=disk,format=%s,"
                 "cache=writeback", d->target, disk, fmt);
    }
    return 0;
}

static void add_hvm_block(struct vec *a, const struct xlcfg *cfg)
{
    const struct xlcfg_vfb *d = display_of(cfg);
    size_t i;

    if (cfg->kernel != NULL) {
        vec_add(a, "-kernel");
        vec_add(a, cfg->kernel);
    }
    if (cfg->ramdisk != NULL) {
        vec_add(a, "-initrd");
        vec_add(a, cfg->ramdisk);
    }
    if (cfg->cmdline != NULL) {
        vec_add(a, "-append");
        vec_add(a, cfg->cmdline);
    }
    for (i = 0; i < cfg->ndisks; i++) {
        if (!cfg->disks[i].cdrom && strncmp(cfg->disks[i].vdev, "sd", 2) == 0) {
            vec_add(a, "-device");
            vec_add(a, "lsi53c895a");
            break;
        }
    }
    for (i = 0; i < cfg->nserials; i++) {
        vec_add(a, "-serial");
        vec_add(a, cfg->serials[i]);
    }
    if (cfg->nographic && !d->vnc && !d->sdl) {
        vec_add(a, "-nographic");
    }
    if (strcmp(cfg->vga, "stdvga") == 0) {
        vec_add(a, "-device");
        vec_addf(a, "VGA,vgamem_mb=%llu", (unsigned long long)cfg->videoram_mb);
    } else if (strcmp(cfg->vga, "cirrus") == 0) {
        vec_add(a, "-device");
        vec_addf(a, "cirrus-vga,vgamem_mb=%llu",
                 (unsigned long long)cfg->videoram_mb);
    }
    if (cfg->boot != NULL) {
        vec_add(a, "-boot");
        vec_addf(a, "order=%s", cfg->boot);
    }
    if (!cfg->acpi) {
        vec_add(a, "-no-acpi");
    }
    if (cfg->maxvcpus > 1) {
        vec_add(a, "-smp");
        vec_addf(a, "%u,maxcpus=%u", cfg->vcpus, cfg->maxvcpus);
    }
    vec_add(a, "-net");          /* no emulated NICs in the subset */
    vec_add(a, "none");
}

static void add_monitors(struct vec *a, const struct dmargv_opts *o)
{
    vec_add(a, "-chardev");
    vec_addf(a, "socket,id=libxl-cmd,path=%s/qmp-libxl-%u,server=on,wait=off",
             o->run_dir, o->domid);
    vec_add(a, "-mon");
    vec_add(a, "chardev=libxl-cmd,mode=control");
    vec_add(a, "-chardev");
    vec_addf(a, "socket,id=libxenstat-cmd,path=%s/qmp-libxenstat-%u,"
             "server=on,wait=off", o->run_dir, o->domid);
    vec_add(a, "-mon");
    vec_add(a, "chardev=libxenstat-cmd,mode=control");
}

static void add_channels(struct vec *a, const struct xlcfg *cfg)
{
    size_t i;

    /* libxl numbers channels from 0 (devid), in config order. */
    for (i = 0; i < cfg->nchannels; i++) {
        const struct xlcfg_channel *c = &cfg->channels[i];
        vec_add(a, "-chardev");
        if (c->connection == XLCFG_CONN_PTY) {
            vec_addf(a, "pty,id=libxl-channel%zu", i);
        } else {
            vec_addf(a, "socket,id=libxl-channel%zu,path=%s,server=on,"
                     "wait=off", i, c->path);
        }
    }
}

int dmargv_build(const struct xlcfg *cfg, const struct dmargv_opts *o,
                 struct dmargv *out)
{
    struct vec a = { 0 }, e = { 0 };
    const struct xlcfg_vfb *d = display_of(cfg);
    bool hvm = cfg->type == XLCFG_TYPE_HVM;
    int rc;

    memset(out, 0, sizeof(*out));
    vec_add(&e, "XEN_QEMU_CONSOLE_LIMIT=1048576");
    vec_add(&a, o->dm_path);
    vec_add(&a, "-xen-domid");
    vec_addf(&a, "%u", o->domid);
    vec_add(&a, "-no-shutdown");
    add_monitors(&a, o);
    add_channels(&a, cfg);
    vec_add(&a, "-nodefaults");
    vec_add(&a, "-no-user-config");
    if (!hvm) {
        vec_add(&a, "-xen-attach");
    }
    vec_add(&a, "-name");
    vec_add(&a, cfg->name);
    if ((rc = add_vnc(&a, cfg)) < 0) {
        goto fail;
    }
    vec_add(&a, "-display");
    vec_add(&a, "none");
    if (d != NULL && d->sdl) {
        vec_add(&a, "-sdl");
    }
    if (d != NULL && d->keymap != NULL) {
        vec_add(&a, "-k");
        vec_add(&a, d->keymap);
    }
    if (hvm) {
        add_hvm_block(&a, cfg);
    } else if (d == NULL || (!d->vnc && !d->sdl)) {
        vec_add(&a, "-nographic");
    }
    if (o->restore_fd >= 0) {
        vec_add(&a, "-incoming");
        vec_addf(&a, "fd:%d", o->restore_fd);
    }
    vec_add(&a, "-machine");
    vec_add(&a, hvm ? "xenfv,suppress-vmdesc=on" : "xenpv");
    vec_add(&a, "-m");
    vec_addf(&a, "%llu",
             (unsigned long long)(cfg->maxmem_mb - cfg->videoram_mb));
    if (hvm) {
        vec_addf(&e, "XEN_DOMAIN_ID=%u", o->domid);
        if ((rc = add_hvm_disks(&a, cfg)) < 0) {
            goto fail;
        }
    }
    if ((rc = a.rc ? a.rc : e.rc) < 0) {
        goto fail;
    }
    out->argv = a.v;
    out->argc = a.n;
    out->env = e.v;
    out->nenv = e.n;
    return 0;
fail:
    vec_free(&a);
    vec_free(&e);
    return rc;
}

void dmargv_free(struct dmargv *x)
{
    struct vec a = { x->argv, x->argc, 0, 0 };
    struct vec e = { x->env, x->nenv, 0, 0 };

    vec_free(&a);
    vec_free(&e);
    memset(x, 0, sizeof(*x));
}
