#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A PV guest with an xl channel running console-echo: the simulated
# console frontend connects to xendm's console backend (a device/console
# of type ioemu, output chardev:libxl-channel0 on a pty found with
# query-chardev), and every byte written to the pty comes back.
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
tap_is "$(xs_read /local/domain/0/backend/console/$d/1/output)" \
    chardev:libxl-channel0 "the channel's backend names libxl's chardev"
for i in $(seq 100); do
    [ "$(xs_read /local/domain/$d/device/console/1/state)" = 4 ] && break
    sleep 0.05
done
tap_is "$(xs_read /local/domain/$d/device/console/1/state)" 4 \
    "the console frontend reached Connected"
got=$(python3 "$top_srcdir/tests/integration/chan-echo.py" "$D/qmp-libxl-$d")
tap_is "$got" "hello from the host" "bytes written to the channel's pty come back"
timeout 20 "$XENSIM" wait tscon 15
tap_is $? 0 "console-echo ended after echoing EOT"
timeout 60 "$XENSIM" destroy tscon
tap_ok $? "destroy"
tap_end
