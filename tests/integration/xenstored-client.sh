#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A C program linked with real libxenstore against xensim's xenstored:
# as the control domain (transactions and EAGAIN, watches, domain
# events, DIRECTORY_PART), as a guest (permissions, quotas, release)
# and as a stub domain (SET_TARGET).  Prints the client's TAP.
set -u
. "$top_srcdir/tests/integration/xenstored-lib.sh"
start_host
out=$("$XSCLIENT" "$XENSTORED_PATH" dom0; "$XSCLIENT" "$XENSTORED_PATH" guest 6 "$D"; \
      "$XSCLIENT" "$XENSTORED_PATH" stubdom 12 11 "$D")
# Renumber the three programs' TAP into one stream.
while IFS= read -r line; do
    case $line in
    "ok "*) tap_ok 0 "${line#ok [0-9]* - }" ;;
    "not ok "*) tap_ok 1 "${line#not ok [0-9]* - }" ;;
    1..*) ;;
    *) echo "$line" ;;
    esac
done <<< "$out"
tap_ok "$([ -S "$D/xenstored.sock" ]; echo $?)" "the host still serves"
tap_end
