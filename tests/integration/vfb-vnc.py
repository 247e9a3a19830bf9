# SPDX-License-Identifier: GPL-2.0-only
"""VNC checks against a running xensim domain, for vfb-vnc.sh.

  vfb-vnc.py main  PORT GUESTLOG QMPSOCK   pattern 1, query-vnc, input,
                                           resize to pattern 2
  vfb-vnc.py serve PORT GUESTLOG           pattern 1 and one key
  vfb-vnc.py auth  PORT PASSWORD QMPSOCK   VNC authentication
  vfb-vnc.py blank PORT                    a blank 640x480 screen

Prints one "PASS|FAIL description" line per check; vfb-vnc.sh turns
them into TAP.  The expected pixels are computed here from the same
formulas the fb-pattern guest draws with (xensim/guest-fb.c), widened
to 8 bits per channel by shifting as the backend documents.
"""
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rfbclient  # noqa: E402


def check(ok, desc):
    print("%s %s" % ("PASS" if ok else "FAIL", desc))
    sys.stdout.flush()
    return ok


def pat1(x, y):
    return ((x * 7 + y) & 0xff) << 16 | ((y * 3) & 0xff) << 8 | ((x ^ y) & 0xff)


def pat2(x, y):
    r, g, b = (x + y) & 31, (x * 2) & 63, y & 31
    return (r << 3) << 16 | (g << 2) << 8 | (b << 3)


def screen_is(c, w, h, fn):
    if c.width != w or c.height != h:
        return False
    return all(c.fb[y][x] == fn(x, y) for y in range(h) for x in range(w))


def first_bad(c, fn):
    for y in range(c.height):
        for x in range(c.width):
            if c.fb[y][x] != fn(x, y):
                return "(%d,%d) got %06x want %06x" % (x, y, c.fb[y][x], fn(x, y))
    return "none"


def log_has(path, lines, seconds=10.0):
    """Waits until every line of `lines` appears in order after the
    current end of the log, starting at offset `lines[0]`."""
    start, want = lines
    deadline = time.time() + seconds
    while time.time() < deadline:
        with open(path) as f:
            f.seek(start)
            got = [l.strip() for l in f.read().splitlines()]
        i = 0
        for l in got:
            if i < len(want) and l == want[i]:
                i += 1
        if i == len(want):
            return True
        time.sleep(0.1)
    return False


def qmp(path, cmd, args=None):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    f = s.makefile("rwb")
    f.readline()
    f.write(b'{"execute":"qmp_capabilities"}\r\n')
    f.flush()
    f.readline()
    msg = {"execute": cmd}
    if args is not None:
        msg["arguments"] = args
    f.write(json.dumps(msg).encode() + b"\r\n")
    f.flush()
    r = json.loads(f.readline())
    s.close()
    return r


def connect(port, password=None):
    return rfbclient.RFBClient("127.0.0.1", port, password=password)


def run_main(port, log, qmpsock):
    start = os.path.getsize(log)
    c = connect(port)
    check(c.name.startswith(b"QEMU"), "server name %r" % c.name)
    ok = c.wait_for(lambda c: screen_is(c, 320, 200, pat1))
    check(ok, "pattern 1 (320x200, depth 32) pixel-exact through VNC "
          "(first difference: %s)" % first_bad(c, pat1))
    check(log_has(log, (start, ["fb0: refresh 30"])),
          "a VNC client connected: the vfb frontend is advised a 30 ms "
          "refresh period (XENFB_TYPE_REFRESH_PERIOD)")
    r = qmp(qmpsock, "query-vnc")["return"]
    me = c.sock.getsockname()
    cl = r.get("clients", [])
    check(r.get("enabled") is True and r.get("service") == str(port) and
          r.get("auth") == "none" and r.get("family") == "ipv4",
          "query-vnc: enabled, service %s, auth none" % r.get("service"))
    check(len(cl) == 1 and cl[0].get("host") == me[0] and
          cl[0].get("service") == str(me[1]) and cl[0].get("family") == "ipv4",
          "query-vnc lists this client (%s:%d): %s" % (me[0], me[1], cl))
    start = os.path.getsize(log)
    c.key(ord("a"), True)
    c.key(ord("a"), False)
    c.key(0xffe1, True)          # Shift_L
    c.key(ord("Q"), True)
    c.key(ord("Q"), False)
    c.key(0xffe1, False)
    c.key(0xffbe, True)          # F1
    c.key(0xffbe, False)
    check(log_has(log, (start, ["vkbd: key 30 1", "vkbd: key 30 0",
                                "vkbd: key 42 1", "vkbd: key 16 1",
                                "vkbd: key 16 0", "vkbd: key 42 0",
                                "vkbd: key 59 1", "vkbd: key 59 0"])),
          "keys a, Shift+Q, F1 reach the vkbd frontend as KEY_A, "
          "KEY_LEFTSHIFT, KEY_Q, KEY_F1")
    start = os.path.getsize(log)
    c.pointer(0, 10, 20)
    c.pointer(1, 10, 20)
    c.pointer(0, 319, 199)
    c.pointer(4, 319, 199)
    c.pointer(0, 319, 199)
    c.pointer(8, 5, 6)
    c.pointer(0, 5, 6)
    check(log_has(log, (start, ["vkbd: pos 10 20 0", "vkbd: pos 10 20 0",
                                "vkbd: key 272 1", "vkbd: pos 319 199 0",
                                "vkbd: key 272 0", "vkbd: pos 319 199 0",
                                "vkbd: key 273 1", "vkbd: pos 319 199 0",
                                "vkbd: key 273 0", "vkbd: pos 5 6 -1"])),
          "pointer: absolute positions, BTN_LEFT/BTN_RIGHT, wheel as dz")
    c.key(0xff0d, True)
    c.key(0xff0d, False)
    ok = c.wait_for(lambda c: screen_is(c, 200, 150, pat2))
    check(ok and c.resizes >= 1,
          "resize to 200x150 depth 16 at offset 8192: DesktopSize and "
          "pattern 2 pixel-exact (first difference: %s)" % first_bad(c, pat2))
    c.close()
    c2 = connect(port)
    ok = c2.wait_for(lambda c: screen_is(c, 200, 150, pat2))
    check(ok, "a second client sees the resized screen from the start")
    start = os.path.getsize(log)
    c2.close()
    check(log_has(log, (start, ["fb0: refresh 0"])),
          "the last client gone: XENFB_NO_REFRESH advised again")


def run_serve(port, log):
    c = connect(port)
    ok = c.wait_for(lambda c: screen_is(c, 320, 200, pat1))
    check(ok, "vfb 0 still serves pattern 1 (first difference: %s)"
          % first_bad(c, pat1))
    start = os.path.getsize(log)
    c.key(ord("z"), True)
    c.key(ord("z"), False)
    check(log_has(log, (start, ["vkbd: key 44 1", "vkbd: key 44 0"])),
          "a key still reaches the vkbd frontend")
    c.close()


def run_auth(port, password, qmpsock):
    try:
        connect(port, password="wrong")
        check(False, "a wrong password is refused")
    except rfbclient.RFBError as e:
        check("authentication failed" in str(e),
              "a wrong password is refused (%s)" % e)
    c = connect(port, password=password)
    ok = c.wait_for(lambda c: screen_is(c, 320, 200, pat1))
    check(ok, "the right password gets the screen")
    r = qmp(qmpsock, "query-vnc")["return"]
    check(r.get("auth") == "vnc" and len(r.get("clients", [])) == 1,
          "query-vnc: auth vnc, one client")
    r = qmp(qmpsock, "change-vnc-password", {"password": "other"})
    check(r.get("return") == {}, "change-vnc-password")
    c.close()
    try:
        connect(port, password=password)
        check(False, "the old password no longer works")
    except rfbclient.RFBError:
        check(True, "the old password no longer works")
    c = connect(port, password="other")
    check(c.width == 320, "the new password works")
    c.close()


def run_blank(port):
    c = connect(port)
    ok = c.wait_for(lambda c: screen_is(c, 640, 480, lambda x, y: 0), 5)
    check(ok, "a blank 640x480 screen without a framebuffer")
    c.close()


def main():
    mode = sys.argv[1]
    try:
        if mode == "main":
            run_main(int(sys.argv[2]), sys.argv[3], sys.argv[4])
        elif mode == "serve":
            run_serve(int(sys.argv[2]), sys.argv[3])
        elif mode == "auth":
            run_auth(int(sys.argv[2]), sys.argv[3], sys.argv[4])
        elif mode == "blank":
            run_blank(int(sys.argv[2]))
    except (OSError, rfbclient.RFBError, KeyError, ValueError) as e:
        check(False, "%s: %s: %s" % (mode, type(e).__name__, e))


main()
