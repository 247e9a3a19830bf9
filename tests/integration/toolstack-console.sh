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
fe_connected() { [ "$(xs_read /local/domain/$d/device/console/1/state)" = 4 ]; }
wait_until 60 fe_connected
tap_is "$(xs_read /local/domain/$d/device/console/1/state)" 4 \
    "the console frontend reached Connected"
tty=$(xs_read /local/domain/$d/device/console/1/tty)
tap_ok "$([ -c "$tty" ]; echo $?)" "xendm published the pty as the frontend's tty ($tty)"
got=$(python3 "$top_srcdir/tests/integration/chan-echo.py" "$D/qmp-libxl-$d" xencons1 "$tty")
tap_is "$got" "hello from the host" "bytes written to the channel's pty come back"
timeout 90 "$XENSIM" wait tscon 60
tap_is $? 0 "console-echo ended after echoing EOT"
timeout 60 "$XENSIM" destroy tscon
tap_ok $? "destroy"
tap_end
