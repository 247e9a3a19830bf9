#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The hypervisor services as the xensim daemon hosts them: `xensim
# start` serves DIR/hv.sock next to the xenstored; the unit suites for
# domains/grants/event channels and for ioreqs run against that host
# (XENSIM_TEST_DIR); destroying a domain through the hypervisor removes
# its xenstore nodes (released hook); `xensim stop` leaves no socket.
. "$top_srcdir/tests/integration/xenstored-lib.sh"

start_host
tap_ok "$([ -S "$D/hv.sock" ]; echo $?)" "xensim start serves hv.sock"

for t in test-hv test-hv-ioreq; do
    out=$(XENSIM_TEST_DIR=$D "$top_builddir/tests/unit/$t" 2>&1)
    rc=$?
    tap_ok "$rc" "$t against the xensim host ($(echo "$out" |
        grep -c '^ok') checks passed)"
    [ "$rc" -eq 0 ] || echo "$out" | grep -v '^ok' | sed 's/^/# /'
done

# a domain made by the toolstack gets its guest socket, and loses it
cat > "$D/t.cfg" <<CFG
name = "hvt"
type = "pv"
memory = 16
vcpus = 1
CFG
"$XENSIM" create "$D/t.cfg" >/dev/null 2>&1
tap_ok $? "xensim create (hypervisor domain + xenstore)"
id=$("$XENSIM" list 2>/dev/null | awk '$1 == "hvt" { print $2 }')
tap_ok "$([ -n "$id" ] && [ -S "$D/domains/$id/hv.sock" ]; echo $?)" \
    "the domain's hv.sock exists"
"$XENSIM" destroy hvt >/dev/null 2>&1
tap_ok $? "xensim destroy"
tap_ok "$([ ! -e "$D/domains/$id/hv.sock" ]; echo $?)" \
    "its hv.sock is gone"
tap_is "$(xenstore-ls "/local/domain/$id" 2>/dev/null | wc -l)" 0 \
    "and so are its xenstore nodes"

XENSIM_DIR=$D "$XENSIM" stop >/dev/null 2>&1
tap_ok $? "xensim stop"
left=$(find "$D" -name 'hv.sock*' 2>/dev/null | wc -l)
tap_is "$left" 0 "no hypervisor socket left behind"
tap_end
