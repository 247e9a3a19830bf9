/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xensim: the simulated Xen host.
 *
 *   xensim start --dir DIR [--foreground] [-v]
 *       starts the host serving in DIR (created if missing) and, unless
 *       --foreground, returns once it serves; the daemon logs to
 *       DIR/xensim.log and writes its pid to DIR/xensim.pid.
 *   xensim stop [--dir DIR]   (default: $XENSIM_DIR)
 *       sends SIGTERM, waits for the host to exit (it removes its
 *       sockets and pid file on the way out).
 *   xensim <anything else> ...
 *       the simulated toolstack (xensim/toolstack.h).
 *
 * The host is one process with one event loop (src/loop.h) running
 * the services of the `services` table below, started in order and
 * stopped in reverse.  SIGTERM/SIGINT arrive through a signalfd on
 * the loop, so no code runs in signal context.  The host trusts its
 * command line; everything its clients send is handled by the
 * services as hostile.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "simhost.h"
#include "toolstack.h"

/* The services of the host, in start order (see simhost.h). */
static const struct simhost_service services[] = {
    {"xenstored", xenstored_start, xenstored_stop},
    {"hyp", hyp_start, hyp_stop},
};

#define NSERVICES (sizeof(services) / sizeof(services[0]))

struct hostopts {
    const char *dir;
    bool foreground;
    bool verbose;
};

static void usage(void)
{
    fprintf(stderr, "usage: xensim start --dir DIR [--foreground] [-v]\n"
                    "       xensim stop [--dir DIR]\n"
                    "       xensim COMMAND ...   (toolstack; needs "
                    "XENSIM_DIR)\n");
}

static int parse_opts(int argc, char **argv, struct hostopts *o)
{
    int i;

    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            o->dir = argv[++i];
        } else if (strcmp(argv[i], "--foreground") == 0) {
            o->foreground = true;
        } else if (strcmp(argv[i], "-v") == 0) {
            o->verbose = true;
        } else {
            usage();
            return -EINVAL;
        }
    }
    if (o->dir == NULL) {
        o->dir = getenv("XENSIM_DIR");
    }
    if (o->dir == NULL || o->dir[0] == '\0') {
        fprintf(stderr, "xensim: no --dir and no XENSIM_DIR\n");
        return -EINVAL;
    }
    return 0;
}

static bool pid_alive(pid_t pid);

static void pid_path(char *buf, size_t len, const char *dir)
{
    snprintf(buf, len, "%s/xensim.pid", dir);
}

/* The pid of a live host serving in dir, or 0. */
static pid_t host_pid(const char *dir)
{
    char path[PATH_MAX + 32];
    FILE *f;
    long pid = 0;

    pid_path(path, sizeof(path), dir);
    f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    if (fscanf(f, "%ld", &pid) != 1 || pid <= 0 || pid > INT_MAX) {
        pid = 0;
    }
    fclose(f);
    if (pid > 0 && !pid_alive((pid_t)pid)) {
        pid = 0;
    }
    return (pid_t)pid;
}

/* False once pid has exited (gone, or a zombie nobody reaped yet). */
static bool pid_alive(pid_t pid)
{
    char path[64], buf[256], *p;
    FILE *f;
    size_t n;

    if (kill(pid, 0) < 0 && errno == ESRCH) {
        return false;
    }
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    f = fopen(path, "r");
    if (f == NULL) {
        return true;
    }
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')');
    return p == NULL || p[1] == '\0' || p[2] != 'Z';
}

/* Sockets a host killed without its cleanup may leave behind. */
static void host_remove_sockets(const char *dir)
{
    char path[PATH_MAX + 300];
    struct dirent *e;
    DIR *d;

    snprintf(path, sizeof(path), "%s/xenstored.sock", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/domains", dir);
    d = opendir(path);
    if (d == NULL) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "%s/domains/%s/xenstored.sock", dir,
                 e->d_name);
        unlink(path);
    }
    closedir(d);
}

static void host_signal(struct loop *loop, int fd, unsigned ev, void *opaque)
{
    struct signalfd_siginfo si;

    if (read(fd, &si, sizeof(si)) == sizeof(si)) {
        log_info("signal %u: stopping", si.ssi_signo);
        loop_stop(loop);
    }
}

static void host_stop_services(struct simhost *h, size_t started)
{
    while (started-- > 0) {
        services[started].stop(h);
    }
}

static int host_write_pid(const char *dir)
{
    char path[PATH_MAX + 32], tmp[PATH_MAX + 40];
    FILE *f;

    pid_path(path, sizeof(path), dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (f == NULL) {
        return -errno;
    }
    fprintf(f, "%ld\n", (long)getpid());
    if (fclose(f) != 0 || rename(tmp, path) < 0) {
        return -errno;
    }
    return 0;
}

/* Runs the host until SIGTERM; ready_fd (if >= 0) gets one byte once serving. */
static int host_run(const char *dir, int ready_fd)
{
    struct simhost h = {.dir = dir};
    char path[PATH_MAX + 32];
    size_t started = 0;
    sigset_t mask;
    int sfd, rc = 0;

    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    h.loop = loop_new();
    sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (h.loop == NULL || sfd < 0 ||
        loop_fd_add(h.loop, sfd, LOOP_READ, host_signal, NULL) < 0) {
        fatal("cannot set up the event loop");
    }
    for (started = 0; started < NSERVICES; started++) {
        rc = services[started].start(&h);
        if (rc < 0) {
            log_warnx("service %s failed to start: %s",
                      services[started].name, strerror(-rc));
            break;
        }
    }
    if (rc == 0) {
        rc = host_write_pid(dir);
    }
    if (rc == 0) {
        log_info("serving in %s (pid %ld)", dir, (long)getpid());
        if (ready_fd >= 0) {
            (void)!write(ready_fd, "R", 1);
            close(ready_fd);
        }
        rc = loop_run(h.loop);
    }
    host_stop_services(&h, started);
    pid_path(path, sizeof(path), dir);
    unlink(path);
    loop_fd_del(h.loop, sfd);
    close(sfd);
    loop_free(h.loop);
    return rc < 0 ? 1 : 0;
}

static int host_daemonize(const char *dir)
{
    char path[PATH_MAX + 32], c;
    int p[2], fd;
    pid_t pid;

    if (pipe2(p, O_CLOEXEC) < 0) {
        fatal("pipe");
    }
    pid = fork();
    if (pid < 0) {
        fatal("fork");
    }
    if (pid == 0) {
        close(p[0]);
        setsid();
        snprintf(path, sizeof(path), "%s/xensim.log", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        fd = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, STDIN_FILENO);
            close(fd);
        }
        _exit(host_run(dir, p[1]));
    }
    close(p[1]);
    if (read(p[0], &c, 1) != 1) {
        fprintf(stderr, "xensim: the host failed to start; see %s/xensim.log\n",
                dir);
        waitpid(pid, NULL, 0);
        return 1;
    }
    close(p[0]);
    return 0;
}

static int cmd_start(int argc, char **argv)
{
    struct hostopts o = {0};
    char dir[PATH_MAX];
    pid_t running;

    if (parse_opts(argc, argv, &o) < 0) {
        return 2;
    }
    if (mkdir(o.dir, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "xensim: %s: %s\n", o.dir, strerror(errno));
        return 1;
    }
    if (realpath(o.dir, dir) == NULL) {
        fprintf(stderr, "xensim: %s: %s\n", o.dir, strerror(errno));
        return 1;
    }
    running = host_pid(dir);
    if (running > 0) {
        fprintf(stderr, "xensim: already running in %s (pid %ld)\n", dir,
                (long)running);
        return 1;
    }
    log_init("xensim", o.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
    return o.foreground ? host_run(dir, -1) : host_daemonize(dir);
}

static int cmd_stop(int argc, char **argv)
{
    struct hostopts o = {0};
    struct timespec ts = {0, 10 * 1000 * 1000};
    pid_t pid;
    int i;

    if (parse_opts(argc, argv, &o) < 0) {
        return 2;
    }
    pid = host_pid(o.dir);
    if (pid == 0) {
        fprintf(stderr, "xensim: not running in %s\n", o.dir);
        return 1;
    }
    if (kill(pid, SIGTERM) < 0) {
        fprintf(stderr, "xensim: kill %ld: %s\n", (long)pid, strerror(errno));
        return 1;
    }
    for (i = 0; i < 1000; i++) {
        if (!pid_alive(pid)) {
            host_remove_sockets(o.dir);
            return 0;
        }
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "xensim: pid %ld did not exit within 10 s\n", (long)pid);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "--help") == 0) {
        usage();
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "start") == 0) {
        return cmd_start(argc, argv);
    }
    if (strcmp(argv[1], "stop") == 0) {
        return cmd_stop(argc, argv);
    }
    return toolstack_main(argc, argv);
}
