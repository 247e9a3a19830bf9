#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The command line: --help/--version/-version; every form libxl builds
is accepted (run on -machine none so no Xen is needed); what xendm
cannot honour is refused before anything starts: exit status 1, one
line naming the argument, and no socket created.  QEMU-style values:
",," escapes, old "server,nowait", XEN_QEMU_CONSOLE_LIMIT.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmplib import Qmp, Tap, XENDM, spawn, tmpdir, wait_exit  # noqa

t = Tap()
d = tmpdir()


def run(args, env=None):
    e = dict(os.environ)
    e.pop("XEN_QEMU_CONSOLE_LIMIT", None)
    if env:
        e.update(env)
    r = subprocess.run([XENDM] + args, capture_output=True, text=True,
                       timeout=10, env=e, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout, r.stderr


rc, out, err = run(["--help"])
t.ok(rc == 0 and "usage: xendm" in out and "-xen-domid" in out,
     "--help prints usage, exit 0")
for v in ("--version", "-version"):
    rc, out, err = run([v])
    t.ok(rc == 0 and out.startswith("xendm "), "%s prints the version" % v)

MON = ["-chardev", "socket,id=libxl-cmd,path=%s/m,server=on,wait=off" % d,
       "-mon", "chardev=libxl-cmd,mode=control"]

# Each: (argv tail, the text the one-line refusal must contain)
REFUSED = [
    (["-display", "sdl"], "-display"),
    (["-display", "gtk"], "-display"),
    (["-vnc", "127.0.0.1:0,tls-creds=x"], "-vnc"),
    (["-vnc", "localhost"], "-vnc"),
    (["-chardev", "socket,id=t,host=1.2.3.4,port=5,server=on,wait=off"],
     "-chardev"),
    (["-chardev", "socket,id=t,path=%s/c,server=on,wait=on" % d],
     "wait=on"),
    (["-chardev", "file,id=f,path=/tmp/x"], "-chardev"),
    (["-chardev", "socket,id=t,fd=999,server=on,wait=off"], "fd=999"),
    (["-mon", "chardev=nope,mode=control"], "-mon"),
    (["-chardev", "pty,id=p", "-mon", "chardev=p,mode=control"], "-mon"),
    (["-chardev", "socket,id=h,path=%s/h,server=on,wait=off" % d,
      "-mon", "chardev=h,mode=readline"], "mode=control"),
    (["-machine", "q35"], "-machine"),
    (["-machine", "pc"], "accel=xen"),
    (["-machine", "none,accel=kvm"], "accel"),
    (["-machine", "xenfv,igd-passthru=on", "-xen-domid", "1"], "igd"),
    (["-machine", "none,usb=on"], "usb"),
    (["-incoming", "tcp:1.2.3.4:5"], "-incoming"),
    (["-incoming", "fd:999"], "-incoming"),
    (["-device", "e1000,id=nic0"], "-device"),
    (["-drive", "file=/x,if=ide"], "-drive"),
    (["-serial", "pty"], "-serial"),
    (["-serial", "tcp:1.2.3.4:5"], "-serial"),
    (["-kernel", "/boot/vmlinuz"], "-kernel"),
    (["-runas", "no-such-user-xendm"], "no-such-user-xendm"),
    (["-sandbox", "on"], "-sandbox"),
    (["-daemonize"], "-daemonize"),
    (["-m", "lots"], "-m"),
    (["-smp", "0"], "-smp"),
    (["-smp", "2,maxcpus=1"], "-smp"),
    (["-xen-domid", "70000"], "-xen-domid"),
    (["-name"], "requires an argument"),
    (["stray"], "stray"),
    (["-machine", "xenpv"], "-xen-domid"),
]
for tail, needle in REFUSED:
    rc, out, err = run(MON + ["-machine", "none"] + tail
                       if "-machine" not in tail else MON + tail)
    lines = err.splitlines()
    t.ok(rc == 1 and len(lines) == 1 and needle in lines[0] and
         not os.path.exists(d + "/m"),
         "refused before start: %s" % " ".join(tail),
         "rc=%r stderr=%r" % (rc, err))

rc, out, err = run(MON + ["-machine", "none"],
                   env={"XEN_QEMU_CONSOLE_LIMIT": "lots"})
t.ok(rc == 1 and "XEN_QEMU_CONSOLE_LIMIT" in err and
     len(err.splitlines()) == 1, "a bad XEN_QEMU_CONSOLE_LIMIT is refused",
     err)

# Accepted: everything libxl 4.14-4.21 may pass, on the probe machine.
root = os.path.join(d, "root")
os.mkdir(root)
ACCEPTED = [
    "-xen-domid", "12", "-no-shutdown", "-nodefaults", "-no-user-config",
    "-chardev", "socket,id=libxl-cmd,path=%s/m,server,nowait" % d,
    "-mon", "chardev=libxl-cmd,mode=control",
    "-chardev", "pty,id=libxl-channel0",
    "-chardev", "socket,id=libxl-channel1,path=%s/ch1,server=on,wait=off"
    % d,
    "-name", "we,,ird", "-vnc", "none", "-display", "none", "-k", "en-us",
    "-nographic", "-net", "none", "-m", "size=256M", "-smp", "2,maxcpus=4",
    "-monitor", "/dev/null", "-parallel", "/dev/null",
    "-xen-attach", "-S", "-machine", "none,accel=xen",
]
p = spawn([XENDM] + ACCEPTED, env={"XEN_QEMU_CONSOLE_LIMIT": "1048576"})
q = Qmp(d + "/m")
q.negotiate()
t.eq(q.cmd("query-name")["return"], {"name": "we,ird"},
     "',,' is a literal comma")
t.eq(q.cmd("query-status")["return"]["status"], "prelaunch",
     "-S starts in prelaunch")
chars = {c["label"]: c["filename"] for c in q.cmd("query-chardev")["return"]}
t.ok(chars.get("libxl-channel0", "").startswith("pty:/dev/pts/"),
     "-chardev pty reported as pty:/dev/pts/N", chars)
t.eq(chars.get("libxl-channel1"),
     "disconnected:unix:%s/ch1,server=on" % d,
     "a channel socket with no client is 'disconnected:'")
t.eq(chars.get("libxl-cmd"), "unix:%s/m,server=on" % d,
     "old 'server,nowait' spelling accepted")
pts = chars.get("libxl-channel0", "")[4:]
t.ok(os.path.exists(pts), "the pty exists")
q.cmd("quit")
t.eq(wait_exit(p), 0, "the full libxl argv runs and quits cleanly")
t.ok(not os.path.exists(d + "/ch1"), "channel socket unlinked at exit")

# -dump-vmstate writes QEMU's JSON and exits.
rc, out, err = run(["-dump-vmstate", d + "/dump.json"])
import json  # noqa: E402
try:
    dump = json.load(open(d + "/dump.json"))
except (OSError, ValueError):
    dump = {}
t.ok(rc == 0 and "vmschkmachine" in dump,
     "-dump-vmstate writes the descriptions", err)
t.done()
