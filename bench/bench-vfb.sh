#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vfb + VNC: xendm's resident memory while serving a PV guest's
# 320x200x32 framebuffer (fb-pattern on a private xensim host, libxl's
# argv) to one attached RFB client that has read the whole screen,
# against qemu-system-x86_64 -M none with a VNC server and one attached
# client on the same machine in the same run (QEMU's floor: no guest,
# no device at all).  Also xendm's time for a full-screen refresh (a
# non-incremental FramebufferUpdateRequest answered with 256 000 bytes
# of raw pixels), median of 200 (QEMU -M none answers such requests
# only on its idle refresh timer, seconds apart, so it has no
# comparable figure).
# Usage: bench/bench-vfb.sh BUILDDIR
set -e
builddir=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
XENSIM=$builddir/xensim/xensim
D=$(mktemp -d)
qpid=
cleanup() {
    [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
    XENSIM_DIR=$D timeout 30 "$XENSIM" destroy benchfb >/dev/null 2>&1 || true
    XENSIM_DIR=$D "$XENSIM" stop >/dev/null 2>&1 || true
    rm -rf "$D"
}
trap cleanup EXIT
"$XENSIM" start --dir "$D"
export XENSIM_DIR=$D XENSTORED_PATH=$D/xenstored.sock
cat > "$D/fb.cfg" <<CFG
name = "benchfb"
memory = 32
vfb = [ 'vnc=1' ]
guest = "fb-pattern"
CFG
timeout 60 "$XENSIM" create "$D/fb.cfg" 2>/dev/null
d=$("$XENSIM" list | awk '$1 == "benchfb" { print $2 }')
dmpid=$(cat "$D/toolstack/$d/dm.pid")
for _ in $(seq 100); do
    grep -q "pattern 1" "$D/toolstack/$d/guest.log" && break
    sleep 0.05
done
port=$(xenstore-read "/local/domain/$d/console/vnc-port")
qemu-system-x86_64 -M none -display none -vnc 127.0.0.1:0,to=99 \
    -qmp unix:"$D/qemu.qmp",server=on,wait=off >/dev/null 2>&1 &
qpid=$!
qport=
for _ in $(seq 100); do
    qport=$(ss -ltnpH 2>/dev/null | awk -v p="pid=$qpid," '$0 ~ p { sub(".*:", "", $4); print $4; exit }')
    [ -n "$qport" ] && break
    sleep 0.05
done
TOP=$top python3 - "$dmpid" "$port" "$qpid" "$qport" <<'PY'
import os, statistics, sys, time
sys.path.insert(0, os.path.join(os.environ.get("TOP", "."), "tests/integration"))
import rfbclient

def rss(pid):
    for l in open("/proc/%s/status" % pid):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])

def measure(pid, port, refresh):
    before = rss(pid)
    c = rfbclient.RFBClient("127.0.0.1", int(port))
    times = []
    if refresh:
        c.wait_for(lambda c: any(any(r) for r in c.fb), 5)
        for _ in range(200):
            t = time.perf_counter()
            c.request(False)
            while c.read_update() != 0:
                pass
            times.append(time.perf_counter() - t)
    else:
        time.sleep(0.5)
    after = rss(pid)
    c.close()
    return before, after, statistics.median(times) if times else 0

xb, xa, xt = measure(sys.argv[1], sys.argv[2], True)
qb, qa, _ = measure(sys.argv[3], sys.argv[4], False)
print("vfb/VNC RSS with one client attached: xendm %d KiB (%d before the "
      "client), qemu-system-x86_64 -M none -vnc %d KiB (%d before): "
      "ratio xendm/qemu %.3f" % (xa, xb, qa, qb, xa / qa))
print("xendm full-screen refresh 320x200x32 (raw), median of 200: %.0f us"
      % (xt * 1e6))
PY
