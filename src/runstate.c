/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The run state machine.  Theory of operation: one value in
 * struct xendm, changed only here.  Leaving `running` sends STOP and
 * entering it sends RESUME, as QEMU's do_vm_stop()/vm_start() do;
 * listeners run after the value changed, in registration order.
 * runstate_shutdown follows QEMU's -no-shutdown rule: a guest
 * poweroff parks the VM in `shutdown` (libxl always passes
 * -no-shutdown), a host request (signal, `quit`) ends the process.
 */
#include "config.h"

#include <errno.h>

#include "qapi/json.h"
#include "log.h"
#include "runstate.h"
#include "xendm.h"

static const char *const runstate_names[RUNSTATE__MAX] = {
    [RUNSTATE_PRELAUNCH] = "prelaunch",
    [RUNSTATE_RUNNING] = "running",
    [RUNSTATE_PAUSED] = "paused",
    [RUNSTATE_INMIGRATE] = "inmigrate",
    [RUNSTATE_SAVE_VM] = "save-vm",
    [RUNSTATE_RESTORE_VM] = "restore-vm",
    [RUNSTATE_SHUTDOWN] = "shutdown",
};

const char *runstate_name(enum runstate_id id)
{
    if ((unsigned)id >= RUNSTATE__MAX) {
        return "internal-error";
    }
    return runstate_names[id];
}

void runstate_init(struct runstate *rs, enum runstate_id initial)
{
    rs->id = initial;
    rs->nlisteners = 0;
    rs->event_fn = NULL;
    rs->event_opaque = NULL;
}

int runstate_listen(struct runstate *rs, runstate_fn *fn, void *opaque)
{
    if (rs->nlisteners >= RUNSTATE_MAX_LISTENERS) {
        return -ENOSPC;
    }
    rs->listeners[rs->nlisteners].fn = fn;
    rs->listeners[rs->nlisteners].opaque = opaque;
    rs->nlisteners++;
    return 0;
}

void runstate_set_event_sink(struct runstate *rs, runstate_event_fn *fn,
                             void *opaque)
{
    rs->event_fn = fn;
    rs->event_opaque = opaque;
}

bool runstate_is_running(const struct runstate *rs)
{
    return rs->id == RUNSTATE_RUNNING;
}

void runstate_event(struct xendm *x, const char *event,
                    const struct json *data)
{
    if (x->rs.event_fn != NULL) {
        x->rs.event_fn(x, event, data, x->rs.event_opaque);
    }
}

void runstate_set(struct xendm *x, enum runstate_id now)
{
    enum runstate_id old = x->rs.id;
    size_t i;

    if (old == now) {
        return;
    }
    x->rs.id = now;
    log_debug("run state %s -> %s", runstate_name(old), runstate_name(now));
    if (old == RUNSTATE_RUNNING) {
        runstate_event(x, "STOP", NULL);
    } else if (now == RUNSTATE_RUNNING) {
        runstate_event(x, "RESUME", NULL);
    }
    for (i = 0; i < x->rs.nlisteners; i++) {
        x->rs.listeners[i].fn(x, old, now, x->rs.listeners[i].opaque);
    }
}

void runstate_stop(struct xendm *x, enum runstate_id now)
{
    if (runstate_is_running(&x->rs)) {
        runstate_set(x, now);
    }
}

void runstate_start(struct xendm *x)
{
    runstate_set(x, RUNSTATE_RUNNING);
}

static void runstate_event_reason(struct xendm *x, const char *event,
                                  bool guest, const char *reason)
{
    struct json *d = json_new_object();

    if (d != NULL) {
        json_object_set(d, "guest", json_new_bool(guest));
        json_object_set(d, "reason", json_new_string(reason));
    }
    runstate_event(x, event, d);
    json_free(d);
}

void runstate_shutdown(struct xendm *x, bool guest, const char *reason)
{
    runstate_event_reason(x, "SHUTDOWN", guest, reason);
    if (guest && x->opts.no_shutdown) {
        runstate_stop(x, RUNSTATE_SHUTDOWN);
        if (x->rs.id != RUNSTATE_SHUTDOWN) {
            runstate_set(x, RUNSTATE_SHUTDOWN);
        }
        return;
    }
    xendm_request_quit(x, 0);
}

void runstate_reset(struct xendm *x, bool guest, const char *reason)
{
    runstate_event_reason(x, "RESET", guest, reason);
}

void xendm_request_quit(struct xendm *x, int status)
{
    x->quit_requested = true;
    x->exit_status = status;
    if (x->loop != NULL) {
        loop_stop(x->loop);
    }
}
