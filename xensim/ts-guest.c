/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest program's launcher.  As `xl create` leaves a monitor
 * process behind for each domain, create forks a detached monitor
 * (setsid, double fork) that runs the domain's guest program
 * (`xensim guest <domid> [--resume] <workload> [args]`, with
 * XENSTORED_PATH on the domain's own xenstored socket), waits for it,
 * and records how it ended in toolstack/<d>/guest.status: the exit
 * status, `suspended` (exit TS_GUEST_SUSPENDED after a suspend
 * request) or `signal <n>`.  `xensim wait` polls that file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/close_range.h>
#include <unistd.h>

#include "xensim/ts.h"

#define GUEST_MAX_ARGS 32

static int split_words(char *s, char **out, int max)
{
    int n = 0;
    char *save = NULL, *w;

    for (w = strtok_r(s, " \t", &save); w != NULL && n < max;
         w = strtok_r(NULL, " \t", &save)) {
        out[n++] = w;
    }
    return n;
}

static void monitor_run(struct ts *ts, const struct ts_dom *d, bool resume)
{
    char *argv[GUEST_MAX_ARGS + 6], words[1024], path[512], num[16], st[32];
    char sock[400], log[512];
    int argc = 0, status, fd;
    pid_t guest;

    snprintf(words, sizeof(words), "%s",
             d->cfg.guest != NULL ? d->cfg.guest : "idle");
    snprintf(num, sizeof(num), "%u", d->domid);
    argv[argc++] = ts->self;
    argv[argc++] = (char *)"guest";
    argv[argc++] = num;
    if (resume) {
        argv[argc++] = (char *)"--resume";
    }
    argc += split_words(words, argv + argc, GUEST_MAX_ARGS);
    argv[argc] = NULL;
    snprintf(st, sizeof(st), "%d", (int)getpid());
    ts_path(ts, path, sizeof(path), d->domid, "monitor.pid");
    ts_file_write(path, st);
    ts_path(ts, log, sizeof(log), d->domid, "guest.log");
    guest = fork();
    if (guest == 0) {
        snprintf(sock, sizeof(sock), "%s/domains/%u/xenstored.sock", ts->dir,
                 d->domid);
        setenv("XENSTORED_PATH", sock, 1);
        setenv("XENSIM_DIR", ts->dir, 1);
        fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(ts->self, argv);
        _exit(127);
    }
    if (guest < 0) {
        _exit(1);
    }
    snprintf(st, sizeof(st), "%d", (int)guest);
    ts_path(ts, path, sizeof(path), d->domid, "guest.pid");
    ts_file_write(path, st);
    while (waitpid(guest, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == TS_GUEST_SUSPENDED) {
        snprintf(st, sizeof(st), "suspended");
    } else if (WIFEXITED(status)) {
        snprintf(st, sizeof(st), "%d", WEXITSTATUS(status));
    } else {
        snprintf(st, sizeof(st), "signal %d", WTERMSIG(status));
    }
    ts_path(ts, path, sizeof(path), d->domid, "guest.status");
    ts_file_write(path, st);
    _exit(0);
}

int ts_guest_start(struct ts *ts, const struct ts_dom *d, bool resume)
{
    char path[512];
    pid_t first;
    int status, i;

    ts_path(ts, path, sizeof(path), d->domid, "guest.status");
    unlink(path);
    ts_path(ts, path, sizeof(path), d->domid, "guest.pid");
    unlink(path);
    first = fork();
    if (first < 0) {
        return -errno;
    }
    if (first == 0) {
        int nul;
        /* Drop the parent's hypervisor and xenstore connections. */
        close_range(3, ~0u, 0);
        nul = open("/dev/null", O_RDWR);
        setsid();
        if (nul >= 0) {
            dup2(nul, 0);
        }
        if (fork() == 0) {
            monitor_run(ts, d, resume);
        }
        _exit(0);
    }
    while (waitpid(first, &status, 0) < 0 && errno == EINTR) {
    }
    for (i = 0; i < 250; i++) {           /* the monitor records the pid */
        struct timespec t = { 0, 20 * 1000 * 1000 };
        if (access(path, F_OK) == 0) {
            return 0;
        }
        nanosleep(&t, NULL);
    }
    ts_errx("%s: the guest program did not start", d->name);
    return -ETIMEDOUT;
}

int ts_guest_signal(struct ts *ts, uint32_t domid, int sig)
{
    int pid = ts_pid_read(ts, domid, "guest.pid");

    if (pid < 0) {
        return pid;
    }
    return kill(pid, sig) < 0 ? -errno : 0;
}

int ts_guest_wait(struct ts *ts, uint32_t domid, int timeout_ms,
                  char *status, size_t len)
{
    char path[512], *s;
    int waited = 0;

    ts_path(ts, path, sizeof(path), domid, "guest.status");
    for (;;) {
        struct timespec t = { 0, 20 * 1000 * 1000 };
        if ((s = ts_file_read(path, 31)) != NULL) {
            snprintf(status, len, "%s", s);
            free(s);
            return 0;
        }
        if (timeout_ms >= 0 && waited >= timeout_ms) {
            return -ETIMEDOUT;
        }
        nanosleep(&t, NULL);
        waited += 20;
    }
}
