/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * human-monitor-command: the HMP commands a user, `xl
 * qemu-monitor-command` or a xenstat script may send, answered with
 * QEMU 7.2's text byte for byte (monitor/hmp-cmds.c,
 * block/monitor/block-hmp-cmds.c, monitor/hmp.c's parser): `info
 * status|chardev|version|name|cpus|block|blockstats|vnc`, `stop`,
 * `cont`, `quit`, `help [cmd]`.  Every line ends "\r\n" as QEMU's
 * monitor writes it.  Anything else answers "unknown command: '…'"
 * with the same span of the line QEMU quotes.
 *
 * The command line comes from a QMP client and is trusted for
 * nothing: it is parsed in place, bounded by the QMP message cap, and
 * the output is capped (HMP_MAX_OUTPUT) so a machine with many disks
 * cannot grow it without bound.  The data printed comes from the same
 * functions the QMP queries use, so the two views cannot disagree.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chardev.h"
#include "cursor.h"
#include "json.h"
#include "qmp-cmds.h"
#include "qmp.h"
#include "runstate.h"
#include "xendm.h"

#define HMP_MAX_OUTPUT (256u << 10)
#define HMP_NAME_MAX 255          /* QEMU's cmdname[256] */

struct hmp {
    struct qmp_req *r;
    struct wbuf out;
    int cpu;                      /* the "current" vCPU for info cpus */
    bool quit;                    /* `quit` ran: exit after the reply */
};

/* How many operands a command takes after its name. */
enum hmp_args {
    HMP_ARGS_NONE,                /* anything else is "extraneous" */
    HMP_ARGS_OPT_WORD,            /* one optional word (info block) */
    HMP_ARGS_REST,                /* the rest of the line (help) */
};

struct hmp_cmd {
    const char *name;             /* "stop|s": the name, then aliases */
    const char *params;           /* as help prints them */
    const char *help;
    void (*fn)(struct hmp *h, const char *arg);
    enum hmp_args args;
    const struct hmp_cmd *sub;    /* a sub-table (info), else NULL */
};

static void hmp_printf(struct hmp *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void hmp_printf(struct hmp *h, const char *fmt, ...)
{
    char small[512], *big = NULL;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if ((size_t)n >= sizeof(small)) {
        big = malloc((size_t)n + 1);
        if (big == NULL) {
            h->out.error = -ENOMEM;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    wbuf_put(&h->out, big != NULL ? big : small, (size_t)n);
    free(big);
}

/* ---- info ---- */

/* A string member, "" when absent (the machine's JSON is ours, but
 * printing NULL through %s is undefined). */
static const char *hmp_str(const struct json *o, const char *key)
{
    const char *v = json_string(json_get(o, key));

    return v != NULL ? v : "";
}

static void hmp_info_status(struct hmp *h, const char *arg)
{
    const struct runstate *rs = &h->r->x->rs;

    hmp_printf(h, "VM status: %s",
               runstate_is_running(rs) ? "running" : "paused");
    if (!runstate_is_running(rs) && rs->id != RUNSTATE_PAUSED) {
        hmp_printf(h, " (%s)", runstate_name(rs->id));
    }
    hmp_printf(h, "\r\n");
}

static void hmp_info_chardev(struct hmp *h, const char *arg)
{
    struct json *l = chardev_query(h->r->x);
    size_t i;

    for (i = 0; i < json_array_len(l); i++) {
        const struct json *c = json_array_at(l, i);

        hmp_printf(h, "%s: filename=%s\r\n", hmp_str(c, "label"),
                   hmp_str(c, "filename"));
    }
    json_free(l);
}

/* QEMU glues the package right after the number ("7.2.22Debian …"). */
static void hmp_info_version(struct hmp *h, const char *arg)
{
    hmp_printf(h, "%d.%d.%d%s\r\n", QMP_QEMU_MAJOR, QMP_QEMU_MINOR,
               QMP_QEMU_MICRO, QMP_PACKAGE);
}

static void hmp_info_name(struct hmp *h, const char *arg)
{
    if (h->r->x->opts.name != NULL) {
        hmp_printf(h, "%s\r\n", h->r->x->opts.name);
    }
}

static void hmp_info_cpus(struct hmp *h, const char *arg)
{
    unsigned i, n = qmp_vcpu_count(h->r->x);

    for (i = 0; i < n; i++) {
        hmp_printf(h, "%c CPU #%u: thread_id=%d\r\n",
                   (int)i == h->cpu ? '*' : ' ', i, (int)getpid());
    }
}

static bool hmp_flag(const struct json *o, const char *key)
{
    bool v = false;

    json_bool(json_get(o, key), &v);
    return v;
}

/* block/monitor/block-hmp-cmds.c print_block_info, non-verbose. */
static void hmp_block_one(struct hmp *h, const struct json *b)
{
    const struct json *ins = json_get(b, "inserted");
    const struct json *cache = json_get(ins, "cache");
    const char *node = json_string(json_get(ins, "node-name"));
    const char *qdev = json_string(json_get(b, "qdev"));

    hmp_printf(h, "%s", hmp_str(b, "device"));
    if (node != NULL) {
        hmp_printf(h, " (%s)", node);
    }
    if (ins == NULL) {
        hmp_printf(h, ": [not inserted]\r\n");
    } else {
        hmp_printf(h, ": %s (%s%s%s)\r\n", hmp_str(ins, "file"),
                   hmp_str(ins, "drv"),
                   hmp_flag(ins, "ro") ? ", read-only" : "",
                   hmp_flag(ins, "encrypted") ? ", encrypted" : "");
    }
    if (qdev != NULL) {
        hmp_printf(h, "    Attached to:      %s\r\n", qdev);
    }
    if (hmp_flag(b, "removable")) {
        hmp_printf(h, "    Removable device: %slocked, tray %s\r\n",
                   hmp_flag(b, "locked") ? "" : "not ",
                   hmp_flag(b, "tray_open") ? "open" : "closed");
    }
    if (ins == NULL) {
        return;
    }
    /* Without a cache object the disk is as qdisk opens it: writeback. */
    hmp_printf(h, "    Cache mode:       %s%s%s\r\n",
               cache == NULL || hmp_flag(cache, "writeback") ? "writeback"
                                                             : "writethrough",
               hmp_flag(cache, "direct") ? ", direct" : "",
               hmp_flag(cache, "no-flush") ? ", ignore flushes" : "");
}

static struct json *hmp_query_block(struct hmp *h, bool stats)
{
    const struct machine_ops *m = h->r->x->machine;
    struct json *l = NULL;

    if (m != NULL && m->query_block != NULL) {
        l = m->query_block(h->r->x, stats);
    }
    return l;
}

static void hmp_info_block(struct hmp *h, const char *dev)
{
    struct json *l = hmp_query_block(h, false);
    bool printed = false;
    size_t i;

    for (i = 0; i < json_array_len(l); i++) {
        const struct json *b = json_array_at(l, i);
        const char *name = json_string(json_get(b, "device"));

        if (name == NULL || (dev != NULL && strcmp(dev, name) != 0)) {
            continue;
        }
        if (printed) {
            hmp_printf(h, "\r\n");
        }
        hmp_block_one(h, b);
        printed = true;
    }
    json_free(l);
}

static uint64_t hmp_stat(const struct json *st, const char *key)
{
    uint64_t v = 0;

    json_uint64(json_get(st, key), &v);
    return v;
}

static const char *const hmp_blockstats_keys[] = {
    "rd_bytes", "wr_bytes", "rd_operations", "wr_operations",
    "flush_operations", "wr_total_time_ns", "rd_total_time_ns",
    "flush_total_time_ns", "rd_merged", "wr_merged", "idle_time_ns",
};

static void hmp_info_blockstats(struct hmp *h, const char *arg)
{
    struct json *l = hmp_query_block(h, true);
    size_t i, k;

    for (i = 0; i < json_array_len(l); i++) {
        const struct json *b = json_array_at(l, i);
        const struct json *st = json_get(b, "stats");
        const char *name = json_string(json_get(b, "device"));

        if (name == NULL) {
            continue;
        }
        hmp_printf(h, "%s:", name);
        for (k = 0; k < sizeof(hmp_blockstats_keys) / sizeof(char *); k++) {
            hmp_printf(h, " %s=%llu", hmp_blockstats_keys[k],
                       (unsigned long long)hmp_stat(st,
                                                    hmp_blockstats_keys[k]));
        }
        hmp_printf(h, "\r\n");
    }
    json_free(l);
}

/* ui/vnc's hmp_info_vnc: one "default" display, no clients listed. */
static void hmp_info_vnc(struct hmp *h, const char *arg)
{
    const struct vnc_state *v = &h->r->x->vnc;

    if (v->listen_fd < 0) {
        hmp_printf(h, "None\r\n");
        return;
    }
    hmp_printf(h, "default:\r\n");
    hmp_printf(h, "  Server: %s:%s (%s)\r\n", v->host, v->service,
               v->family != NULL ? v->family : "ipv4");
    hmp_printf(h, "    Auth: %s (Sub: none)\r\n",
               h->r->x->opts.vnc.password ? "vnc" : "none");
}

/* ---- control ---- */

static void hmp_stop(struct hmp *h, const char *arg)
{
    runstate_stop(h->r->x, RUNSTATE_PAUSED);
}

static void hmp_cont(struct hmp *h, const char *arg)
{
    if (h->r->x->rs.id == RUNSTATE_SHUTDOWN) {
        hmp_printf(h, "Error: Resetting the Virtual Machine is required\r\n");
        return;
    }
    runstate_start(h->r->x);
}

static void hmp_quit(struct hmp *h, const char *arg)
{
    struct json *d = json_new_object();

    json_object_set(d, "guest", json_new_bool(false));
    json_object_set(d, "reason", json_new_string("host-qmp-quit"));
    runstate_event(h->r->x, "SHUTDOWN", d);
    json_free(d);
    h->quit = true;
}

static void hmp_help(struct hmp *h, const char *arg);

/* Both tables are in QEMU's order (alphabetical), help prints them so. */
static const struct hmp_cmd hmp_info_cmds[] = {
    {"block", "[-n] [-v] [device]",
     "show info of one block device or all block devices "
     "(-n: show named nodes; -v: show details)",
     hmp_info_block, HMP_ARGS_OPT_WORD, NULL},
    {"blockstats", "", "show block device statistics", hmp_info_blockstats,
     HMP_ARGS_NONE, NULL},
    {"chardev", "", "show the character devices", hmp_info_chardev,
     HMP_ARGS_NONE, NULL},
    {"cpus", "", "show infos for each CPU", hmp_info_cpus, HMP_ARGS_NONE,
     NULL},
    {"name", "", "show the current VM name", hmp_info_name, HMP_ARGS_NONE,
     NULL},
    {"status", "", "show the current VM status (running|paused)",
     hmp_info_status, HMP_ARGS_NONE, NULL},
    {"version", "", "show the version of QEMU", hmp_info_version,
     HMP_ARGS_NONE, NULL},
    {"vnc", "", "show the vnc server status", hmp_info_vnc, HMP_ARGS_NONE,
     NULL},
    {NULL, NULL, NULL, NULL, HMP_ARGS_NONE, NULL},
};

static const struct hmp_cmd hmp_cmds[] = {
    {"cont|c", "", "resume emulation", hmp_cont, HMP_ARGS_NONE, NULL},
    {"help|?", "[cmd]", "show the help", hmp_help, HMP_ARGS_REST, NULL},
    {"info", "[subcommand]",
     "show various information about the system state", NULL,
     HMP_ARGS_NONE, hmp_info_cmds},
    {"quit|q", "", "quit the emulator", hmp_quit, HMP_ARGS_NONE, NULL},
    {"stop|s", "", "stop emulation", hmp_stop, HMP_ARGS_NONE, NULL},
    {NULL, NULL, NULL, NULL, HMP_ARGS_NONE, NULL},
};

static bool hmp_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

static const char *hmp_skip_space(const char *p)
{
    while (hmp_is_space(*p)) {
        p++;
    }
    return p;
}

/* "stop|s" matches "stop" and "s". */
static bool hmp_name_matches(const char *names, const char *word, size_t len)
{
    const char *p = names;

    while (*p != '\0') {
        const char *bar = strchr(p, '|');
        size_t n = bar != NULL ? (size_t)(bar - p) : strlen(p);

        if (n == len && strncmp(p, word, len) == 0) {
            return true;
        }
        if (bar == NULL) {
            break;
        }
        p = bar + 1;
    }
    return false;
}

static const struct hmp_cmd *hmp_find(const struct hmp_cmd *table,
                                      const char *word, size_t len)
{
    for (; table->name != NULL; table++) {
        if (hmp_name_matches(table->name, word, len)) {
            return table;
        }
    }
    return NULL;
}

/* The command word at p (after spaces): QEMU stops at space or '/'. */
static const char *hmp_word(const char *p, const char **start, size_t *len)
{
    p = hmp_skip_space(p);
    *start = p;
    while (*p != '\0' && *p != '/' && !hmp_is_space(*p)) {
        p++;
    }
    *len = (size_t)(p - *start);
    if (*len > HMP_NAME_MAX) {
        *len = HMP_NAME_MAX;
    }
    return p;
}

static void hmp_help_line(struct hmp *h, const char *prefix,
                          const struct hmp_cmd *c)
{
    hmp_printf(h, "%s%s %s -- %s\r\n", prefix, c->name, c->params, c->help);
}

static void hmp_help_table(struct hmp *h, const char *prefix,
                           const struct hmp_cmd *t)
{
    for (; t->name != NULL; t++) {
        hmp_help_line(h, prefix, t);
    }
}

/*
 * help [cmd [sub]]: the table, one entry, or "unknown command: 'a b'"
 * naming the words up to the first that is not found.
 */
static void hmp_help(struct hmp *h, const char *arg)
{
    const char *w1, *w2;
    size_t l1, l2;
    const char *p = hmp_word(arg, &w1, &l1);
    const struct hmp_cmd *c;

    if (l1 == 0) {
        hmp_help_table(h, "", hmp_cmds);
        return;
    }
    c = hmp_find(hmp_cmds, w1, l1);
    if (c == NULL) {
        hmp_printf(h, "unknown command: '%.*s'\r\n", (int)l1, w1);
        return;
    }
    if (c->sub == NULL) {
        hmp_help_line(h, "", c);
        return;
    }
    hmp_word(p, &w2, &l2);
    if (l2 == 0) {
        hmp_help_table(h, "info ", c->sub);
        return;
    }
    c = hmp_find(c->sub, w2, l2);
    if (c == NULL) {
        hmp_printf(h, "unknown command: '%.*s %.*s'\r\n", (int)l1, w1,
                   (int)l2, w2);
        return;
    }
    hmp_help_line(h, "info ", c);
}

/*
 * Finds the command (descending into `info`), checks its operands,
 * runs it.  `line` is the whole command line: QEMU quotes it from its
 * first byte in "unknown command" and "Try \"help …\"".
 */
static void hmp_exec(struct hmp *h, const char *line)
{
    const struct hmp_cmd *table = hmp_cmds, *c = NULL;
    const char *p = line, *w, *args, *end;
    char word[HMP_NAME_MAX + 1];
    size_t len;

    for (;;) {
        p = hmp_word(p, &w, &len);
        if (len == 0 && c == NULL) {
            return;                       /* an empty line prints nothing */
        }
        c = hmp_find(table, w, len);
        if (c == NULL) {
            hmp_printf(h, "unknown command: '%.*s'\r\n", (int)(p - line),
                       line);
            return;
        }
        p = hmp_skip_space(p);
        if (c->sub == NULL || *p == '\0') {
            break;
        }
        table = c->sub;
    }
    if (c->fn == NULL) {                  /* bare `info`: its table */
        hmp_help_table(h, "info ", c->sub);
        return;
    }
    args = p;
    switch (c->args) {
    case HMP_ARGS_REST:
        c->fn(h, args);
        return;
    case HMP_ARGS_OPT_WORD:
        end = hmp_word(args, &w, &len);
        if (*hmp_skip_space(end) == '\0') {
            snprintf(word, sizeof(word), "%.*s", (int)len, w);
            c->fn(h, len > 0 ? word : NULL);
            return;
        }
        break;
    case HMP_ARGS_NONE:
        if (*args == '\0') {
            c->fn(h, NULL);
            return;
        }
        break;
    }
    end = args;
    while (end > line && hmp_is_space(end[-1])) {
        end--;
    }
    hmp_printf(h, "%s: extraneous characters at the end of line\r\n",
               c->name);
    hmp_printf(h, "Try \"help %.*s\" for more information\r\n",
               (int)(end - line), line);
}

void qmp_cmd_hmp(struct qmp_req *r)
{
    const char *line = json_string(json_get(r->args, "command-line"));
    const struct json *ci = json_get(r->args, "cpu-index");
    struct hmp h = {.r = r, .cpu = 0};
    int64_t cpu;

    if (ci != NULL) {
        if (!json_int64(ci, &cpu) || cpu < 0 ||
            cpu >= (int64_t)qmp_vcpu_count(r->x)) {
            qmp_error(r, QMP_ERR_GENERIC,
                      "Parameter 'cpu-index' expects a CPU number");
            return;
        }
        h.cpu = (int)cpu;
    }
    wbuf_init(&h.out, HMP_MAX_OUTPUT);
    hmp_exec(&h, line);
    wbuf_put(&h.out, "", 1);
    if (h.out.error != 0) {
        qmp_error(r, QMP_ERR_GENERIC, "monitor output too large");
    } else {
        qmp_return(r, json_new_string((const char *)h.out.data));
    }
    wbuf_free(&h.out);
    if (h.quit) {
        xendm_request_quit(r->x, 0);
    }
}
