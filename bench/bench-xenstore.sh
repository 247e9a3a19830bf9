#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xenstore write+read round trips per second through real libxenstore
# (bench/xs-bench), against xensim's xenstored and, in the same run,
# against Xen 4.17's own C xenstored (the oracle, when it can be
# started), as a ratio.  Usage: bench/bench-xenstore.sh BUILDDIR
set -u
b=$(cd "${1:-.}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
SECS=${BENCH_SECONDS:-2}
ORACLE=$here/../../shared/tools/xenstored-oracle/run-xenstored.sh
[ -f "$ORACLE" ] || ORACLE=/work/shared/tools/xenstored-oracle/run-xenstored.sh
D=$(mktemp -d)
O=$(mktemp -d)
OPID=
cleanup() {
    XENSIM_DIR=$D "$b/xensim/xensim" stop >/dev/null 2>&1
    [ -n "$OPID" ] && kill "$OPID" 2>/dev/null
    rm -rf "$D" "$O"
}
trap cleanup EXIT
"$b/xensim/xensim" start --dir "$D" || exit 1
ours=$("$b/bench/xs-bench" "$D/xenstored.sock" "$SECS") || exit 1
if [ -f "$ORACLE" ]; then
    [ -x "$b/.xenstored-oracle/root/usr/lib/xen-4.17/bin/xenstored" ] &&
        ln -s "$b/.xenstored-oracle/root" "$O/root"
    out=$(env -u XENSTORED_PATH timeout 120 bash "$ORACLE" "$O" 2>/dev/null | tail -1)
    OPID=${out%% *}
    OSOCK=${out#* }
    [ -S "$OSOCK" ] || OPID=
fi
if [ -n "$OPID" ]; then
    # run-xenstored.sh starts it with tracing (-T), which costs a file
    # write per message: restart the same binary, same shim, untraced.
    kill "$OPID"
    while kill -0 "$OPID" 2>/dev/null; do sleep 0.05; done
    rm -f "$OSOCK"
    env -u XENSTORED_PATH XENSHIM_DIR="$O" LD_PRELOAD="$O/xenshim.so" \
        XENSTORED_RUNDIR="$O/run" setsid "$O/root/usr/lib/xen-4.17/bin/xenstored" -N \
        >"$O/xenstored.out" 2>&1 </dev/null &
    OPID=$!
    for i in $(seq 200); do [ -S "$OSOCK" ] && break; sleep 0.01; done
    [ -S "$OSOCK" ] || { kill "$OPID"; OPID=; }
fi
if [ -n "$OPID" ]; then
    theirs=$("$b/bench/xs-bench" "$OSOCK" "$SECS")
    echo "xenstore write+read pairs/s (real libxenstore, ${SECS}s each):"
    echo "  xensim xenstored:        $ours"
    echo "  Xen 4.17 C xenstored:    $theirs   (Debian xen-utils-4.17, -N, no trace)"
    awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "  ratio xensim/xen:        %.2f\n", a / b }'
else
    echo "xenstore write+read pairs/s (real libxenstore, ${SECS}s): xensim $ours"
    echo "  (Xen's C xenstored could not be started here: no ratio)"
fi
