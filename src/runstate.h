/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM's run state, with QEMU's names (qapi/run-state.json) and the
 * events QEMU sends when it changes: STOP when the VM leaves
 * `running`, RESUME when it enters it, SHUTDOWN and RESET when the
 * guest (or a signal) asks.  Devices register listeners to learn of
 * stop/cont; the QMP server registers one to send the events.
 */
#ifndef XENDM_RUNSTATE_H
#define XENDM_RUNSTATE_H

#include <stdbool.h>
#include <stddef.h>

enum runstate_id {
    RUNSTATE_PRELAUNCH,
    RUNSTATE_RUNNING,
    RUNSTATE_PAUSED,
    RUNSTATE_INMIGRATE,
    RUNSTATE_SAVE_VM,
    RUNSTATE_RESTORE_VM,
    RUNSTATE_SHUTDOWN,
    RUNSTATE__MAX,
};

struct xendm;
struct json;

/* Called after every change; `old` is the state left. */
typedef void runstate_fn(struct xendm *x, enum runstate_id old,
                         enum runstate_id now, void *opaque);
/* Called for RESET/SHUTDOWN/… events (name, data owned by the caller). */
typedef void runstate_event_fn(struct xendm *x, const char *event,
                               const struct json *data, void *opaque);

#define RUNSTATE_MAX_LISTENERS 16

struct runstate {
    enum runstate_id id;
    struct {
        runstate_fn *fn;
        void *opaque;
    } listeners[RUNSTATE_MAX_LISTENERS];
    size_t nlisteners;
    runstate_event_fn *event_fn;
    void *event_opaque;
};

const char *runstate_name(enum runstate_id id);
void runstate_init(struct runstate *rs, enum runstate_id initial);
/* 0 or -ENOSPC. */
int runstate_listen(struct runstate *rs, runstate_fn *fn, void *opaque);
void runstate_set_event_sink(struct runstate *rs, runstate_event_fn *fn,
                             void *opaque);
bool runstate_is_running(const struct runstate *rs);
/* Moves to `now`, calling listeners and sending STOP/RESUME. */
void runstate_set(struct xendm *x, enum runstate_id now);
/* QEMU's vm_stop(state): only acts when running. */
void runstate_stop(struct xendm *x, enum runstate_id now);
/* QEMU's vm_start(): to running from any stopped state. */
void runstate_start(struct xendm *x);
/* The guest powered off / reset / a signal asked to quit. */
void runstate_shutdown(struct xendm *x, bool guest, const char *reason);
void runstate_reset(struct xendm *x, bool guest, const char *reason);
/* Sends an event (name + optional data) to every QMP client. */
void runstate_event(struct xendm *x, const char *event,
                    const struct json *data);

#endif
