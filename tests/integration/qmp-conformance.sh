#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# TAP wrapper: runs tests/integration/qmp-conformance.py (see its header).
exec python3 "${top_srcdir:-.}/tests/integration/qmp-conformance.py"
