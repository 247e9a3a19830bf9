#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# State engine benchmark: save and load of a pc-serial-xenlike-shaped
# device set and of a scalar-heavy set, against memcpy and write+fsync
# of the same bytes measured in the same run (see bench/bench-state.c).
# Usage: bench/bench-state.sh BUILDDIR
set -e
builddir=${1:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$builddir/bench/bench-state" "$tmp"
