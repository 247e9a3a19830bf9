/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machines xendm knows, in one table indexed by -machine kind.
 * `none` is libxl's probe machine: QMP only, no Xen.  `xenpv` serves
 * PV backends and has no emulated devices; the PV area extends its
 * ops (backend_types, prepare/start/exit).  `xenfv` and `pc,accel=xen`
 * are the HVM machine (hw/emu/hvm-machine.c): the emulated PC behind
 * an ioreq server, plus the same PV backends (and so the same
 * query-block/query-blockstats: the qdisk disks a guest uses once it
 * has unplugged the emulated ones).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hw/block/qdisk.h"
#include "hw/emu/hvm-machine.h"
#include "hw/pv/pv-machine.h"
#include "xendm.h"

int machine_check_no_devices(struct xendm *x, char *why, size_t whylen)
{
    const struct xendm_opts *o = &x->opts;
    size_t i;

    for (i = 0; i < o->nlists; i++) {
        const struct optlist *l = &o->lists[i];
        const char *type = optlist_get(l, "type");

        if (strcmp(l->option, "net") == 0 && type != NULL &&
            strcmp(type, "none") == 0) {
            continue;
        }
        snprintf(why, whylen, "-%s %s: machine '%s' has no emulated "
                 "devices", l->option, l->raw, x->machine->name);
        return -EINVAL;
    }
    if (o->kernel != NULL || o->initrd != NULL || o->append != NULL) {
        snprintf(why, whylen, "-kernel/-initrd/-append: machine '%s' "
                 "boots no kernel", x->machine->name);
        return -EINVAL;
    }
    if (o->nserials > 0) {
        snprintf(why, whylen, "-serial: machine '%s' has no serial ports",
                 x->machine->name);
        return -EINVAL;
    }
    return 0;
}

static const char *const machine_no_backends[] = {NULL};

static const struct machine_ops machine_none_ops = {
    .name = "none",
    .check = machine_check_no_devices,
    .backend_types = machine_no_backends,
};

static struct json *machine_pv_query_block(struct xendm *x, bool stats)
{
    struct xenbus *bus = pvmachine_bus(x);

    if (bus == NULL) {
        return NULL;
    }
    return stats ? qdisk_query_blockstats(bus) : qdisk_query_block(bus);
}

static const struct machine_ops machine_xenpv_ops = {
    .name = "xenpv",
    .flags = MACHINE_NEEDS_XEN,
    .check = machine_check_no_devices,
    .prepare = pvmachine_prepare,
    .restrict_handles = pvmachine_restrict,
    .start = pvmachine_start,
    .exit = pvmachine_exit,
    .query_block = machine_pv_query_block,
    .backend_types = pv_backend_types,
};

/* `xenfv` and `pc,accel=xen` are one machine under two names. */
#define MACHINE_HVM_OPS(NAME)                                                \
    {                                                                        \
        .name = (NAME), .flags = MACHINE_NEEDS_XEN | MACHINE_HVM,            \
        .check = hvmachine_check, .prepare = hvmachine_prepare,              \
        .restrict_handles = hvmachine_restrict, .start = hvmachine_start,    \
        .exit = hvmachine_exit, .query_block = machine_pv_query_block,       \
        .backend_types = pv_backend_types,                                   \
    }

static const struct machine_ops machine_xenfv_ops = MACHINE_HVM_OPS("xenfv");
static const struct machine_ops machine_pc_ops = MACHINE_HVM_OPS("pc");

static const struct machine_ops *const machine_table[] = {
    [MACHINE_NONE] = &machine_none_ops,
    [MACHINE_XENPV] = &machine_xenpv_ops,
    [MACHINE_XENFV] = &machine_xenfv_ops,
    [MACHINE_PC_XEN] = &machine_pc_ops,
};

const struct machine_ops *machine_find(enum machine_kind kind)
{
    if ((unsigned)kind >= sizeof(machine_table) / sizeof(machine_table[0])) {
        return NULL;
    }
    return machine_table[kind];
}
