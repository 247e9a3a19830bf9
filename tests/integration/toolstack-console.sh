#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A PV guest with an xl channel running console-echo: the simulated
# console frontend connects to xendm's console backend (a device/console
# of type ioemu whose output is "pty", as libxl 4.17 writes it: xendm
# makes a pty, labelled xencons1 as in QEMU, and publishes it as the
# frontend's tty), and every byte written to the pty comes back.
. "$(dirname "$0")/toolstack-lib.sh"
start_ts_host

cat > "$D/con.cfg" <<CFG
name = "tscon"
type = "pv"
memory = 32
channel = [ 'name=org.xensim.echo,connection=pty' ]
guest = "console-echo"
CFG
timeout 60 "$XENSIM" create "$D/con.cfg"
tap_ok $? "create a PV domain with a pty channel"
d=$(domid_of tscon)
tap_is "$(xs_read /local/domain/$d/device/console/1/output)" \
    pty "the channel's frontend asks for a pty (libxl 4.17's layout)"
for i in $(seq 100); do
    [ "$(xs_read /local/domain/$d/device/console/1/state)" = 4 ] && break
    sleep 0.05
done
tap_is "$(xs_read /local/domain/$d/device/console/1/state)" 4 \
    "the console frontend reached Connected"
tty=$(xs_read /local/domain/$d/device/console/1/tty)
tap_ok "$([ -c "$tty" ]; echo $?)" "xendm published the pty as the frontend's tty ($tty)"
got=$(python3 - "$D/qmp-libxl-$d" "$tty" <<'PY'
import json, os, select, socket, sys, time, tty
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile('rwb')
f.readline()
f.write(b'{"execute":"qmp_capabilities","id":1}\r\n'); f.flush(); f.readline()
f.write(b'{"execute":"query-chardev","id":2}\r\n'); f.flush()
pty = None
for c in json.loads(f.readline())["return"]:
    if c["label"] == "xencons1" and c["filename"].startswith("pty:"):
        pty = c["filename"][4:]
if pty is None or pty != sys.argv[2]:
    print("query-chardev: xencons1 is %s, tty key %s" % (pty, sys.argv[2]))
    sys.exit(0)
fd = os.open(pty, os.O_RDWR | os.O_NOCTTY)
tty.setraw(fd)
# Like QEMU's pty chardev, xendm may notice an opened slave only on its
# next poll and drops output until then: give it time before talking.
time.sleep(2)
os.write(fd, b"hello from the host\x04")
buf, end = b"", time.time() + 10
while time.time() < end and not buf.endswith(b"\x04"):
    if select.select([fd], [], [], 0.5)[0]:
        buf += os.read(fd, 100)
print(buf[:-1].decode(errors="replace"))
PY
)
tap_is "$got" "hello from the host" "bytes written to the channel's pty come back"
timeout 20 "$XENSIM" wait tscon 15
tap_is $? 0 "console-echo ended after echoing EOT"
timeout 60 "$XENSIM" destroy tscon
tap_ok $? "destroy"
tap_end
