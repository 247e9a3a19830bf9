/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libxl's command line (reference §A.1): every form libxl 4.14–4.21
 * builds for qemu-xen, parsed from one table of options.  What xendm
 * cannot honour is refused here, before anything is opened: the
 * caller prints the one-line reason and exits 1.  Machine-dependent
 * checks (which -device kinds exist, …) are the machine's check()
 * hook, run by main right after parsing.
 *
 * argv comes from the toolstack (trusted in intent, but possibly a
 * newer or older version than we know), so every value is validated
 * and the first bad one ends parsing with its name in the message.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qapi/json.h"
#include "optlist.h"
#include "xendm.h"

struct cmdline_ctx {
    struct xendm_opts *o;
    const char *opt;       /* the option being parsed, for messages */
    char *err;
    size_t errlen;
};

typedef int cmdline_fn(struct cmdline_ctx *c, const char *arg);

struct cmdline_option {
    const char *name;
    bool has_arg;
    cmdline_fn *fn;
};

static int cmdline_fail(struct cmdline_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int cmdline_fail(struct cmdline_ctx *c, const char *fmt, ...)
{
    va_list ap;
    int n;

    n = snprintf(c->err, c->errlen, "-%s: ", c->opt);
    if (n < 0 || (size_t)n >= c->errlen) {
        n = 0;
    }
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int cmdline_strdup(struct cmdline_ctx *c, char **dst, const char *v)
{
    free(*dst);
    *dst = strdup(v);
    return *dst == NULL ? cmdline_fail(c, "out of memory") : 0;
}

/* Parses arg into a fresh optlist and checks every key is allowed. */
static int cmdline_split(struct cmdline_ctx *c, struct optlist *l,
                         const char *arg, const char *implied,
                         const char *const *allowed)
{
    size_t i, k;

    if (optlist_parse(l, c->opt, arg, implied) < 0) {
        optlist_free(l);
        return cmdline_fail(c, "cannot parse '%s'", arg);
    }
    for (i = 0; allowed != NULL && i < l->n; i++) {
        for (k = 0; allowed[k] != NULL; k++) {
            if (strcmp(allowed[k], l->keys[i]) == 0) {
                break;
            }
        }
        if (allowed[k] == NULL) {
            cmdline_fail(c, "parameter '%s' is not supported", l->keys[i]);
            optlist_free(l);
            return -EINVAL;
        }
    }
    return 0;
}

static int cmdline_getbool(struct cmdline_ctx *c, const struct optlist *l,
                           const char *key, bool dflt, bool *out)
{
    const char *v = optlist_get(l, key);

    *out = dflt;
    if (v != NULL && optlist_bool(v, out) < 0) {
        return cmdline_fail(c, "'%s' must be on or off, not '%s'", key, v);
    }
    return 0;
}

static int opt_flag_true(bool *b)
{
    *b = true;
    return 0;
}

static int opt_no_shutdown(struct cmdline_ctx *c, const char *a)
{
    return opt_flag_true(&c->o->no_shutdown);
}

static int opt_S(struct cmdline_ctx *c, const char *a)
{
    return opt_flag_true(&c->o->start_paused);
}

static int opt_xen_attach(struct cmdline_ctx *c, const char *a)
{
    return opt_flag_true(&c->o->xen_attach);
}

static int opt_domid_restrict(struct cmdline_ctx *c, const char *a)
{
    return opt_flag_true(&c->o->domid_restrict);
}

static int opt_nodefaults(struct cmdline_ctx *c, const char *a)
{
    return opt_flag_true(&c->o->nodefaults);
}

static int opt_no_user_config(struct cmdline_ctx *c, const char *a)
{
    return opt_flag_true(&c->o->no_user_config);
}

static int opt_nographic(struct cmdline_ctx *c, const char *a)
{
    return opt_flag_true(&c->o->nographic);
}

static int opt_no_acpi(struct cmdline_ctx *c, const char *a)
{
    return opt_flag_true(&c->o->no_acpi);
}

static int opt_verbose(struct cmdline_ctx *c, const char *a)
{
    c->o->verbose++;
    return 0;
}

static int opt_xen_domid(struct cmdline_ctx *c, const char *arg)
{
    uint64_t v;

    /* DOMID_FIRST_RESERVED is 0x7ff0. */
    if (optlist_uint(arg, 0x7fef, &v) < 0) {
        return cmdline_fail(c, "'%s' is not a domain id", arg);
    }
    c->o->domid = (uint32_t)v;
    c->o->have_domid = true;
    return 0;
}

static struct chardev_spec *cmdline_chardev_find(struct xendm_opts *o,
                                                 const char *id)
{
    size_t i;

    for (i = 0; i < o->nchardevs; i++) {
        if (strcmp(o->chardevs[i].id, id) == 0) {
            return &o->chardevs[i];
        }
    }
    return NULL;
}

static struct chardev_spec *cmdline_chardev_new(struct cmdline_ctx *c,
                                                const char *id)
{
    struct chardev_spec *s;

    if (cmdline_chardev_find(c->o, id) != NULL) {
        cmdline_fail(c, "duplicate chardev id '%s'", id);
        return NULL;
    }
    if (c->o->nchardevs >= XENDM_MAX_CHARDEVS) {
        cmdline_fail(c, "too many chardevs");
        return NULL;
    }
    s = &c->o->chardevs[c->o->nchardevs];
    memset(s, 0, sizeof(*s));
    s->fd = -1;
    s->id = strdup(id);
    if (s->id == NULL) {
        cmdline_fail(c, "out of memory");
        return NULL;
    }
    c->o->nchardevs++;
    return s;
}

static int opt_chardev_socket(struct cmdline_ctx *c, struct chardev_spec *s,
                              const struct optlist *l)
{
    const char *path = optlist_get(l, "path"), *fd = optlist_get(l, "fd");
    uint64_t n;
    int rc;

    s->kind = CHARDEV_SOCKET;
    if (optlist_get(l, "host") != NULL || optlist_get(l, "port") != NULL) {
        return cmdline_fail(c, "TCP sockets are not supported");
    }
    if ((path == NULL) == (fd == NULL)) {
        return cmdline_fail(c, "socket '%s' needs exactly one of path= "
                            "and fd=", s->id);
    }
    rc = cmdline_getbool(c, l, "server", false, &s->server);
    if (rc == 0) {
        rc = cmdline_getbool(c, l, "wait", true, &s->wait);
    }
    if (rc < 0) {
        return rc;
    }
    if (!s->server) {
        return cmdline_fail(c, "client sockets are not supported "
                            "(need server=on)");
    }
    if (s->wait) {
        return cmdline_fail(c, "wait=on is not supported (need wait=off)");
    }
    if (path != NULL) {
        if (*path == '\0' || strlen(path) >= 108) {
            return cmdline_fail(c, "socket path '%s' is empty or too long",
                                path);
        }
        return cmdline_strdup(c, &s->path, path);
    }
    if (optlist_uint(fd, 65535, &n) < 0 || n < 3 ||
        fcntl((int)n, F_GETFD) < 0) {
        return cmdline_fail(c, "fd=%s is not an open file descriptor", fd);
    }
    s->fd = (int)n;
    return 0;
}

static int opt_chardev(struct cmdline_ctx *c, const char *arg)
{
    static const char *const keys[] = {"backend", "id", "path", "fd",
                                       "server", "wait", "host", "port",
                                       NULL};
    struct optlist l;
    struct chardev_spec *s;
    const char *backend, *id;
    int rc = 0;

    if (cmdline_split(c, &l, arg, "backend", keys) < 0) {
        return -EINVAL;
    }
    backend = optlist_get(&l, "backend");
    id = optlist_get(&l, "id");
    if (backend == NULL || id == NULL || *id == '\0') {
        rc = cmdline_fail(c, "'%s' needs a backend and an id", arg);
    } else if ((s = cmdline_chardev_new(c, id)) == NULL) {
        rc = -EINVAL;
    } else if (strcmp(backend, "socket") == 0) {
        rc = opt_chardev_socket(c, s, &l);
    } else if (strcmp(backend, "pty") == 0 && l.n == 2) {
        s->kind = CHARDEV_PTY;
    } else if (strcmp(backend, "null") == 0 && l.n == 2) {
        s->kind = CHARDEV_NULL;
    } else {
        rc = cmdline_fail(c, "backend '%s' (with these parameters) is not "
                          "supported", backend);
    }
    optlist_free(&l);
    return rc;
}

static int opt_mon(struct cmdline_ctx *c, const char *arg)
{
    static const char *const keys[] = {"chardev", "mode", "pretty", NULL};
    struct optlist l;
    struct chardev_spec *s;
    const char *id, *mode;
    int rc = 0;

    if (cmdline_split(c, &l, arg, "chardev", keys) < 0) {
        return -EINVAL;
    }
    id = optlist_get(&l, "chardev");
    mode = optlist_get(&l, "mode");
    if (id == NULL || (s = cmdline_chardev_find(c->o, id)) == NULL) {
        rc = cmdline_fail(c, "no chardev '%s'", id != NULL ? id : "");
    } else if (mode == NULL || strcmp(mode, "control") != 0) {
        rc = cmdline_fail(c, "only mode=control (QMP) is supported");
    } else if (s->kind != CHARDEV_SOCKET || s->is_monitor) {
        rc = cmdline_fail(c, "chardev '%s' is not a free socket", id);
    } else if (c->o->nmonitors >= XENDM_MAX_MONITORS) {
        rc = cmdline_fail(c, "too many monitors");
    } else {
        s->is_monitor = true;
        c->o->monitors[c->o->nmonitors++] = s->id;
    }
    optlist_free(&l);
    return rc;
}

/* -monitor, -parallel: libxl's xl-devd variant passes /dev/null. */
static int opt_nullish(struct cmdline_ctx *c, const char *arg)
{
    if (strcmp(arg, "/dev/null") == 0 || strcmp(arg, "none") == 0 ||
        strcmp(arg, "null") == 0) {
        return 0;
    }
    return cmdline_fail(c, "'%s' is not supported (only none)", arg);
}

static int opt_serial(struct cmdline_ctx *c, const char *arg)
{
    struct xendm_opts *o = c->o;
    struct chardev_spec *s;
    char label[16];

    if (strcmp(arg, "none") == 0) {
        return 0;
    }
    if (o->nserials >= XENDM_MAX_SERIALS) {
        return cmdline_fail(c, "at most %d serial ports", XENDM_MAX_SERIALS);
    }
    snprintf(label, sizeof(label), "serial%zu", o->nserials);
    if (strncmp(arg, "chardev:", 8) == 0) {
        if (cmdline_chardev_find(o, arg + 8) == NULL) {
            return cmdline_fail(c, "no chardev '%s'", arg + 8);
        }
        return cmdline_strdup(c, &o->serials[o->nserials++], arg + 8);
    }
    if (strcmp(arg, "pty") != 0 && strcmp(arg, "null") != 0 &&
        strcmp(arg, "/dev/null") != 0) {
        return cmdline_fail(c, "'%s' is not supported (pty, null, none, "
                            "chardev:ID)", arg);
    }
    s = cmdline_chardev_new(c, label);
    if (s == NULL) {
        return -EINVAL;
    }
    s->kind = strcmp(arg, "pty") == 0 ? CHARDEV_PTY : CHARDEV_NULL;
    s->from_serial = true;
    return cmdline_strdup(c, &o->serials[o->nserials++], label);
}

static int opt_name(struct cmdline_ctx *c, const char *arg)
{
    static const char *const keys[] = {"guest", "process", NULL};
    struct optlist l;
    const char *g;
    int rc = 0;

    if (cmdline_split(c, &l, arg, "guest", keys) < 0) {
        return -EINVAL;
    }
    g = optlist_get(&l, "guest");
    if (g != NULL) {
        rc = cmdline_strdup(c, &c->o->name, g);
    }
    optlist_free(&l);
    return rc;
}

static int opt_display(struct cmdline_ctx *c, const char *arg)
{
    if (strcmp(arg, "none") == 0) {
        return 0;
    }
    return cmdline_fail(c, "display '%s' is not supported (only none; use "
                        "-vnc)", arg);
}

static int opt_vnc(struct cmdline_ctx *c, const char *arg)
{
    static const char *const keys[] = {"addr", "password", "to", NULL};
    struct vnc_opts *v = &c->o->vnc;
    struct optlist l;
    const char *addr, *colon, *to;
    uint64_t n;
    size_t hlen;
    int rc;

    memset(v, 0, sizeof(*v));
    v->to = -1;
    if (strcmp(arg, "none") == 0) {
        return 0;
    }
    if (cmdline_split(c, &l, arg, "addr", keys) < 0) {
        return -EINVAL;
    }
    addr = optlist_get(&l, "addr");
    colon = addr != NULL ? strrchr(addr, ':') : NULL;
    rc = cmdline_getbool(c, &l, "password", false, &v->password);
    to = optlist_get(&l, "to");
    if (rc < 0) {
        goto out;
    }
    hlen = colon != NULL ? (size_t)(colon - addr) : 0;
    if (colon == NULL || hlen >= sizeof(v->host) ||
        optlist_uint(colon + 1, 65535 - 5900, &n) < 0) {
        rc = cmdline_fail(c, "'%s' is not HOST:DISPLAY", arg);
        goto out;
    }
    if (hlen >= 2 && addr[0] == '[' && addr[hlen - 1] == ']') {
        memcpy(v->host, addr + 1, hlen - 2);
    } else {
        memcpy(v->host, addr, hlen);
    }
    v->display = (int)n;
    if (to != NULL) {
        if (optlist_uint(to, 65535 - 5900, &n) < 0 ||
            n < (uint64_t)v->display) {
            rc = cmdline_fail(c, "bad to=%s", to);
            goto out;
        }
        v->to = (int)n;
    }
    v->enabled = true;
out:
    optlist_free(&l);
    return rc;
}

static int opt_keymap(struct cmdline_ctx *c, const char *arg)
{
    return cmdline_strdup(c, &c->o->keymap, arg);
}

static int opt_machine_type(struct cmdline_ctx *c, const char *type,
                            const char *accel)
{
    static const struct {
        const char *name;
        enum machine_kind kind;
        bool needs_accel_xen;
    } types[] = {
        {"none", MACHINE_NONE, false},
        {"xenpv", MACHINE_XENPV, false},
        {"xenfv", MACHINE_XENFV, false},
        {"pc", MACHINE_PC_XEN, true},
    };
    size_t i;

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(types[i].name, type) != 0) {
            continue;
        }
        if (types[i].needs_accel_xen &&
            (accel == NULL || strcmp(accel, "xen") != 0)) {
            return cmdline_fail(c, "'%s' needs accel=xen", type);
        }
        c->o->machine = types[i].kind;
        return 0;
    }
    return cmdline_fail(c, "machine type '%s' is not supported (none, "
                        "xenpv, xenfv, pc,accel=xen)", type);
}

static int opt_machine(struct cmdline_ctx *c, const char *arg)
{
    static const char *const keys[] = {"type", "accel", "suppress-vmdesc",
                                       "max-ram-below-4g", "igd-passthru",
                                       NULL};
    struct xendm_opts *o = c->o;
    struct optlist l;
    const char *type, *accel, *mrb;
    int rc;

    if (cmdline_split(c, &l, arg, "type", keys) < 0) {
        return -EINVAL;
    }
    type = optlist_get(&l, "type");
    accel = optlist_get(&l, "accel");
    mrb = optlist_get(&l, "max-ram-below-4g");
    if (type == NULL) {
        rc = cmdline_fail(c, "'%s' names no machine type", arg);
    } else if (accel != NULL && strcmp(accel, "xen") != 0) {
        rc = cmdline_fail(c, "accel=%s is not supported (only xen)", accel);
    } else {
        rc = opt_machine_type(c, type, accel);
    }
    o->accel_xen = accel != NULL;
    if (rc == 0) {
        rc = cmdline_getbool(c, &l, "suppress-vmdesc", false,
                             &o->suppress_vmdesc);
    }
    if (rc == 0) {
        rc = cmdline_getbool(c, &l, "igd-passthru", false, &o->igd_passthru);
    }
    if (rc == 0 && o->igd_passthru) {
        rc = cmdline_fail(c, "igd-passthru is not supported");
    }
    if (rc == 0 && mrb != NULL &&
        (optlist_size(mrb, 'B', &o->max_ram_below_4g) < 0 ||
         o->max_ram_below_4g > (1ull << 32))) {
        rc = cmdline_fail(c, "bad max-ram-below-4g=%s", mrb);
    }
    optlist_free(&l);
    return rc;
}

static int opt_m(struct cmdline_ctx *c, const char *arg)
{
    static const char *const keys[] = {"size", NULL};
    struct optlist l;
    const char *size;
    uint64_t bytes = 0;
    int rc = 0;

    if (cmdline_split(c, &l, arg, "size", keys) < 0) {
        return -EINVAL;
    }
    size = optlist_get(&l, "size");
    if (size == NULL || optlist_size(size, 'M', &bytes) < 0 ||
        bytes < (1u << 20) || bytes > (1ull << 50)) {
        rc = cmdline_fail(c, "bad memory size '%s'", arg);
    }
    c->o->ram_mb = bytes >> 20;
    optlist_free(&l);
    return rc;
}

static int opt_smp(struct cmdline_ctx *c, const char *arg)
{
    static const char *const keys[] = {"cpus", "maxcpus", NULL};
    struct optlist l;
    const char *cpus, *max;
    uint64_t n = 1, m = 0;
    int rc = 0;

    if (cmdline_split(c, &l, arg, "cpus", keys) < 0) {
        return -EINVAL;
    }
    cpus = optlist_get(&l, "cpus");
    max = optlist_get(&l, "maxcpus");
    if ((cpus != NULL && optlist_uint(cpus, 4096, &n) < 0) || n == 0 ||
        (max != NULL && (optlist_uint(max, 4096, &m) < 0 || m < n))) {
        rc = cmdline_fail(c, "bad vCPU count '%s'", arg);
    }
    c->o->smp_cpus = (unsigned)n;
    c->o->smp_max = (unsigned)(m ? m : n);
    optlist_free(&l);
    return rc;
}

/* -device, -drive, -netdev, -net, -boot: kept for the machine's check(). */
static int opt_list(struct cmdline_ctx *c, const char *arg)
{
    static const struct {
        const char *opt, *implied;
    } implied[] = {
        {"device", "driver"}, {"netdev", "type"}, {"net", "type"},
        {"boot", "order"}, {"drive", NULL},
    };
    const char *key = NULL;
    size_t i;

    if (c->o->nlists >= XENDM_MAX_OPTLISTS) {
        return cmdline_fail(c, "too many options");
    }
    for (i = 0; i < sizeof(implied) / sizeof(implied[0]); i++) {
        if (strcmp(implied[i].opt, c->opt) == 0) {
            key = implied[i].implied;
        }
    }
    if (cmdline_split(c, &c->o->lists[c->o->nlists], arg, key, NULL) < 0) {
        return -EINVAL;
    }
    c->o->nlists++;
    return 0;
}

static int opt_incoming(struct cmdline_ctx *c, const char *arg)
{
    uint64_t n;

    if (strncmp(arg, "fd:", 3) != 0) {
        return cmdline_fail(c, "'%s' is not supported (only fd:N)", arg);
    }
    if (optlist_uint(arg + 3, 65535, &n) < 0 || fcntl((int)n, F_GETFD) < 0) {
        return cmdline_fail(c, "'%s': not an open file descriptor", arg);
    }
    c->o->incoming_fd = (int)n;
    return 0;
}

static int opt_runas(struct cmdline_ctx *c, const char *arg)
{
    return cmdline_strdup(c, &c->o->runas, arg);
}

static int opt_chroot(struct cmdline_ctx *c, const char *arg)
{
    return cmdline_strdup(c, &c->o->chroot_dir, arg);
}

static int opt_run_with(struct cmdline_ctx *c, const char *arg)
{
    static const char *const keys[] = {"user", "chroot", NULL};
    struct optlist l;
    const char *u, *d;
    int rc = 0;

    if (cmdline_split(c, &l, arg, NULL, keys) < 0) {
        return -EINVAL;
    }
    u = optlist_get(&l, "user");
    d = optlist_get(&l, "chroot");
    if (u != NULL) {
        rc = cmdline_strdup(c, &c->o->runas, u);
    }
    if (rc == 0 && d != NULL) {
        rc = cmdline_strdup(c, &c->o->chroot_dir, d);
    }
    optlist_free(&l);
    return rc;
}

static int opt_kernel(struct cmdline_ctx *c, const char *arg)
{
    return cmdline_strdup(c, &c->o->kernel, arg);
}

static int opt_initrd(struct cmdline_ctx *c, const char *arg)
{
    return cmdline_strdup(c, &c->o->initrd, arg);
}

static int opt_append(struct cmdline_ctx *c, const char *arg)
{
    return cmdline_strdup(c, &c->o->append, arg);
}

/* -L DIR: where firmware files (the linuxboot option ROM) are found. */
static int opt_datadir(struct cmdline_ctx *c, const char *arg)
{
    if (c->o->ndatadirs >= XENDM_MAX_DATADIRS) {
        return cmdline_fail(c, "too many directories");
    }
    return cmdline_strdup(c, &c->o->datadirs[c->o->ndatadirs++], arg);
}

static int opt_dump_vmstate(struct cmdline_ctx *c, const char *arg)
{
    return cmdline_strdup(c, &c->o->dump_vmstate, arg);
}

static const struct cmdline_option cmdline_options[] = {
    {"xen-domid", true, opt_xen_domid},
    {"no-shutdown", false, opt_no_shutdown},
    {"chardev", true, opt_chardev},
    {"mon", true, opt_mon},
    {"monitor", true, opt_nullish},
    {"parallel", true, opt_nullish},
    {"nodefaults", false, opt_nodefaults},
    {"no-user-config", false, opt_no_user_config},
    {"xen-attach", false, opt_xen_attach},
    {"name", true, opt_name},
    {"vnc", true, opt_vnc},
    {"display", true, opt_display},
    {"k", true, opt_keymap},
    {"nographic", false, opt_nographic},
    {"serial", true, opt_serial},
    {"machine", true, opt_machine},
    {"M", true, opt_machine},
    {"m", true, opt_m},
    {"smp", true, opt_smp},
    {"device", true, opt_list},
    {"drive", true, opt_list},
    {"netdev", true, opt_list},
    {"net", true, opt_list},
    {"boot", true, opt_list},
    {"kernel", true, opt_kernel},
    {"initrd", true, opt_initrd},
    {"append", true, opt_append},
    {"L", true, opt_datadir},
    {"no-acpi", false, opt_no_acpi},
    {"S", false, opt_S},
    {"incoming", true, opt_incoming},
    {"xen-domid-restrict", false, opt_domid_restrict},
    {"runas", true, opt_runas},
    {"chroot", true, opt_chroot},
    {"run-with", true, opt_run_with},
    {"dump-vmstate", true, opt_dump_vmstate},
    {"v", false, opt_verbose},
};

static const struct cmdline_option *cmdline_lookup(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(cmdline_options) / sizeof(cmdline_options[0]);
         i++) {
        if (strcmp(cmdline_options[i].name, name) == 0) {
            return &cmdline_options[i];
        }
    }
    return NULL;
}

static int cmdline_env(struct cmdline_ctx *c)
{
    const char *v = getenv("XEN_QEMU_CONSOLE_LIMIT");
    uint64_t n;

    if (v == NULL || *v == '\0') {
        return 0;
    }
    c->opt = "XEN_QEMU_CONSOLE_LIMIT";
    if (optlist_uint(v, SIZE_MAX, &n) < 0) {
        snprintf(c->err, c->errlen, "XEN_QEMU_CONSOLE_LIMIT: '%s' is not "
                 "a number", v);
        return -EINVAL;
    }
    c->o->console_limit = (size_t)n;
    return 0;
}

int cmdline_parse(struct xendm_opts *o, int argc, char **argv, char *err,
                  size_t errlen)
{
    struct cmdline_ctx c = {.o = o, .err = err, .errlen = errlen};
    const struct cmdline_option *opt;
    int i, rc;

    memset(o, 0, sizeof(*o));
    o->incoming_fd = -1;
    o->machine = MACHINE_XENFV;
    o->vnc.to = -1;
    o->ram_mb = 128;
    o->smp_cpus = o->smp_max = 1;
    for (i = 1; i < argc; i++) {
        const char *name = argv[i];

        c.opt = name;
        if (name[0] != '-' || name[1] == '\0') {
            snprintf(err, errlen, "%s: unexpected argument (images are "
                     "given with -drive)", name);
            return -EINVAL;
        }
        name += name[1] == '-' ? 2 : 1;
        c.opt = name;
        opt = cmdline_lookup(name);
        if (opt == NULL) {
            snprintf(err, errlen, "-%s: option not supported by xendm",
                     name);
            return -EINVAL;
        }
        if (opt->has_arg && i + 1 >= argc) {
            snprintf(err, errlen, "-%s: requires an argument", name);
            return -EINVAL;
        }
        rc = opt->fn(&c, opt->has_arg ? argv[++i] : NULL);
        if (rc < 0) {
            return rc;
        }
    }
    if (o->machine != MACHINE_NONE && !o->have_domid &&
        o->dump_vmstate == NULL) {
        snprintf(err, errlen, "-xen-domid: required for -machine xenpv/"
                 "xenfv/pc");
        return -EINVAL;
    }
    return cmdline_env(&c);
}

void cmdline_free(struct xendm_opts *o)
{
    size_t i;

    for (i = 0; i < o->nchardevs; i++) {
        free(o->chardevs[i].id);
        free(o->chardevs[i].path);
    }
    for (i = 0; i < o->nlists; i++) {
        optlist_free(&o->lists[i]);
    }
    for (i = 0; i < o->nserials; i++) {
        free(o->serials[i]);
    }
    free(o->name);
    free(o->runas);
    free(o->chroot_dir);
    free(o->kernel);
    free(o->initrd);
    free(o->append);
    free(o->keymap);
    free(o->dump_vmstate);
    for (i = 0; i < o->ndatadirs; i++) {
        free(o->datadirs[i]);
    }
    memset(o, 0, sizeof(*o));
    o->incoming_fd = -1;
}
