#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Configures and builds xendm out of tree.
#   scripts/build.sh [BUILDDIR [configure args...]]
# Default: build/ with -Werror.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-$top/build}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- --enable-werror
cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] ||
    autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
mkdir -p "$builddir"
cd "$builddir"
if [ ! -f Makefile ] || [ "$(cat .xendm-configure-args 2>/dev/null)" != "$*" ]; then
    "$top/configure" -q "$@"
    echo "$*" > .xendm-configure-args
fi
make -j"$(nproc)" >/dev/null
echo "built in $builddir"
