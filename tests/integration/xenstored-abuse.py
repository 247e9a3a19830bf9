#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Misbehaving clients against xensim's xenstored: each must be refused
or dropped while the host keeps serving everyone else.

usage: xenstored-abuse.py CTL_SOCKET GUEST_SOCKET   (prints TAP)
"""
import random
import select
import socket
import struct
import sys
import time

n = 0
failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    print("%sok %d - %s" % ("" if cond else "not ", n, what))
    if not cond:
        failed += 1


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def msg(typ, payload, tx=0, rid=0):
    return struct.pack("<IIII", typ, rid, tx, len(payload)) + payload


def recv_msg(s, timeout=30.0):
    buf = b""
    end = time.time() + timeout
    while True:
        if len(buf) >= 16:
            ln = struct.unpack("<I", buf[12:16])[0]
            if len(buf) >= 16 + ln:
                return struct.unpack("<I", buf[:4])[0], buf[16:16 + ln]
        r, _, _ = select.select([s], [], [], max(0, end - time.time()))
        if not r:
            return None
        try:
            d = s.recv(16 + 4096 - len(buf) if len(buf) < 16 else 65536)
        except OSError:
            return "closed"
        if not d:
            return "closed"
        buf += d


def request(s, typ, payload, tx=0):
    try:
        s.sendall(msg(typ, payload, tx))
    except OSError:
        return "closed"
    while True:
        m = recv_msg(s)
        if m is None or m == "closed" or m[0] != 15:
            return m


def alive(ctl, what):
    t0 = time.time()
    s = connect(ctl)
    r = request(s, 2, b"/local/domain/0/name\0")
    ok(r == (2, b"Domain-0") and time.time() - t0 < 2.0,
       "host still serves (%s)" % what)
    s.close()


def main():
    ctl, guest = sys.argv[1], sys.argv[2]
    random.seed(4)

    s = connect(ctl)
    s.sendall(struct.pack("<IIII", 2, 0, 0, 4097))
    ok(recv_msg(s) == "closed", "payload length 4097: disconnected")
    alive(ctl, "after an oversized header")

    s = connect(ctl)
    s.sendall(struct.pack("<IIII", 2, 0, 0, 10) + b"/x")
    s.close()
    alive(ctl, "after a client died mid-message")

    s = connect(ctl)
    errors = replies = 0
    for i in range(300):
        typ = random.choice([random.randrange(0, 64), 0xffff, 0x7fffffff,
                             15, 16, 20, 23])
        body = bytes(random.randrange(256) for _ in range(random.randrange(40)))
        r = request(s, typ, body, tx=random.choice([0, 0, 1, 0xffffffff]))
        if isinstance(r, tuple):
            replies += 1
            errors += r[0] == 16
        else:
            break
    ok(replies == 300, "300 garbage requests: 300 replies (%d errors)" % errors)
    ok(request(s, 2, b"/local/domain/0/domid\0") == (2, b"0"),
       "the garbage sender's connection still works")
    s.close()

    g = connect(guest)
    ok(request(g, 0, b"print\0") == (16, b"EACCES\0"),
       "guest CONTROL: EACCES")
    ok(request(g, 8, b"7\x000\x001\0") == (16, b"EACCES\0"),
       "guest INTRODUCE: EACCES")
    ok(request(g, 11, b"/local/domain/0/name\0x") == (16, b"EACCES\0"),
       "guest write to dom0's node: EACCES")
    flood = msg(2, b"/local/domain/0/name\0") * 50000
    g.setblocking(False)
    sent = 0
    try:
        while sent < len(flood):
            sent += g.send(flood[sent:])
    except BlockingIOError:
        pass
    alive(ctl, "while a guest floods requests and reads no reply")
    ok(sent < len(flood), "the flooding guest is throttled (%d of %d bytes taken)"
       % (sent, len(flood)))
    g.close()

    w = connect(ctl)
    w.sendall(msg(4, b"/\0all\0"))
    wr = connect(ctl)
    long = b"/spam/" + b"p" * 1990
    for i in range(6000):
        wr.sendall(msg(11, long + b"%d\0" % i))
        if recv_msg(wr) is None:
            break
    alive(ctl, "after 12 MB of watch events to a client that does not read")
    w.settimeout(30)
    got = 0
    closed = False
    try:
        while True:
            d = w.recv(1 << 20)
            if not d:
                closed = True
                break
            got += len(d)
    except (OSError, socket.timeout):
        pass
    ok(closed and got < 12 * 1000 * 1000, "the non-reader was dropped (%d bytes delivered)" % got)
    request(wr, 13, b"/spam\0")

    gs = [connect(guest) for _ in range(70)]
    served = sum(request(c, 10, b"4\0") == (10, b"/local/domain/4\0") for c in gs)
    ok(served == 64, "64 connections per guest socket, no more (%d served)" % served)
    for c in gs:
        c.close()
    # The closes reach the daemon asynchronously: wait until it has
    # reaped them (a fresh connection is served again) before counting.
    deadline = time.time() + 10
    while time.time() < deadline:
        probe = connect(guest)
        r = request(probe, 10, b"4\0")
        probe.close()
        if r == (10, b"/local/domain/4\0"):
            break
        time.sleep(0.1)
    time.sleep(0.5)
    g1, g2 = connect(guest), connect(guest)
    opened = 0
    for i in range(8):
        for c in (g1, g2):
            r = request(c, 6, b"\0")
            opened += isinstance(r, tuple) and r[0] == 6
    ok(opened == 11, "transaction quota counts all of a guest's connections (%d)" % opened)
    g1.close()
    g2.close()

    many = [connect(ctl) for _ in range(300)]
    good = sum(request(c, 10, b"3\0") == (10, b"/local/domain/3\0") for c in many)
    ok(good == 300, "300 simultaneous connections served")
    for c in many:
        c.close()
    alive(ctl, "at the end")
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
