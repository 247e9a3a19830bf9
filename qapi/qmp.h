/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The QMP server: one struct monitor per `-mon chardev=ID,mode=control`,
 * serving one client at a time on its chardev (reference §A.4, §B.4).
 * The command table lives in qmp-cmds.c; handlers get a struct
 * qmp_req and answer with qmp_return / qmp_error exactly once.
 */
#ifndef XENDM_QMP_H
#define XENDM_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xendm;
struct monitor;
struct json;

/* The version we advertise (see docs/qmp.md for why 7.2.0). */
#define QMP_QEMU_MAJOR 7
#define QMP_QEMU_MINOR 2
#define QMP_QEMU_MICRO 0
/* query-version's "package" (needs config.h, included first). */
#define QMP_PACKAGE "xendm-" PACKAGE_VERSION

/* Caps on what one client may make us hold. */
#define QMP_MAX_MESSAGE (1u << 20)     /* one JSON message, bytes */
#define QMP_MAX_NESTING 64
#define QMP_MAX_OUTPUT (1u << 20)      /* queued replies+events, bytes */
#define QMP_READ_PAUSE (64u << 10)     /* stop reading above this */

enum qmp_error_class {
    QMP_ERR_GENERIC,
    QMP_ERR_COMMAND_NOT_FOUND,
    QMP_ERR_DEVICE_NOT_ACTIVE,
    QMP_ERR_DEVICE_NOT_FOUND,
};

struct qmp_req {
    struct xendm *x;
    struct monitor *mon;
    const struct json *args;     /* an object, possibly empty */
    struct json *reply;          /* set by qmp_return / qmp_error */
    int *fd;                     /* the SCM_RIGHTS fd, -1 if none */
};

/* Creates a monitor on each -mon chardev; 0 or -errno. */
int monitor_open_all(struct xendm *x, char *err, size_t errlen);
void monitor_close_all(struct xendm *x);
/* Sends an event to every negotiated client of every monitor. */
void monitor_event_all(struct xendm *x, const char *event,
                       const struct json *data);
/* Number of clients connected over all monitors. */
size_t monitor_clients(const struct xendm *x);

/* Reply builders; take ownership of `ret`. */
void qmp_return(struct qmp_req *r, struct json *ret);
void qmp_return_empty(struct qmp_req *r);
void qmp_error(struct qmp_req *r, enum qmp_error_class cls, const char *fmt,
               ...) __attribute__((format(printf, 3, 4)));
/* Takes the passed fd (the caller then owns it), or -1. */
int qmp_take_fd(struct qmp_req *r);

/*
 * Runs one complete message as a client in `negotiated` state would
 * see it: the reply (NULL for none) as a JSON tree.  *negotiated is
 * updated by qmp_capabilities.  Used by the server and the fuzzer.
 */
struct json *qmp_dispatch(struct xendm *x, struct monitor *mon,
                          const char *msg, size_t len, bool *negotiated,
                          int *fd);
/* Makes the reply to a streamer error (too large / too deep). */
struct json *qmp_error_reply(enum qmp_error_class cls, const char *desc,
                             const struct json *id);

/* qmp-cmds.c: the table lookup and the query-commands list. */
struct qmp_command;
const struct qmp_command *qmp_command_find(const char *name);
void qmp_command_run(const struct qmp_command *cmd, struct qmp_req *r);
/* 0 or -EINVAL with r answered: argument names and types. */
int qmp_command_check_args(const struct qmp_command *cmd,
                           struct qmp_req *r);
struct json *qmp_command_list(void);

#endif
