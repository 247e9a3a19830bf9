#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Event-channel notify and port-I/O ioreq round trips through xensim's
# hypervisor services, each against a raw eventfd ping-pong measured in
# the same run (bench/bench-evtchn.c).  Usage: bench-evtchn.sh BUILDDIR
set -e
builddir=${1:-.}
exec "$builddir/bench/bench-evtchn" "${BENCH_ROUNDS:-20000}"
