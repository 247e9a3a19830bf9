#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The simulated guest's blkfront against a hostile backend
# (ts-hostile-blk.c, the control domain playing the backend for real):
# a response with an unknown id, a producer index far past the ring,
# and a geometry it cannot use.  The guest must end with a protocol
# error (exit 3) and a message -- not crash, not hang -- and the host
# must carry on serving.
. "$(dirname "$0")/toolstack-lib.sh"
start_ts_host
HOSTILE=$top_builddir/tests/integration/ts-hostile-blk

for mode in badid overrun geometry; do
    cat > "$D/h.cfg" <<CFG
name = "hostile-$mode"
memory = 32
guest = "disk-verify --size 64k --io 4k --qd 1"
CFG
    timeout 120 "$XENSIM" create -p "$D/h.cfg" 2>/dev/null
    d=$(domid_of "hostile-$mode")
    timeout 150 "$HOSTILE" "$d" "$mode" > "$D/hostile.out" 2>&1
    tap_is $? 0 "$mode: the hostile backend did its part ($(tail -1 "$D/hostile.out"))"
    timeout 150 "$XENSIM" wait "hostile-$mode" 120
    rc=$?
    tap_is "$rc" 3 "$mode: the guest stopped with a protocol error"
    sed 's/^/# /' "$D/toolstack/$d/guest.log"
    case $mode in
    badid) want="response with unknown id" ;;
    overrun) want="overran the ring" ;;
    geometry) want="unusable geometry" ;;
    esac
    grep -q "$want" "$D/toolstack/$d/guest.log"
    tap_ok $? "$mode: the guest said why ($want)"
    timeout 60 "$XENSIM" destroy "hostile-$mode"
    tap_ok $? "$mode: destroy"
done
# The host still serves a well-behaved domain.
printf 'name = "after"\nmemory = 32\n' > "$D/a.cfg"
timeout 120 "$XENSIM" create "$D/a.cfg"
tap_ok $? "the host carries on: a new domain starts"
timeout 60 "$XENSIM" destroy after
tap_end
