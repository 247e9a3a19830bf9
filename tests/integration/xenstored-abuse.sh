#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Misbehaving clients (oversized frames, garbage, floods, readers that
# never read, many connections) against xensim's xenstored, as dom0 and
# as a guest: each is refused or dropped, the host keeps serving.
set -u
. "$top_srcdir/tests/integration/xenstored-lib.sh"
command -v python3 >/dev/null || { echo "1..0 # SKIP no python3"; exit 0; }
start_host
"$XSCLIENT" "$XENSTORED_PATH" introduce 4 2 || { echo "Bail out! introduce"; exit 1; }
python3 "$top_srcdir/tests/integration/xenstored-abuse.py" "$XENSTORED_PATH" \
    "$D/domains/4/xenstored.sock"
