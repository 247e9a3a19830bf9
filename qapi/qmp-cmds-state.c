/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QMP commands that move state or file descriptors in and out:
 * xen-save-devices-state and xen-load-devices-state with QEMU's
 * semantics (reference §B.1), and add-fd / remove-fd / query-fdsets /
 * getfd / closefd (§A.4).  Paths may be "/dev/fdset/N".  The file is
 * written and read on the loop thread: a device-only stream is a few
 * KiB, the same blocking write QEMU does in its monitor.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "fdset.h"
#include "json.h"
#include "log.h"
#include "qmp-cmds.h"
#include "qmp.h"
#include "runstate.h"
#include "xendm.h"

void qmp_cmd_xen_save_devices_state(struct qmp_req *r)
{
    struct xendm *x = r->x;
    const char *path = json_string(json_get(r->args, "filename"));
    bool live = true;   /* absent means true, for old toolstacks (QEMU) */
    bool was_running = runstate_is_running(&x->rs);
    char err[XENDM_ERRLEN];
    int fd, rc;

    json_bool(json_get(r->args, "live"), &live);
    runstate_stop(x, RUNSTATE_SAVE_VM);
    fd = fdset_open(x->fdsets, path, O_WRONLY | O_CREAT | O_TRUNC, 0660, err,
                    sizeof(err));
    rc = fd;
    if (fd >= 0) {
        rc = devstate_save_fd(x, fd, err, sizeof(err));
        if (close(fd) < 0 && rc == 0) {
            rc = -errno;
            snprintf(err, sizeof(err), "close: %m");
        }
    }
    /* live && !was_running: QEMU releases image locks; we hold none. */
    if (was_running) {
        runstate_start(x);
    }
    if (rc < 0) {
        qmp_error(r, QMP_ERR_GENERIC, "saving Xen device state failed: %s",
                  err);
        return;
    }
    log_info("device state saved to %s (%s)", path,
             live ? "live" : "not live");
    qmp_return_empty(r);
}

void qmp_cmd_xen_load_devices_state(struct qmp_req *r)
{
    struct xendm *x = r->x;
    const char *path = json_string(json_get(r->args, "filename"));
    char err[XENDM_ERRLEN];
    int fd, rc;

    if (runstate_is_running(&x->rs)) {
        qmp_error(r, QMP_ERR_GENERIC,
                  "Cannot update device state while vm is running");
        return;
    }
    fd = fdset_open(x->fdsets, path, O_RDONLY, 0, err, sizeof(err));
    rc = fd;
    if (fd >= 0) {
        rc = devstate_load_fd(x, fd, err, sizeof(err));
        close(fd);
    }
    if (rc < 0) {
        qmp_error(r, QMP_ERR_GENERIC, "loading Xen device state failed: %s",
                  err);
        return;
    }
    log_info("device state loaded from %s", path);
    qmp_return_empty(r);
}

void qmp_cmd_add_fd(struct qmp_req *r)
{
    const struct json *jid = json_get(r->args, "fdset-id");
    const char *opaque = json_string(json_get(r->args, "opaque"));
    char err[XENDM_ERRLEN];
    int64_t id = 0, got;
    struct json *o;
    int fd = qmp_take_fd(r);

    if (fd < 0) {
        qmp_error(r, QMP_ERR_GENERIC,
                  "No file descriptor supplied via SCM_RIGHTS");
        return;
    }
    json_int64(jid, &id);
    if (fdsets_add(r->x->fdsets, fd, jid != NULL, id, opaque, &got, err,
                   sizeof(err)) < 0) {
        close(fd);
        qmp_error(r, QMP_ERR_GENERIC, "%s", err);
        return;
    }
    o = json_new_object();
    json_object_set(o, "fdset-id", json_new_int(got));
    json_object_set(o, "fd", json_new_int(fd));
    qmp_return(r, o);
}

void qmp_cmd_remove_fd(struct qmp_req *r)
{
    const struct json *jfd = json_get(r->args, "fd");
    char err[XENDM_ERRLEN];
    int64_t id = 0, fd = -1;

    json_int64(json_get(r->args, "fdset-id"), &id);
    json_int64(jfd, &fd);
    if (fdsets_remove(r->x->fdsets, id, jfd != NULL, fd, err,
                      sizeof(err)) < 0) {
        qmp_error(r, QMP_ERR_GENERIC, "%s", err);
        return;
    }
    qmp_return_empty(r);
}

void qmp_cmd_query_fdsets(struct qmp_req *r)
{
    qmp_return(r, fdsets_query(r->x->fdsets));
}

void qmp_cmd_getfd(struct qmp_req *r)
{
    const char *name = json_string(json_get(r->args, "fdname"));
    char err[XENDM_ERRLEN];
    int fd = qmp_take_fd(r);

    if (fd < 0) {
        qmp_error(r, QMP_ERR_GENERIC,
                  "No file descriptor supplied via SCM_RIGHTS");
        return;
    }
    if (fdsets_getfd(r->x->fdsets, name, fd, err, sizeof(err)) < 0) {
        qmp_error(r, QMP_ERR_GENERIC, "%s", err);
        return;
    }
    qmp_return_empty(r);
}

void qmp_cmd_closefd(struct qmp_req *r)
{
    const char *name = json_string(json_get(r->args, "fdname"));
    char err[XENDM_ERRLEN];

    if (fdsets_closefd(r->x->fdsets, name, err, sizeof(err)) < 0) {
        qmp_error(r, QMP_ERR_GENERIC, "%s", err);
        return;
    }
    qmp_return_empty(r);
}
