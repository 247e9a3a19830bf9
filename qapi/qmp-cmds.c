/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The QMP commands xendm implements: every command libxl and
 * libxenstat send (reference §A.2), with QEMU's argument names,
 * reply shapes and error texts.  One static table {name, handler,
 * parameters}; qmp_command_check_args does the common checks (unknown,
 * missing and mistyped arguments, in QEMU's words) before a handler
 * runs, so handlers only see well-typed arguments.  Anything not in
 * the table is CommandNotFound, which libxl relies on (query-cpus-fast
 * falls back to query-cpus).  The save/load/fd commands are in
 * qmp-cmds-state.c.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chardev.h"
#include "json.h"
#include "qmp-cmds.h"
#include "qmp.h"
#include "runstate.h"
#include "vnc.h"
#include "xendm.h"

static void cmd_qmp_capabilities(struct qmp_req *r)
{
    const struct json *en = json_get(r->args, "enable");
    size_t i;

    for (i = 0; i < json_array_len(en); i++) {
        const char *cap = json_string(json_array_at(en, i));

        if (cap == NULL || strcmp(cap, "oob") != 0) {
            qmp_error(r, QMP_ERR_GENERIC, "Parameter 'enable[%zu]' does not "
                      "accept value '%.64s'", i, cap != NULL ? cap : "");
            return;
        }
        qmp_error(r, QMP_ERR_GENERIC, "Capability oob isn't available");
        return;
    }
    qmp_return_empty(r);
}

static struct json *cmd_version_json(void)
{
    struct json *v = json_new_object(), *q = json_new_object();

    json_object_set(q, "micro", json_new_int(QMP_QEMU_MICRO));
    json_object_set(q, "minor", json_new_int(QMP_QEMU_MINOR));
    json_object_set(q, "major", json_new_int(QMP_QEMU_MAJOR));
    json_object_set(v, "qemu", q);
    json_object_set(v, "package", json_new_string(QMP_PACKAGE));
    return v;
}

static void cmd_query_version(struct qmp_req *r)
{
    qmp_return(r, cmd_version_json());
}

static void cmd_query_commands(struct qmp_req *r)
{
    qmp_return(r, qmp_command_list());
}

static void cmd_query_status(struct qmp_req *r)
{
    struct json *o = json_new_object();

    json_object_set(o, "running", json_new_bool(runstate_is_running(&r->x->rs)));
    json_object_set(o, "singlestep", json_new_bool(false));
    json_object_set(o, "status", json_new_string(runstate_name(r->x->rs.id)));
    qmp_return(r, o);
}

static void cmd_stop(struct qmp_req *r)
{
    runstate_stop(r->x, RUNSTATE_PAUSED);
    qmp_return_empty(r);
}

static void cmd_cont(struct qmp_req *r)
{
    if (r->x->rs.id == RUNSTATE_SHUTDOWN) {
        qmp_error(r, QMP_ERR_GENERIC,
                  "Resetting the Virtual Machine is required");
        return;
    }
    runstate_start(r->x);
    qmp_return_empty(r);
}

static void cmd_quit(struct qmp_req *r)
{
    struct json *d = json_new_object();

    qmp_return_empty(r);
    json_object_set(d, "guest", json_new_bool(false));
    json_object_set(d, "reason", json_new_string("host-qmp-quit"));
    runstate_event(r->x, "SHUTDOWN", d);
    json_free(d);
    xendm_request_quit(r->x, 0);
}

static void cmd_query_name(struct qmp_req *r)
{
    struct json *o = json_new_object();

    if (r->x->opts.name != NULL) {
        json_object_set(o, "name", json_new_string(r->x->opts.name));
    }
    qmp_return(r, o);
}

static void cmd_query_chardev(struct qmp_req *r)
{
    qmp_return(r, chardev_query(r->x));
}

static void cmd_query_vnc(struct qmp_req *r)
{
    const struct vnc_state *v = &r->x->vnc;
    struct json *o = json_new_object();

    if (v->listen_fd < 0) {
        json_object_set(o, "enabled", json_new_bool(false));
        qmp_return(r, o);
        return;
    }
    json_object_set(o, "enabled", json_new_bool(true));
    json_object_set(o, "auth", json_new_string(
                                   r->x->opts.vnc.password ? "vnc" : "none"));
    json_object_set(o, "family", json_new_string(v->family));
    json_object_set(o, "clients", vnc_query_clients(r->x));
    json_object_set(o, "service", json_new_string(v->service));
    json_object_set(o, "host", json_new_string(v->host));
    qmp_return(r, o);
}

static void cmd_change_vnc_password(struct qmp_req *r)
{
    const char *pw = json_string(json_get(r->args, "password"));
    char *copy;

    /* As QEMU: only a display started with password=on takes one. */
    if (r->x->vnc.listen_fd < 0 || !r->x->opts.vnc.password) {
        qmp_error(r, QMP_ERR_GENERIC, "Could not set password");
        return;
    }
    copy = strdup(pw);
    if (copy == NULL) {
        qmp_error(r, QMP_ERR_GENERIC, "Out of memory");
        return;
    }
    free(r->x->vnc.password);
    r->x->vnc.password = copy;
    qmp_return_empty(r);
}

/* QEMU's none and xenpv machines have no CPUs. */
unsigned qmp_vcpu_count(const struct xendm *x)
{
    if (x->machine != NULL && (x->machine->flags & MACHINE_HVM)) {
        return x->opts.smp_cpus;
    }
    return 0;
}

static void cmd_query_cpus_fast(struct qmp_req *r)
{
    struct json *arr = json_new_array();
    unsigned i, n = qmp_vcpu_count(r->x);

    for (i = 0; i < n; i++) {
        struct json *c = json_new_object(), *p = json_new_object();
        char qom[64];

        /* QEMU's xenfv makes two devices before its CPUs (the lab's
         * capture: vCPU 0 is device[2]). */
        snprintf(qom, sizeof(qom), "/machine/unattached/device[%u]", i + 2);
        json_object_set(p, "core-id", json_new_int(0));
        json_object_set(p, "thread-id", json_new_int(0));
        json_object_set(p, "socket-id", json_new_int(i));
        json_object_set(c, "thread-id", json_new_int(getpid()));
        json_object_set(c, "props", p);
        json_object_set(c, "qom-path", json_new_string(qom));
        json_object_set(c, "cpu-index", json_new_int(i));
        json_object_set(c, "target", json_new_string("i386"));
        json_array_append(arr, c);
    }
    qmp_return(r, arr);
}

static void cmd_query_command_line_options(struct qmp_req *r)
{
    const char *only = json_string(json_get(r->args, "option"));
    struct json *ret = cmdline_query_options(only);

    if (ret == NULL) {
        qmp_error(r, QMP_ERR_GENERIC, "invalid option name: %.100s",
                  only != NULL ? only : "");
        return;
    }
    qmp_return(r, ret);
}

static void cmd_xen_set_global_dirty_log(struct qmp_req *r)
{
    bool on = false;

    json_bool(json_get(r->args, "enable"), &on);
    r->x->dirty_log = on;
    qmp_return_empty(r);
}

/* The machine's disks (qdisk for xenpv); none without a machine hook. */
static void cmd_query_block_common(struct qmp_req *r, bool stats)
{
    const struct machine_ops *m = r->x->machine;
    struct json *l = NULL;

    if (m != NULL && m->query_block != NULL) {
        l = m->query_block(r->x, stats);
    }
    qmp_return(r, l != NULL ? l : json_new_array());
}

static void cmd_query_block(struct qmp_req *r)
{
    cmd_query_block_common(r, false);
}

static void cmd_query_blockstats(struct qmp_req *r)
{
    cmd_query_block_common(r, true);
}

static const struct qmp_command qmp_commands[] = {
    {"qmp_capabilities", cmd_qmp_capabilities, {{"enable", QMP_ARG_ARRAY}}},
    {"query-version", cmd_query_version, {{NULL}}},
    {"query-commands", cmd_query_commands, {{NULL}}},
    {"query-status", cmd_query_status, {{NULL}}},
    {"stop", cmd_stop, {{NULL}}},
    {"cont", cmd_cont, {{NULL}}},
    {"quit", cmd_quit, {{NULL}}},
    {"query-name", cmd_query_name, {{NULL}}},
    {"query-chardev", cmd_query_chardev, {{NULL}}},
    {"query-vnc", cmd_query_vnc, {{NULL}}},
    {"change-vnc-password", cmd_change_vnc_password,
     {{"password", QMP_ARG_STRING | QMP_ARG_REQUIRED}}},
    {"query-cpus-fast", cmd_query_cpus_fast, {{NULL}}},
    {"query-command-line-options", cmd_query_command_line_options,
     {{"option", QMP_ARG_STRING}}},
    {"xen-save-devices-state", qmp_cmd_xen_save_devices_state,
     {{"filename", QMP_ARG_STRING | QMP_ARG_REQUIRED},
      {"live", QMP_ARG_BOOL}}},
    {"xen-load-devices-state", qmp_cmd_xen_load_devices_state,
     {{"filename", QMP_ARG_STRING | QMP_ARG_REQUIRED}}},
    {"xen-set-global-dirty-log", cmd_xen_set_global_dirty_log,
     {{"enable", QMP_ARG_BOOL | QMP_ARG_REQUIRED}}},
    {"query-block", cmd_query_block, {{NULL}}},
    {"query-blockstats", cmd_query_blockstats,
     {{"query-nodes", QMP_ARG_BOOL}}},
    {"human-monitor-command", qmp_cmd_hmp,
     {{"command-line", QMP_ARG_STRING | QMP_ARG_REQUIRED},
      {"cpu-index", QMP_ARG_INT}}},
    {"add-fd", qmp_cmd_add_fd,
     {{"fdset-id", QMP_ARG_INT}, {"opaque", QMP_ARG_STRING}}},
    {"remove-fd", qmp_cmd_remove_fd,
     {{"fdset-id", QMP_ARG_INT | QMP_ARG_REQUIRED}, {"fd", QMP_ARG_INT}}},
    {"query-fdsets", qmp_cmd_query_fdsets, {{NULL}}},
    {"getfd", qmp_cmd_getfd, {{"fdname", QMP_ARG_STRING | QMP_ARG_REQUIRED}}},
    {"closefd", qmp_cmd_closefd,
     {{"fdname", QMP_ARG_STRING | QMP_ARG_REQUIRED}}},
};

#define QMP_NCOMMANDS (sizeof(qmp_commands) / sizeof(qmp_commands[0]))

const struct qmp_command *qmp_command_find(const char *name)
{
    size_t i;

    for (i = 0; i < QMP_NCOMMANDS; i++) {
        if (strcmp(qmp_commands[i].name, name) == 0) {
            return &qmp_commands[i];
        }
    }
    return NULL;
}

void qmp_command_run(const struct qmp_command *cmd, struct qmp_req *r)
{
    cmd->fn(r);
}

struct json *qmp_command_list(void)
{
    struct json *arr = json_new_array();
    size_t i;

    for (i = 0; i < QMP_NCOMMANDS; i++) {
        struct json *o = json_new_object();

        json_object_set(o, "name", json_new_string(qmp_commands[i].name));
        json_array_append(arr, o);
    }
    return arr;
}

static const struct {
    unsigned type;
    const char *name;
} qmp_arg_types[] = {
    {QMP_ARG_STRING, "string"},
    {QMP_ARG_BOOL, "boolean"},
    {QMP_ARG_INT, "integer"},
    {QMP_ARG_ARRAY, "array"},
};

static bool qmp_arg_fits(unsigned type, const struct json *v)
{
    switch (type) {
    case QMP_ARG_STRING:
        return v->type == JSON_STRING;
    case QMP_ARG_BOOL:
        return v->type == JSON_BOOL;
    case QMP_ARG_INT:
        return v->type == JSON_INT;
    case QMP_ARG_ARRAY:
        return v->type == JSON_ARRAY;
    default:
        return false;
    }
}

static const char *qmp_arg_type_name(unsigned type)
{
    size_t i;

    for (i = 0; i < sizeof(qmp_arg_types) / sizeof(qmp_arg_types[0]); i++) {
        if (qmp_arg_types[i].type == type) {
            return qmp_arg_types[i].name;
        }
    }
    return "unknown";
}

static const struct qmp_arg *qmp_arg_find(const struct qmp_command *cmd,
                                          const char *name)
{
    size_t i;

    for (i = 0; i < QMP_MAX_ARGS && cmd->args[i].name != NULL; i++) {
        if (strcmp(cmd->args[i].name, name) == 0) {
            return &cmd->args[i];
        }
    }
    return NULL;
}

int qmp_command_check_args(const struct qmp_command *cmd, struct qmp_req *r)
{
    const struct json *a = r->args;
    size_t i;

    for (i = 0; i < a->u.obj.n; i++) {
        const char *k = a->u.obj.m[i].key;
        const struct qmp_arg *arg = qmp_arg_find(cmd, k);
        unsigned type;

        if (arg == NULL) {
            qmp_error(r, QMP_ERR_GENERIC, "Parameter '%.64s' is unexpected",
                      k);
            return -EINVAL;
        }
        type = arg->flags & QMP_ARG_TYPE_MASK;
        if (!qmp_arg_fits(type, a->u.obj.m[i].val)) {
            qmp_error(r, QMP_ERR_GENERIC,
                      "Invalid parameter type for '%s', expected: %s",
                      arg->name, qmp_arg_type_name(type));
            return -EINVAL;
        }
    }
    for (i = 0; i < QMP_MAX_ARGS && cmd->args[i].name != NULL; i++) {
        if ((cmd->args[i].flags & QMP_ARG_REQUIRED) &&
            json_get(a, cmd->args[i].name) == NULL) {
            qmp_error(r, QMP_ERR_GENERIC, "Parameter '%s' is missing",
                      cmd->args[i].name);
            return -EINVAL;
        }
    }
    return 0;
}
