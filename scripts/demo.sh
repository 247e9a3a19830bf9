#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xendm's main job, end to end, on this machine.  (Skeleton: builds and
# prints the version; later work makes it a simulated domain served,
# saved and restored.)
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/build.sh" "$top/build" >/dev/null
"$top/build/xendm" --version
