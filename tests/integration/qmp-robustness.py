#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Hostile QMP clients: malformed JSON, stray brackets, deep nesting, a
2 MiB message, invalid UTF-8, NUL bytes, a client that never reads, a
client that vanishes mid-command, an fd flood.  After each, the same
connection (where QEMU keeps it) and the other monitor must keep
answering, xendm must not crash, and it must not leak fds.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmplib import (Qmp, Tap, asan_build, libxl_argv, spawn, tmpdir,  # noqa
                    wait_exit, wait_for)

t = Tap()
d = tmpdir()
DOMID = 3
p = spawn(libxl_argv(DOMID, d, machine="none"))
a_path = "%s/qmp-libxl-%d" % (d, DOMID)
b_path = "%s/qmp-libxenstat-%d" % (d, DOMID)
a = Qmp(a_path)
a.negotiate()
b = Qmp(b_path)
b.negotiate()


def fds():
    return len(os.listdir("/proc/%d/fd" % p.pid))


def alive(name):
    r = b.cmd("query-status", id="b")
    t.ok(r.get("id") == "b" and "return" in r,
         "other monitor still answers after %s" % name, r)


def still_usable(conn, name):
    r = conn.cmd("query-name", id="u")
    t.ok(r.get("id") == "u" and "return" in r,
         "same connection still usable after %s" % name, r)


def err_of(conn):
    r = conn.reply()
    return r.get("error", {}).get("class"), r.get("error", {}).get("desc", "")


fd_base = fds()

a.send_raw(b'{"execute": }\r\n')
c, desc = err_of(a)
t.ok(c == "GenericError" and desc.startswith("JSON parse error"),
     "malformed JSON: GenericError 'JSON parse error, ...'", desc)
still_usable(a, "malformed JSON")

a.send_raw(b'}\r\n')
c, desc = err_of(a)
t.ok(c == "GenericError", "a stray '}' is an error", desc)
still_usable(a, "a stray bracket")

a.send_raw(b'"just a string"\r\n')
t.eq(err_of(a), ("GenericError", "QMP input must be a JSON object"),
     "a top-level string")
a.send_raw(b'12345 \r\n')
t.eq(err_of(a), ("GenericError", "QMP input must be a JSON object"),
     "a top-level number")

a.send_raw(b'{"a":' * 100 + b'1' + b'}' * 100 + b'\r\n')
t.eq(err_of(a), ("GenericError", "JSON nesting depth limit exceeded"),
     "100-deep nesting refused")
still_usable(a, "deep nesting")
a.send_raw(b'[' * 100000 + b']' * 100000 + b'\r\n')
t.eq(err_of(a), ("GenericError", "JSON nesting depth limit exceeded"),
     "100000-deep nesting refused")
still_usable(a, "very deep nesting")

big = b'{"execute":"query-name","id":"' + b"x" * (2 << 20) + b'"}\r\n'
a.send_raw(big)
t.eq(err_of(a), ("GenericError", "JSON token size limit exceeded"),
     "a 2 MiB message refused")
still_usable(a, "a 2 MiB message")
alive("a 2 MiB message")

a.send_raw(b'{"execute":"query-name","id":"\xff\xfe\xc3"}\r\n')
c, desc = err_of(a)
t.ok(c == "GenericError" and desc.startswith("JSON parse error"),
     "invalid UTF-8 refused", desc)
still_usable(a, "invalid UTF-8")
a.send_raw(b'{"execute":"query-name","id":"a\x00b"}\r\n')
c, desc = err_of(a)
t.ok(c == "GenericError", "a raw NUL inside a string refused", desc)
still_usable(a, "a NUL byte")
a.send_raw(b'{"execute":"query-name","id":1e999}\r\n')
t.eq(err_of(a), ("GenericError", "JSON parse error, number out of range"),
     "an id that cannot be echoed (infinite) is refused")
a.send_raw(b'{"execute":"query-name","id":"\\u0000"}\r\n')
r = a.reply()
t.ok(r.get("id") == "\u0000", "an escaped NUL in an id round-trips", r)

# An fd flood: many fds on commands that take none; none may leak.
junk = os.open("/dev/null", os.O_RDONLY)
for i in range(200):
    a.send_raw(b'{"execute":"query-name","id":%d}\r\n' % i, fd=junk)
for i in range(200):
    a.reply()
os.close(junk)
t.eq(wait_for(lambda: fds() == fd_base) and fds(), fd_base, "fds passed with commands that take none are closed")

# A client that never reads: flood commands, never read a reply.
n_flood = 0
flood = socket.socket(socket.AF_UNIX)
flood.connect(a_path)  # queued behind `a`: drop `a` first
a.close()
flood.setblocking(False)
msg = b'{"execute":"qmp_capabilities"}\r\n' + \
    b'{"execute":"query-commands"}\r\n' * 64
t0 = time.time()
while time.time() - t0 < 2.0:
    try:
        flood.send(msg)
        n_flood += 1
    except BlockingIOError:
        time.sleep(0.01)
worst = 0.0
for i in range(20):
    s = time.time()
    alive("a flooding non-reader") if i == 0 else b.cmd("query-status")
    worst = max(worst, time.time() - s)
t.ok(worst < 1.0, "other monitor answers promptly during the flood "
     "(worst %.3fs)" % worst)
rss = int([ln for ln in open("/proc/%d/status" % p.pid)
           if ln.startswith("VmRSS")][0].split()[1])
# ASan's shadow memory and quarantine add their own fixed cost.
limit = 256 if asan_build() else 64
t.ok(rss < limit * 1024, "memory stays bounded with a non-reading client "
     "(%d KiB RSS, limit %d MiB)" % (rss, limit))
flood.close()

# Vanishing clients: mid-command, mid-reply, right after connecting.
for how in ("mid-command", "after-command", "at-connect"):
    v = socket.socket(socket.AF_UNIX)
    v.connect(a_path)
    if how == "mid-command":
        v.sendall(b'{"execute":"qmp_capabilities"}\r\n{"execute":"query-')
    elif how == "after-command":
        v.sendall(b'{"execute":"qmp_capabilities"}\r\n'
                  b'{"execute":"query-commands"}\r\n' * 50)
    v.close()
    time.sleep(0.05)
    n = Qmp(a_path)
    n.negotiate()
    still_usable(n, "a client vanished %s" % how)
    n.close()

# `a` is gone now: one client fd fewer than at the start.
t.eq(wait_for(lambda: fds() == fd_base - 1) and fds(), fd_base - 1,
     "no fd leaked over all of it")
t.eq(p.poll(), None, "xendm still running")
p.send_signal(15)
t.eq(wait_exit(p), 0, "SIGTERM: exit status 0")
t.done()
