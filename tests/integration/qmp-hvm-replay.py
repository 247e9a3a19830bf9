#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""libxl's HVM create / save / restore, replayed byte for byte against
xendm serving a real HVM domain on xensim.

The lab captured what xl (Xen 4.17) did with qemu-xen for `xl create
hvm1.cfg` (dm-681) and `xl restore` (dm-1166): the device model's argv
and every QMP message both ways.  This test parses those files (from
shared/lab, or the copies in tests/integration/lab/) and:

- creates the same HVM domain with `xensim create` (the lab's hvm1.cfg,
  with paths moved into a temp dir, vga="none" and the disk on vdev
  xvde: xendm refuses the default cirrus VGA and IDE disks, which it
  does not emulate, and says so), through a
  device_model_override wrapper that records the argv it is given and
  execs xendm; the argv must equal the capture's but for the domid, the
  paths, the "-device cirrus-vga,…" and "-drive …,if=ide,…" pairs
  that vga="none" and a PV-only vdev leave out, and -m (libxl no longer
  subtracts the video RAM); the kernel is a synthetic bzImage (xendm loads it through
  fw_cfg), or, without QEMU's linuxboot.bin, kernel/ramdisk/cmdline are
  left out of the config and of the expected argv;
- replays the captured client messages of each QMP connection, the exact
  bytes libxl sent (with "\\r\\n", the SCM_RIGHTS fd on add-fd's first
  byte), on the socket the capture says, and checks every reply the way
  libxl parses it: the same id, the same JSON shape as QEMU's captured
  reply, the values libxl reads (chardev labels and filename forms, vnc
  host/service/family, cpu-index, fdset-id/fd), STOP before stop's
  return;
- between create and save, a simulated vCPU programs the UART, the
  i8042, the platform device (as hvm-xensim-save.sh does);
- after the save, SIGHUP (libxl's destroy); then a second domain whose
  device model gets `-incoming fd:15` on the saved file (the wrapper
  does what libxl's restore does to the argv, checked against dm-1166),
  the restore connections replayed, the vCPU reading back what it wrote,
  and a second save of the restored model equal byte for byte to the
  first.
Skipped without xensim (needs its hypervisor and toolstack).
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmplib import Tap, Xenstored, XENDM, TOP_BUILD, TOP_SRC, tmpdir  # noqa

t = Tap()
LAB = "/work/shared/lab/captures/final-trace"
HERE = os.path.join(TOP_SRC, "tests", "integration", "lab")


def lab_file(name, sub="dm"):
    p = os.path.join(LAB, sub, name) if sub else os.path.join(LAB, name)
    return p if os.path.exists(p) else os.path.join(HERE, name)


def parse_argv(path):
    """argv[1:] from a dm-NNN.argv capture ("argv[N]: value" lines)."""
    out = {}
    for line in open(path):
        m = re.match(r"argv\[(\d+)\]: (.*)$", line.rstrip("\n"))
        if m:
            out[int(m.group(1))] = m.group(2)
    return [out[i] for i in sorted(out)]


def parse_qmp(path):
    """[(accept_fd, [(dir, raw_json_text, has_fd)])] per connection."""
    conns = []
    dec = json.JSONDecoder()
    for line in open(path):
        m = re.match(r"=== QMP connection on fd \d+ \(accepted on fd (\d+)\)",
                     line)
        if m:
            conns.append((int(m.group(1)), []))
            continue
        m = re.match(r"\s+[\d.]+ (C>|S<) (.*)$", line.rstrip("\n"))
        if m and conns:
            _, end = dec.raw_decode(m.group(2))
            conns[-1][1].append((m.group(1), m.group(2)[:end],
                                 "[SCM_RIGHTS" in m.group(2)[end:]))
    return conns


def shape(v):
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [shape(v[0])] if v else []
    return type(v).__name__


def same_shape(a, b):
    """Equal shapes; an empty list fits any list (xendm offers no "oob"
    capability where QEMU lists it: libxl ignores the list)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return set(a) == set(b) and all(same_shape(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return not a or not b or same_shape(a[0], b[0])
    return a == b


xs = Xenstored()
if xs.kind != "xensim" or not xs.ok():
    t.skip("HVM replay on xensim", xs.why or "xensim is not built")
    t.done()
XENSIM = os.path.abspath(os.path.join(TOP_BUILD, "xensim", "xensim"))
XENDM = os.path.abspath(XENDM)
D = xs.dir
ENV = dict(os.environ, XENSIM_DIR=D, XENSIM_XENDM=XENDM)
CAP_CREATE = parse_argv(lab_file("dm-681.argv"))
CAP_RESTORE = parse_argv(lab_file("dm-1166.argv"))
QMP_CREATE = parse_qmp(lab_file("dm-681.qmp.txt"))
QMP_RESTORE = parse_qmp(lab_file("dm-1166.qmp.txt"))
t.ok(len(QMP_CREATE) == 7 and len(QMP_RESTORE) == 3,
     "captures parsed: 7 create+save connections, 3 restore connections")


def xensim(*args, timeout=90):
    # Files, not pipes: `create` leaves the guest program running with
    # its stdio, and a pipe would never see EOF.
    with open(os.path.join(D, "ts.out"), "w+") as o, \
            open(os.path.join(D, "ts.err"), "w+") as e:
        rc = subprocess.run([XENSIM] + list(args), env=ENV, stdout=o,
                            stderr=e, stdin=subprocess.DEVNULL,
                            timeout=timeout).returncode
        o.seek(0)
        e.seek(0)
        return rc, o.read().strip(), e.read().strip()


def io(*args):
    return xensim("io", "hvm1", *args, timeout=30)[1]


# The lab's hvm1.cfg, its files moved into D, xendm behind a recorder.
open(os.path.join(D, "disk.img"), "wb").truncate(16 << 20)
BOOT = os.path.exists("/usr/share/qemu/linuxboot.bin")
# a bzImage as x86_load_linux wants it: 8 setup sectors, protocol 2.13
kernel = bytearray((i * 37 + 11) & 0xff for i in range(9 * 512 + 64 * 1024))
kernel[0x1f1] = 8
kernel[0x202:0x206] = b"HdrS"
kernel[0x206:0x208] = (0x20d).to_bytes(2, "little")
kernel[0x210] = 0
kernel[0x211] = 0x01
kernel[0x22c:0x230] = (0x7fffffff).to_bytes(4, "little")
open(os.path.join(D, "vmlinuz"), "wb").write(kernel)
open(os.path.join(D, "initrd.gz"), "wb").write(bytes(range(256)) * 64)
wrapper = os.path.join(D, "dm-wrapper.py")
open(wrapper, "w").write("""#!%s
import json, os, sys
d = %r
args = sys.argv[1:]
inc = os.path.join(d, "incoming")
if os.path.exists(inc):
    # libxl's restore: the saved file on fd 15, -incoming before -machine
    fd = os.open(open(inc).read().strip(), os.O_RDONLY)
    os.dup2(fd, 15)
    os.close(fd)
    i = args.index("-machine")
    args[i:i] = ["-incoming", "fd:15"]
    os.unlink(inc)
json.dump(args, open(os.path.join(d, "argv.%%d" %% os.getpid()), "w"))
os.execv(%r, [%r] + args)
""" % (sys.executable, D, XENDM, XENDM))
os.chmod(wrapper, 0o755)
cfg = open(lab_file("hvm1.cfg", sub=None)).read()
cfg = cfg.replace("/boot/vmlinuz-6.1.0-56-amd64", D + "/vmlinuz")
cfg = cfg.replace("/nxen-io/domu/initrd.gz", D + "/initrd.gz")
cfg = cfg.replace("/root/hvm1-disk.img", D + "/disk.img")
cfg = cfg.replace("/nxen-io/lib/dm-wrapper.sh", wrapper)
cfg = cfg.replace("vdev=hda", "vdev=xvde")
cfg += 'vga = "none"\n'
if not BOOT:
    cfg = "\n".join(line for line in cfg.splitlines()
                    if not line.startswith(("kernel", "ramdisk", "cmdline")))
open(os.path.join(D, "hvm1.cfg"), "w").write(cfg)


def domid_of(name):
    for line in xensim("list")[1].splitlines():
        f = line.split()
        if f and f[0] == name:
            return int(f[1])
    return None


def adapt(capture, domid):
    """The captured argv with this run's domid and paths."""
    cap_domid = capture[capture.index("-xen-domid") + 1]
    out = []
    for a in capture:
        a = a.replace("/var/run/xen/qmp-libxl-%s" % cap_domid,
                      "%s/qmp-libxl-%d" % (D, domid))
        a = a.replace("/var/run/xen/qmp-libxenstat-%s" % cap_domid,
                      "%s/qmp-libxenstat-%d" % (D, domid))
        a = a.replace("/boot/vmlinuz-6.1.0-56-amd64", D + "/vmlinuz")
        a = a.replace("/nxen-io/domu/initrd.gz", D + "/initrd.gz")
        a = a.replace("/root/hvm1-disk.img", D + "/disk.img")
        out.append(a)
    out[out.index("-xen-domid") + 1] = str(domid)
    for opt in ("-device", "-drive"):        # vga = "none", vdev=xvde
        i = out.index(opt)
        del out[i:i + 2]
    # libxl gives -m the memory less the video RAM: none without a VGA
    vgamem = int(re.search(r"vgamem_mb=(\d+)",
                           " ".join(capture)).group(1))
    i = out.index("-m") + 1
    out[i] = str(int(out[i]) + vgamem)
    if not BOOT:
        for opt in ("-kernel", "-initrd", "-append"):
            i = out.index(opt)
            del out[i:i + 2]
    return out


def recorded_argv(pid):
    try:
        return json.load(open(os.path.join(D, "argv.%d" % pid)))
    except OSError:
        return None


def dm_pid(domid):
    v = xs.read("/local/domain/%d/image/device-model-pid" % domid)
    return int(v) if v else None


class Conn:
    """One libxl QMP connection: raw bytes out, CRLF lines in."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(10)
        self.s.connect(path)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            c = self.s.recv(65536)
            if not c:
                raise EOFError("closed")
            self.buf += c
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return json.loads(ln)

    def send(self, raw, fd=None):
        data = raw.encode() + b"\r\n"
        if fd is not None:
            self.s.sendmsg([data[:1]], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                         fd.to_bytes(4, sys.byteorder))])
            data = data[1:]
        self.s.sendall(data)


def check_values(cmd, mine, cap, domid, tag):
    """What libxl reads out of the replies it gets (libxl_qmp.c, dm.c)."""
    r = mine.get("return")
    if cmd == "query-chardev":
        labels = {c["label"]: c["filename"] for c in r}
        t.eq(sorted(labels), sorted(c["label"] for c in cap["return"]),
             "%s query-chardev: the labels QEMU reports" % tag)
        t.ok(labels.get("libxl-cmd") == "unix:%s/qmp-libxl-%d,server=on"
             % (D, domid) and labels.get("libxenstat-cmd") ==
             "disconnected:unix:%s/qmp-libxenstat-%d,server=on" % (D, domid)
             and re.match(r"pty:/dev/pts/\d+$", labels.get("serial0", "")),
             "%s query-chardev: filenames in QEMU's spelling" % tag, labels)
    elif cmd == "query-vnc":
        t.ok(r.get("enabled") is True and r.get("host") == "127.0.0.1" and
             r.get("family") == "ipv4" and r.get("auth") == "none" and
             5900 <= int(r.get("service", "0")) <= 5999,
             "%s query-vnc: listening in 5900..5999 (to=99)" % tag, r)
    elif cmd == "query-cpus-fast":
        t.eq([(c.get("cpu-index"), c.get("qom-path"), c.get("target"))
              for c in r],
             [(c["cpu-index"], c["qom-path"], c["target"])
              for c in cap["return"]],
             "%s query-cpus-fast: one vCPU, cpu-index 0, QEMU's qom-path"
             % tag)
    elif cmd == "add-fd":
        t.ok(r.get("fdset-id") == cap["return"]["fdset-id"] and
             isinstance(r.get("fd"), int) and r["fd"] >= 0,
             "%s add-fd: fdset-id %d and an fd" % (tag, r.get("fdset-id",
                                                              -1)), r)


def replay(conns, domid, tag, save_path=None):
    """Replays connections; returns the events seen."""
    accepts = sorted({a for a, _ in conns})
    sock = {accepts[0]: "%s/qmp-libxl-%d" % (D, domid)}
    if len(accepts) > 1:
        sock[accepts[1]] = "%s/qmp-libxenstat-%d" % (D, domid)
    for n, (acc, msgs) in enumerate(conns):
        c = Conn(sock[acc])
        greeting = c.line()
        cap_greeting = json.loads(msgs[0][1])
        t.ok(same_shape(shape(greeting), shape(cap_greeting)),
             "%s #%d: greeting shaped as QEMU's" % (tag, n + 1), greeting)
        pending_cmd = None
        for i, (way, raw, has_fd) in enumerate(msgs[1:], 1):
            cap = json.loads(raw)
            if way == "C>":
                pending_cmd = cap["execute"]
                fd = None
                if has_fd:
                    fd = os.open(save_path, os.O_WRONLY | os.O_CREAT |
                                 os.O_TRUNC, 0o600)
                c.send(raw, fd)
                if fd is not None:
                    os.close(fd)
                continue
            mine = c.line()
            if "event" in cap:
                t.ok(mine.get("event") == cap["event"] and
                     same_shape(shape(mine), shape(cap)),
                     "%s #%d: %s event before the return" %
                     (tag, n + 1, cap["event"]), mine)
                continue
            t.ok(same_shape(shape(mine), shape(cap)) and
                 mine.get("id") == cap["id"],
                 "%s #%d: %s reply shaped as QEMU's, id %d" %
                 (tag, n + 1, pending_cmd, cap["id"]),
                 "%r vs %r" % (mine, cap))
            check_values(pending_cmd, mine, cap, domid, tag)
        c.s.close()


def create_or_stop(what):
    """xensim create of hvm1; on failure, xendm's log and the end."""
    rc, out, err = xensim("create", os.path.join(D, "hvm1.cfg"))
    t.eq(rc, 0, what)
    if rc != 0:
        try:
            err += "\n" + open(os.path.join(D, "qemu-dm-hvm1.log")).read()
        except OSError:
            pass
        sys.stdout.write("# %s\n" % err.replace("\n", "\n# "))
        t.done()


# ---- create (dm-681)
create_or_stop("xensim create: an HVM domain with xendm as its device model")
dom_a = domid_of("hvm1")
pid_a = dm_pid(dom_a)
t.eq(recorded_argv(pid_a), adapt(CAP_CREATE, dom_a),
     "create: xendm got libxl's argv of dm-681 (domid, paths adapted)")
replay(QMP_CREATE[:3], dom_a, "create")

# guest activity the save must carry (as hvm-xensim-save.sh)
for port, val in (("0x3fb", "0x03"), ("0x3fa", "0xc7"), ("0x3fc", "0x10"),
                  ("0x3f8", "0x68"), ("0x3f8", "0x69"), ("0x3ff", "0x5a"),
                  ("0x64", "0xd2"), ("0x60", "0xab")):
    io("outb", port, val)
t.eq((io("inb", "0x3fd"), io("inb", "0x64")), ("0x61", "0x19"),
     "vCPU: UART holds two bytes, i8042 output buffer full")

# ---- save (dm-681 connections 4-7)
save1 = os.path.join(D, "qemu-save.1")
replay(QMP_CREATE[3:], dom_a, "save", save_path=save1)
blob1 = open(save1, "rb").read()
t.ok(blob1[:8] == b"QEVM\0\0\0\3" and blob1[-1:] == b"\0" and
     b"serial" in blob1, "save: a QEVM v3 device stream with the UART")

# ---- destroy by SIGHUP, as libxl after the save
os.kill(pid_a, signal.SIGHUP)
for _ in range(200):
    if not os.path.exists("/proc/%d" % pid_a) or \
            open("/proc/%d/stat" % pid_a).read().split(") ")[1][0] == "Z":
        break
    time.sleep(0.02)
t.ok(not os.path.exists("%s/qmp-libxenstat-%d" % (D, dom_a)),
     "destroy: SIGHUP ends xendm, its sockets unlinked")
xensim("destroy", "hvm1")

# ---- restore (dm-1166): -incoming fd:15, readiness, replayed queries, cont
open(os.path.join(D, "incoming"), "w").write(save1)
create_or_stop("restore: the device model starts from the saved state")
dom_b = domid_of("hvm1")
pid_b = dm_pid(dom_b)
t.eq(recorded_argv(pid_b), adapt(CAP_RESTORE, dom_b),
     "restore: xendm got libxl's argv of dm-1166 (-incoming fd:15)")
replay(QMP_RESTORE, dom_b, "restore")

t.eq([io("inb", p) for p in ("0x3ff", "0x3fd", "0x3f8", "0x3f8", "0x3fd")],
     ["0x5a", "0x61", "0x68", "0x69", "0x60"],
     "restored UART: scratch, both FIFO bytes in order, then empty")
t.eq([io("inb", p) for p in ("0x64", "0x60", "0x64")],
     ["0x19", "0xab", "0x18"], "restored i8042: the queued byte, then empty")

# the restored model, saved before the vCPU touched it, equals the saved one
open(os.path.join(D, "incoming"), "w").write(save1)
xensim("destroy", "hvm1")
rc, _, _ = xensim("create", os.path.join(D, "hvm1.cfg"))
dom_c = domid_of("hvm1")
save2 = os.path.join(D, "qemu-save.2")
replay(QMP_CREATE[3:], dom_c, "re-save", save_path=save2)
blob2 = open(save2, "rb").read()


def without_vm_clock(blob):
    """The timer section's cpu_clock_offset is the VM clock, which moved
    on between the two saves (it runs while the VM runs, as QEMU's
    virtual clock); every other byte must be equal."""
    at = blob.find(b"\x05timer")
    if at < 0:
        return blob
    clock = at + 6 + 8 + 16        # idstr, instance+version, two int64s
    return blob[:clock] + b"\0" * 8 + blob[clock + 8:]


t.ok(rc == 0 and without_vm_clock(blob2) == without_vm_clock(blob1),
     "restored devices equal the saved ones: a second save is identical "
     "(%d bytes)" % len(blob1),
     "first difference at %d" % next((i for i in range(min(len(blob1),
                                       len(blob2)))
                                      if blob1[i] != blob2[i]),
                                     min(len(blob1), len(blob2))))
xensim("destroy", "hvm1")
t.done()
