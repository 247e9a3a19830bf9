#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Makes QEMU 7.2 reference streams for xendm's HVM device tests.

For each scenario below it starts Debian's qemu-system-x86_64 as a
stopped pc-i440fx-3.1 machine (the compat level of Xen's `xenfv`)
with the Xen-like migration flags of tests/vectors/README.md, replays
the scenario's operations through its own QMP client
(human-monitor-command "o /b PORT VAL" / "i /b PORT", input-send-event,
bytes written to the UART's socket chardev), saves the device state with
xen-save-devices-state and writes two files:

  <name>.bin  the stream QEMU wrote
  <name>.ops  the same operations in the line format test-hvm-vectors
              replays on xendm's machine:
                o SIZE PORT VALUE   port write
                i SIZE PORT         port read (result ignored)
                i SIZE PORT = VAL   port read that must give QEMU's VAL
                kernel K I CMDLINE  (first line) -kernel K -initrd I
                                    -append CMDLINE, files beside the .ops
                rx HEX              bytes arriving on the first UART
                key HEX...          one key event as set-2 bytes
                mouse DX DY         one relative motion (QEMU's axes)

Usage: make-vectors.py [OUTDIR [SCENARIO...]]
  (default: this script's directory, every scenario)
Needs qemu-system-x86_64 (QEMU 7.2 for byte-identical results) only;
it uses private temp dirs and cleans up the QEMU it starts.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

MACHINE = "pc-i440fx-3.1"

# set-2 make codes of the keys used, as QEMU's qcode table has them
SET2 = {"a": [0x1c], "b": [0x32], "shift": [0x12], "ctrl_r": [0xe0, 0x14]}


def serial_setup(fcr):
    return [("o", 1, 0x3FB, 0x83), ("o", 1, 0x3F8, 0x01),
            ("o", 1, 0x3F9, 0x00), ("o", 1, 0x3FB, 0x03),
            ("o", 1, 0x3FA, fcr)]


SCENARIOS = {
    # divisor, LCR, FCR, IER, MCR, scratch, an IIR read, two bytes out
    "serial-regs": serial_setup(0xC7) + [
        ("o", 1, 0x3F9, 0x0F), ("o", 1, 0x3FC, 0x0B), ("o", 1, 0x3FF, 0x5A),
        ("i", 1, 0x3FA), ("o", 1, 0x3F8, 0x41), ("o", 1, 0x3F8, 0x42),
        ("i", 1, 0x3FD), ("o", 1, 0x3FB, 0x1F)],
    # FIFO holding received bytes, receive timeout armed
    "serial-rx": serial_setup(0xC7) + [
        ("o", 1, 0x3F9, 0x01), ("rx", b"ABCDEFGHIJKLMNOP")] +
        [("i", 1, 0x3F8)] * 16 + [("rx", b"hello"), ("i", 1, 0x3F8)],
    # no FIFO: one byte in RBR
    "serial-rx-nofifo": serial_setup(0x00) + [
        ("o", 1, 0x3F9, 0x05), ("rx", b"x")],
    # i8042 commands 0xd2 (write kbd obuf), 0x20, keyboard 0xed + LEDs,
    # key events queued behind unread command replies
    "kbd-cmds": [
        ("o", 1, 0x64, 0xD2), ("o", 1, 0x60, 0xAB), ("i", 1, 0x60),
        ("o", 1, 0x64, 0x20), ("key", "a", True), ("key", "a", False),
        ("o", 1, 0x60, 0xED), ("o", 1, 0x60, 0x07), ("key", "b", True)],
    # translation on (mode 0x47), keys translated to set 1
    "kbd-translate": [
        ("o", 1, 0x64, 0x60), ("o", 1, 0x60, 0x47), ("i", 1, 0x60),
        ("key", "a", True), ("key", "a", False), ("key", "ctrl_r", True),
        ("i", 1, 0x60), ("o", 1, 0x60, 0xF2), ("i", 1, 0x64)],
    # mouse enabled, IntelliMouse detection, one packet queued
    "mouse": [
        ("o", 1, 0x64, 0xA8), ("o", 1, 0x64, 0xD4), ("o", 1, 0x60, 0xF4),
        ("o", 1, 0x64, 0xD4), ("o", 1, 0x60, 0xF3), ("o", 1, 0x64, 0xD4),
        ("o", 1, 0x60, 0xC8), ("o", 1, 0x64, 0xD4), ("o", 1, 0x60, 0xF3),
        ("o", 1, 0x64, 0xD4), ("o", 1, 0x60, 0x64), ("o", 1, 0x64, 0xD4),
        ("o", 1, 0x60, 0xF3), ("o", 1, 0x64, 0xD4), ("o", 1, 0x60, 0x50),
        ("i", 1, 0x60), ("i", 1, 0x60), ("mouse", 5, -3)],
    # PCI config through 0xcf8/0xcfc: PIRQ routes, PAM, command; RCR
    "pci": [
        ("o", 4, 0xCF8, 0x80000860), ("o", 4, 0xCFC, 0x0B0A8B05),
        ("o", 4, 0xCF8, 0x80000858), ("o", 4, 0xCFC, 0x33333000),
        ("o", 4, 0xCF8, 0x80000004), ("o", 2, 0xCFC, 0xFFFF),
        ("o", 4, 0xCF8, 0x80000006), ("o", 2, 0xCFE, 0xFFFF),
        ("o", 4, 0xCF8, 0x8000003C), ("o", 1, 0xCFC, 0x0A),
        ("o", 4, 0xCF8, 0x80000000), ("o", 4, 0xCFC, 0x12345678),
        ("o", 1, 0xCF9, 0x02), ("o", 4, 0xCF8, 0x80000800)],
}


def fwcfg_read(key, n):
    """Select fw_cfg item `key` and read n bytes, checking each."""
    return [("o", 2, 0x510, key)] + [("r", 1, 0x511)] * n


# the synthetic bzImage of the fwcfg scenario (protocol 2.15, 4 setup
# sectors) and its initrd, written beside the vectors
FWCFG_CMDLINE = "console=ttyS0 vga=0x317 quiet"


def make_bzimage():
    body = bytearray((i * 7 + 3) & 0xFF for i in range(5 * 512 + 4096))
    body[0x1F1] = 4
    body[0x202:0x206] = b"HdrS"
    body[0x206:0x208] = (0x20F).to_bytes(2, "little")
    body[0x210] = 0
    body[0x211] = 0x01
    body[0x22C:0x230] = (0x7FFFFFFF).to_bytes(4, "little")
    body[0x236:0x238] = (0).to_bytes(2, "little")
    return bytes(body)


KERNEL_FILES = {"fwcfg-bzImage": make_bzimage(),
                "fwcfg-initrd": bytes(range(256)) * 20}
KERNEL = {"fwcfg": ("fwcfg-bzImage", "fwcfg-initrd", FWCFG_CMDLINE)}
SCENARIOS["fwcfg"] = (
    fwcfg_read(0x00, 4) + fwcfg_read(0x01, 4) + fwcfg_read(0x02, 16) +
    fwcfg_read(0x04, 2) + fwcfg_read(0x05, 2) + fwcfg_read(0x0E, 2) +
    fwcfg_read(0x07, 4) + fwcfg_read(0x08, 4) + fwcfg_read(0x0A, 4) +
    fwcfg_read(0x0B, 4) + fwcfg_read(0x13, 4) + fwcfg_read(0x14, 4) +
    fwcfg_read(0x15, len(FWCFG_CMDLINE) + 3) + fwcfg_read(0x16, 4) +
    fwcfg_read(0x17, 4) + fwcfg_read(0x18, 0x240) + fwcfg_read(0x11, 16) +
    fwcfg_read(0x12, 16) + fwcfg_read(0x1234, 2) +
    [("r", 1, 0x514), ("r", 4, 0x518)] +
    # state left behind: KERNEL_SIZE selected, 3 bytes read, the DMA
    # address register's high half set (no transfer)
    fwcfg_read(0x08, 3) + [("o", 4, 0x514, 0x12000000)])
# port 0x92: A20 gate set (bit 0, the fast reset, is not touched)
SCENARIOS["port92"] = [("o", 1, 0x92, 0x02), ("r", 1, 0x92)]
# CMOS NVRAM: only indexes >= 0x0e, the ones Xen's RTC forwards to the
# device model; guest bytes written (0x7f with the NMI-disable bit in
# the index), the shutdown status byte, recorded reads of pc_cmos_init's
# bytes, the PS/2 century alias 0x37 (selects 0x32), and index 0x41
# left selected with the NMI bit set
SCENARIOS["rtc"] = [
    ("o", 1, 0x70, 0x40), ("o", 1, 0x71, 0x5A), ("o", 1, 0x70, 0xFF),
    ("o", 1, 0x71, 0xA5), ("o", 1, 0x70, 0x0F), ("o", 1, 0x71, 0x0A),
    ("o", 1, 0x70, 0x15), ("r", 1, 0x71), ("o", 1, 0x70, 0x34),
    ("r", 1, 0x71), ("o", 1, 0x70, 0x3D), ("r", 1, 0x71),
    ("o", 1, 0x70, 0x40), ("r", 1, 0x71), ("o", 1, 0x70, 0x37),
    ("r", 1, 0x71), ("o", 1, 0x70, 0x60), ("o", 1, 0x71, 0x33),
    ("o", 1, 0x70, 0xC1), ("o", 1, 0x71, 0x44), ("r", 1, 0x71)]


class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        for _ in range(200):
            try:
                self.sock.connect(path)
                break
            except OSError:
                time.sleep(0.05)
        self.f = self.sock.makefile("rw")
        json.loads(self.f.readline())
        self.cmd("qmp_capabilities")

    def cmd(self, name, args=None):
        msg = {"execute": name}
        if args is not None:
            msg["arguments"] = args
        self.f.write(json.dumps(msg) + "\n")
        self.f.flush()
        while True:
            r = json.loads(self.f.readline())
            if "error" in r:
                raise RuntimeError("%s: %s" % (name, r["error"]))
            if "return" in r:
                return r["return"]

    def hmp(self, line):
        return self.cmd("human-monitor-command", {"command-line": line})


# HMP access widths: b 8, h 16, w 32 bits
WIDTH = {1: "b", 2: "h", 4: "w"}


def hmp_checked(qmp, line, expect_prefix):
    out = qmp.hmp(line)
    if not out.startswith(expect_prefix) or (expect_prefix == "" and out):
        raise RuntimeError("HMP %r: %r" % (line, out))


def key_event(qmp, name, down):
    qcode = {"ctrl_r": "ctrl_r"}.get(name, name)
    qmp.cmd("input-send-event", {"events": [{"type": "key", "data": {
        "down": down, "key": {"type": "qcode", "data": qcode}}}]})


def set2_bytes(name, down):
    codes = SET2[name]
    if down:
        return codes
    return codes[:-1] + [0xF0, codes[-1]]


def run(name, ops, outdir, tmp):
    qmp_path = os.path.join(tmp, name + ".qmp")
    ser_path = os.path.join(tmp, name + ".ser")
    out = os.path.join(outdir, name + ".bin")
    argv = ["qemu-system-x86_64", "-M", MACHINE, "-m", "128",
            "-nodefaults", "-S", "-display", "none",
            "-machine", "suppress-vmdesc=on",
            "-global", "migration.send-section-footer=off",
            "-global", "migration.store-global-state=off",
            "-global", "migration.send-configuration=off",
            "-rtc", "base=2020-01-01T00:00:00,clock=vm",
            "-chardev", "socket,id=s0,path=%s,server=on,wait=off" % ser_path,
            "-device", "isa-serial,chardev=s0",
            "-qmp", "unix:%s,server=on,wait=off" % qmp_path]
    lines = []
    if name in KERNEL:
        kern, initrd, cmdline = KERNEL[name]
        for fname in (kern, initrd):
            with open(os.path.join(outdir, fname), "wb") as f:
                f.write(KERNEL_FILES[fname])
        argv += ["-kernel", os.path.join(outdir, kern),
                 "-initrd", os.path.join(outdir, initrd),
                 "-append", cmdline]
        lines.append("kernel %s %s %s" % (kern, initrd, cmdline))
    running = any(op[0] in ("key", "mouse") for op in ops)
    if running:
        # input events need a running VM: a firmware that only halts
        bios = os.path.join(tmp, "halt.bin")
        image = bytearray(65536)
        image[0xFFF0:0xFFF4] = bytes([0xFA, 0xF4, 0xEB, 0xFD])  # cli; hlt
        with open(bios, "wb") as f:
            f.write(image)
        argv += ["-bios", bios]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    try:
        qmp = Qmp(qmp_path)
        ser = socket.socket(socket.AF_UNIX)
        ser.connect(ser_path)
        if running:
            qmp.cmd("cont")
        for op in ops:
            if op[0] == "o":
                hmp_checked(qmp, "o /%s 0x%x 0x%x" % (WIDTH[op[1]], op[2],
                                                     op[3]), "")
                lines.append("o %d 0x%x 0x%x" % op[1:])
            elif op[0] == "i":
                hmp_checked(qmp, "i /%s 0x%x" % (WIDTH[op[1]], op[2]), "port")
                lines.append("i %d 0x%x" % op[1:])
            elif op[0] == "r":
                got = qmp.hmp("i /%s 0x%x" % (WIDTH[op[1]], op[2]))
                if not got.startswith("port") or "= " not in got:
                    raise RuntimeError("HMP i: %r" % got)
                val = int(got.split("= ")[1].strip(), 16)
                lines.append("i %d 0x%x = 0x%x" % (op[1], op[2], val))
            elif op[0] == "rx":
                ser.sendall(op[1])
                time.sleep(0.3)
                lines.append("rx " + op[1].hex())
            elif op[0] == "key":
                key_event(qmp, op[1], op[2])
                lines.append("key " + " ".join(
                    "%02x" % b for b in set2_bytes(op[1], op[2])))
            elif op[0] == "mouse":
                qmp.cmd("input-send-event", {"events": [
                    {"type": "rel", "data": {"axis": "x", "value": op[1]}},
                    {"type": "rel", "data": {"axis": "y", "value": op[2]}}]})
                lines.append("mouse %d %d" % (op[1], op[2]))
        if running:
            qmp.cmd("stop")
        qmp.cmd("xen-save-devices-state", {"filename": out, "live": False})
        qmp.cmd("quit")
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with open(os.path.join(outdir, name + ".ops"), "w") as f:
        f.write("# %s: replayed by tests/unit/test-hvm-vectors.c\n" % name)
        f.write("\n".join(lines) + "\n")
    print("wrote", out)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.abspath(__file__))
    tmp = tempfile.mkdtemp(prefix="hvm-vectors-")
    try:
        names = sys.argv[2:] or list(SCENARIOS)
        for name in names:
            run(name, SCENARIOS[name], outdir, tmp)
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
