/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device model's life as libxl runs it (libxl_dm.c): spawn with
 * the argv of dmargv.c under setsid() with stdin on /dev/null and the
 * output in qemu-dm-<name>.log, record the pid in
 * /local/domain/<d>/image/device-model-pid, wait for
 * device-model/<d>/state = "running", then the post-start QMP
 * sequence (query-chardev -> serial/<n>/tty, query-vnc ->
 * console/vnc-listen and vnc-port); on destroy SIGHUP, a bounded wait,
 * and the removal of device-model/<d> and both QMP sockets.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xensim/dmargv.h"
#include "xensim/qmpclient.h"
#include "xensim/ts.h"
#include "xensim/tsxs.h"

/*
 * device_model_override, else $XENSIM_XENDM, else the xendm built
 * next to this xensim (same directory, or its parent in a build tree),
 * else xendm from PATH.
 */
static void dm_path(const struct ts *ts, const struct ts_dom *d, char *buf,
                    size_t len)
{
    const char *env = getenv("XENSIM_XENDM");
    char self[512], *dir;

    if (d->cfg.dm_override != NULL) {
        snprintf(buf, len, "%s", d->cfg.dm_override);
        return;
    }
    if (env != NULL && env[0] != '\0') {
        snprintf(buf, len, "%s", env);
        return;
    }
    snprintf(self, sizeof(self), "%s", ts->self);
    dir = dirname(self);
    snprintf(buf, len, "%s/xendm", dir);
    if (access(buf, X_OK) == 0) {
        return;
    }
    snprintf(buf, len, "%s/../xendm", dir);
    if (access(buf, X_OK) == 0) {
        return;
    }
    snprintf(buf, len, "xendm");
}

static void dm_child(const struct dmargv *a, const char *log, int restore_fd)
{
    int nul = open("/dev/null", O_RDONLY);
    int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    size_t i;

    setsid();
    if (nul < 0 || out < 0 || dup2(nul, 0) < 0 || dup2(out, 1) < 0 ||
        dup2(out, 2) < 0) {
        _exit(127);
    }
    for (i = 0; i < a->nenv; i++) {
        putenv(a->env[i]);
    }
    if (restore_fd >= 0) {
        fcntl(restore_fd, F_SETFD, 0);     /* inherited, as libxl's */
        if (restore_fd > 3) {
            close_range(3, (unsigned)restore_fd - 1, 0);
        }
        close_range((unsigned)restore_fd + 1, ~0u, 0);
    } else {
        close_range(3, ~0u, 0);
    }
    execvp(a->argv[0], a->argv);
    fprintf(stderr, "xensim: exec %s: %s\n", a->argv[0], strerror(errno));
    _exit(127);
}

int ts_dm_spawn(struct ts *ts, const struct ts_dom *d, int restore_fd,
                int *pid_out)
{
    char path[512], log[512], xs[128], pid[16];
    struct dmargv_opts o = { path, d->domid, ts->dir, restore_fd };
    struct dmargv a;
    pid_t child;
    int rc;

    dm_path(ts, d, path, sizeof(path));
    if ((rc = dmargv_build(&d->cfg, &o, &a)) < 0) {
        ts_errx("%s: cannot build the device model's command line",
                d->name);
        return rc;
    }
    snprintf(log, sizeof(log), "%s/qemu-dm-%s.log", ts->dir, d->name);
    child = fork();
    if (child < 0) {
        dmargv_free(&a);
        return -errno;
    }
    if (child == 0) {
        dm_child(&a, log, restore_fd);
    }
    dmargv_free(&a);
    snprintf(pid, sizeof(pid), "%d", (int)child);
    snprintf(xs, sizeof(xs), "/local/domain/%u/image/device-model-pid",
             d->domid);
    tsxs_write(ts->xs, xs, pid);
    ts_path(ts, log, sizeof(log), d->domid, "dm.pid");
    ts_file_write(log, pid);
    *pid_out = (int)child;
    snprintf(xs, sizeof(xs), "/local/domain/0/device-model/%u/state",
             d->domid);
    rc = tsxs_wait_value(ts->xs, xs, "running", TS_DM_START_TIMEOUT_MS,
                         (int)child);
    if (rc < 0) {
        ts_errx("%s: device model %s (pid %d) %s; see %s/qemu-dm-%s.log",
                d->name, path, (int)child,
                rc == -ECHILD ? "died during startup" : "did not start",
                ts->dir, d->name);
    }
    return rc;
}

int ts_dm_qmp(struct ts *ts, uint32_t domid, const char *cmd,
              const char *args_json, int fd, char **ret_json)
{
    char path[300], err[300];
    struct json *args = NULL, *ret = NULL;
    struct qmpc *c;
    int rc;

    if (ret_json != NULL) {
        *ret_json = NULL;
    }
    snprintf(path, sizeof(path), "%s/qmp-libxl-%u", ts->dir, domid);
    if (args_json != NULL) {
        args = json_parse(args_json, strlen(args_json), NULL, err,
                          sizeof(err));
        if (args == NULL) {
            return -EINVAL;
        }
    }
    c = qmpc_connect(path, TS_QMP_TIMEOUT_MS, err, sizeof(err));
    if (c == NULL) {
        ts_errx("domain %u: %s", domid, err);
        json_free(args);
        return -errno;
    }
    rc = qmpc_execute(c, cmd, args, fd, TS_QMP_TIMEOUT_MS, &ret, err,
                      sizeof(err));
    if (rc < 0) {
        ts_errx("domain %u: %s: %s", domid, cmd, err);
    } else if (ret_json != NULL) {
        *ret_json = json_to_string(ret, false, NULL);
    }
    json_free(ret);
    json_free(args);
    qmpc_close(c);
    return rc;
}

/* query-chardev: "serial<N>" with "pty:<path>" -> serial/<N>/tty. */
static void record_chardevs(struct ts *ts, uint32_t domid,
                            const struct json *ret)
{
    size_t i;

    for (i = 0; i < json_array_len(ret); i++) {
        const struct json *e = json_array_at(ret, i);
        const char *label = json_string(json_get(e, "label"));
        const char *file = json_string(json_get(e, "filename"));
        char path[128], *end;
        unsigned long n;

        if (label == NULL || file == NULL || strncmp(label, "serial", 6) != 0 ||
            strncmp(file, "pty:", 4) != 0) {
            continue;
        }
        n = strtoul(label + 6, &end, 10);
        if (*end != '\0' || n > 64) {
            continue;
        }
        snprintf(path, sizeof(path), "/local/domain/%u/serial/%lu/tty", domid,
                 n);
        tsxs_write(ts->xs, path, file + 4);
    }
}

static bool vnc_configured(const struct xlcfg *cfg)
{
    if (cfg->type == XLCFG_TYPE_HVM) {
        return cfg->hvm_vnc.vnc;
    }
    return cfg->nvfbs > 0 && cfg->vfbs[0].vnc;
}

/* libxl's last post-start step: change-vnc-password, console/vnc-pass. */
static int vnc_set_password(struct ts *ts, const struct ts_dom *d,
                            struct qmpc *c)
{
    const char *pw = d->cfg.type == XLCFG_TYPE_HVM
                         ? d->cfg.hvm_vnc.vncpasswd
                         : d->cfg.vfbs[0].vncpasswd;
    struct json *args, *ret = NULL;
    char path[300], err[300];
    int rc;

    if (pw == NULL || pw[0] == '\0') {
        return 0;
    }
    args = json_new_object();
    json_object_set(args, "password", json_new_string(pw));
    rc = qmpc_execute(c, "change-vnc-password", args, -1, TS_QMP_TIMEOUT_MS,
                      &ret, err, sizeof(err));
    json_free(args);
    json_free(ret);
    if (rc < 0) {
        ts_errx("%s: Post DM startup configs failed: %s", d->name, err);
        return rc;
    }
    snprintf(path, sizeof(path), "/local/domain/%u/console/vnc-pass",
             d->domid);
    tsxs_write(ts->xs, path, pw);
    return 0;
}

int ts_dm_post_start(struct ts *ts, const struct ts_dom *d)
{
    char path[300], err[300];
    struct json *ret = NULL;
    struct qmpc *c;
    int rc;

    snprintf(path, sizeof(path), "%s/qmp-libxl-%u", ts->dir, d->domid);
    c = qmpc_connect(path, TS_QMP_TIMEOUT_MS, err, sizeof(err));
    if (c == NULL) {
        ts_errx("%s: %s", d->name, err);
        return -errno;
    }
    rc = qmpc_execute(c, "query-chardev", NULL, -1, TS_QMP_TIMEOUT_MS, &ret,
                      err, sizeof(err));
    if (rc < 0) {
        ts_errx("%s: Post DM startup configs failed: %s", d->name, err);
        goto out;
    }
    record_chardevs(ts, d->domid, ret);
    json_free(ret);
    ret = NULL;
    if (vnc_configured(&d->cfg)) {
        rc = qmpc_execute(c, "query-vnc", NULL, -1, TS_QMP_TIMEOUT_MS, &ret,
                          err, sizeof(err));
        if (rc < 0) {
            ts_errx("%s: Post DM startup configs failed: %s", d->name, err);
            goto out;
        }
        const char *host = json_string(json_get(ret, "host"));
        const char *svc = json_string(json_get(ret, "service"));
        bool en = false;
        if (json_bool(json_get(ret, "enabled"), &en) && en && host && svc) {
            snprintf(path, sizeof(path), "/local/domain/%u/console/vnc-listen",
                     d->domid);
            tsxs_write(ts->xs, path, host);
            snprintf(path, sizeof(path), "/local/domain/%u/console/vnc-port",
                     d->domid);
            tsxs_write(ts->xs, path, svc);
        }
        rc = vnc_set_password(ts, d, c);
    }
out:
    json_free(ret);
    qmpc_close(c);
    return rc;
}

static bool gone(int pid)
{
    return !tsxs_proc_alive(pid);
}

static void wait_gone(int pid, int timeout_ms)
{
    int waited;

    for (waited = 0; waited < timeout_ms && !gone(pid); waited += 20) {
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}

int ts_dm_stop(struct ts *ts, const struct ts_dom *d)
{
    char path[300], *v;
    int pid = -1;

    snprintf(path, sizeof(path), "/local/domain/%u/image/device-model-pid",
             d->domid);
    v = tsxs_read(ts->xs, path);
    if (v != NULL) {
        pid = atoi(v);
        free(v);
    }
    if (pid <= 1) {
        pid = ts_pid_read(ts, d->domid, "dm.pid");
    }
    if (pid > 1 && !gone(pid)) {
        kill(pid, SIGHUP);             /* libxl__kill_xs_path */
        wait_gone(pid, TS_DESTROY_TIMEOUT_MS);
        if (!gone(pid)) {
            ts_errx("%s: device model %d ignored SIGHUP; killing it",
                    d->name, pid);
            kill(pid, SIGKILL);
            wait_gone(pid, 2000);
        }
    }
    snprintf(path, sizeof(path), "/local/domain/0/device-model/%u",
             d->domid);
    char *const trees[] = { path, NULL };
    tsxs_rm_trees(ts->xs, trees);
    snprintf(path, sizeof(path), "%s/qmp-libxl-%u", ts->dir, d->domid);
    unlink(path);
    snprintf(path, sizeof(path), "%s/qmp-libxenstat-%u", ts->dir, d->domid);
    unlink(path);
    return 0;
}
