/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one per-process context of xendm, and the hook points other
 * areas plug into.
 *
 * main() builds exactly one struct xendm: the parsed command line
 * (struct xendm_opts, filled by cmdline_parse), the event loop, the
 * run state, the chardevs and their QMP monitors, the fd sets, the
 * xenstore and hypervisor handles and the chosen machine.  Every
 * module takes a pointer to it; nothing else is global.
 *
 * Hook points for the device areas:
 *  - struct machine_ops: one per -machine kind, listed in
 *    machine_table (src/machine.c).  check() refuses what the machine
 *    cannot honour before anything starts; prepare() runs with full
 *    privileges (open hv handles, files, sockets); restrict_handles()
 *    is -xen-domid-restrict; start() runs after the privilege drop and
 *    is the first access to guest data; exit() undoes all of it and
 *    must cope with a half-built machine; query_block() answers QMP
 *    query-block / query-blockstats.
 *  - backend_types: the PV backend kinds the machine serves; the
 *    control plane creates device-model/<domid>/backends/<type> for
 *    each before reporting ready.
 *  - x->savevm: the registry devices register their state into
 *    (created before prepare(), with QEMU's "timer" section);
 *    x->devstate may replace how it is saved and loaded.
 *  - chardev_lookup/chardev_write/chardev_set_reader (chardev.h): the
 *    serial ports (x->opts.serials[i] names the chardev of port i) and
 *    PV consoles attach to -serial / -chardev here.
 *  - runstate_listen (runstate.h): devices learn of stop/cont;
 *    runstate_shutdown/runstate_reset report guest poweroff/reset.
 *  - x->dirty_log: xen-set-global-dirty-log's current value.
 */
#ifndef XENDM_XENDM_H
#define XENDM_XENDM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cpu-timers.h"
#include "loop.h"
#include "runstate.h"

#define XENDM_MAX_CHARDEVS 16
#define XENDM_MAX_MONITORS 4
#define XENDM_MAX_OPTLISTS 64
#define XENDM_ERRLEN 256

struct xendm;
struct chardev;
struct monitor;
struct fdsets;
struct store;
struct hv;
struct savevm;
struct json;

/* One `-device`/`-drive`/`-netdev`/… value, split into key=value pairs. */
struct optlist {
    const char *option;   /* "device", "drive", "netdev", … */
    char *raw;            /* the argument as given */
    size_t n;
    char *keys[32];
    char *vals[32];       /* "" for a bare key (old "server" style) */
};

/* Looks up key in o; NULL if absent. */
const char *optlist_get(const struct optlist *o, const char *key);

enum chardev_kind {
    CHARDEV_SOCKET,
    CHARDEV_PTY,
    CHARDEV_NULL,
};

struct chardev_spec {
    char *id;
    enum chardev_kind kind;
    char *path;           /* socket path, or NULL */
    int fd;               /* inherited listening fd, or -1 */
    bool server;
    bool wait;
    bool is_monitor;      /* named by -mon …,mode=control */
    bool from_serial;     /* created by -serial pty (label serialN) */
};

struct vnc_opts {
    bool enabled;         /* false for -vnc none or no -vnc */
    char host[64];
    int display;
    int to;               /* highest display to try, or -1 */
    bool password;
};

enum machine_kind {
    MACHINE_NONE,
    MACHINE_XENPV,
    MACHINE_XENFV,
    MACHINE_PC_XEN,
};

struct xendm_opts {
    uint32_t domid;
    bool have_domid;
    bool no_shutdown;
    bool start_paused;        /* -S */
    bool xen_attach;
    bool domid_restrict;
    bool nodefaults;
    bool no_user_config;
    bool nographic;
    bool no_acpi;
    char *name;
    enum machine_kind machine;
    bool accel_xen;
    bool suppress_vmdesc;
    uint64_t max_ram_below_4g;
    bool igd_passthru;
    uint64_t ram_mb;
    unsigned smp_cpus;
    unsigned smp_max;
    int incoming_fd;          /* -incoming fd:N, or -1 */
    char *runas;              /* -runas / -run-with user= */
    char *chroot_dir;         /* -chroot / -run-with chroot= */
    char *kernel, *initrd, *append, *boot, *keymap;
#define XENDM_MAX_DATADIRS 4
    char *datadirs[XENDM_MAX_DATADIRS + 1];  /* -L, NULL-terminated */
    size_t ndatadirs;
    char *dump_vmstate;
    struct vnc_opts vnc;
    size_t console_limit;     /* XEN_QEMU_CONSOLE_LIMIT, 0 = none */
    int verbose;

    struct chardev_spec chardevs[XENDM_MAX_CHARDEVS];
    size_t nchardevs;
    char *monitors[XENDM_MAX_MONITORS];   /* chardev ids, mode=control */
    size_t nmonitors;
    struct optlist lists[XENDM_MAX_OPTLISTS];  /* -device, -drive, … */
    size_t nlists;
#define XENDM_MAX_SERIALS 4
    char *serials[XENDM_MAX_SERIALS];   /* chardev id per port, or NULL */
    size_t nserials;
};

struct machine_ops {
    const char *name;
    unsigned flags;
#define MACHINE_NEEDS_XEN 0x1u    /* xenstore (and Xen) are required */
#define MACHINE_HVM 0x2u
    /* Refuses what this machine cannot honour (-device kinds, …). */
    int (*check)(struct xendm *x, char *why, size_t whylen);
    /* Full privileges: open handles, files, sockets.  0 or -errno. */
    int (*prepare)(struct xendm *x, char *err, size_t errlen);
    /* -xen-domid-restrict: hv_restrict(x->hv, domid) and the like. */
    int (*restrict_handles)(struct xendm *x, char *err, size_t errlen);
    /* After the privilege drop: the first access to guest data. */
    int (*start)(struct xendm *x, char *err, size_t errlen);
    /* Undoes prepare and start; safe on a half-built machine. */
    void (*exit)(struct xendm *x);
    /* QMP query-block / query-blockstats (NULL: an empty list). */
    struct json *(*query_block)(struct xendm *x, bool stats);
    /* NULL-terminated PV backend kinds served ("console", "vkbd", …)
     * whose backends/<type> node main creates (a machine whose bus
     * advertises its own may leave this empty). */
    const char *const *backend_types;
};


const struct machine_ops *machine_find(enum machine_kind kind);
/* machine.c: refuses -device/-drive/… on machines without devices. */
int machine_check_no_devices(struct xendm *x, char *why, size_t whylen);

/* privs.c: resolve -runas early; drop after handles are open. */
int privs_resolve(struct xendm *x, char *err, size_t errlen);
int privs_drop(struct xendm *x, char *err, size_t errlen);

/* display.c: bind the -vnc listener (the VNC server takes the fd). */
int display_open(struct xendm *x, char *err, size_t errlen);
void display_close(struct xendm *x);

/*
 * Device state in QEMU's Xen stream.  By default (x->devstate NULL)
 * devstate.c uses the savevm registry x->savevm, which main creates
 * before the machine's prepare() so devices can register into it.
 * Both return 0 or -errno with a reason in err; load is all-or-nothing.
 */
struct devstate_ops {
    int (*save_fd)(struct xendm *x, int fd, char *err, size_t errlen);
    int (*load_fd)(struct xendm *x, int fd, char *err, size_t errlen);
};

struct vnc_state {
    int listen_fd;            /* bound and listening, or -1 */
    char host[64];
    char service[16];
    const char *family;       /* "ipv4" / "ipv6" */
    char *password;           /* set by change-vnc-password */
    struct vnc_server *server;   /* src/vnc.h, or NULL */
};

struct xendm {
    struct loop *loop;
    struct xendm_opts opts;
    const struct machine_ops *machine;
    void *machine_priv;
    void *hvm_priv;           /* the emulated PC (hw/emu/hvm-machine.c) */

    struct runstate rs;

    struct chardev *chardevs[XENDM_MAX_CHARDEVS];
    size_t nchardevs;
    struct monitor *monitors[XENDM_MAX_MONITORS];
    size_t nmonitors;
    struct fdsets *fdsets;

    struct store *store;      /* NULL for -machine none */
    struct hv *hv;            /* opened by the machine's prepare() */
    struct vnc_state vnc;

    const struct devstate_ops *devstate;
    struct savevm *savevm;    /* the registry devices register into */
    struct cpu_timers timers; /* QEMU's global "timer" section */

    uid_t run_uid;            /* resolved -runas, when run_as */
    gid_t run_gid;
    bool run_as;
    bool dirty_log;
    bool quit_requested;
    int exit_status;
    int signal_fd;
    bool ready;               /* startup finished; "running" published */
};

/* Ends the main loop; main() then tears down and exits with status. */
void xendm_request_quit(struct xendm *x, int status);

/* devstate.c */
extern const struct devstate_ops devstate_savevm_ops;
int devstate_save_fd(struct xendm *x, int fd, char *err, size_t errlen);
int devstate_load_fd(struct xendm *x, int fd, char *err, size_t errlen);

/* cmdline.c */
int cmdline_parse(struct xendm_opts *o, int argc, char **argv, char *err,
                  size_t errlen);
void cmdline_free(struct xendm_opts *o);
/* Splits "a=b,c=d" (",," escapes a comma) into o; 0 or -EINVAL. */
int optlist_parse(struct optlist *o, const char *option, const char *arg,
                  const char *implied_key);
void optlist_free(struct optlist *o);
/* Prints --help to stdout. */
void cmdline_usage(void);
/* The -machine none probe answer: options and their parameters. */
struct json;
struct json *cmdline_query_options(const char *only);

#endif
