# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/integration/xenstored-*.sh: TAP helpers and a private
# xensim host.  start_host starts `xensim start --dir $D` in a fresh
# mktemp dir, exports XENSIM_DIR and XENSTORED_PATH, and arranges for
# the host to be stopped and the dir removed on exit.
: "${top_builddir:?}" "${top_srcdir:?}"
XENSIM=$top_builddir/xensim/xensim
XSCLIENT=$top_builddir/tests/integration/xs-client
. "$top_srcdir/tests/integration/tap-lib.sh"

tap_end() {
    echo "1..$n"
    [ "$failed" -eq 0 ]
}

cleanup_host() {
    if [ -n "${D:-}" ] && [ -f "$D/xensim.pid" ]; then
        XENSIM_DIR=$D "$XENSIM" stop >/dev/null 2>&1 ||
            kill -9 "$(cat "$D/xensim.pid")" 2>/dev/null
    fi
    [ -n "${D:-}" ] && rm -rf "$D"
    [ -n "${EXTRA_CLEANUP:-}" ] && eval "$EXTRA_CLEANUP"
    return 0
}

start_host() {
    D=$(mktemp -d)
    trap cleanup_host EXIT
    trap 'exit 1' INT TERM
    if ! "$XENSIM" start --dir "$D"; then
        echo "Bail out! xensim start failed"
        cat "$D/xensim.log"
        exit 1
    fi
    export XENSIM_DIR=$D
    export XENSTORED_PATH=$D/xenstored.sock
}
