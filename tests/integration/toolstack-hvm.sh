#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# HVM domains through the simulated toolstack: serial/<n>/tty from
# query-chardev, `xensim io` port accesses by vCPU 0 (the Xen platform
# device's magic, an unclaimed port reading all ones), the `ports`
# workload, and an HVM save/restore round trip (xen-set-global-dirty-log,
# stop, add-fd, xen-save-devices-state, -incoming fd:N, cont).  Skipped
# while xendm has no HVM machine.
. "$(dirname "$0")/toolstack-lib.sh"
start_ts_host

cat > "$D/hvm.cfg" <<CFG
name = "tshvm"
type = "hvm"
vga = "none"
memory = 32
vnc = 0
serial = "pty"
CFG
if ! timeout 90 "$XENSIM" create "$D/hvm.cfg" 2>"$D/create.err"; then
    if grep -q "not built into this xendm" "$D"/qemu-dm-tshvm.log 2>/dev/null; then
        echo "1..0 # SKIP xendm has no HVM machine (xenfv) yet"
        exit 0
    fi
    tap_ok 1 "create an HVM domain"
    sed 's/^/# /' "$D/create.err" "$D"/qemu-dm-tshvm.log
    tap_end
    exit
fi
tap_ok 0 "create an HVM domain"
d=$(domid_of tshvm)
tty=$(xs_read /local/domain/$d/serial/0/tty)
tap_ok $([ -c "$tty" ]; echo $?) "serial/0/tty from query-chardev is a pty (${tty:-none})"
tap_is "$("$XENSIM" io tshvm inw 0x10)" 0x49d2 "xensim io: the platform device's magic"
tap_is "$("$XENSIM" io tshvm inb 0x2e8)" 0xff "xensim io: an unclaimed port reads all ones"
"$XENSIM" io tshvm outb 0x80 0x12
tap_is $? 0 "xensim io: a port write"
"$XENSIM" io tshvm inq 0x10 2>/dev/null
tap_ok $([ $? -ne 0 ]; echo $?) "xensim io refuses a bad access size"

timeout 90 "$XENSIM" save tshvm "$D/hvm.save"
tap_ok $? "save the HVM domain"
tap_ok $(grep -aq QEVM "$D/hvm.save"; echo $?) "the save file carries xendm's QEVM device state"
timeout 90 "$XENSIM" restore "$D/hvm.save"
tap_ok $? "restore it"
d2=$(domid_of tshvm)
pid=$(xs_read /local/domain/$d2/image/device-model-pid)
tap_ok $(tr '\0' '\n' < /proc/$pid/cmdline | grep -qx -- -incoming; echo $?) \
    "the restored xendm was started with -incoming"
tap_is "$("$XENSIM" io tshvm inw 0x10)" 0x49d2 "the restored domain's devices answer"
tap_ok $([ ! -e "$D/qemu-resume.$d2" ]; echo $?) "the resume file was removed"
timeout 60 "$XENSIM" destroy tshvm
tap_ok $? "destroy"

cat > "$D/ports.txt" <<SCRIPT
# the Xen platform device (hw/i386/xen/xen_platform.c)
inw 0x10 0x49d2
inb 0x12 0x01
# its PCI identity at 00:02.0, through PCI config accesses
cfgrw 00:02.0+0x00 0x5853
cfgrw 00:02.0+0x02 0x0001
# the same through 0xcf8/0xcfc, decoded by the hypervisor as Xen does
outl 0xcf8 0x80001000
inl 0xcfc 0x00015853
# nobody claims these
inb 0x2e8 0xff
readl 0xfed00000 0xffffffff
outb 0x80 0x5a
SCRIPT
cat > "$D/ports.cfg" <<CFG
name = "tsports"
type = "hvm"
vga = "none"
memory = 32
vnc = 0
guest = "ports $D/ports.txt"
CFG
timeout 90 "$XENSIM" create "$D/ports.cfg"
timeout 60 "$XENSIM" wait tsports 30
tap_is $? 0 "the ports workload saw every expected value"
d=$(domid_of tsports)
sed 's/^/# /' "$D/toolstack/$d/guest.log"
timeout 60 "$XENSIM" destroy tsports
tap_end
