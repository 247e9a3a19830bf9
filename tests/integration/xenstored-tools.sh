#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The real xenstore-* tools (xenstore-utils) against xensim's xenstored,
# as the control domain and as a guest: values, listing, rm, exists,
# chmod, watch, and a guest refused outside its permissions.
set -u
. "$top_srcdir/tests/integration/xenstored-lib.sh"
start_host

tap_ok "$([ -S "$D/xenstored.sock" ]; echo $?)" "xensim start serves DIR/xenstored.sock"
tap_ok "$([ -f "$D/xensim.pid" ]; echo $?)" "and writes DIR/xensim.pid"
tap_is "$(xenstore-ls / | tr -d ' ' | tr '\n' ' ')" \
    'tool="" xenstored="" local="" domain="" 0="" domid="0" name="Domain-0" ' \
    "initial tree (Xen 4.17's + xen-init-dom0's nodes)"
xenstore-write /vm/a hello /vm/b world
tap_ok $? "xenstore-write of two nodes"
tap_is "$(xenstore-read /vm/a /vm/b | tr '\n' ' ')" "hello world " "xenstore-read"
tap_is "$(xenstore-list /vm | tr '\n' ' ')" "a b " "xenstore-list in creation order"
xenstore-read /vm/nope 2>/dev/null
tap_ok "$([ $? -ne 0 ]; echo $?)" "read of a missing node fails"
xenstore-exists /vm/a
tap_ok $? "xenstore-exists"
xenstore-chmod /vm/a n0 r7
tap_is "$(xenstore-ls -p /vm | sed -n 's/.*(\(.*\))$/\1/p' | head -1)" "n0,r7" "xenstore-chmod + ls -p"
timeout 60 xenstore-watch -n 3 /vm > "$D/watch.out" 2>&1 &
wpid=$!
wait_until 60 test -s "$D/watch.out"
xenstore-write /vm/c/d 1
xenstore-rm /vm/b
wait $wpid
tap_is "$(tr '\n' ' ' < "$D/watch.out")" "/vm /vm/c/d /vm/b " "xenstore-watch: initial event, child, rm"
xenstore-rm /vm
xenstore-exists /vm 2>/dev/null
tap_ok "$([ $? -ne 0 ]; echo $?)" "xenstore-rm removes the subtree"

# A guest: introduced by the C client (xs_introduce_domain), then the
# real tools through DIR/domains/5/xenstored.sock.
"$XSCLIENT" "$XENSTORED_PATH" introduce 5 3
tap_ok $? "INTRODUCE domain 5 (libxenstore)"
xenstore-write /local/domain/5/data ""
xenstore-chmod /local/domain/5 n0 r5
xenstore-chmod /local/domain/5/data n5
G=$D/domains/5/xenstored.sock
tap_ok "$([ -S "$G" ]; echo $?)" "guest socket created"
XENSTORED_PATH=$G xenstore-write data/k v
tap_ok $? "guest writes its own data/ (relative path)"
tap_is "$(xenstore-read /local/domain/5/data/k)" v "dom0 sees it"
XENSTORED_PATH=$G xenstore-write /local/domain/0/evil x 2>/dev/null
tap_ok "$([ $? -ne 0 ]; echo $?)" "guest refused a write in dom0's home"
tap_is "$(XENSTORED_PATH=$G xenstore-write /x y 2>&1)" "xenstore-write: could not write path /x" "guest refused a write at /"
XENSTORED_PATH=$G xenstore-read /local/domain/0/name >/dev/null 2>&1
tap_ok "$([ $? -ne 0 ]; echo $?)" "guest refused a read of dom0's nodes"
tap_is "$(XENSTORED_PATH=$G xenstore-ls -p data | sed 's/ *\.[ .]*/ /')" 'k = "v" (n5)' "guest owns its node"
"$XENSIM" start --dir "$D" 2>/dev/null
tap_is "$?" 1 "a second xensim start in the same DIR is refused"
"$XSCLIENT" "$XENSTORED_PATH" release 5
tap_ok $? "RELEASE domain 5"
tap_ok "$([ ! -e "$G" ]; echo $?)" "guest socket removed"
xenstore-exists /local/domain/5/data 2>/dev/null
tap_ok "$([ $? -ne 0 ]; echo $?)" "guest-owned nodes removed on release"

"$XENSIM" stop
tap_ok $? "xensim stop"
tap_ok "$([ ! -e "$D/xenstored.sock" ] && [ ! -e "$D/xensim.pid" ]; echo $?)" "sockets and pid file gone"
F=$(mktemp -d)
EXTRA_CLEANUP='[ -n "${fpid:-}" ] && kill $fpid 2>/dev/null; rm -rf "$F"'
"$XENSIM" start --dir "$F" --foreground 2>"$F/stderr" &
fpid=$!
wait_until 60 test -f "$F/xensim.pid"
tap_is "$(XENSTORED_PATH=$F/xenstored.sock xenstore-read /local/domain/0/name)" \
    Domain-0 "xensim start --foreground serves"
XENSIM_DIR=$F "$XENSIM" stop
wait $fpid
tap_is "$?" 0 "the foreground host exits 0 on xensim stop"
fpid=
"$XENSIM" frobnicate 2>/dev/null
tap_is "$?" 2 "an unknown subcommand exits 2 (the toolstack says so)"
tap_end
