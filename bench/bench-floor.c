/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The eventfd ping-pong floor shared by bench-evtchn and bench-hvm; see
 * bench-floor.h.  Trusts nothing but its own child process.
 */
#include "config.h"

#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench-floor.h"
#include "src/loop.h"

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
