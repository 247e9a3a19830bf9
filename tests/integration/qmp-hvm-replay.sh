#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# TAP wrapper: runs tests/integration/qmp-hvm-replay.py (see its header).
exec python3 "${top_srcdir:-.}/tests/integration/qmp-hvm-replay.py"
