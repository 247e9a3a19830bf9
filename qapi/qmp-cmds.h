/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The QMP command table's types, shared by qmp-cmds.c (the table and
 * the simple commands) and qmp-cmds-state.c (device state and fds).
 */
#ifndef XENDM_QMP_CMDS_H
#define XENDM_QMP_CMDS_H

#include "qmp.h"

#define QMP_ARG_STRING 0x1u
#define QMP_ARG_BOOL 0x2u
#define QMP_ARG_INT 0x3u
#define QMP_ARG_ARRAY 0x4u
#define QMP_ARG_TYPE_MASK 0xfu
#define QMP_ARG_REQUIRED 0x10u
#define QMP_MAX_ARGS 4

struct qmp_arg {
    const char *name;
    unsigned flags;
};

typedef void qmp_command_fn(struct qmp_req *r);

struct qmp_command {
    const char *name;
    qmp_command_fn *fn;
    struct qmp_arg args[QMP_MAX_ARGS];
};

void qmp_cmd_xen_save_devices_state(struct qmp_req *r);
void qmp_cmd_xen_load_devices_state(struct qmp_req *r);
void qmp_cmd_add_fd(struct qmp_req *r);
void qmp_cmd_remove_fd(struct qmp_req *r);
void qmp_cmd_query_fdsets(struct qmp_req *r);
void qmp_cmd_getfd(struct qmp_req *r);
void qmp_cmd_closefd(struct qmp_req *r);
/* qmp-hmp.c: human-monitor-command. */
void qmp_cmd_hmp(struct qmp_req *r);
/* vCPUs as query-cpus-fast lists them (0 for none/xenpv). */
unsigned qmp_vcpu_count(const struct xendm *x);

#endif
