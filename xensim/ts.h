/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of xensim's simulated toolstack (the `xensim create|list|
 * pause|unpause|save|restore|migrate|destroy|wait|io` commands and the
 * simulated guests' launcher).  One struct ts per command invocation:
 * the host directory, a control connection to the simulated
 * hypervisor, and a xenstore connection as dom0.
 *
 * Bookkeeping lives in files, one directory per domain:
 * $XENSIM_DIR/toolstack/<domid>/ holds `config` (the xl config text),
 * `uuid`, `name`, `type`, `monitor.pid` (the process that runs the
 * guest program, as xl's per-domain monitor does), `guest.pid`,
 * `dm.pid`, and `guest.status` once the guest program ended (its exit
 * status, or `suspended`).  The hypervisor is the authority on which
 * domains exist; the files only carry what libxl keeps in its own
 * userdata and in xenstore.
 */
#ifndef XENSIM_TS_H
#define XENSIM_TS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xensim/xlcfg.h"

struct hvc;
struct xs_handle;

/* Exit status of a guest program that suspended itself for a save. */
#define TS_GUEST_SUSPENDED 75

/* Timeouts, libxl's where libxl has one. */
#define TS_DM_START_TIMEOUT_MS 60000    /* LIBXL_DEVICE_MODEL_START_TIMEOUT */
#define TS_QMP_TIMEOUT_MS 10000         /* LIBXL_QMP_CMD_TIMEOUT */
#define TS_DESTROY_TIMEOUT_MS 10000     /* LIBXL_DESTROY_TIMEOUT */
#define TS_SUSPEND_TIMEOUT_MS 60000

struct ts {
    char dir[256];           /* $XENSIM_DIR */
    char self[512];          /* this executable */
    struct hvc *hv;
    struct xs_handle *xs;
};

/* A domain as the toolstack knows it. */
struct ts_dom {
    uint32_t domid;
    char name[72];
    char uuid[40];
    struct xlcfg cfg;
    char *cfgtext;
};

/* ---- toolstack.c: context and helpers ---- */
int ts_open(struct ts *ts);
void ts_close(struct ts *ts);
void ts_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ts_path(const struct ts *ts, char *buf, size_t len, uint32_t domid,
            const char *file);

/* ---- ts-dom.c: bookkeeping ---- */
int ts_dom_find(struct ts *ts, const char *name_or_id, uint32_t *domid);
int ts_dom_load(struct ts *ts, uint32_t domid, struct ts_dom *d);
void ts_dom_free(struct ts_dom *d);
int ts_dom_record(struct ts *ts, const struct ts_dom *d);
int ts_dom_forget(struct ts *ts, uint32_t domid);
int ts_file_write(const char *path, const char *text);
char *ts_file_read(const char *path, size_t max);
int ts_pid_read(struct ts *ts, uint32_t domid, const char *file);
void ts_uuid_new(char *out);

/* ---- ts-build.c: create, restore and their shared steps ---- */
struct ts_build {
    const char *cfgtext;
    size_t cfglen;
    bool paused;             /* -p */
    const char *resume_file; /* HVM device state for -incoming, or NULL */
    /* Restore: fills the new domain's memory before it is introduced. */
    int (*load_memory)(struct ts *ts, uint32_t domid, void *opaque);
    void *opaque;
    bool guest_resume;       /* start the guest program with --resume */
    const char *name_override;
};
int ts_build_domain(struct ts *ts, const struct ts_build *b, uint32_t *domid);
int ts_unpause(struct ts *ts, const struct ts_dom *d);

/* ---- ts-dm.c: the device model ---- */
int ts_dm_spawn(struct ts *ts, const struct ts_dom *d, int restore_fd,
                int *pid_out);
int ts_dm_post_start(struct ts *ts, const struct ts_dom *d);
int ts_dm_qmp(struct ts *ts, uint32_t domid, const char *cmd,
              const char *args_json, int fd, char **ret_json);
int ts_dm_stop(struct ts *ts, const struct ts_dom *d);

/* ---- ts-guest.c: the guest program and its monitor ---- */
int ts_guest_start(struct ts *ts, const struct ts_dom *d, bool resume);
int ts_guest_signal(struct ts *ts, uint32_t domid, int sig);
/* Waits for guest.status; returns it (>= 0), -ETIMEDOUT or -errno. */
int ts_guest_wait(struct ts *ts, uint32_t domid, int timeout_ms,
                  char *status, size_t len);

/* ---- commands ---- */
int ts_cmd_create(struct ts *ts, int argc, char **argv);
int ts_cmd_list(struct ts *ts, int argc, char **argv);
int ts_cmd_pause(struct ts *ts, int argc, char **argv);
int ts_cmd_unpause(struct ts *ts, int argc, char **argv);
int ts_cmd_destroy(struct ts *ts, int argc, char **argv);
int ts_cmd_wait(struct ts *ts, int argc, char **argv);
int ts_cmd_io(struct ts *ts, int argc, char **argv);
int ts_cmd_save(struct ts *ts, int argc, char **argv);
int ts_cmd_restore(struct ts *ts, int argc, char **argv);
int ts_cmd_migrate(struct ts *ts, int argc, char **argv);
int ts_destroy_domain(struct ts *ts, uint32_t domid);

/* ---- guest.c: the simulated guest program (`xensim guest ...`) ---- */
int guest_main(int argc, char **argv);

#endif
