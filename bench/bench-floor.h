/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The floor the event-channel and ioreq benchmarks compare against: a
 * blocking eventfd ping-pong between two processes, measured in the
 * same run as the figure it is the baseline for.
 */
#ifndef XENDM_BENCH_FLOOR_H
#define XENDM_BENCH_FLOOR_H

#include <stdbool.h>

/* ns per round trip of `rounds` eventfd ping-pongs. */
double bench_eventfd(unsigned rounds);

/*
 * ns per turn of a ring of three processes (A -> B -> C -> A), each
 * hop an eventfd kick, or the first one a SEQPACKET message when
 * socket_hop: the shape of a round trip through xensim (vCPU ->
 * daemon -> device model -> vCPU), with no work done at any stop.
 * A reference for how far the port-I/O path is from its own shape's
 * floor, not a goal.
 */
double bench_ring3(unsigned rounds, bool socket_hop);

struct hv_harness;
struct hvc;
/*
 * The hypervisor service both benchmarks talk to: the running xensim
 * host named by XENSIM_DIR, or a private one started in *h (and
 * exported as XENSIM_DIR).  Its control connection and directory, or
 * NULL after saying why on stderr.  bench_hv_close undoes it.
 */
struct hvc *bench_hv_open(struct hv_harness *h, const char **dir);
void bench_hv_close(struct hv_harness *h, struct hvc *ctl);

#endif
