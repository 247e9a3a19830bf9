#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Privileges (docs/security.md): with -chroot/-runas and with
-run-with chroot=,user= the process ends up in the chroot with the
user's uid and gid and no supplementary groups, and the order holds:
handles and sockets opened first, then the drop, then the machine's
first guest access (the log lines say which came first; /proc says
where the process is).  Needs root; skipped otherwise.
"""
import os
import pwd
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmplib import (Qmp, Tap, Xenstored, XENDM, libxl_argv, spawn,  # noqa
                    tmpdir, wait_exit, wait_for)

t = Tap()
FORMS = ("-chroot/-runas", "-run-with")
if os.geteuid() != 0:
    for f in FORMS:
        t.skip("privileges with %s" % f, "needs root")
    t.done()
try:
    nobody = pwd.getpwnam("nobody")
except KeyError:
    for f in FORMS:
        t.skip("privileges with %s" % f, "no user 'nobody'")
    t.done()


def status_ids(pid):
    ids = {}
    for line in open("/proc/%d/status" % pid):
        k, _, v = line.partition(":")
        if k in ("Uid", "Gid", "Groups"):
            ids[k] = v.split()
    return ids


for form in FORMS:
    d = tmpdir()
    root = os.path.join(d, "qemu-root-4")
    os.mkdir(root, 0o000)
    if form == "-run-with":
        extra = ["-run-with", "chroot=%s,user=nobody" % root]
    else:
        extra = ["-chroot", root, "-runas", "nobody"]
    argv = libxl_argv(4, d, machine="none", extra=extra +
                      ["-xen-domid-restrict", "-v"])
    p = spawn(argv)
    q = Qmp("%s/qmp-libxl-4" % d)
    q.negotiate()
    ids = status_ids(p.pid)
    t.eq(ids["Uid"], [str(nobody.pw_uid)] * 4,
         "%s: real/effective/saved/fs uid are nobody's" % form)
    t.eq(ids["Gid"], [str(nobody.pw_gid)] * 4,
         "%s: all gids are nobody's group" % form)
    t.eq(ids.get("Groups", []), [], "%s: no supplementary groups" % form)
    t.eq(os.readlink("/proc/%d/root" % p.pid), root,
         "%s: root directory is the chroot" % form)
    r = q.cmd("query-status")
    t.eq(r.get("return", {}).get("status"), "running",
         "%s: QMP opened before the drop still serves" % form)
    q.cmd("quit")
    rc = wait_exit(p)
    log = p.stderr.read().decode()
    i_priv = log.find("privileges: restrict=yes chroot=%s uid=%d"
                      % (root, nobody.pw_uid))
    i_ready = log.find("ready: machine")
    t.ok(rc == 0 and 0 <= i_priv < i_ready,
         "%s: the drop is logged before the machine starts" % form, log)

# With a xenstore: the backends/ and state nodes are written with root's
# connection, opened before the drop, and the DM runs as nobody.
xs = Xenstored()
if not xs.ok():
    t.skip("xenpv as nobody in a chroot", xs.why)
    t.done()
d = tmpdir()
root = os.path.join(d, "qemu-root-6")
os.mkdir(root, 0o000)
xs.run("xenstore-write", "/local/domain/0/device-model/6", "")
p = spawn(libxl_argv(6, d, kind="pv", extra=["-chroot", root, "-runas",
                                             "nobody"]), env=xs.env())
st = wait_for(lambda: xs.read("/local/domain/0/device-model/6/state"))
t.ok(st == "running" and os.readlink("/proc/%d/root" % p.pid) == root and
     status_ids(p.pid)["Uid"][1] == str(nobody.pw_uid),
     "xenpv: 'running' published while chrooted as nobody", st)
p.send_signal(1)
t.eq(wait_exit(p), 0, "xenpv: SIGHUP, exit 0")
t.done()
