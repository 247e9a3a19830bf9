# SPDX-License-Identifier: GPL-2.0-only
"""Streams made with Debian's QEMU 7.2, decoded by xendm-analyze.

Starts qemu-system-x86_64 (-M pc, one isa-serial, stopped, Xen-like
migration properties), programs the UART through QMP
`human-monitor-command` port writes, saves with `xen-save-devices-state`
and checks that xendm-analyze decodes exactly the register values
written, for several different value sets, and that re-encoding gives
the same bytes.  A second run writes a full QEMU migration stream
(footers, configuration, RAM, trailing VMDESCRIPTION); its
VMDESCRIPTION describes the FIFO subsections the reference JSON lacks.

Prints TAP.  QEMU not starting is a failure, not a skip.

Usage: analyze-qemu.py BUILDDIR SRCDIR TMPDIR
       analyze-qemu.py --make-vectors OUTDIR   (regenerates the committed
                                                tests/vectors/xendm-made/)
"""
import json
import os
import socket
import subprocess
import sys
import time

QEMU = "qemu-system-x86_64"
BASE_ARGS = ["-M", "pc", "-nodefaults", "-S", "-display", "none",
             "-device", "isa-serial",
             "-rtc", "base=2020-01-01T00:00:00,clock=vm"]
XENLIKE = ["-global", "migration.send-section-footer=off",
           "-global", "migration.store-global-state=off",
           "-global", "migration.send-configuration=off",
           "-machine", "suppress-vmdesc=on"]

# name -> (port writes, expected serial "state" fields)
CASES = {
    "serial-div6": (
        [(0x3fb, 0x80), (0x3f8, 0x06), (0x3f9, 0x00), (0x3fb, 0x1b),
         (0x3f9, 0x05), (0x3fc, 0x0b), (0x3ff, 0x5a)],
        {"divider": 6, "lcr": 0x1b, "ier": 0x05, "mcr": 0x0b, "scr": 0x5a}),
    "serial-div384": (
        [(0x3fb, 0x80), (0x3f8, 0x80), (0x3f9, 0x01), (0x3fb, 0x03),
         (0x3f9, 0x01), (0x3ff, 0xa5)],
        {"divider": 384, "lcr": 0x03, "ier": 0x01, "scr": 0xa5}),
    "serial-fifo": (
        [(0x3fb, 0x80), (0x3f8, 0x01), (0x3f9, 0x00), (0x3fb, 0x07),
         (0x3fa, 0xc7), (0x3f9, 0x0f), (0x3ff, 0x33)],
        {"divider": 1, "lcr": 0x07, "ier": 0x0f, "scr": 0x33,
         "fcr_vmstate": 0xc1}),
}


class Qmp:
    """A minimal QMP client: JSON lines over a unix socket."""

    def __init__(self, path, timeout=20.0):
        deadline = time.time() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.sock.settimeout(timeout)
        self.buf = b""
        greeting = self.recv()
        assert "QMP" in greeting, greeting
        self.cmd("qmp_capabilities")

    def recv(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("QMP socket closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self.recv()
            if "event" in reply:
                continue
            if "error" in reply:
                raise RuntimeError("%s: %s" % (name, reply["error"]))
            return reply["return"]

    def hmp(self, line):
        return self.cmd("human-monitor-command", **{"command-line": line})

    def close(self):
        self.sock.close()


def qemu_run(tmp, tag, extra, writes, action):
    """Starts QEMU, writes the ports, runs action(qmp), stops QEMU."""
    sock = os.path.join(tmp, tag + ".qmp")
    argv = [QEMU] + BASE_ARGS + extra + ["-qmp",
                                         "unix:%s,server=on,wait=off" % sock]
    log = open(os.path.join(tmp, tag + ".log"), "w")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        qmp = Qmp(sock)
        for port, value in writes:
            qmp.hmp("o /b 0x%x 0x%x" % (port, value))
        action(qmp)
        qmp.close()
    finally:
        proc.kill()
        proc.wait()
        log.close()


def save_xenlike(tmp, name, writes, out):
    qemu_run(tmp, name, XENLIKE, writes, lambda q: q.cmd(
        "xen-save-devices-state", filename=out, live=False))


def save_full(tmp, name, writes, out):
    def migrate(q):
        q.cmd("migrate", uri="exec:cat > '%s'" % out)
        deadline = time.time() + 60
        while time.time() < deadline:
            st = q.cmd("query-migrate").get("status")
            if st == "completed":
                return
            if st in ("failed", "cancelled"):
                raise RuntimeError("migration " + st)
            time.sleep(0.05)
        raise RuntimeError("migration timed out")
    qemu_run(tmp, name + "-full", ["-m", "16"], writes, migrate)


def vmdesc_tail(data):
    """The trailing VMDESCRIPTION JSON of a full stream, or None."""
    for p in range(len(data) - 5, 8, -1):
        if data[p] == 6 and data[p - 1] == 0 and \
           int.from_bytes(data[p + 1:p + 5], "big") == len(data) - p - 5:
            return data[p + 5:]
    return None


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, diag=None):
        self.n += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.n, desc))
        if not cond:
            self.failed += 1
            if diag:
                for line in str(diag).splitlines()[:20]:
                    print("#   " + line)
        sys.stdout.flush()
        return cond

    def done(self):
        print("1..%d" % self.n)
        return 1 if self.failed else 0


def analyze(build, args):
    return subprocess.run([os.path.join(build, "xendm-analyze")] + args,
                          capture_output=True, text=True, timeout=60)


def serial_state(doc):
    for s in doc["sections"]:
        if s.get("idstr") == "serial":
            return s["fields"]["state"]
    return None


def check_case(t, build, src, tmp, name, writes, want):
    ref = os.path.join(src, "tests/vectors/qemu-7.2/pc-serial.vmdesc.json")
    xen = os.path.join(tmp, name + "-xenlike.bin")
    full = os.path.join(tmp, name + "-full.bin")
    try:
        save_xenlike(tmp, name, writes, xen)
        save_full(tmp, name, writes, full)
        made = True
    except Exception as e:  # QEMU unusable: fail, never skip
        made = False
        err = e
    if not t.ok(made, "%s: QEMU 7.2 made the streams" % name,
                None if made else repr(err)):
        return
    desc = vmdesc_tail(open(full, "rb").read())
    t.ok(desc is not None, "%s: the full stream ends with a VMDESCRIPTION"
         % name)
    dpath = os.path.join(tmp, name + ".vmdesc.json")
    open(dpath, "wb").write(desc or b"{}")
    # The reference JSON first (it lacks the FIFO subsections), then
    # the VMDESCRIPTION of the very state we saved.
    layouts = ["--layouts", dpath, "--layouts", ref]
    r = analyze(build, ["--json"] + layouts + [xen])
    if not t.ok(r.returncode == 0, "%s: xen-like stream decodes" % name,
                r.stderr):
        return
    st = serial_state(json.loads(r.stdout))
    got = {k: st.get(k) for k in want} if st else None
    t.ok(got == want, "%s: serial registers decode to what was written"
         % name, "got %s want %s" % (got, want))
    out = os.path.join(tmp, name + "-re.bin")
    r = analyze(build, layouts + ["--reencode", xen, out])
    same = r.returncode == 0 and open(out, "rb").read() == \
        open(xen, "rb").read()
    t.ok(same, "%s: re-encoding gives the same bytes" % name, r.stderr)
    # The full stream walks on its own VMDESCRIPTION alone.
    r = analyze(build, ["--json", full])
    if t.ok(r.returncode == 0, "%s: full QEMU stream (RAM, footers, "
            "configuration, VMDESCRIPTION) decodes with no --layouts"
            % name, r.stderr):
        st = serial_state(json.loads(r.stdout))
        got = {k: st.get(k) for k in want} if st else None
        t.ok(got == want, "%s: same registers in the full stream" % name,
             "got %s" % got)
        out = os.path.join(tmp, name + "-full-re.bin")
        r = analyze(build, ["--reencode", full, out])
        same = r.returncode == 0 and open(out, "rb").read() == \
            open(full, "rb").read()
        t.ok(same, "%s: full stream re-encodes to the same bytes" % name,
             r.stderr)


DROPPABLE = {"timer", "cpu_common", "cpu", "kvm-tpr-opt", "apic", "ioapic",
             "i8259", "i8254", "hpet", "fw_cfg", "acpi_build",
             "globalstate", "vmmouse", "pcspk"}


def check_convert(t, build, tmp, name, writes):
    """--convert of QEMU's full stream gives what qemu-xen would write."""
    full = os.path.join(tmp, name + "-full.bin")
    xen16 = os.path.join(tmp, name + "-xenlike-m16.bin")
    try:
        qemu_run(tmp, name + "-m16", XENLIKE + ["-m", "16"], writes,
                 lambda q: q.cmd("xen-save-devices-state", filename=xen16,
                                 live=False))
        made = True
    except Exception as e:
        made, err = False, e
    if not t.ok(made, "%s: QEMU made a 16 MiB xen-like stream" % name,
                None if made else repr(err)):
        return
    desc = json.loads(vmdesc_tail(open(full, "rb").read()))
    desc["devices"] = [d for d in desc["devices"]
                       if d["vmsd_name"] not in DROPPABLE]
    modelled = os.path.join(tmp, name + ".modelled.json")
    json.dump(desc, open(modelled, "w"))
    outs = []
    for src in (full, xen16):
        out = src + ".converted"
        r = analyze(build, ["--layouts", os.path.join(tmp, name +
                                                      ".vmdesc.json"),
                            "--modelled", modelled, "--convert", src, out])
        t.ok(r.returncode == 0 and "drop " in r.stdout,
             "%s: --convert %s" % (name, os.path.basename(src)), r.stderr)
        outs.append(open(out, "rb").read() if r.returncode == 0 else None)
    t.ok(outs[0] is not None and outs[0] == outs[1],
         "%s: the converted full migration stream equals the converted "
         "xen-like save, byte for byte" % name)


def make_vectors(outdir):
    """Writes the committed streams (see tests/vectors/xendm-made/README)."""
    for name in ("serial-div6", "serial-fifo"):
        writes = CASES[name][0]
        save_xenlike(outdir, name, writes,
                     os.path.join(outdir, name + "-xenlike.bin"))
    full = os.path.join(outdir, "serial-div6-full.bin")
    save_full(outdir, "serial-div6", CASES["serial-div6"][0], full)
    open(os.path.join(outdir, "pc-m16.vmdesc.json"), "wb").write(
        vmdesc_tail(open(full, "rb").read()))
    for f in os.listdir(outdir):
        if f.endswith(".qmp") or f.endswith(".log"):
            os.unlink(os.path.join(outdir, f))
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--make-vectors":
        return make_vectors(sys.argv[2])
    build, src, tmp = sys.argv[1:4]
    t = Tap()
    for name, (writes, want) in CASES.items():
        check_case(t, build, src, tmp, name, writes, want)
    check_convert(t, build, tmp, "serial-div6", CASES["serial-div6"][0])
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
