#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xendm as an HVM guest's device model on xensim, end to end: `xensim
# create` starts xendm with libxl's xenfv argv; the simulated vCPU
# (`xensim io`) programs the UART (FIFO on, loopback) and sends it two
# bytes that stay in its receive FIFO, writes the scratch register,
# queues a byte in the i8042 (command 0xd2), unplugs emulated disks
# and NICs through the platform device; `xensim save` takes the device
# state through QMP in the middle of that; `xensim restore` starts a
# fresh xendm with -incoming; the vCPU then reads back exactly what it
# would have read without the save.  Prints TAP.
. "$top_srcdir/tests/integration/xenstored-lib.sh"

start_host
export XENSIM_XENDM=$top_builddir/xendm
EXTRA_CLEANUP='"$XENSIM" destroy hvm1 >/dev/null 2>&1'
cat >"$D/hvm1.cfg" <<CFG
name = "hvm1"
type = "hvm"
vga = "none"
memory = 64
vcpus = 1
serial = "pty"
CFG

io() { "$XENSIM" io hvm1 "$@"; }

timeout 60 "$XENSIM" create "$D/hvm1.cfg" >/dev/null 2>&1
tap_ok $? "xensim create starts xendm as the HVM device model"
tap_is "$(io inw 0x10)" 0x49d2 "platform magic through the ioreq server"
tap_is "$(io inb 0x12)" 0x01 "platform protocol version"

io outb 0x3fb 0x03
io outb 0x3fa 0xc7
io outb 0x3fc 0x10
io outb 0x3f8 0x68
io outb 0x3f8 0x69
io outb 0x3ff 0x5a
io outb 0x64 0xd2
io outb 0x60 0xab
io outw 0x10 0x3
tap_is "$(io inb 0x3fd)" 0x61 "UART: two bytes in the receive FIFO"
tap_is "$(io inb 0x64)" 0x19 "i8042: output buffer full"

timeout 60 "$XENSIM" save hvm1 "$D/save.img" >/dev/null 2>&1
tap_ok $? "xensim save (xen-save-devices-state mid-activity)"
grep -q '0000:00:02.0/platform' "$D/save.img"
tap_ok $? "the saved device state has the platform section"
grep -q 'serial/recv_fifo' "$D/save.img"
tap_ok $? "... and the UART's receive FIFO"
timeout 60 "$XENSIM" restore "$D/save.img" >/dev/null 2>&1
tap_ok $? "xensim restore into a fresh xendm (-incoming)"

tap_is "$(io inb 0x3ff)" 0x5a "scratch register survived"
tap_is "$(io inb 0x3fd)" 0x61 "UART still has data ready"
tap_is "$(io inb 0x3f8)" 0x68 "first byte"
tap_is "$(io inb 0x3f8)" 0x69 "second byte"
tap_is "$(io inb 0x3fd)" 0x60 "FIFO now empty"
tap_is "$(io inb 0x64)" 0x19 "i8042 output buffer still full"
tap_is "$(io inb 0x60)" 0xab "queued byte"
tap_is "$(io inb 0x64)" 0x18 "and then empty"
tap_is "$(io inw 0x10)" 0x49d2 "platform still answering"

timeout 30 "$XENSIM" destroy hvm1 >/dev/null 2>&1
tap_ok $? "destroy"
tap_end
