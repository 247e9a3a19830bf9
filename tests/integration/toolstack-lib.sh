# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/integration/toolstack-*.sh: TAP helpers and a private
# xensim host (mktemp dir) on which the simulated toolstack runs; on
# exit every domain still listed is destroyed, the host is stopped and
# the directory removed.
: "${top_builddir:?}" "${top_srcdir:?}"
XENSIM=$top_builddir/xensim/xensim
XENDM=$top_builddir/xendm
. "$top_srcdir/tests/integration/tap-lib.sh"

tap_end() {
    echo "1..$n"
    [ "$failed" -eq 0 ]
}

cleanup_ts_host() {
    if [ -n "${D:-}" ] && [ -f "$D/xensim.pid" ]; then
        for dom in $(XENSIM_DIR=$D "$XENSIM" list 2>/dev/null |
                     awk 'NR > 2 { print $2 }'); do
            XENSIM_DIR=$D timeout 30 "$XENSIM" destroy "$dom" >/dev/null 2>&1
        done
        XENSIM_DIR=$D "$XENSIM" stop >/dev/null 2>&1 ||
            kill -9 "$(cat "$D/xensim.pid")" 2>/dev/null
    fi
    [ -n "${D:-}" ] && rm -rf "$D"
    return 0
}

# Starts the host; if it cannot run domains (no hypervisor service in
# this build), prints a SKIP plan and exits 0.
start_ts_host() {
    D=$(mktemp -d)
    trap cleanup_ts_host EXIT
    trap 'exit 1' INT TERM
    if ! "$XENSIM" start --dir "$D"; then
        echo "Bail out! xensim start failed"
        exit 1
    fi
    export XENSIM_DIR=$D
    export XENSTORED_PATH=$D/xenstored.sock
    if [ ! -S "$D/hv.sock" ]; then
        echo "1..0 # SKIP the xensim daemon serves no hypervisor (no hv.sock)"
        exit 0
    fi
}

xs_read() { xenstore-read "$@" 2>/dev/null; }
xs_exists() { xenstore-exists "$1" 2>/dev/null; }

domid_of() { # name
    "$XENSIM" list | awk -v n="$1" '$1 == n { print $2 }'
}

# A process that exists and is not a zombie (the host's init may be slow
# to reap what was reparented to it).
alive() {
    local st
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# Everything that must be gone once domain $1 (uuid $2) is destroyed.
check_gone() {
    local d=$1 uuid=$2 what=$3 pid=$4 gpid=$5 leftover=""
    [ -n "$pid" ] && alive "$pid" && leftover="$leftover dm:$pid"
    [ -n "$gpid" ] && alive "$gpid" && leftover="$leftover guest:$gpid"
    for s in "$D/qmp-libxl-$d" "$D/qmp-libxenstat-$d"; do
        [ -e "$s" ] && leftover="$leftover $s"
    done
    for p in "/local/domain/$d" "/local/domain/0/device-model/$d" \
             "/libxl/$d" "/vm/$uuid" /local/domain/0/backend/{qdisk,vfb,vkbd,console}/$d; do
        xs_exists "$p" && leftover="$leftover $p"
    done
    [ -e "$D/toolstack/$d" ] && leftover="$leftover $D/toolstack/$d"
    tap_is "${leftover:-none}" none "$what: no process, socket, xenstore node or file left"
}
