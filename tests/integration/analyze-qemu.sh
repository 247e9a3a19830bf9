#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Streams made with Debian's QEMU 7.2 (different serial register values)
# decode with xendm-analyze to the values written; see analyze-qemu.py.
# QEMU missing or failing is a test failure, not a skip.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
python3 "$top_srcdir/tests/integration/analyze-qemu.py" \
    "$top_builddir" "$top_srcdir" "$tmp"
