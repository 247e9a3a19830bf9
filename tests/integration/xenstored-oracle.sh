#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Differential test against Xen 4.17's own C xenstored: the same raw
# requests to both, replies compared (xenstored-oracle.py).  The oracle
# (shared/tools/xenstored-oracle/run-xenstored.sh) downloads Debian's
# xen-utils-4.17 once into $top_builddir/.xenstored-oracle; without
# network, apt or the shared tools the test is skipped.
set -u
. "$top_srcdir/tests/integration/xenstored-lib.sh"
ORACLE=${XENSTORED_ORACLE:-$top_srcdir/../shared/tools/xenstored-oracle/run-xenstored.sh}
[ -f "$ORACLE" ] || ORACLE=/work/shared/tools/xenstored-oracle/run-xenstored.sh
skip() { echo "1..0 # SKIP $*"; exit 0; }
[ -f "$ORACLE" ] || skip "no oracle script"
command -v python3 >/dev/null || skip "no python3"

cache=$top_builddir/.xenstored-oracle
O=$(mktemp -d)
EXTRA_CLEANUP='[ -n "${OPID:-}" ] && kill $OPID 2>/dev/null; rm -rf "$O"'
start_host
if [ -x "$cache/root/usr/lib/xen-4.17/bin/xenstored" ]; then
    ln -s "$cache/root" "$O/root"
fi
out=$(env -u XENSTORED_PATH timeout 120 bash "$ORACLE" "$O" 2>/dev/null | tail -1)
OPID=${out%% *}
OSOCK=${out#* }
[ -n "$OPID" ] && [ -S "$OSOCK" ] || skip "oracle xenstored unavailable"
if [ ! -L "$O/root" ] && [ ! -e "$cache" ]; then
    mkdir -p "$cache.tmp.$$" && cp -a "$O/root" "$cache.tmp.$$/" &&
        mv -T "$cache.tmp.$$" "$cache" 2>/dev/null || rm -rf "$cache.tmp.$$"
fi
python3 "$top_srcdir/tests/integration/xenstored-oracle.py" "$XENSTORED_PATH" "$OSOCK"
