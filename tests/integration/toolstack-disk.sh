#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A PV guest running disk-verify on a qdisk disk served by xendm: the
# simulated blkfront connects (grants, event channel, XenbusState
# handshake, multi-page ring and indirect requests where offered),
# writes a pattern, reads it back and checks it; then the same across
# a save/restore in the middle.  Skipped while xendm does not serve PV
# disks (the backend never leaves state 1).
. "$(dirname "$0")/toolstack-lib.sh"
start_ts_host

truncate -s 16M "$D/disk.img"
cat > "$D/dv.cfg" <<CFG
name = "tsdisk"
type = "pv"
memory = 32
disk = [ 'format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$D/disk.img' ]
guest = "disk-verify --size 4M --io 64k --qd 4 --ring-order 2"
CFG
timeout 90 "$XENSIM" create "$D/dv.cfg"
tap_ok $? "create a PV domain running disk-verify"
d=$(domid_of tsdisk)
be_moved() {
    st=$(xs_read /local/domain/0/backend/qdisk/$d/51712/state)
    [ "${st:-1}" != 1 ]
}
wait_until 60 be_moved
if [ "${st:-1}" = 1 ]; then
    tap_skip "xendm does not serve qdisk backends yet (backend state stays 1)"
    tap_end
    exit
fi
timeout 120 "$XENSIM" wait tsdisk 100
rc=$?
tap_is "$rc" 0 "disk-verify wrote, read back and matched every sector"
sed 's/^/# /' "$D/toolstack/$d/guest.log"
tap_is "$(xs_read /local/domain/$d/device/vbd/51712/state)" 4 \
    "the frontend reached Connected"
tap_ok $(od -A n -t x1 -N 16 "$D/disk.img" | grep -qv ' 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00'; echo $?) \
    "the pattern is in the disk image on the host"
timeout 60 "$XENSIM" destroy tsdisk
tap_ok $? "destroy"

# Across a save/restore: a larger run, saved while it runs.
sed -i "s/--size 4M --io 64k --qd 4/--size 4M --io 4k --qd 2 --loops 30 --seed 7/" "$D/dv.cfg"
timeout 90 "$XENSIM" create "$D/dv.cfg"
d=$(domid_of tsdisk)
guest_says() { grep -q "$1" "$D/toolstack/$d/guest.log" 2>/dev/null; }
wait_until 60 guest_says "loop 1: vbd"
timeout 90 "$XENSIM" save tsdisk "$D/dv.save"
tap_ok $? "save in the middle of disk-verify"
timeout 90 "$XENSIM" restore "$D/dv.save"
tap_ok $? "restore"
timeout 120 "$XENSIM" wait tsdisk 100
tap_is $? 0 "disk-verify finished after the restore with every sector matching"
d=$(domid_of tsdisk)
sed 's/^/# /' "$D/toolstack/$d/guest.log"
grep -q "resuming at loop" "$D/toolstack/$d/guest.log" &&
    grep -q "loop 29: vbd" "$D/toolstack/$d/guest.log" &&
    ! grep -q "resuming at loop 30" "$D/toolstack/$d/guest.log"
tap_ok $? "the guest resumed its run in the middle, from its own memory"
timeout 60 "$XENSIM" destroy tsdisk
tap_end
