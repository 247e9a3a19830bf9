#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The PV devices of an HVM guest, through `xensim create` with libxl's
# HVM layout: a qdisk backend for the disk, a vkbd libxl adds by default,
# the primary console left to xenconsoled.  The disk is xvde (51776), a
# PV-only vdev: xendm refuses to start with an emulated disk (hda and
# the like also go on the IDE command line; see hw/emu/hvm-boot.c), and
# that refusal is checked here too.  The simulated guest does what
# Linux does on HVM: it unplugs the emulated disks and NICs through the
# Xen platform device (port 0x10), then its blkfront (disk-verify) uses
# the PV disk -- several queues, random sizes and alignments, with and
# without persistent grants -- and its vkbd frontend connects.  While a
# guest runs, query-block and query-blockstats on libxenstat's QMP
# socket report the disk, and the backend states are as for PV.  An xl
# channel (a console of type ioemu) echoes through its pty as on PV.
. "$(dirname "$0")/toolstack-lib.sh"
start_ts_host

# Sends one QMP command on socket $1 after the greeting and
# qmp_capabilities; prints the reply line.
qmp() { # socket command
    python3 - "$1" "$2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
f = s.makefile("rwb")
f.readline()
for cmd in ("qmp_capabilities", sys.argv[2]):
    f.write(json.dumps({"execute": cmd}).encode() + b"\r\n")
    f.flush()
    while True:
        line = json.loads(f.readline())
        if "return" in line or "error" in line:
            break
print(json.dumps(line))
PY
}

hvm_cfg() { # name guest-args...
    local name=$1
    shift
    truncate -s 16M "$D/$name.img"
    cat > "$D/$name.cfg" <<CFG
name = "$name"
type = "hvm"
memory = 64
vnc = 0
vga = "none"
serial = "pty"
disk = [ 'format=raw,vdev=${VDEV:-xvde},access=rw,backendtype=qdisk,target=$D/$name.img' ]
guest = "disk-verify --unplug 1 --vkbd 1 $*"
CFG
}

# 1. Runs to the end: every sector matches, two configurations.
for pers in 1 0; do
    name=hvmdv$pers
    hvm_cfg $name --size 8M --io 64k --qd 8 --ring-order 2 --queues 2 \
        --random 1 --persistent $pers --seed $((40 + pers))
    if ! timeout 90 "$XENSIM" create "$D/$name.cfg" 2>"$D/create.err"; then
        tap_ok 1 "create HVM domain $name"
        sed 's/^/# /' "$D/create.err" "$D"/qemu-dm-$name.log 2>/dev/null | tail -20
        continue
    fi
    d=$(domid_of $name)
    pid=$(xs_read /local/domain/$d/image/device-model-pid)
    tr '\0' '\n' < "/proc/$pid/cmdline" > "$D/argv"
    grep -q "^xenfv" "$D/argv" && ! grep -q "^-drive" "$D/argv"
    tap_ok $? "$name: xendm runs the xenfv machine, no emulated disk"
    timeout 120 "$XENSIM" wait $name 100
    tap_is $? 0 "$name: disk-verify (2 queues, random sizes, persistent=$pers) matched every sector"
    log=$D/toolstack/$d/guest.log
    grep -q "emulated disks and NICs unplugged" "$log"
    tap_ok $? "$name: the guest unplugged the emulated devices through the platform device"
    grep -q "1 vkbd(s) connected" "$log"
    tap_ok $? "$name: the default vkbd connected"
    want="vbd 51776 connected: 32768 sectors, 2 queue(s), ring order 2, $([ $pers = 1 ] || echo 'not ')persistent"
    grep -q "$want" "$log"
    tap_ok $? "$name: the PV disk xvde (51776) connected as asked"
    grep -q "all sectors matched (0 bad sectors" "$log"
    tap_ok $? "$name: the guest's verdict"
    sed 's/^/# /' "$log" | tail -4
    timeout 60 "$XENSIM" destroy $name >/dev/null 2>&1
done

# An emulated disk (hda: also -drive ...,if=ide) is refused with a reason.
VDEV=hda hvm_cfg hvmide --size 1M
timeout 90 "$XENSIM" create "$D/hvmide.cfg" >/dev/null 2>&1
tap_ok $([ $? -ne 0 ]; echo $?) "an HVM guest with an emulated disk (hda) does not start"
grep -q "emulated disks are not provided by xendm" "$D"/qemu-dm-hvmide.log 2>/dev/null
tap_ok $? "xendm's log says why: $(tail -1 "$D"/qemu-dm-hvmide.log 2>/dev/null | cut -c1-80)"

# 2. While a guest runs: backend states, hotplug-status, QMP.
hvm_cfg hvmq --size 8M --io 16k --qd 4 --loops 100000 --seed 7
timeout 90 "$XENSIM" create "$D/hvmq.cfg" 2>"$D/create.err"
tap_ok $? "create a long-running HVM domain"
d=$(domid_of hvmq)
wait_until 60 grep -q "loop 0: vbd 51776" "$D/toolstack/$d/guest.log"
be=/local/domain/0/backend
tap_is "$(xs_read $be/qdisk/$d/51776/state)/$(xs_read /local/domain/$d/device/vbd/51776/state)" \
    4/4 "qdisk 51776: backend and frontend Connected"
tap_is "$(xs_read $be/qdisk/$d/51776/hotplug-status)" connected "qdisk 51776: hotplug-status"
tap_is "$(xs_read $be/vkbd/$d/0/state)/$(xs_read /local/domain/$d/device/vkbd/0/state)" \
    4/4 "vkbd 0: backend and frontend Connected"
tap_is "$(xs_read $be/console/$d/0/state)" 1 \
    "the primary console is left to xenconsoled"
xs_exists /local/domain/0/device-model/$d/backends/qdisk &&
    xs_exists /local/domain/0/device-model/$d/backends/vkbd
tap_ok $? "device-model/$d/backends lists qdisk and vkbd"
blk=$(qmp "$D/qmp-libxenstat-$d" query-block)
echo "$blk" | grep -q "\"device\": \"xvd-51776\".*\"file\": \"$D/hvmq.img\""
rc=$?
tap_ok $rc "query-block on the HVM machine reports the PV disk"
[ $rc -eq 0 ] || echo "# $blk"
st=$(qmp "$D/qmp-libxenstat-$d" query-blockstats)
wr=$(echo "$st" | python3 -c 'import json,sys; r=json.load(sys.stdin)["return"]; print(r[0]["stats"]["wr_operations"] if r else 0)')
tap_ok $([ "${wr:-0}" -gt 0 ]; echo $?) "query-blockstats counts the guest's writes ($wr)"
timeout 60 "$XENSIM" destroy hvmq
tap_ok $? "destroy"

# 3. A console served by xendm (an xl channel, type ioemu) on HVM.
cat > "$D/hvmc.cfg" <<CFG
name = "hvmc"
type = "hvm"
memory = 32
vnc = 0
vga = "none"
channel = [ 'name=org.xensim.echo,connection=pty' ]
guest = "console-echo"
CFG
timeout 60 "$XENSIM" create "$D/hvmc.cfg"
tap_ok $? "create an HVM domain with a pty channel"
d=$(domid_of hvmc)
con_connected() { [ "$(xs_read /local/domain/$d/device/console/1/state)" = 4 ]; }
wait_until 60 con_connected
tap_is "$(xs_read $be/console/$d/1/state)/$(xs_read /local/domain/$d/device/console/1/state)" \
    4/4 "console 1 (ioemu): backend and frontend Connected"
tty=$(xs_read /local/domain/$d/device/console/1/tty)
tap_ok "$([ -c "$tty" ]; echo $?)" "xendm published the pty as the frontend's tty ($tty)"
got=$(python3 "$top_srcdir/tests/integration/chan-echo.py" "$D/qmp-libxl-$d" xencons1 "$tty")
tap_is "$got" "hello from the host" "bytes written to the HVM channel's pty come back"
timeout 20 "$XENSIM" wait hvmc 15
tap_is $? 0 "console-echo ended after echoing EOT"
timeout 60 "$XENSIM" destroy hvmc >/dev/null 2>&1
tap_end
