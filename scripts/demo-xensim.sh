#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xendm's main job, end to end, on this machine: a simulated Xen host
# (xensim), a PV domain with a qdisk disk served by xendm -- started
# exactly as libxl starts qemu-xen -- running a guest that writes,
# reads back and checks a pattern on its disk, saved to a file in the
# middle of its run, restored, finishing its check, then destroyed.
#   scripts/demo-xensim.sh [BUILDDIR]    (default: build/, built if needed)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
if [ ! -x "$build/xensim/xensim" ] || [ ! -x "$build/xendm" ]; then
    "$top/scripts/build.sh" "$build" >/dev/null
fi
XENSIM=$build/xensim/xensim
dir=$(mktemp -d /tmp/xensim-demo.XXXXXX)
export XENSIM_DIR=$dir
cleanup() {
    "$XENSIM" destroy demo >/dev/null 2>&1 || true
    "$XENSIM" stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "start a simulated Xen host in $dir"
run "$XENSIM" start --dir "$dir"

say "a 32 MiB disk image and an xl config (xl.cfg(5) syntax)"
truncate -s 32M "$dir/demo.img"
cat > "$dir/demo.cfg" <<CFG
name = "demo"
type = "pv"
memory = 64
disk = [ 'format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$dir/demo.img' ]
guest = "disk-verify --size 8M --io 4k --qd 4 --loops 100"
CFG
sed 's/^/    /' "$dir/demo.cfg"

say "xensim create: domain, xenstore, xendm with libxl's argv, guest"
run "$XENSIM" create "$dir/demo.cfg"
run "$XENSIM" list
d=$("$XENSIM" list | awk '$1 == "demo" { print $2 }')
pid=$(XENSTORED_PATH=$dir/xenstored.sock xenstore-read /local/domain/$d/image/device-model-pid)
printf 'the device model, as libxl would have started qemu-xen:\n    '
tr '\0' ' ' < /proc/$pid/cmdline
echo

say "let the guest run a little, then save it to a file"
for i in $(seq 200); do
    grep -q "loop 2:" "$dir/toolstack/$d/guest.log" 2>/dev/null && break
    sleep 0.05
done
tail -n 2 "$dir/toolstack/$d/guest.log" | sed 's/^/    guest: /'
run "$XENSIM" save demo "$dir/demo.save"
ls -l "$dir/demo.save" | sed 's/^/    /'
run "$XENSIM" list

say "restore it: a new domain, a new xendm, the guest carries on"
run "$XENSIM" restore "$dir/demo.save"
run "$XENSIM" list

say "wait for the guest's verdict"
run "$XENSIM" wait demo 300 && status=0 || status=$?
d=$("$XENSIM" list | awk '$1 == "demo" { print $2 }')
grep -v "written and verified" "$dir/toolstack/$d/guest.log" | sed 's/^/    guest: /'
echo "    guest exit status: $status"

say "destroy it and stop the host"
run "$XENSIM" destroy demo
run "$XENSIM" list
run "$XENSIM" stop
[ "$status" -eq 0 ] && echo "demo: OK" || { echo "demo: FAILED"; exit 1; }
