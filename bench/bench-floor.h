/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The floor the event-channel and ioreq benchmarks compare against: a
 * blocking eventfd ping-pong between two processes, measured in the
 * same run as the figure it is the baseline for.
 */
#ifndef XENDM_BENCH_FLOOR_H
#define XENDM_BENCH_FLOOR_H

/* ns per round trip of `rounds` eventfd ping-pongs. */
double bench_eventfd(unsigned rounds);

#endif
