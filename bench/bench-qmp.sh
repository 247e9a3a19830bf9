#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Control-plane benchmark (see bench-qmp.py): xendm vs Debian's QEMU.
# Usage: bench/bench-qmp.sh BUILDDIR [RUNS]
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/bench-qmp.py" "${1:-build}" "${2:-15}"
