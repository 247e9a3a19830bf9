#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xendm's HVM machine behind its ioreq server on xensim: port-I/O round
# trip against an eventfd ping-pong floor, and buffered ioreq writes
# per second against synchronous ones, each pair measured in the same
# run (bench/bench-hvm.c).  Usage: bench-hvm.sh BUILDDIR
set -e
builddir=${1:-.}
exec "$builddir/bench/bench-hvm" "${BENCH_ROUNDS:-20000}"
