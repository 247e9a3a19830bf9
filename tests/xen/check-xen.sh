#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-xen: xendm under the real xl toolstack on a real Xen 4.17.
#
#   tests/xen/check-xen.sh [BUILDDIR]
#
# Uses the nested-Xen lab (../shared/lab, or $XENDM_LAB): builds its image
# once (cached under $NXEN, default /var/tmp/nxen, outside the source tree),
# prepares a payload with the xendm just built, the shared libraries the
# lab's dom0 lacks, the xl configs of tests/xen/ and a domU initramfs whose
# /init is tests/xen/domu-init, boots the lab with tests/xen/dom0-test.sh as
# its test, and prints one line per scenario and `N passed, N failed`.
#
# Environment: XENDM_XEN_SCENARIOS (default "pv hvm migrate side-by-side"),
# XENDM_XEN_LIMIT (seconds for the whole lab run, default 2400).
# Exit status 0 only when every scenario passed.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
LAB=${XENDM_LAB:-$SRC/../shared/lab}
NXEN=${NXEN:-/var/tmp/nxen}
export NXEN
LIMIT=${XENDM_XEN_LIMIT:-2400}
SCEN=${XENDM_XEN_SCENARIOS:-pv hvm migrate side-by-side}
log() { printf '[check-xen %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

[ -x "$LAB/run.sh" ] || { echo "check-xen: no lab at $LAB (set XENDM_LAB)" >&2; exit 2; }
[ -x "$BUILD/xendm" ] || { echo "check-xen: no $BUILD/xendm; build first" >&2; exit 2; }

# One lab VM at a time: two would share 2 cores and the lab's cache, and
# each would run too slowly for its guests' timeouts.
mkdir -p "$NXEN"
exec 9> "$NXEN/check-xen.lock"
if ! flock -n 9; then
    log "another check-xen run holds the lab; waiting for it"
    flock 9
fi

log "building the lab image (cached in $NXEN)"
"$LAB/build.sh" > "$NXEN.build.log" 2>&1 || {
    tail -20 "$NXEN.build.log" >&2; echo "check-xen: lab build failed" >&2; exit 2; }

PAY=$NXEN/xendm-payload
rm -rf "$PAY"; mkdir -p "$PAY/lib"   # ours alone while we hold the lock
cp "$BUILD/xendm" "$PAY/xendm"
# Libraries xendm links that dom0's Debian lacks travel with it; dom0's own
# copies (Xen's libraries above all: they must match its hypervisor) are used
# for everything else.
ldd "$BUILD/xendm" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' |
while read -r soname path; do
    if ! ls "$NXEN/rootfs/lib/x86_64-linux-gnu/$soname" "$NXEN/rootfs/usr/lib/x86_64-linux-gnu/$soname" \
            > /dev/null 2>&1; then
        cp -L "$path" "$PAY/lib/$soname"
        log "payload: $soname (not in dom0)"
    fi
done
# xendm logs at info level (-v: save, load, ready); XENDM_XEN_DEBUG=1 adds a
# second -v (debug log).
cat > "$PAY/xendm-dm" <<EOF
#!/bin/sh
# What libxl execs (through the lab's dm-wrapper.sh): xendm with its libraries.
LD_LIBRARY_PATH=/nxen-io/payload/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
exec /nxen-io/payload/xendm -v $([ "${XENDM_XEN_DEBUG:-0}" = 1 ] && echo "-v") "\$@"
EOF
chmod +x "$PAY/xendm-dm"
cp "$SRC"/tests/xen/*.cfg "$PAY/"
echo "$SCEN" > "$PAY/scenarios"

# The domU initramfs: the lab's kit (busybox, blkfront and friends) with our /init.
KIT=$(mktemp -d)
trap 'rm -rf "$KIT"' EXIT
(cd "$KIT" && zcat "$NXEN/domu/initrd.gz" | cpio -id --quiet)
cp "$SRC/tests/xen/domu-init" "$KIT/init"; chmod +x "$KIT/init"
(cd "$KIT" && find . | cpio -o -H newc --quiet | gzip -9) > "$PAY/domu-initrd.gz"

NAME=check-xen-$(date +%Y%m%d-%H%M%S)
log "booting the lab ($NAME, limit ${LIMIT}s, scenarios: $SCEN)"
t0=$(date +%s)
rc=0
"$LAB/run.sh" -t "$LIMIT" -n "$NAME" "$SRC/tests/xen/dom0-test.sh" "$PAY" > "$NXEN/$NAME.log" 2>&1 || rc=$?
t1=$(date +%s)
RUN=$NXEN/runs/$NAME
log "lab run took $((t1 - t0)) s (rc $rc); results in $RUN"

pass=0 fail=0
for s in $SCEN; do
    line=$(grep -E "^XENDM-RESULT $s " "$RUN/out/results.txt" 2>/dev/null | tail -1 || true)
    if [ -z "$line" ]; then
        line="XENDM-RESULT $s FAIL no result (lab rc $rc; see $RUN/console.log)"
    fi
    echo "${line#XENDM-RESULT }"
    case $line in *" PASS"*) pass=$((pass + 1)) ;; *) fail=$((fail + 1)) ;; esac
done
if [ -f "$RUN/out/lab-faults.txt" ]; then
    echo "attempts run again after a guest triple fault (see dom0-test.sh run_scenario):"
    sed 's/^/  /' "$RUN/out/lab-faults.txt"
fi
if [ -f "$RUN/out/side-by-side.txt" ]; then
    cat "$RUN/out/side-by-side.txt"
fi
if [ $fail -gt 0 ]; then
    log "console tail ($RUN/console.log):"
    grep -E 'NXEN|XENDM|xendm|error' "$RUN/console.log" 2>/dev/null | tail -40 >&2 || true
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
