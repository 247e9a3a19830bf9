/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Runs xensim's hypervisor services in a child process for tests
 * (see hv-harness.h).  The child installs a SIGTERM flag, runs the
 * loop until it is set, then stops the service, which unlinks its
 * sockets.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "tests/unit/hv-harness.h"
#include "xensim/hvsvc.h"

static volatile sig_atomic_t harness_term;

static void harness_on_term(int sig)
{
    harness_term = 1;
}

static void harness_child(const char *dir)
{
    struct loop *loop = loop_new();
    struct hyp *hs;

    signal(SIGTERM, harness_on_term);
    log_init("xensim-hv", LOG_LEVEL_WARN);
    hs = loop ? hvsvc_start(loop, dir) : NULL;
    if (!hs) {
        _exit(2);
    }
    while (!harness_term) {
        loop_run_once(loop, 100);
    }
    hvsvc_stop(hs);
    loop_free(loop);
    _exit(0);
}

int harness_start(struct hv_harness *h)
{
    const char *tmp = getenv("TMPDIR");
    const char *host = getenv("XENSIM_TEST_DIR");
    char sock[300];
    int i;

    if (host && *host) {
        /* an xensim host started by the caller (`xensim start`) */
        snprintf(h->dir, sizeof(h->dir), "%s", host);
        h->pid = -1;
        return 0;
    }
    snprintf(h->dir, sizeof(h->dir), "%s/hvtest.XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(h->dir)) {
        return -errno;
    }
    h->pid = fork();
    if (h->pid < 0) {
        return -errno;
    }
    if (h->pid == 0) {
        harness_child(h->dir);
    }
    snprintf(sock, sizeof(sock), "%s/hv.sock", h->dir);
    for (i = 0; i < 500; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};

        if (access(sock, F_OK) == 0) {
            return 0;
        }
        nanosleep(&ts, NULL);
    }
    harness_stop(h);
    return -ETIMEDOUT;
}

int harness_stop(struct hv_harness *h)
{
    char cmd[400];
    int status = 0;

    if (h->pid < 0) {
        return 0; /* not ours to stop */
    }
    if (h->pid > 0) {
        kill(h->pid, SIGTERM);
        waitpid(h->pid, &status, 0);
        h->pid = 0;
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
    if (system(cmd) != 0) {
        return -EIO;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}
