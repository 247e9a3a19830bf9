#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runs every benchmark in bench/ against the build in $1; each prints
# its own comparison (xendm against a baseline, as a ratio).
set -e
builddir=${1:-.}
here=$(cd "$(dirname "$0")" && pwd)
for b in "$here"/bench-*.sh; do
    [ -e "$b" ] || continue
    echo "== $(basename "$b" .sh)"
    sh "$b" "$builddir"
done
