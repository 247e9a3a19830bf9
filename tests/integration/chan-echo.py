# SPDX-License-Identifier: GPL-2.0-only
"""Echo through an xl channel's pty, for the toolstack console tests.

Usage: chan-echo.py QMP_SOCKET LABEL [TTY]
Finds the pty of chardev LABEL with query-chardev on the device model's
QMP socket (it must be TTY when given: the frontend's tty key), writes
a line ended by EOT (the console-echo workload's end marker) and prints
what comes back before the EOT, or what went wrong.
"""
import json
import os
import select
import socket
import sys
import time
import tty

s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
label = sys.argv[2]
want = sys.argv[3] if len(sys.argv) > 3 else None
f = s.makefile('rwb')
f.readline()
f.write(b'{"execute":"qmp_capabilities","id":1}\r\n')
f.flush()
f.readline()
f.write(b'{"execute":"query-chardev","id":2}\r\n')
f.flush()
pty = None
for c in json.loads(f.readline())["return"]:
    if c["label"] == label and c["filename"].startswith("pty:"):
        pty = c["filename"][4:]
if pty is None or (want is not None and pty != want):
    print("query-chardev: %s is %s, tty key %s" % (label, pty, want))
    sys.exit(0)
fd = os.open(pty, os.O_RDWR | os.O_NOCTTY)
tty.setraw(fd)
# Like QEMU's pty chardev, xendm may notice an opened slave only on its
# next poll and drops output until then: probe with dots until one comes
# back (a bound for a loaded machine, not a delay), then talk; the
# echoed probes are dropped from what is printed.
buf, end = b"", time.time() + 60
while time.time() < end and not buf:
    os.write(fd, b".")
    if select.select([fd], [], [], 0.2)[0]:
        buf += os.read(fd, 100)
os.write(fd, b"hello from the host\x04")
end = time.time() + 60
while time.time() < end and not buf.endswith(b"\x04"):
    if select.select([fd], [], [], 0.5)[0]:
        buf += os.read(fd, 100)
print(buf[:-1].lstrip(b".").decode(errors="replace"))
