#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Control-plane benchmark: xendm -machine none against Debian's
qemu-system-x86_64 -M none -S -nodefaults, in the same run on the same
machine.  Measures exec -> QMP greeting, idle RSS after negotiation, and
the xen-save-devices-state round trip (to /dev/fdset/N, as libxl
does), and prints each figure with the ratio xendm / QEMU.  The start
times of xendm, QEMU and bench-qmp-floor (a program that only accepts
and writes a greeting: the process-creation floor, linked like xendm
against the shared libc, and once more linked statically: the least any
program started by exec costs here) are taken interleaved, so load on
the machine hits them all alike.
Usage: bench-qmp.py BUILDDIR [RUNS]
With BENCH_QMP_ALT=PATH in the environment, another xendm binary (e.g.
one configured --disable-static-deps) is timed in the same interleaving.
"""
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
from qmplib import Qmp  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 else "build"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
XENDM = os.path.join(build, "xendm")
FLOOR = os.path.join(build, "bench", "bench-qmp-floor")
FLOOR_STATIC = FLOOR + "-static"
ALT = os.environ.get("BENCH_QMP_ALT")
QEMU = shutil.which("qemu-system-x86_64")


def argv_for(kind, fd):
    """libxl's probe form: a listening socket passed as fd=N."""
    chardev = "socket,id=m,fd=%d,server=on,wait=off" % fd
    if kind == "floor":
        return [FLOOR, str(fd)]
    if kind == "floor-static":
        return [FLOOR_STATIC, str(fd)]
    if kind in ("xendm", "alt"):
        return [XENDM if kind == "xendm" else ALT, "-S", "-nodefaults", "-no-user-config",
                "-machine", "none", "-chardev", chardev,
                "-mon", "chardev=m,mode=control"]
    return [QEMU, "-M", "none", "-S", "-nodefaults", "-no-user-config",
            "-display", "none", "-chardev", chardev,
            "-mon", "chardev=m,mode=control"]


def start(kind, d):
    """exec -> greeting: the clock starts just before posix_spawn."""
    sock = os.path.join(d, "%s.sock" % kind)
    if os.path.exists(sock):
        os.unlink(sock)
    ls = socket.socket(socket.AF_UNIX)
    ls.bind(sock)
    ls.listen(1)
    os.set_inheritable(ls.fileno(), True)
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)            # queued in the backlog until accepted
    argv = argv_for(kind, ls.fileno())
    null = os.open(os.devnull, os.O_RDWR)
    acts = [(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, null, 1),
            (os.POSIX_SPAWN_DUP2, null, 2)]
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=acts)
    buf = b""
    while b"\r\n" not in buf:
        buf += s.recv(4096)
    dt = time.perf_counter() - t0
    os.close(null)
    ls.close()
    s.close()
    return Proc(pid), sock, dt


class Proc:
    def __init__(self, pid):
        self.pid = pid

    def kill(self):
        os.kill(self.pid, 9)

    def wait(self):
        os.waitpid(self.pid, 0)


def stop(p):
    p.kill()
    p.wait()


def rss_kib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure_starts(kinds, d):
    """exec -> greeting, the kinds interleaved run by run."""
    starts = {k: [] for k in kinds}
    for _ in range(runs * 2):
        for k in kinds:
            p, sock, dt = start(k, d)
            starts[k].append(dt)
            stop(p)
    return {k: (min(v), statistics.median(v)) for k, v in starts.items()}


def measure(kind, d):
    p, sock, _ = start(kind, d)
    q = Qmp(sock)
    q.negotiate()
    time.sleep(0.3)
    rss = rss_kib(p.pid)
    out = os.path.join(d, "%s.state" % kind)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT, 0o600)
    r = q.cmd("add-fd", fd=fd)
    os.close(fd)
    fdset = r["return"]["fdset-id"]
    saves = []
    for _ in range(runs * 4):
        t0 = time.perf_counter()
        r = q.cmd("xen-save-devices-state",
                  {"filename": "/dev/fdset/%d" % fdset, "live": False})
        saves.append(time.perf_counter() - t0)
        assert "return" in r, r
    size = os.path.getsize(out)
    q.close()
    stop(p)
    return rss, statistics.median(saves), size


def main():
    if QEMU is None:
        print("bench-qmp: qemu-system-x86_64 not installed; skipped")
        return 0
    d = tempfile.mkdtemp(prefix="bench-qmp-")
    kinds = ["xendm", "qemu"] + [k for k, p in (("floor", FLOOR),
                                               ("floor-static", FLOOR_STATIC))
                                 if os.access(p, os.X_OK)]
    kinds += ["alt"] if ALT else []
    try:
        st = measure_starts(kinds, d)
        x = st["xendm"] + measure("xendm", d)
        q = st["qemu"] + measure("qemu", d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print("## Control plane (xendm -machine none vs qemu-system-x86_64 "
          "-M none -S -nodefaults; %d interleaved starts each, %d saves)"
          % (runs * 2, runs * 4))
    print("| figure | xendm | QEMU | ratio |")
    print("|---|---|---|---|")
    print("| exec -> QMP greeting, best | %.2f ms | %.2f ms | 1/%.0f |"
          % (x[0] * 1e3, q[0] * 1e3, q[0] / x[0]))
    print("| exec -> QMP greeting, median | %.2f ms | %.2f ms | 1/%.0f |"
          % (x[1] * 1e3, q[1] * 1e3, q[1] / x[1]))
    if "floor" in st:
        f = st["floor"]
        print("| process floor (bench-qmp-floor: exec, accept, one write), "
              "best / median | %.2f / %.2f ms | | best reachable 1/%.0f |"
              % (f[0] * 1e3, f[1] * 1e3, q[0] / f[0]))
        print("| xendm above the floor, best | %.2f ms | | |"
              % ((x[0] - f[0]) * 1e3))
    if "floor-static" in st:
        f = st["floor-static"]
        print("| static floor (the same, linked statically), best / median "
              "| %.2f / %.2f ms | | best reachable by any program 1/%.0f |"
              % (f[0] * 1e3, f[1] * 1e3, q[0] / f[0]))
    if "alt" in st:
        a = st["alt"]
        print("| %s, best / median | %.2f / %.2f ms | | 1/%.0f |"
              % (ALT, a[0] * 1e3, a[1] * 1e3, q[0] / a[0]))
    print("| idle RSS | %d KiB | %d KiB | 1/%.0f |"
          % (x[2], q[2], q[2] / x[2]))
    print("| xen-save-devices-state round trip (median) | %.3f ms | %.3f ms "
          "| 1/%.1f |" % (x[3] * 1e3, q[3] * 1e3, q[3] / x[3]))
    print("| bytes per saved stream | %d | %d | |"
          % (x[4] // (runs * 4), q[4] // (runs * 4)))
    print("(load average %.1f on %d CPUs while measuring)"
          % (os.getloadavg()[0], os.cpu_count()))
    return 0


sys.exit(main())
