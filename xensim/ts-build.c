/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Building a domain, shared by create and restore, in libxl's order
 * (libxl_create.c): make the domain (paused), write its home and /vm
 * (libxl__domain_make), load memory (restore), write store/port and
 * store/ring-ref and introduce it to xenstored (libxl__build_post),
 * add its devices' frontends and backends, spawn the device model and
 * wait for "running", run the post-start QMP queries, start the guest
 * program, and unpause unless -p (HVM: QMP `cont` first, as
 * libxl_domain_unpause).  A failure at any step destroys what was
 * built.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "xensim/dmargv.h"
#include "xensim/hvclient.h"
#include "xensim/ts.h"
#include "xensim/tslayout.h"
#include "xensim/tsxs.h"

static enum hvc_dom_type hv_type(enum xlcfg_type t)
{
    return t == XLCFG_TYPE_HVM ? HVC_DOM_HVM
           : t == XLCFG_TYPE_PVH ? HVC_DOM_PVH : HVC_DOM_PV;
}

static int write_layout(struct ts *ts, const struct ts_dom *d)
{
    struct timespec now;
    struct tsl_domain td = { d->domid, d->uuid, 0 };
    struct tsl_list l;
    int rc;

    clock_gettime(CLOCK_REALTIME, &now);
    td.start_time = (double)now.tv_sec + now.tv_nsec / 1e9;
    rc = tsl_build_domain(&d->cfg, &td, &l);
    if (rc == 0) {
        rc = tsxs_apply(ts->xs, &l);
    }
    tsl_free(&l);
    if (rc < 0) {
        ts_errx("%s: writing xenstore: %s", d->name, strerror(-rc));
    }
    return rc;
}

/* libxl__build_post: store/port, store/ring-ref, then INTRODUCE. */
static int introduce(struct ts *ts, const struct ts_dom *d)
{
    struct hvc_domain_info info;
    char path[128], val[32];
    unsigned long gfn;
    int rc = hvc_domain_info(ts->hv, d->domid, &info);

    if (rc < 0) {
        return rc;
    }
    gfn = info.mem_pages > 2 ? (unsigned long)info.mem_pages - 2 : 0;
    snprintf(path, sizeof(path), "/local/domain/%u/store/port", d->domid);
    tsxs_write(ts->xs, path, "1");
    snprintf(path, sizeof(path), "/local/domain/%u/store/ring-ref",
             d->domid);
    snprintf(val, sizeof(val), "%lu", gfn);
    tsxs_write(ts->xs, path, val);
    if (!xs_introduce_domain(ts->xs, d->domid, gfn, 1)) {
        rc = -errno;
        ts_errx("%s: xenstored refused to introduce domain %u: %s", d->name,
                d->domid, strerror(errno));
        return rc;
    }
    return 0;
}

static int start_dm(struct ts *ts, const struct ts_dom *d,
                    const struct ts_build *b)
{
    char path[128];
    int fd = -1, pid, rc;

    snprintf(path, sizeof(path), "/libxl/%u/dm-version", d->domid);
    tsxs_write(ts->xs, path, "qemu_xen");
    snprintf(path, sizeof(path), "/local/domain/0/device-model/%u",
             d->domid);
    if ((rc = tsxs_mkdir(ts->xs, path)) < 0) {
        return rc;
    }
    if (b->resume_file != NULL && b->resume_file[0] != '\0') {
        fd = open(b->resume_file, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            return -errno;
        }
    }
    rc = ts_dm_spawn(ts, d, fd, &pid);
    if (fd >= 0) {
        close(fd);
        unlink(b->resume_file);        /* as libxl, once the DM is up */
    }
    if (rc < 0) {
        return rc;
    }
    return ts_dm_post_start(ts, d);
}

int ts_unpause(struct ts *ts, const struct ts_dom *d)
{
    int rc;

    if (d->cfg.type == XLCFG_TYPE_HVM &&
        (rc = ts_dm_qmp(ts, d->domid, "cont", NULL, -1, NULL)) < 0) {
        return rc;
    }
    rc = hvc_domain_unpause(ts->hv, d->domid);
    ts_guest_signal(ts, d->domid, SIGCONT);
    return rc;
}

static int parse_cfg(const struct ts_build *b, struct ts_dom *d)
{
    char err[256];
    int rc;

    d->cfgtext = strndup(b->cfgtext, b->cfglen);
    if (d->cfgtext == NULL) {
        return -ENOMEM;
    }
    rc = xlcfg_read(d->cfgtext, strlen(d->cfgtext), &d->cfg, err,
                    sizeof(err));
    if (rc < 0) {
        ts_errx("config: %s", err);
        free(d->cfgtext);
        d->cfgtext = NULL;
        return rc;
    }
    snprintf(d->name, sizeof(d->name), "%s",
             b->name_override != NULL ? b->name_override : d->cfg.name);
    return 0;
}

int ts_build_domain(struct ts *ts, const struct ts_build *b, uint32_t *domid)
{
    struct hvc_domain_config hc = { 0 };
    struct ts_dom d = { 0 };
    uint32_t other;
    int rc;

    if ((rc = parse_cfg(b, &d)) < 0) {
        return rc;
    }
    if (ts_dom_find(ts, d.name, &other) == 0) {
        ts_errx("domain '%s' already exists (domid %u)", d.name, other);
        ts_dom_free(&d);
        return -EEXIST;
    }
    hc.type = hv_type(d.cfg.type);
    hc.vcpus = d.cfg.maxvcpus;
    hc.mem_kib = d.cfg.maxmem_mb * 1024;
    if ((rc = hvc_domain_create(ts->hv, &hc, &d.domid)) < 0) {
        ts_errx("%s: cannot create the domain: %s", d.name, strerror(-rc));
        ts_dom_free(&d);
        return rc;
    }
    hvc_domain_pause(ts->hv, d.domid);
    ts_uuid_new(d.uuid);
    if ((rc = ts_dom_record(ts, &d)) < 0 || (rc = write_layout(ts, &d)) < 0) {
        goto fail;
    }
    if (b->load_memory != NULL &&
        (rc = b->load_memory(ts, d.domid, b->opaque)) < 0) {
        goto fail;
    }
    if ((rc = introduce(ts, &d)) < 0) {
        goto fail;
    }
    if (dmargv_needed(&d.cfg) && (rc = start_dm(ts, &d, b)) < 0) {
        goto fail;
    }
    if ((rc = ts_guest_start(ts, &d, b->guest_resume)) < 0) {
        goto fail;
    }
    if (!b->paused && (rc = ts_unpause(ts, &d)) < 0) {
        goto fail;
    }
    *domid = d.domid;
    ts_dom_free(&d);
    return 0;
fail:
    ts_errx("%s: creation failed; destroying domain %u", d.name, d.domid);
    ts_destroy_domain(ts, d.domid);
    ts_dom_free(&d);
    return rc;
}
