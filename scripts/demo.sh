#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xendm's main job, end to end, on this machine: builds, then runs a
# simulated Xen host with a PV domain whose qdisk disk xendm serves,
# saves and restores the domain mid-workload, and checks the guest's
# data (scripts/demo-xensim.sh does the work and narrates it).
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/build.sh" "$top/build" >/dev/null
exec "$top/scripts/demo-xensim.sh" "$top/build"
