#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""human-monitor-command, differentially against Debian's QEMU 7.2.

Both run with no machine (xendm -machine none with libxl's argv, QEMU
-M none -nodefaults) and get the same HMP command lines: the parser's
answers (unknown command, extraneous characters, "Try help"), help
lines, info status/cpus/block/blockstats/vnc/name, stop/cont/quit, are
compared byte for byte.  What cannot be equal is checked by rule:
`info version` (our package string), `help` and bare `info` (xendm
lists a subset of QEMU's lines, each equal to QEMU's), `info vnc` (the
port).  Without qemu-system-x86_64 the differential part is skipped and
the rule checks still run.
"""
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmplib import Qmp, Tap, libxl_argv, spawn, tmpdir, wait_exit  # noqa

t = Tap()
d = tmpdir()
DOMID = 9


def free_vnc_display(taken=()):
    """A display number whose port 5900+N is free right now."""
    rnd = random.Random(os.getpid())
    for _ in range(200):
        n = rnd.randrange(100, 20000)
        if n in taken:
            continue
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", 5900 + n))
            return n
        except OSError:
            continue
        finally:
            s.close()
    return None


xd_vnc = free_vnc_display()
argv = libxl_argv(DOMID, d, kind="pv", name="hmp-guest", machine="none",
                  vnc="127.0.0.1:%d" % xd_vnc)
p = spawn(argv)
q = Qmp("%s/qmp-libxl-%d" % (d, DOMID))
q.negotiate()


def hmp(mon, line, **kw):
    args = {"command-line": line}
    args.update(kw)
    return mon.cmd("human-monitor-command", args)


class QemuRef:
    """QEMU over -qmp stdio; None when it cannot run here."""

    def __init__(self, vnc):
        exe = shutil.which("qemu-system-x86_64")
        self.p = None
        if exe is None:
            return
        self.p = subprocess.Popen(
            [exe, "-M", "none", "-nodefaults", "-display", "none",
             "-name", "hmp-guest", "-vnc", "127.0.0.1:%d" % vnc,
             "-qmp", "stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, start_new_session=True)
        self.recv()
        self.cmd("qmp_capabilities")

    def recv(self):
        line = self.p.stdout.readline()
        if not line:
            raise EOFError("qemu went away")
        return json.loads(line)

    def cmd(self, name, args=None):
        m = {"execute": name}
        if args is not None:
            m["arguments"] = args
        self.p.stdin.write(json.dumps(m).encode() + b"\n")
        self.p.stdin.flush()
        while True:
            r = self.recv()
            if "event" not in r:
                return r

    def close(self):
        if self.p is not None and self.p.poll() is None:
            self.p.kill()
            self.p.wait()


qemu = None
try:
    qemu = QemuRef(free_vnc_display(taken=(xd_vnc,)))
    if qemu.p is None:
        qemu = None
except (OSError, EOFError, ValueError):
    qemu = None

# Lines whose answer cannot depend on the machine or the build.
SAME = [
    "", "   ", "frobnicate", "frob x y", "  frob", "frob/x", "info frob",
    "info  frob x", "stop now", "  stop now", "stop/x", "quit now",
    "cont 1", "info status x", "info blockstats x", "info cpus 0",
    "info status", "info   status  ", "info name", "info cpus",
    "info block", "info block xvda", "info blockstats",
    "help stop", "help stop x", "? stop", "help quit", "help cont",
    "help help", "help info cpus", "help info block", "help info status",
    "help info vnc", "help info frob", "help frob", "help   info   status",
    "help info blockstats", "help info chardev", "help info version",
    "help info name", "x" * 300,
]
for line in SAME:
    got = hmp(q, line)
    if qemu is None:
        t.skip("HMP %r as QEMU" % line[:40], "no qemu-system-x86_64")
        continue
    want = qemu.cmd("human-monitor-command", {"command-line": line})
    t.eq(got, want, "HMP %r as QEMU answers it" % line[:40])

# help / bare info: each of our lines is one of QEMU's, for the commands
# we implement, and nothing else.
for line in ("help", "info", "help info"):
    ours = hmp(q, line).get("return", "")
    t.ok(ours.endswith("\r\n") and "\n" not in ours.replace("\r\n", ""),
         "HMP %s: CRLF lines" % line, ours)
    if qemu is None:
        t.skip("HMP %s lines are QEMU's" % line, "no qemu-system-x86_64")
        continue
    theirs = set(qemu.cmd("human-monitor-command",
                          {"command-line": line})["return"].split("\r\n"))
    mine = [x for x in ours.split("\r\n") if x]
    t.ok(mine and all(x in theirs for x in mine),
         "HMP %s: every line is QEMU's own" % line,
         [x for x in mine if x not in theirs])
want_top = {"cont|c", "help|?", "info", "quit|q", "stop|s"}
t.eq({x.split(" ")[0] for x in hmp(q, "help")["return"].split("\r\n") if x},
     want_top, "HMP help lists cont, help, info, quit, stop")
want_info = {"block", "blockstats", "chardev", "cpus", "name", "status",
             "version", "vnc"}
t.eq({x.split(" ")[1] for x in hmp(q, "info")["return"].split("\r\n") if x},
     want_info, "HMP info lists the info commands served")

# info version: QEMU glues query-version's package to the number.
ver = q.cmd("query-version")["return"]
t.eq(hmp(q, "info version"),
     {"return": "%d.%d.%d%s\r\n" % (ver["qemu"]["major"], ver["qemu"]["minor"],
                                     ver["qemu"]["micro"], ver["package"])},
     "HMP info version = query-version as QEMU prints it")

# info vnc: equal up to the port.
vq = q.cmd("query-vnc")["return"]
t.eq(hmp(q, "info vnc"),
     {"return": "default:\r\n  Server: 127.0.0.1:%s (ipv4)\r\n"
      "    Auth: none (Sub: none)\r\n" % vq.get("service")},
     "HMP info vnc names the server query-vnc reports")
if qemu is not None:
    theirs = qemu.cmd("human-monitor-command",
                      {"command-line": "info vnc"})["return"]
    ours = hmp(q, "info vnc")["return"]
    t.eq(re.sub(r":\d+ ", ":PORT ", ours), re.sub(r":\d+ ", ":PORT ", theirs),
         "HMP info vnc as QEMU up to the port")
else:
    t.skip("HMP info vnc as QEMU", "no qemu-system-x86_64")

# info chardev: one line per query-chardev entry.
chs = q.cmd("query-chardev")["return"]
t.eq(hmp(q, "info chardev")["return"],
     "".join("%s: filename=%s\r\n" % (c["label"], c["filename"])
             for c in chs), "HMP info chardev = query-chardev")

# cpu-index: no vCPU on -machine none, so any index is refused as QEMU.
r = hmp(q, "info cpus", **{"cpu-index": 0})
t.eq(r.get("error", {}).get("desc"),
     "Parameter 'cpu-index' expects a CPU number",
     "HMP cpu-index without that vCPU: QEMU's error")
if qemu is not None:
    theirs = qemu.cmd("human-monitor-command",
                      {"command-line": "info cpus", "cpu-index": 0})
    t.eq(r, theirs, "HMP cpu-index refusal as QEMU")
else:
    t.skip("HMP cpu-index refusal as QEMU", "no qemu-system-x86_64")
t.eq(hmp(q, "info status", **{"cpu-index": "0"}).get("error", {}).get(
     "desc"), "Invalid parameter type for 'cpu-index', expected: integer",
     "HMP cpu-index must be an integer")

# stop / cont: events as the QMP commands, empty text.
n = len(q.events)
t.eq(hmp(q, "stop"), {"return": ""}, "HMP stop answers nothing")
t.ok(len(q.events) == n + 1 and q.events[-1]["event"] == "STOP",
     "HMP stop sends STOP", q.events[n:])
t.eq(hmp(q, "info status"), {"return": "VM status: paused\r\n"},
     "HMP info status after stop")
if qemu is not None:
    qemu.cmd("human-monitor-command", {"command-line": "s"})
    t.eq(hmp(q, "info status"), qemu.cmd("human-monitor-command",
                                         {"command-line": "info status"}),
         "HMP info status paused as QEMU")
    qemu.cmd("human-monitor-command", {"command-line": "c"})
else:
    t.skip("HMP info status paused as QEMU", "no qemu-system-x86_64")
t.eq(hmp(q, "c"), {"return": ""}, "HMP c (cont alias) answers nothing")
t.ok(q.events[-1]["event"] == "RESUME", "HMP cont sends RESUME",
     q.events[n:])
t.eq(q.cmd("query-status")["return"]["status"], "running",
     "running after HMP cont")

# A huge line is answered, not fatal; the monitor stays usable.
r = hmp(q, "frob" + "z" * 200000)
t.ok(r.get("return", "").startswith("unknown command: 'frobzzz"),
     "HMP 200 kB command word answered", str(r)[:80])
t.eq(hmp(q, "info status"), {"return": "VM status: running\r\n"},
     "monitor usable after a huge HMP line")

# quit: SHUTDOWN, an empty answer, exit 0.
n = len(q.events)
t.eq(hmp(q, "quit"), {"return": ""}, "HMP quit answers nothing")
t.ok(any(e["event"] == "SHUTDOWN" and
         e.get("data") == {"guest": False, "reason": "host-qmp-quit"}
         for e in q.events[n:]), "HMP quit sends SHUTDOWN host-qmp-quit",
     q.events[n:])
t.eq(wait_exit(p), 0, "xendm exits 0 after HMP quit")
if qemu is not None:
    qemu.close()
t.done()
