/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The eventfd ping-pong floor shared by bench-evtchn and bench-hvm; see
 * bench-floor.h.  Trusts nothing but its own child process.
 */
#include "config.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench-floor.h"
#include "src/loop.h"
#include "tests/unit/hv-harness.h"
#include "xensim/hvclient.h"

double bench_eventfd(unsigned rounds)
{
    int a = eventfd(0, 0), b = eventfd(0, 0);
    uint64_t v = 1, t0;
    unsigned i;
    pid_t pid = fork();

    if (pid == 0) {
        for (i = 0; i < rounds; i++) {
            if (read(a, &v, 8) != 8 || write(b, &v, 8) != 8) {
                _exit(1);
            }
        }
        _exit(0);
    }
    t0 = loop_now_ns();
    for (i = 0; i < rounds; i++) {
        if (write(a, &v, 8) != 8 || read(b, &v, 8) != 8) {
            break;
        }
    }
    t0 = loop_now_ns() - t0;
    waitpid(pid, NULL, 0);
    close(a);
    close(b);
    return (double)t0 / rounds;
}

struct hvc *bench_hv_open(struct hv_harness *h, const char **dir)
{
    struct hvc *ctl;

    signal(SIGPIPE, SIG_IGN);
    *dir = getenv("XENSIM_DIR");
    if (*dir == NULL || **dir == '\0') {
        if (harness_start(h) < 0) {
            fprintf(stderr, "cannot start the hypervisor service\n");
            return NULL;
        }
        *dir = h->dir;
        setenv("XENSIM_DIR", *dir, 1);
    }
    ctl = hvc_open(*dir, HVC_CONTROL);
    if (ctl == NULL) {
        fprintf(stderr, "cannot reach %s/hv.sock\n", *dir);
        bench_hv_close(h, NULL);
    }
    return ctl;
}

void bench_hv_close(struct hv_harness *h, struct hvc *ctl)
{
    if (ctl != NULL) {
        hvc_close(ctl);
    }
    if (h->pid) {
        harness_stop(h);
    }
}
