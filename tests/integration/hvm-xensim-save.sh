#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xendm as an HVM guest's device model on xensim, end to end: `xensim
# create` starts xendm with libxl's xenfv argv; the simulated vCPU
# (`xensim io`) programs the UART (FIFO on, loopback) and sends it two
# bytes that stay in its receive FIFO, writes the scratch register,
# queues a byte in the i8042 (command 0xd2), unplugs emulated disks
# and NICs through the platform device, writes CMOS NVRAM bytes
# (indexes >= 0x0e, the ones Xen forwards) and leaves an index selected; `xensim save` takes the device
# state through QMP in the middle of that; `xensim restore` starts a
# fresh xendm with -incoming; the vCPU then reads back exactly what it
# would have read without the save.  The "timer" section carries the
# VM clock: it ran while the guest did, and the restored xendm goes on
# from the saved value rather than from zero.  Prints TAP.
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
# The VM clock (ns) in a save file: the "timer" section's clock offset,
# saved while stopped (docs/devices/hvm.md).
vm_clock() {
    python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
i = d.find(b'\x05timer\x00\x00\x00\x00\x00\x00\x00\x02')
print(struct.unpack('>q', d[i + 14 + 16:i + 14 + 24])[0] if i > 0 else -1)
PY
}

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
io outb 0x70 0x4e
io outb 0x71 0xc3
io outb 0x70 0x0f
io outb 0x71 0x0a
io outb 0x70 0x7d
io outb 0x71 0x5e
io outb 0x70 0xce   # index 0x4e again, NMI-disable bit set
tap_is "$(io inb 0x3fd)" 0x61 "UART: two bytes in the receive FIFO"
tap_is "$(io inb 0x64)" 0x19 "i8042: output buffer full"

sleep 2
timeout 60 "$XENSIM" save hvm1 "$D/save.img" >/dev/null 2>&1
tap_ok $? "xensim save (xen-save-devices-state mid-activity)"
t1=$(vm_clock "$D/save.img")
[ "$t1" -ge 2000000000 ] && [ "$t1" -lt 600000000000 ]
tap_ok $? "the VM clock ran while the guest did ($t1 ns)"
grep -q '0000:00:02.0/platform' "$D/save.img"
tap_ok $? "the saved device state has the platform section"
grep -q 'serial/recv_fifo' "$D/save.img"
tap_ok $? "... and the UART's receive FIFO"
grep -q 'mc146818rtc' "$D/save.img"
tap_ok $? "... and the RTC (CMOS NVRAM)"
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
tap_is "$(io inb 0x71)" 0xc3 "CMOS: the selected index's byte"
io outb 0x70 0x0f
tap_is "$(io inb 0x71)" 0x0a "CMOS: shutdown status byte"
io outb 0x70 0x7d
tap_is "$(io inb 0x71)" 0x5e "CMOS: NVRAM byte 0x7d"
io outb 0x70 0x15
tap_is "$(io inb 0x71)" 0x80 "CMOS: base memory (640 KiB) from pc_cmos_init"
# a checkpoint (-c: the domain goes on) of the restored guest
timeout 60 "$XENSIM" save -c hvm1 "$D/save2.img" >/dev/null 2>&1
t2=$(vm_clock "$D/save2.img")
[ "$t2" -gt "$t1" ] && [ $((t2 - t1)) -lt 600000000000 ]
tap_ok $? "the restored VM clock went on from the saved one ($t1 -> $t2 ns)"

timeout 30 "$XENSIM" destroy hvm1 >/dev/null 2>&1
tap_ok $? "destroy"
tap_end
