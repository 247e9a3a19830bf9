/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * save, restore and migrate, in libxl's order.
 *
 * save (libxl_domain_suspend + libxl_dom_save.c): HVM
 * `xen-set-global-dirty-log {"enable":true}`; the guest is asked to
 * suspend through control/shutdown = "suspend" and acknowledges by
 * suspending itself (our guest program writes its state into guest
 * memory and exits); HVM: `stop`, `add-fd` carrying an fd of
 * $XENSIM_DIR/qemu-save.<d> by SCM_RIGHTS, `xen-save-devices-state`
 * to /dev/fdset/<id> on that same connection; then the save file
 * (savefile.h): the config, the memory, the device-model xenstore
 * keys, the device state; HVM `xen-set-global-dirty-log false`; and
 * the domain is destroyed (or, with -c, resumed).
 *
 * restore: a new domain from the config record, memory loaded, the
 * device-model keys replayed, the device state written to
 * $XENSIM_DIR/qemu-resume.<d> and handed to the device model as
 * `-incoming fd:N`, the guest program started with --resume.
 *
 * migrate: save to a temporary file (live), restore it as
 * "<name>--incoming", destroy the source, rename -- as `xl migrate`
 * to localhost does with its --incoming/--migratedaway names.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenstore.h>

#include "xensim/hvclient.h"
#include "xensim/qmpclient.h"
#include "xensim/savefile.h"
#include "xensim/ts.h"
#include "xensim/tsxs.h"

static int dirty_log(struct ts *ts, uint32_t domid, bool enable)
{
    return ts_dm_qmp(ts, domid, "xen-set-global-dirty-log",
                     enable ? "{\"enable\":true}" : "{\"enable\":false}", -1,
                     NULL);
}

/* stop, add-fd, xen-save-devices-state: one connection, as libxl. */
static int save_device_state(struct ts *ts, uint32_t domid, bool live,
                             const char *file)
{
    char path[300], err[300], args[128];
    struct json *ret = NULL, *a;
    struct qmpc *c;
    int64_t fdset;
    int fd, rc;

    snprintf(path, sizeof(path), "%s/qmp-libxl-%u", ts->dir, domid);
    c = qmpc_connect(path, TS_QMP_TIMEOUT_MS, err, sizeof(err));
    if (c == NULL) {
        ts_errx("domain %u: %s", domid, err);
        return -errno;
    }
    fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    if ((rc = qmpc_execute(c, "stop", NULL, -1, TS_QMP_TIMEOUT_MS, NULL, err,
                           sizeof(err))) < 0 ||
        (rc = qmpc_execute(c, "add-fd", NULL, fd, TS_QMP_TIMEOUT_MS, &ret,
                           err, sizeof(err))) < 0) {
        ts_errx("domain %u: %s", domid, err);
        goto out;
    }
    if (!json_int64(json_get(ret, "fdset-id"), &fdset) || fdset < 0) {
        ts_errx("domain %u: add-fd returned no fdset-id", domid);
        rc = -EPROTO;
        goto out;
    }
    snprintf(args, sizeof(args),
             "{\"live\":%s,\"filename\":\"/dev/fdset/%lld\"}",
             live ? "true" : "false", (long long)fdset);
    a = json_parse(args, strlen(args), NULL, NULL, 0);
    rc = qmpc_execute(c, "xen-save-devices-state", a, -1, TS_QMP_TIMEOUT_MS,
                      NULL, err, sizeof(err));
    json_free(a);
    if (rc < 0) {
        ts_errx("domain %u: %s", domid, err);
    }
out:
    if (fd >= 0) {
        close(fd);
    }
    json_free(ret);
    qmpc_close(c);
    return rc;
}

/*
 * Asks the guest to suspend and waits for it to have done so.
 *
 * A paused domain: libxl has no case for it.  Its suspend handshake
 * (control/shutdown, or the suspend event channel) needs the guest's
 * vCPUs to run, so `xl save` of a paused PV guest waits out its 60 s
 * and cancels the request; only an HVM guest without PV drivers is
 * suspended by the hypervisor alone (xc_domain_shutdown(SHUTDOWN_
 * suspend)), paused or not.  Every simulated guest answers through
 * control/shutdown, like a guest with PV drivers, so here the request
 * is written first and the domain is then let run just long enough to
 * answer; *was_paused tells the caller to pause it again if it lives
 * on (save -c, or a failed save).
 */
static int suspend_guest(struct ts *ts, const struct ts_dom *d,
                         bool *was_paused)
{
    struct hvc_domain_info info;
    char path[128], status[32];
    int rc;

    *was_paused = false;
    if (ts_guest_wait(ts, d->domid, 0, status, sizeof(status)) == 0) {
        return 0;                /* no guest program running: nothing to do */
    }
    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown",
             d->domid);
    if ((rc = tsxs_write(ts->xs, path, "suspend")) < 0) {
        return rc;
    }
    if (hvc_domain_info(ts->hv, d->domid, &info) == 0 && info.paused) {
        *was_paused = true;
        fprintf(stderr, "%s is paused: letting it run to answer the suspend "
                "request\n", d->name);
        hvc_domain_unpause(ts->hv, d->domid);
        ts_guest_signal(ts, d->domid, SIGCONT);
    }
    rc = ts_guest_wait(ts, d->domid, TS_SUSPEND_TIMEOUT_MS, status,
                       sizeof(status));
    if (rc < 0) {
        ts_errx("%s: the guest did not suspend", d->name);
        tsxs_write(ts->xs, path, "");
        return rc;
    }
    if (strcmp(status, "suspended") != 0) {
        ts_errx("%s: the guest program ended (%s) instead of suspending; "
                "saving its memory as it is", d->name, status);
    }
    return 0;
}

static int write_memory(struct ts *ts, int fd, uint32_t domid)
{
    struct hvc_domain_info info;
    uint64_t *gfns, i;
    void *mem;
    int rc = hvc_domain_info(ts->hv, domid, &info);

    if (rc < 0) {
        return rc;
    }
    gfns = malloc(info.mem_pages * sizeof(*gfns));
    if (gfns == NULL) {
        return -ENOMEM;
    }
    for (i = 0; i < info.mem_pages; i++) {
        gfns[i] = i;
    }
    mem = hvc_foreign_map(ts->hv, domid, HVC_PROT_READ, info.mem_pages, gfns,
                          NULL);
    free(gfns);
    if (mem == NULL) {
        return -errno;
    }
    rc = savefile_write_memory(fd, mem, info.mem_pages);
    hvc_foreign_unmap(ts->hv, mem, info.mem_pages);
    return rc;
}

/* device-model/<d>/physmap/... as NUL-separated key/value pairs. */
static int write_dm_keys(struct ts *ts, int fd, uint32_t domid)
{
    char base[128], key[256], *buf = NULL, **ents, **subs, *v;
    unsigned n, m, i, j;
    size_t len = 0;
    int rc = 0;

    snprintf(base, sizeof(base), "/local/domain/0/device-model/%u/physmap",
             domid);
    ents = xs_directory(ts->xs, XBT_NULL, base, &n);
    for (i = 0; ents != NULL && i < n; i++) {
        snprintf(key, sizeof(key), "%s/%s", base, ents[i]);
        subs = xs_directory(ts->xs, XBT_NULL, key, &m);
        for (j = 0; subs != NULL && j < m; j++) {
            char full[400], rel[300];
            snprintf(full, sizeof(full), "%s/%s", key, subs[j]);
            snprintf(rel, sizeof(rel), "physmap/%s/%s", ents[i], subs[j]);
            if ((v = tsxs_read(ts->xs, full)) == NULL) {
                continue;
            }
            size_t add = strlen(rel) + strlen(v) + 2;
            char *nb = realloc(buf, len + add);
            if (nb != NULL) {
                buf = nb;
                memcpy(buf + len, rel, strlen(rel) + 1);
                memcpy(buf + len + strlen(rel) + 1, v, strlen(v) + 1);
                len += add;
            }
            free(v);
        }
        free(subs);
    }
    free(ents);
    if (len > 0) {
        rc = savefile_write_record(fd, SAVEFILE_REC_EMULATOR_XENSTORE, 0,
                                   NULL, 0, buf, len);
    }
    free(buf);
    return rc;
}

static int write_emulator_context(int fd, const char *qemu_save)
{
    static const uint8_t head[8] = { 0, 0, 0, 2, 0, 0, 0, 0 };
    struct stat st;
    uint8_t *blob;
    int qfd = open(qemu_save, O_RDONLY | O_CLOEXEC), rc;

    if (qfd < 0) {
        return -errno;
    }
    if (fstat(qfd, &st) < 0 || !S_ISREG(st.st_mode) ||
        st.st_size > (off_t)SAVEFILE_MAX_BODY - 8) {
        close(qfd);
        return -EINVAL;          /* libxl too insists on a regular file */
    }
    blob = malloc((size_t)st.st_size + 1);
    rc = blob != NULL && read(qfd, blob, (size_t)st.st_size) == st.st_size
             ? savefile_write_record(fd, SAVEFILE_REC_EMULATOR_CONTEXT, 0,
                                     head, 8, blob, (size_t)st.st_size)
             : -EIO;
    free(blob);
    close(qfd);
    return rc;
}

static int write_save_file(struct ts *ts, const struct ts_dom *d,
                           const char *file, const char *qemu_save)
{
    uint8_t head[8] = { 0 };
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc;

    if (fd < 0) {
        ts_errx("%s: %s", file, strerror(errno));
        return -errno;
    }
    head[0] = (uint8_t)(d->domid >> 24);
    head[1] = (uint8_t)(d->domid >> 16);
    head[2] = (uint8_t)(d->domid >> 8);
    head[3] = (uint8_t)d->domid;
    head[7] = (uint8_t)d->cfg.type;
    if ((rc = savefile_write_header(fd)) < 0 ||
        (rc = savefile_write_record(fd, SAVEFILE_REC_DOMAIN, 0, head, 8,
                                    d->cfgtext, strlen(d->cfgtext))) < 0 ||
        (rc = write_memory(ts, fd, d->domid)) < 0 ||
        (rc = write_dm_keys(ts, fd, d->domid)) < 0 ||
        (qemu_save != NULL &&
         (rc = write_emulator_context(fd, qemu_save)) < 0) ||
        (rc = savefile_write_end(fd)) < 0 || (rc = fsync(fd)) < 0) {
        ts_errx("%s: writing %s: %s", d->name, file,
                strerror(rc == -1 ? errno : -rc));
        rc = rc == -1 ? -errno : rc;
    }
    close(fd);
    return rc;
}

/* The whole save; on success the domain is left suspended. */
static int save_domain(struct ts *ts, const struct ts_dom *d,
                       const char *file, bool live, bool *was_paused)
{
    bool hvm = d->cfg.type == XLCFG_TYPE_HVM;
    char qemu_save[300];
    char *ret = NULL;
    int rc;

    snprintf(qemu_save, sizeof(qemu_save), "%s/qemu-save.%u", ts->dir,
             d->domid);
    if (hvm) {
        ts_dm_qmp(ts, d->domid, "query-cpus-fast", NULL, -1, &ret);
        free(ret);
        if ((rc = dirty_log(ts, d->domid, true)) < 0) {
            return rc;
        }
    }
    if ((rc = suspend_guest(ts, d, was_paused)) < 0) {
        goto out;
    }
    hvc_domain_pause(ts->hv, d->domid);
    if (hvm && (rc = save_device_state(ts, d->domid, live, qemu_save)) < 0) {
        goto out;
    }
    rc = write_save_file(ts, d, file, hvm ? qemu_save : NULL);
out:
    if (hvm) {
        dirty_log(ts, d->domid, false);
        unlink(qemu_save);
    }
    return rc;
}

/* libxl_domain_resume: the guest carries on in the same domain. */
static int resume_domain(struct ts *ts, const struct ts_dom *d)
{
    char path[128];
    int rc;

    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown",
             d->domid);
    tsxs_write(ts->xs, path, "");
    hvc_domain_resume(ts->hv, d->domid); /* -EINVAL: it never suspended */
    if ((rc = ts_guest_start(ts, d, true)) < 0) {
        return rc;
    }
    return ts_unpause(ts, d);
}

int ts_cmd_save(struct ts *ts, int argc, char **argv)
{
    bool checkpoint = false, was_paused = false;
    const char *name = NULL, *file = NULL;
    struct ts_dom d;
    uint32_t domid;
    int i, rc;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0) {
            checkpoint = true;
        } else if (name == NULL) {
            name = argv[i];
        } else if (file == NULL) {
            file = argv[i];
        } else {
            return -EINVAL;
        }
    }
    if (file == NULL) {
        return -EINVAL;
    }
    if (ts_dom_find(ts, name, &domid) < 0 || ts_dom_load(ts, domid, &d) < 0) {
        ts_errx("domain '%s' does not exist", name);
        return 1;
    }
    fprintf(stderr, "Saving to %s new xensim format\n", file);
    rc = save_domain(ts, &d, file, false, &was_paused);
    if (rc < 0 || checkpoint) {
        if (resume_domain(ts, &d) < 0 && rc == 0) {
            rc = -EIO;
        }
        if (was_paused) {        /* as it was: its vCPUs stop again */
            ts_guest_signal(ts, domid, SIGSTOP);
            hvc_domain_pause(ts->hv, domid);
        }
    } else {
        ts_destroy_domain(ts, domid);
    }
    ts_dom_free(&d);
    return rc < 0 ? 1 : 0;
}

/* ---------------------------------------------------------------- restore */

struct restore_ctx {
    struct savefile_reader r;
    char resume_file[300];
    uint32_t type;
};

static int load_records(struct ts *ts, uint32_t domid, void *opaque)
{
    struct restore_ctx *rc = opaque;
    struct hvc_domain_info info;
    struct savefile_record rec;
    uint64_t *gfns, i;
    uint8_t *mem;
    int n, err = hvc_domain_info(ts->hv, domid, &info);

    if (err < 0) {
        return err;
    }
    gfns = malloc(info.mem_pages * sizeof(*gfns));
    if (gfns == NULL) {
        return -ENOMEM;
    }
    for (i = 0; i < info.mem_pages; i++) {
        gfns[i] = i;
    }
    mem = hvc_foreign_map(ts->hv, domid, HVC_PROT_READ | HVC_PROT_WRITE,
                          info.mem_pages, gfns, NULL);
    free(gfns);
    if (mem == NULL) {
        return -errno;
    }
    while ((n = savefile_next(&rc->r, &rec)) == 1) {
        uint64_t pfn;
        uint32_t count;
        const uint8_t *pages;
        if (rec.type == SAVEFILE_REC_MEMORY) {
            if (savefile_memory_decode(&rec, info.mem_pages, &pfn, &count,
                                       &pages) < 0) {
                ts_errx("save file: bad memory record");
                n = -EINVAL;
            } else {
                memcpy(mem + pfn * SAVEFILE_PAGE, pages,
                       (size_t)count * SAVEFILE_PAGE);
            }
        } else if (rec.type == SAVEFILE_REC_EMULATOR_CONTEXT) {
            snprintf(rc->resume_file, sizeof(rc->resume_file),
                     "%s/qemu-resume.%u", ts->dir, domid);
            int fd = open(rc->resume_file,
                          O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            if (rec.len < 8 || fd < 0 ||
                write(fd, rec.body + 8, rec.len - 8) != (ssize_t)(rec.len - 8)) {
                n = -EIO;
            }
            if (fd >= 0) {
                close(fd);
            }
        } else if (rec.type == SAVEFILE_REC_EMULATOR_XENSTORE) {
            size_t off = 0;
            while (n >= 0 && off < rec.len) {
                const char *k = (const char *)rec.body + off;
                size_t kl = strnlen(k, rec.len - off), vl;
                if (off + kl + 1 >= rec.len || k[0] == '/' ||
                    strstr(k, "..") != NULL) {
                    n = -EINVAL;     /* keys must be relative, NUL-ended */
                    break;
                }
                const char *v = k + kl + 1;
                vl = strnlen(v, rec.len - off - kl - 1);
                if (off + kl + 1 + vl >= rec.len) {
                    n = -EINVAL;
                    break;
                }
                char path[400];
                snprintf(path, sizeof(path),
                         "/local/domain/0/device-model/%u/%s", domid, k);
                tsxs_write(ts->xs, path, v);
                off += kl + vl + 2;
            }
        }
        free(rec.body);
        if (n < 0) {
            break;
        }
    }
    hvc_foreign_unmap(ts->hv, mem, info.mem_pages);
    if (n < 0) {
        ts_errx("%s", rc->r.err[0] ? rc->r.err : "save file: bad record");
    }
    return n < 0 ? n : 0;
}

static int restore_file(struct ts *ts, const char *file, bool paused,
                        const char *name_override, uint32_t *domid)
{
    struct restore_ctx ctx = { 0 };
    struct ts_build b = { 0 };
    struct savefile_record rec;
    int fd = open(file, O_RDONLY | O_CLOEXEC), rc;

    if (fd < 0) {
        ts_errx("%s: %s", file, strerror(errno));
        return -errno;
    }
    if ((rc = savefile_open(&ctx.r, fd)) < 0 ||
        (rc = savefile_next(&ctx.r, &rec)) != 1 ||
        rec.type != SAVEFILE_REC_DOMAIN || rec.len < 8) {
        ts_errx("%s", ctx.r.err[0] ? ctx.r.err
                                   : "save file: no domain record first");
        if (rc == 1) {
            free(rec.body);
        }
        close(fd);
        return -EINVAL;
    }
    b.cfgtext = (const char *)rec.body + 8;
    b.cfglen = rec.len - 8;
    b.paused = paused;
    b.resume_file = ctx.resume_file;
    b.load_memory = load_records;
    b.opaque = &ctx;
    b.guest_resume = true;
    b.name_override = name_override;
    rc = ts_build_domain(ts, &b, domid);
    free(rec.body);
    close(fd);
    if (ctx.resume_file[0] != '\0') {
        unlink(ctx.resume_file);
    }
    return rc;
}

int ts_cmd_restore(struct ts *ts, int argc, char **argv)
{
    const char *file = NULL;
    bool paused = false;
    uint32_t domid;
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-p") == 0) {
            paused = true;
        } else if (file == NULL) {
            file = argv[i];
        } else {
            return -EINVAL;
        }
    }
    if (file == NULL) {
        return -EINVAL;
    }
    return restore_file(ts, file, paused, NULL, &domid) < 0 ? 1 : 0;
}

static int rename_domain(struct ts *ts, uint32_t domid, const char *name)
{
    struct ts_dom d;
    char path[512];

    if (ts_dom_load(ts, domid, &d) < 0) {
        return -ENOENT;
    }
    snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    tsxs_write(ts->xs, path, name);
    snprintf(path, sizeof(path), "/vm/%s/name", d.uuid);
    tsxs_write(ts->xs, path, name);
    ts_path(ts, path, sizeof(path), domid, "name");
    ts_dom_free(&d);
    return ts_file_write(path, name);
}

int ts_cmd_migrate(struct ts *ts, int argc, char **argv)
{
    char tmp[300], incoming[100];
    bool was_paused = false;
    struct ts_dom d;
    uint32_t src, dst;
    int rc;

    if (argc != 2) {
        return -EINVAL;
    }
    if (ts_dom_find(ts, argv[1], &src) < 0 || ts_dom_load(ts, src, &d) < 0) {
        ts_errx("domain '%s' does not exist", argv[1]);
        return 1;
    }
    snprintf(tmp, sizeof(tmp), "%s/migrate-%u.tmp", ts->dir, src);
    snprintf(incoming, sizeof(incoming), "%s--incoming", d.name);
    rc = save_domain(ts, &d, tmp, true, &was_paused);
    if (rc == 0) {
        /* a paused domain arrives paused */
        rc = restore_file(ts, tmp, was_paused, incoming, &dst);
    }
    unlink(tmp);
    if (rc < 0) {
        ts_errx("migration failed; resuming %s", d.name);
        resume_domain(ts, &d);
        if (was_paused) {
            ts_guest_signal(ts, src, SIGSTOP);
            hvc_domain_pause(ts->hv, src);
        }
        ts_dom_free(&d);
        return 1;
    }
    snprintf(incoming, sizeof(incoming), "%s--migratedaway", d.name);
    rename_domain(ts, src, incoming);
    ts_destroy_domain(ts, src);
    rename_domain(ts, dst, d.name);
    printf("Migration successful: %s is now domain %u\n", d.name, dst);
    ts_dom_free(&d);
    return 0;
}
