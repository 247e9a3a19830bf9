# SPDX-License-Identifier: GPL-2.0-only
"""A small RFB 3.8 client (RFC 6143) for the VNC tests.

Speaks security None and VNC authentication (DES through libvncserver's
own rfbEncryptBytes, loaded with ctypes: Python has no DES), asks for
32-bit little-endian true colour (red shift 16, green 8, blue 0: pixel
value 0x00RRGGBB), Raw and DesktopSize encodings, and keeps a local copy
of the framebuffer as a list of rows of ints.  Trusts nothing it reads:
every read is bounded by a deadline and sizes are checked.
"""
import ctypes
import ctypes.util
import select
import socket
import struct
import time


class RFBError(Exception):
    pass


def vnc_response(challenge, password):
    """The 16-byte VNC-auth response, computed by libvncserver."""
    name = ctypes.util.find_library("vncserver") or "libvncserver.so.1"
    lib = ctypes.CDLL(name)
    buf = ctypes.create_string_buffer(bytes(challenge), 16)
    key = ctypes.create_string_buffer(password.encode()[:8], 9)
    lib.rfbEncryptBytes(buf, key)
    return buf.raw[:16]


class RFBClient:
    def __init__(self, host, port, password=None, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        self.width = self.height = 0
        self.name = b""
        self.fb = []
        self.resizes = 0
        self._handshake(password)

    def close(self):
        self.sock.close()

    def _recv(self, n):
        buf = b""
        deadline = time.time() + self.timeout
        while len(buf) < n:
            if time.time() > deadline:
                raise RFBError("timeout reading %d bytes" % n)
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise RFBError("connection closed")
            buf += chunk
        return buf

    def _handshake(self, password):
        ver = self._recv(12)
        if not ver.startswith(b"RFB 003."):
            raise RFBError("bad version %r" % ver)
        self.sock.sendall(b"RFB 003.008\n")
        (n,) = struct.unpack("B", self._recv(1))
        if n == 0:
            (ln,) = struct.unpack(">I", self._recv(4))
            raise RFBError("refused: %r" % self._recv(min(ln, 4096)))
        types = self._recv(n)
        if 1 in types and password is None:
            self.sock.sendall(b"\x01")
        elif 2 in types:
            self.sock.sendall(b"\x02")
            challenge = self._recv(16)
            self.sock.sendall(vnc_response(challenge, password or ""))
        else:
            raise RFBError("no usable security type in %r" % types)
        (res,) = struct.unpack(">I", self._recv(4))
        if res != 0:
            raise RFBError("authentication failed")
        self.sock.sendall(b"\x01")  # shared
        hdr = self._recv(24)
        self.width, self.height = struct.unpack(">HH", hdr[:4])
        (ln,) = struct.unpack(">I", hdr[20:24])
        if ln > 4096:
            raise RFBError("name too long")
        self.name = self._recv(ln)
        self._alloc()
        # SetPixelFormat: 32 bpp, depth 24, little endian, true colour.
        self.sock.sendall(struct.pack(">B3xBBBBHHHBBB3x", 0, 32, 24, 0, 1,
                                      255, 255, 255, 16, 8, 0))
        # SetEncodings: Raw, DesktopSize.
        self.sock.sendall(struct.pack(">BxHii", 2, 2, 0, -223))

    def _alloc(self):
        if not (0 < self.width <= 8192 and 0 < self.height <= 8192):
            raise RFBError("bad size %dx%d" % (self.width, self.height))
        self.fb = [[0] * self.width for _ in range(self.height)]

    def request(self, incremental=False):
        self.sock.sendall(struct.pack(">BBHHHH", 3, 1 if incremental else 0,
                                      0, 0, self.width, self.height))

    def read_update(self):
        """Reads one server message; returns its type (0 = update)."""
        (t,) = struct.unpack("B", self._recv(1))
        if t == 0:
            (n,) = struct.unpack(">xH", self._recv(3))
            for _ in range(n):
                x, y, w, h, enc = struct.unpack(">HHHHi", self._recv(12))
                if enc == -223:
                    self.width, self.height = w, h
                    self._alloc()
                    self.resizes += 1
                elif enc == 0:
                    if x + w > self.width or y + h > self.height:
                        raise RFBError("rect outside the screen")
                    data = self._recv(w * h * 4)
                    for row in range(h):
                        line = struct.unpack_from("<%dI" % w, data, row * w * 4)
                        self.fb[y + row][x:x + w] = line
                else:
                    raise RFBError("unexpected encoding %d" % enc)
        elif t == 1:
            _, n = struct.unpack(">xHH", self._recv(5))
            self._recv(6 * n)
        elif t == 2:
            pass
        elif t == 3:
            (ln,) = struct.unpack(">3xI", self._recv(7))
            self._recv(min(ln, 1 << 20))
        else:
            raise RFBError("unknown server message %d" % t)
        return t

    def wait_for(self, pred, seconds=15.0):
        """Requests updates until pred(self) holds; returns pred's value."""
        deadline = time.time() + seconds
        incremental, ask = False, True
        while time.time() < deadline:
            if ask:
                self.request(incremental)
                incremental, ask = True, False
            if not select.select([self.sock], [], [], 0.2)[0]:
                continue
            if self.read_update() == 0:
                ask = True
            v = pred(self)
            if v:
                return v
        return pred(self)

    def key(self, keysym, down):
        self.sock.sendall(struct.pack(">BBxxI", 4, 1 if down else 0, keysym))

    def pointer(self, mask, x, y):
        self.sock.sendall(struct.pack(">BBHH", 5, mask, x, y))
