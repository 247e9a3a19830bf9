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
#include <sys/socket.h>
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

/* One relay of the ring: wait on `in` (a message or a count), kick `out`. */
static void ring_relay(int in, bool msg, int out, unsigned rounds)
{
    uint64_t v = 1;
    char buf[64];
    unsigned i;

    for (i = 0; i < rounds; i++) {
        if ((msg ? recv(in, buf, sizeof(buf), 0) <= 0
                 : read(in, &v, 8) != 8) ||
            write(out, &v, 8) != 8) {
            _exit(1);
        }
    }
    _exit(0);
}

double bench_ring3(unsigned rounds, bool socket_hop)
{
    int e[3] = {eventfd(0, 0), eventfd(0, 0), eventfd(0, 0)}, sp[2];
    char req[40] = {0};   /* about a VCPU_IO request's size */
    uint64_t v = 1, t0;
    pid_t pid[2];
    unsigned i;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) < 0) {
        return -1;
    }
    if ((pid[0] = fork()) == 0) {
        ring_relay(socket_hop ? sp[1] : e[0], socket_hop, e[1], rounds);
    }
    if ((pid[1] = fork()) == 0) {
        ring_relay(e[1], false, e[2], rounds);
    }
    t0 = loop_now_ns();
    for (i = 0; i < rounds; i++) {
        if ((socket_hop ? send(sp[0], req, sizeof(req), 0) < 0
                        : write(e[0], &v, 8) != 8) ||
            read(e[2], &v, 8) != 8) {
            break;
        }
    }
    t0 = loop_now_ns() - t0;
    for (i = 0; i < 2; i++) {
        if (pid[i] > 0) {
            kill(pid[i], SIGKILL);
            waitpid(pid[i], NULL, 0);
        }
    }
    for (i = 0; i < 3; i++) {
        close(e[i]);
    }
    close(sp[0]);
    close(sp[1]);
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
