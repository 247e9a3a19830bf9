#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Replays libxl's own exchanges with its device model against xendm,
with libxl's exact argv (reference A.1, and the real captures in
shared/lab/captures/final-trace/dm/*.argv, copied below with the run
directory moved to a temp dir) and libxl's exact QMP messages (A.2 and
the *.qmp.txt transcripts): the >= 4.20 probe, PV create, the HVM save
sequence, restore with -incoming fd:N then cont, the dm_restrict start,
and destroy by SIGHUP.  Steps that need a xenstored are skipped when
none can run here.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmplib import (Qmp, Tap, Xenstored, XENDM, spawn, tmpdir,  # noqa
                    wait_exit, wait_for)

# argv[1:] of dm-280.argv (xl create pv1) and dm-681.argv (xl create
# hvm1), Xen 4.17 lab, verbatim but for RUN and the domid.
PV_ARGV = ["-xen-domid", "{D}", "-no-shutdown", "-chardev",
           "socket,id=libxl-cmd,path={RUN}/qmp-libxl-{D},server=on,wait=off",
           "-mon", "chardev=libxl-cmd,mode=control", "-chardev",
           "socket,id=libxenstat-cmd,path={RUN}/qmp-libxenstat-{D},"
           "server=on,wait=off",
           "-mon", "chardev=libxenstat-cmd,mode=control", "-nodefaults",
           "-no-user-config", "-xen-attach", "-name", "pv1", "-vnc",
           "127.0.0.1:0,to=99", "-display", "none", "-machine", "xenpv",
           "-m", "128"]
HVM_ARGV = ["-xen-domid", "{D}", "-no-shutdown", "-chardev",
            "socket,id=libxl-cmd,path={RUN}/qmp-libxl-{D},server=on,"
            "wait=off", "-mon", "chardev=libxl-cmd,mode=control",
            "-chardev", "socket,id=libxenstat-cmd,path={RUN}/"
            "qmp-libxenstat-{D},server=on,wait=off", "-mon",
            "chardev=libxenstat-cmd,mode=control", "-nodefaults",
            "-no-user-config", "-name", "hvm1", "-vnc", "127.0.0.1:0,to=99",
            "-display", "none", "-kernel", "/boot/vmlinuz", "-initrd",
            "/nxen-io/domu/initrd.gz", "-append",
            "console=ttyS0,115200 console=hvc0 rdinit=/init loglevel=4 "
            "nokaslr", "-serial", "pty", "-device", "cirrus-vga,vgamem_mb=8",
            "-boot", "order=cda", "-net", "none", "-machine",
            "xenfv,suppress-vmdesc=on", "-m", "184", "-drive",
            "file=/root/hvm1-disk.img,if=ide,index=0,media=disk,format=raw,"
            "cache=writeback"]
# libxl >= 4.20's probe (libxl_dm.c:2643-2757).
PROBE_ARGV = ["-S", "-no-user-config", "-nodefaults", "-nographic",
              "-machine", "none,accel=xen", "-chardev",
              "socket,id=libxl-cmd,fd={FD},server=on,wait=off", "-mon",
              "chardev=libxl-cmd,mode=control"]
ID0 = 0x786c7100   # libxl's first command id, "xlq\0"

t = Tap()


def fill(argv, **kw):
    return [XENDM] + [a.format(**kw) for a in argv]


def listening_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(1)
    os.set_inheritable(s.fileno(), True)
    return s


def libxl_cmd(path, name, args=None, fd=None):
    """One libxl operation: connect, greeting, capabilities, command."""
    q = Qmp(path)
    r0 = q.cmd("qmp_capabilities", id=ID0 + 1)
    r = q.cmd(name, args, id=ID0, fd=fd)
    q.close()
    return q, r0, r


# ---- the probe, with no Xen and no xenstore at all
d = tmpdir()
ls = listening_socket(d + "/probe")
p = spawn(fill(PROBE_ARGV, FD=ls.fileno()), pass_fds=[ls.fileno()],
          env={"XENSTORED_PATH": d + "/no-xenstored-here"})
ls.close()
q = Qmp(d + "/probe")
t.ok("QMP" in q.greeting, "probe: greeting on the pre-opened socket")
r = q.cmd("qmp_capabilities", id=ID0 + 1)
t.eq(r, {"return": {}, "id": ID0 + 1}, "probe: qmp_capabilities")
r = q.cmd("query-command-line-options", id=ID0)
rw = [o for o in r.get("return", []) if o.get("option") == "run-with"]
t.ok(len(rw) == 1 and {"chroot", "user"} <=
     {x["name"] for x in rw[0]["parameters"]},
     "probe: run-with has chroot and user", r)
t.eq(q.cmd("quit", id=ID0 + 2), {"return": {}, "id": ID0 + 2}, "probe: quit")
t.eq(wait_exit(p), 0, "probe: exit status 0 without Xen or xenstore")

# ---- xenpv without a reachable xenstore: refused, one line
p = spawn(fill(PV_ARGV, D=9, RUN=d),
          env={"XENSTORED_PATH": d + "/no-xenstored-here"})
rc = wait_exit(p)
err = p.stderr.read().decode()
t.ok(rc == 1 and err.count("\n") == 1 and "xenstore" in err,
     "xenpv with no xenstore: exit 1 and one line", "rc=%r %r" % (rc, err))

# ---- HVM argv: libxl's default config asks for cirrus-vga and an IDE
# disk, which the HVM machine refuses in one line; the config
# docs/devices/hvm.md recommends (vga="none", PV-only disk) is accepted
# up to the missing xenstore.
p = spawn(fill(HVM_ARGV, D=9, RUN=d),
          env={"XENSTORED_PATH": d + "/no-xenstored-here"})
rc = wait_exit(p)
err = p.stderr.read().decode()
if "HVM machine is not built" in err:
    t.ok(rc == 1 and err.count("\n") == 1 and "-machine" in err,
         "HVM argv refused in one line naming -machine (HVM machine not "
         "linked)", err)
else:
    t.ok(rc == 1 and err.count("\n") == 1 and "cirrus-vga" in err and
         'vga="none"' in err,
         "libxl's default HVM argv (cirrus-vga) refused in one line", err)
    bz = bytearray(5 * 512 + 4096)
    bz[0x1f1] = 4
    bz[0x202:0x206] = b"HdrS"
    bz[0x206:0x208] = (0x20f).to_bytes(2, "little")
    bz[0x211] = 1
    bz[0x22c:0x230] = (0x7fffffff).to_bytes(4, "little")   # initrd_addr_max
    with open(d + "/bzImage", "wb") as f:
        f.write(bz)
    with open(d + "/initrd", "wb") as f:
        f.write(b"initrd")
    with open(d + "/linuxboot.bin", "wb") as f:
        f.write(b"\x55\xaa" + bytes(510))
    argv = fill(HVM_ARGV, D=9, RUN=d)
    for drop in ("-device", "-drive"):
        i = argv.index(drop)
        del argv[i:i + 2]
    argv[argv.index("-kernel") + 1] = d + "/bzImage"
    argv[argv.index("-initrd") + 1] = d + "/initrd"
    p = spawn(argv + ["-L", d],
              env={"XENSTORED_PATH": d + "/no-xenstored-here"})
    rc = wait_exit(p)
    err = p.stderr.read().decode()
    t.ok(rc == 1 and "xenstore" in err,
         "HVM argv for vga=none and a PV-only disk accepted up to the "
         "missing xenstore", err)

xs = Xenstored()
if not xs.ok():
    for name in ("PV create", "HVM save sequence", "restore -incoming",
                 "dm_restrict start", "destroy by SIGHUP"):
        t.skip(name, xs.why)
    t.done()

env = xs.env()


def dm_state(domid):
    return xs.read("/local/domain/0/device-model/%d/state" % domid)


# ---- PV create (dm-280): readiness on xenstore, then libxl's queries
run = tmpdir()
xs.run("xenstore-write", "/local/domain/0/device-model/1", "")
p = spawn(fill(PV_ARGV, D=1, RUN=run), env=env)
t.eq(wait_for(lambda: dm_state(1) == "running" and dm_state(1)),
     "running", "PV create: device-model/1/state = running")
cmd = "%s/qmp-libxl-1" % run
stat = "%s/qmp-libxenstat-1" % run
q, r0, r = libxl_cmd(cmd, "query-chardev")
t.eq(r, {"return": [
    {"frontend-open": True, "filename": "unix:%s,server=on" % cmd,
     "label": "libxl-cmd"},
    {"frontend-open": True, "filename":
     "disconnected:unix:%s,server=on" % stat, "label": "libxenstat-cmd"}],
    "id": ID0}, "PV create: query-chardev as in the capture")
q, r0, r = libxl_cmd(cmd, "query-vnc")
v = r.get("return", {})
t.ok(v.get("enabled") is True and v.get("host") == "127.0.0.1" and
     v.get("family") == "ipv4" and v.get("auth") == "none" and
     v.get("clients") == [] and 5900 <= int(v.get("service", 0)) <= 5999,
     "PV create: query-vnc", r)
for c in ("query-blockstats", "query-block"):
    q, r0, r = libxl_cmd(stat, c)
    t.eq(r, {"return": [], "id": ID0}, "libxenstat: %s" % c)

# ---- the HVM save sequence (dm-681.qmp.txt), on the same DM
q, r0, r = libxl_cmd(cmd, "query-cpus-fast")
t.ok("return" in r, "save: query-cpus-fast", r)
q, r0, r = libxl_cmd(cmd, "xen-set-global-dirty-log", {"enable": True})
t.eq(r, {"return": {}, "id": ID0}, "save: dirty log on")
q = Qmp(cmd)
q.cmd("qmp_capabilities", id=ID0 + 1)
r = q.cmd("stop", id=ID0)
t.ok(r == {"return": {}, "id": ID0} and
     [e["event"] for e in q.events] == ["STOP"], "save: stop (STOP event)")
save = os.path.join(run, "qemu-save.1")
sfd = os.open(save, os.O_WRONLY | os.O_CREAT, 0o600)
r = q.cmd("add-fd", id=ID0 + 2, fd=sfd)
os.close(sfd)
t.ok(r.get("return", {}).get("fdset-id") == 0 and
     isinstance(r["return"].get("fd"), int), "save: add-fd", r)
r = q.cmd("xen-save-devices-state",
          {"live": False, "filename": "/dev/fdset/%d"
           % r["return"]["fdset-id"]}, id=ID0 + 3)
t.eq(r, {"return": {}, "id": ID0 + 3}, "save: xen-save-devices-state")
q.close()
q, r0, r = libxl_cmd(cmd, "xen-set-global-dirty-log", {"enable": False})
t.eq(r, {"return": {}, "id": ID0}, "save: dirty log off")
blob = open(save, "rb").read()
t.ok(blob[:8] == b"QEVM\0\0\0\3" and blob[-1:] == b"\0",
     "save: the file is a QEVM v3 stream ending in EOF")

# ---- destroy by SIGHUP
p.send_signal(1)
t.eq(wait_exit(p), 0, "destroy: SIGHUP, exit status 0")
t.ok(not os.path.exists(cmd) and not os.path.exists(stat),
     "destroy: QMP sockets unlinked")

# ---- restore: -incoming fd:N, readiness, then cont
xs.run("xenstore-write", "/local/domain/0/device-model/2", "")
rfd = os.open(save, os.O_RDONLY)
argv = fill(PV_ARGV, D=2, RUN=run)
argv[argv.index("-machine"):argv.index("-machine")] = ["-incoming",
                                                        "fd:%d" % rfd]
p = spawn(argv, env=env, pass_fds=[rfd])
os.close(rfd)
t.eq(wait_for(lambda: dm_state(2) == "running" and dm_state(2)), "running",
     "restore: device-model/2/state = running after the load")
q, r0, r = libxl_cmd("%s/qmp-libxl-2" % run, "cont")
t.eq(r, {"return": {}, "id": ID0}, "restore: cont")
p.send_signal(1)
t.eq(wait_exit(p), 0, "restore: SIGHUP, exit status 0")

# ---- a bad incoming stream: exit 1, the reason on stderr
bad = os.path.join(run, "bad")
open(bad, "wb").write(b"QEVM\0\0\0\2\0")
bfd = os.open(bad, os.O_RDONLY)
argv = fill(PV_ARGV, D=4, RUN=run)
argv[1:1] = ["-incoming", "fd:%d" % bfd]
p = spawn(argv, env=env, pass_fds=[bfd])
os.close(bfd)
rc = wait_exit(p)
err = p.stderr.read().decode()
t.ok(rc == 1 and "SaveVM v2 format is obsolete" in err and
     err.count("\n") == 1, "bad -incoming stream: exit 1 with the reason",
     err)

# ---- dm_restrict: pre-opened fd, -S, -xen-domid-restrict, chroot
xs.run("xenstore-write", "/local/domain/0/device-model/5", "")
root = os.path.join(run, "qemu-root-5")
os.mkdir(root, 0o000)
ls = listening_socket(run + "/qmp-libxl-5")
argv = fill(PV_ARGV, D=5, RUN=run)
i = argv.index("socket,id=libxl-cmd,path=%s/qmp-libxl-5,server=on,wait=off"
               % run)
argv[i] = "socket,id=libxl-cmd,fd=%d,server=on,wait=off" % ls.fileno()
argv[i + 3:i + 3] = ["-S"]
argv[argv.index("-machine"):argv.index("-machine")] = [
    "-xen-domid-restrict", "-run-with", "chroot=%s" % root]
p = spawn(argv, env=env, pass_fds=[ls.fileno()])
ls.close()
q, r0, r = libxl_cmd(run + "/qmp-libxl-5", "query-status")
t.eq(r.get("return"), {"running": False, "singlestep": False,
                       "status": "prelaunch"},
     "dm_restrict: query-status prelaunch")
t.eq(os.readlink("/proc/%d/root" % p.pid), root,
     "dm_restrict: running chrooted in qemu-root-<domid>")
q, r0, r = libxl_cmd(run + "/qmp-libxl-5", "cont")
time.sleep(0.2)
t.eq(dm_state(5), None,
     "dm_restrict: no 'running' written (libxl uses query-status)")
p.send_signal(1)
t.eq(wait_exit(p), 0, "dm_restrict: SIGHUP, exit 0")
t.ok(not os.path.exists(run + "/qmp-libxenstat-5") and
     os.path.exists(run + "/qmp-libxl-5"),
     "dm_restrict: our socket unlinked from inside the chroot, libxl's "
     "pre-opened one left to libxl")
t.done()
