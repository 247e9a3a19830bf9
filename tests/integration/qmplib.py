# SPDX-License-Identifier: GPL-2.0-only
"""Shared helpers for the control-plane integration tests.

A TAP printer, a small QMP client (CRLF-framed, SCM_RIGHTS on the first
byte of a command as libxl sends it), a launcher for xendm with libxl's
argv in a private temp dir, and a xenstored for the tests that need one:
xensim's if it is built, else Xen's own C xenstored from
shared/tools/xenstored-oracle, else the test is skipped.  Every process
started here is killed at exit.
"""
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TOP_SRC = os.environ.get("top_srcdir", os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..")))
TOP_BUILD = os.environ.get("top_builddir", os.path.join(TOP_SRC, "build"))
XENDM = os.path.join(TOP_BUILD, "xendm")

_procs = []
_tmpdirs = []


def _cleanup():
    for p in _procs:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL) if getattr(p, "_pg", False) \
                    else p.kill()
            except OSError:
                pass
            p.wait()
    for d in _tmpdirs:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.n, name))
        if not cond:
            self.failed += 1
            if diag is not None:
                for line in str(diag).splitlines():
                    print("#   " + line)
        sys.stdout.flush()
        return cond

    def eq(self, got, want, name):
        return self.ok(got == want, name, "got:  %r\nwant: %r" % (got, want))

    def skip(self, name, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name, why))
        sys.stdout.flush()

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


def tmpdir():
    d = tempfile.mkdtemp(prefix="xendm-qmp-")
    _tmpdirs.append(d)
    return d


NO_ID = object()


class Qmp:
    """One QMP connection; messages are dicts, events are kept aside."""

    # Upper bounds, generous for a loaded 2-core CI machine; nothing
    # here waits them out unless something is broken.
    def __init__(self, path, timeout=30.0, connect_wait=30.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        deadline = time.time() + connect_wait
        while True:
            try:
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.time() > deadline:
                    raise
                time.sleep(0.02)
        self.buf = b""
        self.raw_lines = []
        self.events = []
        self.greeting = self.recv()

    def recv_raw(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        self.raw_lines.append(line)
        return line

    def recv(self):
        return json.loads(self.recv_raw())

    def reply(self):
        """The next return/error, keeping events aside."""
        while True:
            m = self.recv()
            if "event" in m:
                self.events.append(m)
                continue
            return m

    def send_raw(self, data, fd=None):
        if fd is not None:
            self.sock.sendmsg([data[:1]], [(socket.SOL_SOCKET,
                                            socket.SCM_RIGHTS,
                                            bytes(memoryview(
                                                __import__("array").array(
                                                    "i", [fd]))))])
            data = data[1:]
        if data:
            self.sock.sendall(data)

    def cmd(self, name, args=None, id=NO_ID, fd=None):
        msg = {"execute": name}
        if id is not NO_ID:
            msg["id"] = id
        if args is not None:
            msg["arguments"] = args
        self.send_raw(json.dumps(msg).encode() + b"\r\n", fd=fd)
        return self.reply()

    def negotiate(self):
        r = self.cmd("qmp_capabilities", id=0)
        assert "return" in r, r
        return r

    def close(self):
        self.sock.close()


def libxl_argv(domid, rundir, kind="pv", name="guest", extra=(),
               machine=None, vnc="none"):
    """qemu-xen's argv as libxl 4.17 builds it (reference A.1)."""
    argv = [XENDM, "-xen-domid", str(domid), "-no-shutdown",
            "-chardev", "socket,id=libxl-cmd,path=%s/qmp-libxl-%d,"
            "server=on,wait=off" % (rundir, domid),
            "-mon", "chardev=libxl-cmd,mode=control",
            "-chardev", "socket,id=libxenstat-cmd,path=%s/qmp-libxenstat-%d,"
            "server=on,wait=off" % (rundir, domid),
            "-mon", "chardev=libxenstat-cmd,mode=control",
            "-nodefaults", "-no-user-config"]
    if kind == "pv":
        argv += ["-xen-attach"]
    argv += ["-name", name, "-vnc", vnc, "-display", "none"]
    argv += list(extra)
    argv += ["-machine", machine or ("xenpv" if kind == "pv"
                                     else "xenfv,suppress-vmdesc=on"),
             "-m", "128"]
    return argv


def asan_build():
    """True when xendm is built with AddressSanitizer."""
    try:
        with open(XENDM, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def spawn(argv, env=None, pass_fds=(), stderr=None):
    e = dict(os.environ)
    e["XEN_QEMU_CONSOLE_LIMIT"] = "1048576"
    if any(a.startswith(("-chroot", "-run-with")) or "chroot=" in a
           for a in argv):
        # LeakSanitizer needs /proc, which a chroot hides: it would fail
        # the exit status of every chrooted run.
        e["ASAN_OPTIONS"] = (e.get("ASAN_OPTIONS", "") +
                             ":detect_leaks=0").lstrip(":")
    if env:
        e.update(env)
    p = subprocess.Popen(argv, env=e, pass_fds=pass_fds,
                         stdin=subprocess.DEVNULL,
                         stderr=stderr if stderr is not None
                         else subprocess.PIPE,
                         start_new_session=True)
    _procs.append(p)
    return p


def wait_exit(p, timeout=30.0):
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return None


class Xenstored:
    """A xenstored for tests: xensim's if built, else Xen's own."""

    def __init__(self):
        self.pid = None
        self.path = None
        self.why = None
        self.kind = None
        self.stop_argv = None
        self.hvhost = None
        self._start_store(tmpdir())
        self.hvdir = None
        host = os.path.join(TOP_BUILD, "tests", "integration", "hvsim-host")
        if self.kind == "xensim" and \
                os.path.exists(os.path.join(self.dir, "hv.sock")):
            # xensim serves the hypervisor (event channels, grants) too.
            self.hvdir = self.dir
        elif self.path is not None and os.access(host, os.X_OK):
            self.hvhost = subprocess.Popen([host] + [str(i) for i in
                                                     range(1, 10)],
                                           stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE)
            _procs.append(self.hvhost)
            line = self.hvhost.stdout.readline().decode().strip()
            if line and os.path.exists(os.path.join(line, "hv.sock")):
                self.hvdir = line
        if self.path is not None and self.hvdir is None:
            self.why = "no xensim hypervisor service (hvsim-host)"

    def _start_store(self, d):
        xensim = os.path.join(TOP_BUILD, "xensim", "xensim")
        if os.access(xensim, os.X_OK):
            r = subprocess.run([xensim, "start", "--dir", d],
                               capture_output=True, text=True, timeout=30)
            sock = os.path.join(d, "xenstored.sock")
            if r.returncode == 0 and os.path.exists(sock):
                self.path, self.kind, self.dir = sock, "xensim", d
                self.stop_argv = [xensim, "stop", "--dir", d]
                atexit.register(self.stop)
                return
        oracle = os.path.join(TOP_SRC, "..", "shared", "tools",
                              "xenstored-oracle", "run-xenstored.sh")
        if not os.path.exists(oracle):
            oracle = "/work/shared/tools/xenstored-oracle/run-xenstored.sh"
        if not os.path.exists(oracle):
            self.why = "no xenstored (xensim not built, no oracle)"
            return
        cache = os.path.join(tempfile.gettempdir(), "xendm-xso-cache")
        if os.path.isdir(os.path.join(cache, "root")):
            os.symlink(os.path.join(cache, "root"), os.path.join(d, "root"))
        try:
            r = subprocess.run(["bash", oracle, d], capture_output=True,
                               text=True, timeout=120)
        except subprocess.TimeoutExpired:
            self.why = "xenstored oracle timed out"
            return
        out = r.stdout.strip().split()
        if r.returncode != 0 or len(out) != 2:
            self.why = "xenstored oracle unavailable: %s" % (
                (r.stdout + r.stderr).strip().splitlines()[-1:] or "?")
            return
        if not os.path.islink(os.path.join(d, "root")) and \
                not os.path.exists(cache):
            try:
                shutil.copytree(os.path.join(d, "root"), cache + ".tmp/root",
                                symlinks=True)
                os.rename(cache + ".tmp", cache)
            except OSError:
                pass
        self.pid, self.path, self.kind, self.dir = int(out[0]), out[1], \
            "oracle", d
        self.stop_argv = None
        atexit.register(self.stop)

    def ok(self):
        return self.path is not None and self.hvdir is not None

    def env(self):
        """XENSTORED_PATH for xenstore, XENSIM_DIR for hv.sock."""
        return {"XENSTORED_PATH": self.path, "XENSIM_DIR": self.hvdir}

    def run(self, *args):
        r = subprocess.run(list(args), env=dict(os.environ, **self.env()),
                           capture_output=True, text=True, timeout=10)
        return r.returncode, r.stdout.strip()

    def read(self, path):
        rc, out = self.run("xenstore-read", path)
        return out if rc == 0 else None

    def stop(self):
        if getattr(self, "hvhost", None) is not None:
            self.hvhost.stdin.close()
            self.hvhost.wait(10)
            self.hvhost = None
        if self.stop_argv:
            subprocess.run(self.stop_argv, capture_output=True, timeout=30)
            self.stop_argv = None
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
            self.pid = None


def wait_for(fn, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.02)
    return fn()
