#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Chardev flow control end to end, on xensim.

A PV guest running console-echo has an xl channel on a socket chardev
(-chardev socket,id=libxl-channel0,path=…): every byte the peer writes
goes through xendm's console backend into the guest's input ring, and
the guest copies it to its output ring, back through xendm to the peer.
The peer writes 4 MiB without reading a byte: the output side fills
(the socket, xendm's bounded chardev buffer, the console buffer, the
guest's ring), the guest stops, its input ring fills, xendm stops
reading the socket and the peer's own writes block.  Meanwhile xendm's
memory stays bounded and its QMP monitor answers.  Then the peer reads
while writing the rest: every byte comes back, in order, none lost.
libxl starts qemu-xen with XEN_QEMU_CONSOLE_LIMIT=1048576, and then
QEMU's console never throttles the guest: it buffers up to the limit
and discards beyond it.  xendm does the same (docs/devices), so the
run above is made with the variable unset (a device_model_override
wrapper); a second run with libxl's environment checks that the guest
is then not throttled, memory stays within the limit, and the console
still works afterwards.  Skipped without xensim.
"""
import os
import select
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmplib import Qmp, Tap, Xenstored, XENDM, TOP_BUILD  # noqa

t = Tap()
xs = Xenstored()
if xs.kind != "xensim" or not xs.ok():
    t.skip("chardev flow control on xensim", xs.why or "xensim not built")
    t.done()
XENSIM = os.path.abspath(os.path.join(TOP_BUILD, "xensim", "xensim"))
D = xs.dir
ENV = dict(os.environ, XENSIM_DIR=D, XENSIM_XENDM=os.path.abspath(XENDM))
TOTAL = 4 << 20


def xensim(*args, timeout=90):
    with open(os.path.join(D, "ts.out"), "w+") as o:
        return subprocess.run([XENSIM] + list(args), env=ENV, stdout=o,
                              stderr=o, stdin=subprocess.DEVNULL,
                              timeout=timeout).returncode


def pattern(start, n):
    # never 0x04 (EOT ends console-echo)
    return bytes(((i * 7 + (i >> 11)) % 251) + 5 for i in range(start,
                                                                 start + n))


def rss_kib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def run(name, limit):
    """One domain; limit: keep libxl's XEN_QEMU_CONSOLE_LIMIT."""
    chan = os.path.join(D, "%s.sock" % name)
    wrapper = os.path.join(D, "%s-dm.sh" % name)
    open(wrapper, "w").write("#!/bin/sh\n%sexec %s \"$@\"\n" % (
        "" if limit else "unset XEN_QEMU_CONSOLE_LIMIT\n",
        os.path.abspath(XENDM)))
    os.chmod(wrapper, 0o755)
    open(os.path.join(D, "%s.cfg" % name), "w").write("""name = "%s"
type = "pv"
memory = 32
channel = [ 'name=org.xensim.echo,connection=socket,path=%s' ]
guest = "console-echo"
device_model_override = "%s"
""" % (name, chan, wrapper))
    tag = "with the limit" if limit else "no limit"
    t.eq(xensim("create", os.path.join(D, "%s.cfg" % name)), 0,
         "%s: create a PV domain echoing on a socket channel" % tag)
    domid = pid = st = None
    for _ in range(100):
        for line in subprocess.run([XENSIM, "list"], env=ENV,
                                   capture_output=True, text=True,
                                   timeout=30).stdout.splitlines():
            f = line.split()
            if f and f[0] == name:
                domid = int(f[1])
        if domid is not None:
            p = xs.read("/local/domain/%d/image/device-model-pid" % domid)
            pid = int(p) if p else None
            st = xs.read("/local/domain/%d/device/console/1/state" % domid)
        if pid and st == "4":
            break
        time.sleep(0.05)
    t.ok(pid is not None and st == "4",
         "%s: the channel's console is Connected" % tag)
    s = socket.socket(socket.AF_UNIX)
    s.connect(chan)
    s.setblocking(False)
    time.sleep(0.2)
    rss0 = rss_kib(pid)

    # ---- the peer writes and never reads
    sent = 0
    stalled_at = None
    deadline = time.time() + 20
    while sent < TOTAL and time.time() < deadline:
        _, w, _ = select.select([], [s], [], 0.5)
        if not w:
            stalled_at = sent
            break
        try:
            sent += s.send(pattern(sent, min(65536, TOTAL - sent)))
        except BlockingIOError:
            continue
    time.sleep(0.5)
    rss1 = rss_kib(pid)
    if limit:
        t.ok(stalled_at is None and sent == TOTAL,
             "%s: the guest is not throttled (QEMU's rule): all %d bytes "
             "taken" % (tag, sent))
        t.ok(rss1 - rss0 < 1024 + 512,
             "%s: memory bounded by the limit (RSS %d -> %d KiB)"
             % (tag, rss0, rss1))
    else:
        t.ok(stalled_at is not None and 0 < stalled_at < TOTAL,
             "%s: a peer that does not read is pushed back: its writes "
             "block after %s of %d bytes" % (tag, stalled_at, TOTAL))
        t.ok(rss1 - rss0 < 512,
             "%s: xendm's memory stays bounded while stuck (RSS %d -> %d "
             "KiB)" % (tag, rss0, rss1))
    q = Qmp("%s/qmp-libxl-%d" % (D, domid))
    q.negotiate()
    t.eq(q.cmd("query-status").get("return", {}).get("status"), "running",
         "%s: QMP is still served while the channel is stuck" % tag)
    q.close()

    # ---- the peer reads again (and writes the rest)
    got = bytearray()
    deadline = time.time() + 60
    eot_sent = False
    while not got.endswith(b"\x04") and time.time() < deadline:
        want_w = [s] if not eot_sent else []
        r, w, _ = select.select([s], want_w, [], 1.0)
        if r:
            try:
                chunk = s.recv(65536)
            except BlockingIOError:
                chunk = b""
            if not chunk and r:
                break
            got += chunk
        if w:
            try:
                if sent < TOTAL:
                    sent += s.send(pattern(sent, min(65536, TOTAL - sent)))
                else:
                    eot_sent = s.send(b"\x04") == 1
            except BlockingIOError:
                pass
    if limit:
        t.ok(got.endswith(b"\x04") and len(got) <= TOTAL + 1,
             "%s: output flows again after the peer resumes (%d bytes "
             "kept of %d)" % (tag, len(got), TOTAL + 1))
    else:
        t.eq(len(got), TOTAL + 1, "%s: every byte came back (%d of %d)"
             % (tag, len(got), TOTAL + 1))
        t.ok(bytes(got[:TOTAL]) == pattern(0, TOTAL) and
             got[TOTAL:] == b"\x04", "%s: in order, none lost" % tag)
    s.close()
    t.eq(xensim("wait", name, "20", timeout=30), 0,
         "%s: console-echo ended after the EOT" % tag)
    xensim("destroy", name)


run("flow", limit=False)
run("flowlim", limit=True)
t.done()
