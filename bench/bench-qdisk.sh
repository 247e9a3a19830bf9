#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# qdisk request path vs the same I/O issued directly, same engine, same
# file, same run (see bench/bench-qdisk.c for what is and is not in it):
# in process, then the real xendm binary on a private xensim host.
# Usage: bench/bench-qdisk.sh BUILDDIR [SECONDS_PER_CASE]
set -e
builddir=${1:-build}
secs=${2:-2}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$builddir/bench/bench-qdisk" "$dir/disk.img" "$secs"
"$builddir/bench/bench-qdisk" "$dir/disk2.img" "$secs" odirect
XENSIM_DIR= top_builddir=$builddir "$builddir/bench/bench-qdisk" - "$secs" xensim
XENSIM_DIR= top_builddir=$builddir "$builddir/bench/bench-qdisk" - "$secs" xensim-odirect
