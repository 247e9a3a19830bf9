/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xendm: a small device model for Xen, started by libxl in place of
 * qemu-xen with qemu-xen's exact command line (reference §A.1).
 *
 * Start-up order (each step refuses with one line on stderr and exit
 * status 1, after undoing what the earlier steps made):
 *   1. parse argv; the machine checks what it cannot honour;
 *   2. open chardevs and QMP monitors, the VNC listener, xenstore and
 *      the machine's handles (full privileges);
 *   3. create device-model/<domid>/backends/<type> for each backend
 *      type served (before dropping privileges, as qemu-backends.txt
 *      asks);
 *   4. restrict handles, chroot, drop uid/gid (privs.c);
 *   5. the machine's start(): the first access to guest data;
 *   6. -incoming fd:N: read and apply the whole stream;
 *   7. run (or stay in prelaunch/paused under -S); entering `running`
 *      writes device-model/<domid>/state = running, unless
 *      -xen-domid-restrict (libxl then asks query-status).
 * SIGHUP (libxl's destroy), SIGTERM, SIGINT and QMP `quit` end the
 * loop; teardown closes everything and unlinks the sockets we bound.
 * Signals arrive through a signalfd on the loop: no handler runs.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "chardev.h"
#include "fdset.h"
#include "log.h"
#include "qapi/qmp.h"
#include "savevm.h"
#include "vmstate-dump.h"
#include "xen/store.h"
#include "xendm.h"

static void main_signal_io(struct loop *loop, int fd, unsigned events,
                           void *opaque)
{
    struct xendm *x = opaque;
    struct signalfd_siginfo si;

    while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        log_info("signal %u: shutting down", si.ssi_signo);
        /* As QEMU: a signal powers off even under -no-shutdown. */
        runstate_shutdown(x, false, "host-signal");
    }
}

static int main_signals(struct xendm *x)
{
    sigset_t set;

    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
        return -errno;
    }
    x->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (x->signal_fd < 0) {
        return -errno;
    }
    return loop_fd_add(x->loop, x->signal_fd, LOOP_READ, main_signal_io, x);
}

/* device-model/<domid>/<rest>, relative to our own domain as QEMU's. */
static void main_dm_path(const struct xendm *x, char *out, size_t len,
                         const char *rest)
{
    snprintf(out, len, "device-model/%u/%s", x->opts.domid, rest);
}

static int main_backends(struct xendm *x, char *err, size_t errlen)
{
    const char *const *t;
    char path[256];
    struct store_perm perms[2] = {
        {.domid = 0, .perms = STORE_PERM_NONE},
        {.domid = x->opts.domid, .perms = STORE_PERM_READ},
    };
    int rc;

    for (t = x->machine->backend_types; t != NULL && *t != NULL; t++) {
        char rest[64];

        snprintf(rest, sizeof(rest), "backends/%s", *t);
        main_dm_path(x, path, sizeof(path), rest);
        rc = store_mkdir(x->store, path);
        if (rc == 0) {
            rc = store_set_perms(x->store, path, perms, 2);
        }
        if (rc < 0) {
            snprintf(err, errlen, "xenstore: cannot create %s: %s", path,
                     strerror(-rc));
            return rc;
        }
    }
    return 0;
}

static void main_publish_running(struct xendm *x, enum runstate_id old,
                                 enum runstate_id now, void *opaque)
{
    char path[128];
    int rc;

    if (now != RUNSTATE_RUNNING || x->store == NULL ||
        x->opts.domid_restrict) {
        return;
    }
    main_dm_path(x, path, sizeof(path), "state");
    rc = store_write_str(x->store, path, "running");
    if (rc < 0) {
        log_warnx("xenstore: cannot write %s: %s", path, strerror(-rc));
    }
}

static int main_incoming(struct xendm *x, char *err, size_t errlen)
{
    char why[XENDM_ERRLEN];
    int rc;

    if (x->opts.incoming_fd < 0) {
        return 0;
    }
    runstate_set(x, RUNSTATE_INMIGRATE);
    rc = devstate_load_fd(x, x->opts.incoming_fd, why, sizeof(why));
    close(x->opts.incoming_fd);
    x->opts.incoming_fd = -1;
    if (rc < 0) {
        snprintf(err, errlen, "-incoming: load of migration failed: %s",
                 why);
    }
    return rc;
}

static int main_open(struct xendm *x, char *err, size_t errlen)
{
    int rc;

    x->fdsets = fdsets_new();
    x->savevm = savevm_new();
    if (x->fdsets == NULL || x->savevm == NULL || main_signals(x) < 0) {
        snprintf(err, errlen, "start-up: %s", strerror(errno));
        return -ENOMEM;
    }
    /* Every QEMU machine, -M none included, carries this section. */
    rc = cpu_timers_register(x->savevm, &x->timers);
    if (rc >= 0) {
        /* the VM clock follows stop/cont, before any device hears */
        rc = runstate_listen(&x->rs, cpu_timers_runstate, &x->timers);
    }
    if (rc < 0) {
        snprintf(err, errlen, "start-up: timer state: %s", strerror(-rc));
        return rc;
    }
    rc = chardev_open_all(x, err, errlen);
    if (rc == 0) {
        rc = monitor_open_all(x, err, errlen);
    }
    if (rc == 0) {
        rc = display_open(x, err, errlen);
    }
    if (rc == 0 && (x->machine->flags & MACHINE_NEEDS_XEN)) {
        x->store = store_open(err, errlen);
        if (x->store == NULL) {
            return -ENOENT;
        }
        rc = store_attach(x->store, x->loop);
        if (rc < 0) {
            snprintf(err, errlen, "xenstore: watch fd: %s", strerror(-rc));
        }
    }
    if (rc == 0 && x->machine->prepare != NULL) {
        rc = x->machine->prepare(x, err, errlen);
    }
    if (rc == 0 && x->store != NULL) {
        rc = main_backends(x, err, errlen);
    }
    return rc;
}

static int main_start(struct xendm *x, char *err, size_t errlen)
{
    int rc = privs_drop(x, err, errlen);

    if (rc == 0 && x->machine->start != NULL) {
        rc = x->machine->start(x, err, errlen);
    }
    if (rc == 0) {
        rc = main_incoming(x, err, errlen);
    }
    if (rc < 0) {
        return rc;
    }
    runstate_listen(&x->rs, main_publish_running, NULL);
    if (x->opts.start_paused) {
        if (x->rs.id == RUNSTATE_INMIGRATE) {
            runstate_set(x, RUNSTATE_PAUSED);
        }
    } else {
        runstate_start(x);
    }
    x->ready = true;
    return 0;
}

static void main_teardown(struct xendm *x)
{
    if (x->machine != NULL && x->machine->exit != NULL) {
        x->machine->exit(x);
    }
    monitor_close_all(x);
    chardev_close_all(x);
    display_close(x);
    store_close(x->store);
    x->store = NULL;
    fdsets_free(x->fdsets);
    x->fdsets = NULL;
    savevm_free(x->savevm);
    x->savevm = NULL;
    if (x->signal_fd >= 0) {
        loop_fd_del(x->loop, x->signal_fd);
        close(x->signal_fd);
    }
    free(x->vnc.password);
    loop_free(x->loop);
    cmdline_free(&x->opts);
}

static int main_early(int argc, char **argv)
{
    if (argc != 2) {
        return -1;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        cmdline_usage();
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 ||
        strcmp(argv[1], "-version") == 0) {
        printf("xendm %s (QMP reports QEMU %d.%d.%d)\n", PACKAGE_VERSION,
               QMP_QEMU_MAJOR, QMP_QEMU_MINOR, QMP_QEMU_MICRO);
        return 0;
    }
    return -1;
}

static int main_check(struct xendm *x, int argc, char **argv, char *err,
                      size_t errlen)
{
    int rc = cmdline_parse(&x->opts, argc, argv, err, errlen);

    if (rc < 0) {
        return rc;
    }
    log_init("xendm", x->opts.verbose >= 2   ? LOG_LEVEL_DEBUG
                      : x->opts.verbose == 1 ? LOG_LEVEL_INFO
                                             : LOG_LEVEL_WARN);
    x->machine = machine_find(x->opts.machine);
    if (x->opts.dump_vmstate != NULL) {
        return 0;
    }
    if (x->machine->check != NULL) {
        rc = x->machine->check(x, err, errlen);
    }
    if (rc == 0) {
        rc = privs_resolve(x, err, errlen);
    }
    return rc;
}

int main(int argc, char **argv)
{
    struct xendm x;
    char err[512];
    int rc;

    log_init("xendm", LOG_LEVEL_WARN);
    rc = main_early(argc, argv);
    if (rc >= 0) {
        return rc;
    }
    memset(&x, 0, sizeof(x));
    x.signal_fd = -1;
    x.vnc.listen_fd = -1;
    err[0] = '\0';
    if (main_check(&x, argc, argv, err, sizeof(err)) < 0) {
        fprintf(stderr, "xendm: %s\n", err);
        cmdline_free(&x.opts);
        return 1;
    }
    if (x.opts.dump_vmstate != NULL) {
        /* As QEMU: write every description as JSON and exit. */
        rc = vmstate_dump_file(x.opts.dump_vmstate);
        if (rc < 0) {
            fprintf(stderr, "xendm: -dump-vmstate %s: %s\n",
                    x.opts.dump_vmstate, strerror(-rc));
        }
        cmdline_free(&x.opts);
        return rc < 0 ? 1 : 0;
    }
    x.loop = loop_new();
    if (x.loop == NULL) {
        fprintf(stderr, "xendm: cannot create the event loop\n");
        return 1;
    }
    runstate_init(&x.rs, RUNSTATE_PRELAUNCH);
    rc = main_open(&x, err, sizeof(err));
    if (rc == 0) {
        rc = main_start(&x, err, sizeof(err));
    }
    if (rc < 0) {
        fprintf(stderr, "xendm: %s\n", err);
        main_teardown(&x);
        return 1;
    }
    log_info("ready: machine %s, state %s", x.machine->name,
             runstate_name(x.rs.id));
    while (!x.quit_requested) {
        if (loop_run(x.loop) < 0) {
            log_warn("event loop");
            x.exit_status = 1;
            break;
        }
    }
    rc = x.exit_status;
    main_teardown(&x);
    return rc;
}
