#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""xenstore under -xen-domid-restrict (docs/security.md), on xensim.

QEMU 7.2 with Xen 4.17 loses its xenstore connection when restricted:
libxenstore registers each handle with xentoolcore, whose restrict
callback dup2()s /dev/null over the socket.  Two PV device models run
side by side with libxl's argv, one restricted: both write their
device-model/<domid>/backends nodes (a dom0 path) before the drop; then
the restricted one has no connection to xenstored left (the kernel's
socket table says so) and no longer reads or writes dom0 paths: a vkbd
backend the toolstack adds for it stays Initialising, while the
unrestricted model takes its own to InitWait.  Both still answer QMP
and exit 0 on SIGHUP.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmplib import (Qmp, Tap, Xenstored, libxl_argv, spawn,  # noqa
                    tmpdir, wait_exit, wait_for)

t = Tap()
xs = Xenstored()
if not xs.ok():
    t.skip("xenstore under -xen-domid-restrict", xs.why)
    t.done()


def peers_of(path):
    """Inodes of the client ends connected to the unix socket at path."""
    out = subprocess.run(["ss", "-xan"], capture_output=True,
                         text=True).stdout
    peers = set()
    for line in out.splitlines():
        f = line.split()
        # Netid State Recv-Q Send-Q Local-Address Port Peer-Address Port
        if len(f) >= 8 and f[4] == path and f[1] == "ESTAB":
            peers.add(f[7])
    return peers


def socket_inodes(pid):
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            m = re.match(r"socket:\[(\d+)\]",
                         os.readlink("/proc/%d/fd/%s" % (pid, fd)))
        except OSError:
            continue
        if m:
            inodes.add(m.group(1))
    return inodes


def add_vkbd(domid):
    """The vkbd backend nodes libxl writes for a new device."""
    be = "/local/domain/0/backend/vkbd/%d/0" % domid
    fe = "/local/domain/%d/device/vkbd/0" % domid
    for k, v in (("frontend", fe), ("frontend-id", str(domid)),
                 ("online", "1"), ("state", "1")):
        xs.run("xenstore-write", "%s/%s" % (be, k), v)
    xs.run("xenstore-write", "%s/backend" % fe, be)
    xs.run("xenstore-write", "%s/backend-id" % fe, "0")
    xs.run("xenstore-write", "%s/state" % fe, "1")
    return be


procs = {}
for domid, restrict in ((21, False), (22, True)):
    d = tmpdir()
    xs.run("xenstore-write", "/local/domain/0/device-model/%d" % domid, "")
    extra = ["-xen-domid-restrict"] if restrict else []
    p = spawn(libxl_argv(domid, d, kind="pv", extra=extra), env=xs.env())
    q = Qmp("%s/qmp-libxl-%d" % (d, domid))
    q.negotiate()
    procs[domid] = (p, q)
    got = wait_for(lambda: xs.run("xenstore-ls", "/local/domain/0/"
                                  "device-model/%d/backends" % domid)[1])
    t.ok("vkbd" in got and "qdisk" in got,
         "dom%d%s: backends/ written in dom0's tree before the drop"
         % (domid, " (restricted)" if restrict else ""), got)

store_peers = peers_of(xs.path)
free_p, _ = procs[21]
rest_p, _ = procs[22]
t.ok(socket_inodes(free_p.pid) & store_peers,
     "unrestricted model keeps its xenstore connection")
t.ok(not socket_inodes(rest_p.pid) & store_peers,
     "restricted model has no xenstore connection left (closed, as "
     "QEMU's under xentoolcore_restrict_all)")

be21 = add_vkbd(21)
be22 = add_vkbd(22)
t.eq(wait_for(lambda: xs.read(be21 + "/state") == "2" and "2"), "2",
     "unrestricted model still reads and writes dom0's backend tree")
t.eq(wait_for(lambda: xs.read(be22 + "/hotplug-status"), timeout=1.0),
     None, "restricted model writes nothing into dom0's tree any more")
t.eq(xs.read(be22 + "/state"), "1",
     "restricted model does not see its new backend (stays Initialising)")
t.eq(xs.read("/local/domain/0/device-model/22/state"), None,
     "restricted model: no 'running' written (libxl asks query-status)")

for domid in (21, 22):
    p, q = procs[domid]
    r = q.cmd("query-status")
    t.eq(r.get("return", {}).get("status"), "running",
         "dom%d: QMP still served" % domid)
    q.close()
    p.send_signal(1)
    rc = wait_exit(p)
    err = p.stderr.read().decode()
    t.eq(rc, 0, "dom%d: SIGHUP, exit 0" % domid)
    if domid == 22:
        t.ok("PV backends are not served" in err,
             "restricted model says why its backends are not served", err)
t.done()
