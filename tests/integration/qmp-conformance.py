#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""QMP conformance: xendm's replies against what QEMU sends and libxl
parses (reference A.2, A.4, B.1, B.4).  Greeting, negotiation, id echo,
request checks, every command with good and bad arguments, error classes
and texts, events, CRLF, two monitors, one client at a time, fd passing
and /dev/fdset/N saves and loads.  Runs -machine none: no Xen needed.
"""
import fcntl
import json
import os
import re
import stat
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmplib import Qmp, Tap, libxl_argv, spawn, tmpdir, wait_exit, TOP_SRC  # noqa

t = Tap()
d = tmpdir()
DOMID = 7
argv = libxl_argv(DOMID, d, kind="pv", name="guest", machine="none")
p = spawn(argv)
libxl_path = "%s/qmp-libxl-%d" % (d, DOMID)
stat_path = "%s/qmp-libxenstat-%d" % (d, DOMID)
q = Qmp(libxl_path)


def err(r):
    e = r.get("error", {})
    return (e.get("class"), e.get("desc"))


# ---- greeting
g = q.greeting
v = g.get("QMP", {}).get("version", {})
qv = v.get("qemu", {})
t.ok(set(g) == {"QMP"} and set(g["QMP"]) == {"version", "capabilities"},
     "greeting has QMP.version and QMP.capabilities only", g)
t.ok(all(isinstance(qv.get(k), int) for k in ("major", "minor", "micro")),
     "greeting version.qemu has integer major/minor/micro", g)
t.ok((qv["major"], qv["minor"], qv["micro"]) >= (2, 11, 0),
     "advertised QEMU version >= 2.11.0 (libxl sends 'live')")
t.ok(isinstance(v.get("package"), str), "greeting has a package string")
t.ok(isinstance(g["QMP"]["capabilities"], list), "capabilities is a list")

# ---- negotiation
t.eq(err(q.cmd("query-status", id=1)),
     ("CommandNotFound",
      "Expecting capabilities negotiation with 'qmp_capabilities'"),
     "command before negotiation: CommandNotFound")
t.eq(err(q.cmd("no-such-command", id=2)),
     ("CommandNotFound",
      "Expecting capabilities negotiation with 'qmp_capabilities'"),
     "unknown command before negotiation: same error")
r = q.cmd("qmp_capabilities", {"enable": ["oob"]}, id=3)
t.eq(err(r), ("GenericError", "Capability oob isn't available"),
     "oob not offered, so not enabled")
r = q.cmd("qmp_capabilities", {"enable": ["foo"]}, id=4)
t.eq(r.get("error", {}).get("class"), "GenericError",
     "qmp_capabilities with an unknown capability: GenericError")
r = q.cmd("qmp_capabilities", id=2020372737)
t.eq(r, {"return": {}, "id": 2020372737}, "qmp_capabilities returns {}")
t.eq(err(q.cmd("qmp_capabilities", id=5)),
     ("CommandNotFound",
      "Capabilities negotiation is already complete, command ignored"),
     "second qmp_capabilities: CommandNotFound")

# ---- id echo
for ident in [2020372736, -1, 0, 18446744073709551615, 1.5, "abc",
              "\u00e9\u4e2d", {"a": [1, {"b": None}]}, [1, "x"], None,
              True]:
    r = q.cmd("query-version", id=ident)
    t.ok("return" in r and "id" in r and r["id"] == ident,
         "id %s echoed verbatim" % json.dumps(ident), r)
r = q.cmd("query-version")
t.ok("return" in r and "id" not in r, "no id in, no id out", r)

# ---- request shape errors
q.send_raw(b'[1,2]\r\n')
t.eq(err(q.reply()), ("GenericError", "QMP input must be a JSON object"),
     "non-object request")
q.send_raw(b'{"id":9}\r\n')
r = q.reply()
t.eq((err(r), r.get("id")),
     (("GenericError", "QMP input lacks member 'execute'"), 9),
     "missing execute, id kept")
q.send_raw(b'{"execute":1,"id":10}\r\n')
t.eq(err(q.reply()),
     ("GenericError", "QMP input member 'execute' must be a string"),
     "execute not a string")
q.send_raw(b'{"execute":"stop","arguments":[],"id":11}\r\n')
t.eq(err(q.reply()),
     ("GenericError", "QMP input member 'arguments' must be an object"),
     "arguments not an object")
q.send_raw(b'{"execute":"stop","foo":1,"id":12}\r\n')
t.eq(err(q.reply()), ("GenericError", "QMP input member 'foo' is unexpected"),
     "unexpected member")
q.send_raw(b'{"execute":"query-status","id":13}')   # no separator at all
q.send_raw(b'{"execute":"query-name",\r\n "id":14}\n')
t.eq(q.reply().get("id"), 13, "message without CRLF is still framed")
t.eq(q.reply().get("id"), 14, "message split over lines")

# ---- unknown commands
t.eq(err(q.cmd("query-cpus", id=15)),
     ("CommandNotFound", "The command query-cpus has not been found"),
     "query-cpus: CommandNotFound (libxl's fallback trigger)")
t.eq(err(q.cmd("system_reset")), ("CommandNotFound",
                                  "The command system_reset has not been "
                                  "found"), "system_reset: CommandNotFound")

# ---- simple queries
r = q.cmd("query-version", id=16)["return"]
t.eq(r["qemu"], qv, "query-version matches the greeting")
names = {c["name"] for c in q.cmd("query-commands")["return"]}
want = {"qmp_capabilities", "query-version", "query-commands",
        "query-status", "stop", "cont", "quit", "query-name",
        "query-chardev", "query-vnc", "change-vnc-password",
        "query-cpus-fast", "query-command-line-options",
        "xen-save-devices-state", "xen-load-devices-state",
        "xen-set-global-dirty-log", "query-block", "query-blockstats",
        "human-monitor-command", "add-fd", "remove-fd", "query-fdsets",
        "getfd", "closefd"}
t.eq(names, want, "query-commands lists exactly the implemented commands")
t.eq(q.cmd("query-status")["return"],
     {"running": True, "singlestep": False, "status": "running"},
     "query-status: running without -S")
t.eq(err(q.cmd("query-status", {"x": 1})),
     ("GenericError", "Parameter 'x' is unexpected"), "unexpected argument")
t.eq(q.cmd("query-name")["return"], {"name": "guest"}, "query-name")
t.eq(q.cmd("query-vnc")["return"], {"enabled": False},
     "query-vnc with -vnc none")
t.eq(err(q.cmd("change-vnc-password", {"password": "x"})),
     ("GenericError", "Could not set password"),
     "change-vnc-password without a password display")
t.eq(err(q.cmd("change-vnc-password")),
     ("GenericError", "Parameter 'password' is missing"), "missing argument")
t.eq(err(q.cmd("change-vnc-password", {"password": 1})),
     ("GenericError",
      "Invalid parameter type for 'password', expected: string"),
     "mistyped argument")
t.eq(q.cmd("query-cpus-fast")["return"], [], "machine none has no CPUs")
r = q.cmd("query-command-line-options", {"option": "run-with"})["return"]
t.eq(r, [{"parameters": [{"name": "chroot", "type": "string"},
                         {"name": "user", "type": "string"}],
          "option": "run-with"}], "run-with lists chroot and user")
t.eq(err(q.cmd("query-command-line-options", {"option": "nope"})),
     ("GenericError", "invalid option name: nope"), "unknown option name")
t.eq(q.cmd("xen-set-global-dirty-log", {"enable": True}), {"return": {}},
     "xen-set-global-dirty-log true")
t.eq(q.cmd("xen-set-global-dirty-log", {"enable": False}), {"return": {}},
     "xen-set-global-dirty-log false")
t.eq(err(q.cmd("xen-set-global-dirty-log", {"enable": "yes"})),
     ("GenericError", "Invalid parameter type for 'enable', expected: "
      "boolean"), "dirty-log enable must be a boolean")
t.eq(err(q.cmd("xen-set-global-dirty-log")),
     ("GenericError", "Parameter 'enable' is missing"),
     "dirty-log enable is required")
t.eq(q.cmd("query-block")["return"], [], "query-block")
t.eq(q.cmd("query-blockstats")["return"], [], "query-blockstats")
t.eq(q.cmd("human-monitor-command", {"command-line": "info status"}),
     {"return": "VM status: running\r\n"}, "HMP info status")
hmp = q.cmd("human-monitor-command", {"command-line": "info chardev"})
t.ok(hmp["return"].startswith("libxl-cmd: filename=unix:%s,server=on\r\n"
                              % libxl_path), "HMP info chardev", hmp)
t.eq(q.cmd("human-monitor-command", {"command-line": "frobnicate"}),
     {"return": "unknown command: 'frobnicate'\r\n"}, "HMP unknown command")

# ---- query-chardev (libxl parses label/filename)
r = q.cmd("query-chardev")["return"]
t.eq(r, [{"frontend-open": True, "filename": "unix:%s,server=on"
          % libxl_path, "label": "libxl-cmd"},
         {"frontend-open": True, "filename":
          "disconnected:unix:%s,server=on" % stat_path,
          "label": "libxenstat-cmd"}], "query-chardev as QEMU spells it")

# ---- stop / cont and events
r = q.cmd("stop", id=20)
ev = q.events[-1] if q.events else {}
t.ok(ev.get("event") == "STOP" and set(ev) == {"event", "timestamp"},
     "stop sends STOP before its return", q.events)
ts = ev.get("timestamp", {})
t.ok(isinstance(ts.get("seconds"), int) and
     isinstance(ts.get("microseconds"), int) and
     0 <= ts["microseconds"] < 1000000, "event timestamp shape", ts)
t.eq(q.cmd("query-status")["return"]["status"], "paused", "paused after stop")
n = len(q.events)
q.cmd("stop")
t.eq(len(q.events), n, "stop while paused: no event")
t.eq(q.cmd("human-monitor-command", {"command-line": "info status"}),
     {"return": "VM status: paused\r\n"}, "HMP info status paused")

# ---- two monitors at once; one client at a time
q2 = Qmp(stat_path)
q2.negotiate()
q3_sock = __import__("socket").socket(__import__("socket").AF_UNIX)
q3_sock.settimeout(0.3)
q3_sock.connect(stat_path)
try:
    early = q3_sock.recv(100)
except OSError:
    early = b""
t.eq(early, b"", "a second client of a busy monitor waits (no greeting)")
q.cmd("cont")
t.ok(any(e["event"] == "RESUME" for e in q.events), "cont sends RESUME")
m = q2.recv()
t.eq(m.get("event"), "RESUME", "the event reaches the other monitor too")
t.eq(q2.cmd("query-blockstats", id=1), {"return": [], "id": 1},
     "libxenstat monitor answers while libxl-cmd is connected")
r = q.cmd("query-chardev")["return"]
t.ok(all(not c["filename"].startswith("disconnected") for c in r),
     "both monitors connected in query-chardev", r)
q2.close()
q3_sock.settimeout(3)
g3 = q3_sock.recv(4096)
t.ok(g3.startswith(b'{"QMP"') and g3.endswith(b"\r\n"),
     "the waiting client is greeted once the first leaves", g3)
q3_sock.close()

# ---- fd passing: add-fd, query-fdsets, remove-fd, getfd/closefd
t.eq(err(q.cmd("add-fd")),
     ("GenericError", "No file descriptor supplied via SCM_RIGHTS"),
     "add-fd without an fd")
save = os.path.join(d, "qemu-save.%d" % DOMID)
wfd = os.open(save, os.O_WRONLY | os.O_CREAT, 0o600)
r = q.cmd("add-fd", id=30, fd=wfd)
t.ok("return" in r and set(r["return"]) == {"fdset-id", "fd"} and
     r["return"]["fdset-id"] == 0, "add-fd replies fdset-id 0 and fd", r)
fdset0 = r["return"]["fdset-id"]
rfd = os.open(save, os.O_RDONLY)
r = q.cmd("add-fd", {"fdset-id": 0, "opaque": "raw:%s" % save}, fd=rfd)
t.eq(r.get("return", {}).get("fdset-id"), 0, "add-fd into an existing set")
r = q.cmd("add-fd", {"fdset-id": -1}, fd=rfd)
t.eq(err(r), ("GenericError",
              "Parameter 'fdset-id' expects a non-negative value"),
     "add-fd with a negative fdset-id")
r = q.cmd("add-fd", fd=rfd)
t.eq(r.get("return", {}).get("fdset-id"), 1, "next add-fd: first free id")
sets = q.cmd("query-fdsets")["return"]
t.ok(len(sets) == 2 and sets[0]["fdset-id"] == 0 and
     len(sets[0]["fds"]) == 2 and
     sets[0]["fds"][1].get("opaque") == "raw:%s" % save,
     "query-fdsets lists sets, members and opaque", sets)
t.eq(err(q.cmd("remove-fd", {"fdset-id": 9})),
     ("GenericError", "File descriptor named 'fdset-id:9' not found"),
     "remove-fd of an unknown set")
t.eq(err(q.cmd("remove-fd", {"fdset-id": 0, "fd": 9999})),
     ("GenericError",
      "File descriptor named 'fdset-id:0, fd:9999' not found"),
     "remove-fd of an unknown member")
t.eq(q.cmd("remove-fd", {"fdset-id": 1}), {"return": {}}, "remove-fd a set")
t.eq(err(q.cmd("getfd", {"fdname": "1x"}, fd=rfd)),
     ("GenericError",
      "Parameter 'fdname' expects a name not starting with a digit"),
     "getfd name starting with a digit")
t.eq(q.cmd("getfd", {"fdname": "img"}, fd=rfd), {"return": {}}, "getfd")
t.eq(q.cmd("closefd", {"fdname": "img"}), {"return": {}}, "closefd")
t.eq(err(q.cmd("closefd", {"fdname": "img"})),
     ("GenericError", "File descriptor named 'img' not found"),
     "closefd twice")

# ---- xen-save-devices-state / xen-load-devices-state
# QEMU 7.2's own stream for -M none with Xen's settings: header,
# the global "timer" section, EOF.
EMPTY = open(os.path.join(TOP_SRC, "tests/vectors/qemu-7.2/"
                          "none-xenlike.bin"), "rb").read()
n = len(q.events)
r = q.cmd("xen-save-devices-state", {"filename": "/dev/fdset/%d" % fdset0,
                                     "live": False}, id=31)
t.eq(r, {"return": {}, "id": 31}, "xen-save-devices-state to /dev/fdset/0")
# Bytes 43-50 are the timer section's cpu_clock_offset: the VM clock
# (docs/devices/hvm.md).  QEMU's vector comes from a VM that never ran
# (0 there); this VM has been running, so only that field differs.
saved = open(save, "rb").read()
t.eq(saved[:43] + saved[51:], EMPTY[:43] + EMPTY[51:],
     "the saved stream is byte-identical to QEMU 7.2's for -M none")
t.ok(len(saved) == 52 and 0 < struct.unpack(">q", saved[43:51])[0] < 3600e9,
     "its timer section carries the VM clock of a VM that ran",
     saved[43:51].hex())
t.eq([e["event"] for e in q.events[n:]], ["STOP", "RESUME"],
     "save stops a running VM and resumes it")
t.eq(q.cmd("query-status")["return"]["status"], "running",
     "running again after the save")
r = q.cmd("xen-save-devices-state", {"filename": "/dev/fdset/5"})
t.eq(err(r), ("GenericError", "saving Xen device state failed: Could not "
              "create '/dev/fdset/5': Permission denied"),
     "save to an unknown fd set")
ro = os.open(save, os.O_RDONLY)
q.cmd("add-fd", {"fdset-id": 3}, fd=ro)
os.close(ro)
t.eq(err(q.cmd("xen-save-devices-state", {"filename": "/dev/fdset/3"})),
     ("GenericError", "saving Xen device state failed: Could not create "
      "'/dev/fdset/3': Permission denied"),
     "a read-only member does not serve a write open")
path2 = os.path.join(d, "by-path")
old = os.umask(0)
os.umask(old)
t.eq(q.cmd("xen-save-devices-state", {"filename": path2}), {"return": {}},
     "save to a path (live defaults to true)")
t.eq(stat.S_IMODE(os.stat(path2).st_mode), 0o660 & ~old,
     "created with mode 0660 minus umask")
r = q.cmd("xen-save-devices-state", {"filename": d + "/no/such/dir"})
t.ok(err(r)[1].startswith("saving Xen device state failed: Could not "
                          "create"), "save into a missing directory", r)
t.eq(err(q.cmd("xen-save-devices-state", {"filename": path2, "live": 1})),
     ("GenericError", "Invalid parameter type for 'live', expected: "
      "boolean"), "live must be a boolean")
t.eq(err(q.cmd("xen-load-devices-state", {"filename": path2})),
     ("GenericError", "Cannot update device state while vm is running"),
     "load refused while running")
q.cmd("stop")
t.eq(q.cmd("xen-load-devices-state", {"filename": path2}), {"return": {}},
     "load of the saved stream while paused")
ro = os.open(save, os.O_RDONLY)
q.cmd("add-fd", {"fdset-id": 3}, fd=ro)
os.close(ro)
t.eq(q.cmd("xen-load-devices-state", {"filename": "/dev/fdset/3"}),
     {"return": {}}, "load through /dev/fdset/N picks the O_RDONLY member")
bad = os.path.join(d, "bad")
open(bad, "wb").write(b"QEVX\0\0\0\3\0")
r = err(q.cmd("xen-load-devices-state", {"filename": bad}))
t.ok(r[0] == "GenericError" and
     re.match(r"loading Xen device state failed: (offset 0x0: )?Not a "
              r"migration stream, magic: 51455658 != 5145564d$", r[1]),
     "load of a bad magic", r)
vec = os.path.join(TOP_SRC, "tests/vectors/qemu-7.2/pc-serial-xenlike.bin")
r = q.cmd("xen-load-devices-state", {"filename": vec})
t.ok(re.match(r"loading Xen device state failed: (offset 0x[0-9a-f]+: )?"
              r"Unknown section or instance '", err(r)[1]),
     "a stream with sections this machine lacks is refused", r)
t.eq(q.cmd("query-status")["return"]["status"], "paused",
     "a failed load leaves the run state alone")
t.eq(q.cmd("xen-load-devices-state", {"filename": os.path.join(
    TOP_SRC, "tests/vectors/qemu-7.2/none-xenlike.bin")}), {"return": {}},
    "QEMU 7.2's own -M none stream loads")
# A round trip with state that is not all zeros: QEMU's stream with the
# timer offsets set, loaded, then saved again through /dev/fdset/N.
crafted = bytearray(EMPTY)
off = crafted.index(b"timer") + 5 + 8          # idstr, instance, version
crafted[off:off + 8] = (0x1122334455667788).to_bytes(8, "big")
crafted[off + 16:off + 24] = (0x0102030405060708).to_bytes(8, "big")
cpath = os.path.join(d, "crafted")
open(cpath, "wb").write(bytes(crafted))
t.eq(q.cmd("xen-load-devices-state", {"filename": cpath}), {"return": {}},
     "load of a stream with non-zero timer state")
rt = os.path.join(d, "roundtrip")
wfd = os.open(rt, os.O_WRONLY | os.O_CREAT, 0o600)
r = q.cmd("add-fd", {"fdset-id": 7}, fd=wfd)
os.close(wfd)
q.cmd("xen-save-devices-state", {"filename": "/dev/fdset/7"})
t.eq(open(rt, "rb").read(), bytes(crafted),
     "saved through /dev/fdset/N: byte-identical to what was loaded")
bad2 = bytes(crafted[:-1]) + bytes([0x04, 0, 0, 0, 9, 3]) + b"bad" + \
    bytes(8) + b"\0"
bpath = os.path.join(d, "bad2")
open(bpath, "wb").write(bad2)
r = q.cmd("xen-load-devices-state", {"filename": bpath})
t.ok("error" in r, "a stream whose second section is unknown is refused",
     r)
q.cmd("remove-fd", {"fdset-id": 7})
rt2 = os.path.join(d, "roundtrip2")
q.cmd("xen-save-devices-state", {"filename": rt2})
t.eq(open(rt2, "rb").read(), bytes(crafted),
     "all-or-nothing: the refused load left the timer state as it was")
t.eq(err(q.cmd("xen-load-devices-state", {"filename": d + "/nope"})),
     ("GenericError", "loading Xen device state failed: Could not open "
      "'%s/nope': No such file or directory" % d), "load of a missing file")
q.cmd("cont")

# ---- CRLF on every line seen
raw = b"\r\n".join(q.raw_lines)
t.ok(b"\n" not in raw.replace(b"\r\n", b""),
     "every message ends in CRLF, none has a bare LF (%d lines)"
     % len(q.raw_lines))

# ---- quit
r = q.cmd("quit", id=99)
t.eq(r, {"return": {}, "id": 99}, "quit returns")
rc = wait_exit(p)
t.eq(rc, 0, "quit: exit status 0")
t.ok(not os.path.exists(libxl_path) and not os.path.exists(stat_path),
     "sockets unlinked at exit")
t.done()
