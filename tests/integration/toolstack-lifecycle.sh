#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `xensim create` of an idle PV and an idle HVM guest: xendm starts with
# libxl's argv (compared element by element), "running" is seen, the
# xenstore layout is libxl's, pause/unpause/list/wait work, and
# `xensim destroy` leaves no process, socket or xenstore node behind.
. "$(dirname "$0")/toolstack-lib.sh"
start_ts_host

# ---- PV: a qdisk disk makes libxl start a device model
truncate -s 8M "$D/pv.img"
cat > "$D/pv.cfg" <<CFG
name = "tspv"
type = "pv"
memory = 32
disk = [ 'format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$D/pv.img' ]
vkb = [ '' ]
CFG
timeout 90 "$XENSIM" create "$D/pv.cfg" 2>"$D/create.err"
tap_ok $? "create an idle PV domain with a qdisk disk"
d=$(domid_of tspv)
tap_ok $([ -n "$d" ]; echo $?) "xensim list shows tspv (domid ${d:-?})"
if [ -z "$d" ]; then
    cat "$D/create.err" | sed 's/^/# /'
    tap_end
    exit
fi
tap_is "$(xs_read /local/domain/0/device-model/$d/state)" running \
    "device-model/$d/state is running"
pid=$(xs_read /local/domain/$d/image/device-model-pid)
uuid=$(xs_read /local/domain/$d/vm | sed 's|^/vm/||')
want="$XENDM -xen-domid $d -no-shutdown -chardev socket,id=libxl-cmd,path=$D/qmp-libxl-$d,server=on,wait=off -mon chardev=libxl-cmd,mode=control -chardev socket,id=libxenstat-cmd,path=$D/qmp-libxenstat-$d,server=on,wait=off -mon chardev=libxenstat-cmd,mode=control -nodefaults -no-user-config -xen-attach -name tspv -vnc none -display none -nographic -machine xenpv -m 32"
got=$(tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null | sed 's/ $//')
# argv[0] may be spelt through the build tree's xensim/.. path
got0=$(readlink -f "$(tr '\0' '\n' < /proc/$pid/cmdline | head -1)")
got="$got0 ${got#* }"
want0=$(readlink -f "${XENSIM_XENDM:-$XENDM}")
want="$want0 ${want#* }"
tap_is "$got" "$want" "xendm runs with libxl 4.17's PV argv"
tap_is "$(tr '\0' '\n' < /proc/$pid/environ | grep '^XEN_QEMU_CONSOLE_LIMIT=')" \
    XEN_QEMU_CONSOLE_LIMIT=1048576 "xendm has libxl's XSA-180 environment"
tap_ok $([ -S "$D/qmp-libxl-$d" ] && [ -S "$D/qmp-libxenstat-$d" ]; echo $?) \
    "both QMP sockets are in \$XENSIM_DIR"
tap_is "$(xenstore-ls -p /local/domain/$d/device/vbd 2>/dev/null | head -1 | sed 's/.*(//')" \
    "n${d},r0)" "frontend vbd/51712 is owned by the guest, readable by dom0"
tap_is "$(xs_read /local/domain/0/backend/qdisk/$d/51712/params)" "aio:$D/pv.img" \
    "backend params as libxl writes them"
gpid=$(cat "$D/toolstack/$d/guest.pid")
tap_ok $(kill -0 "$gpid"; echo $?) "the guest program runs (pid $gpid)"
timeout 30 "$XENSIM" create "$D/pv.cfg" 2>"$D/dup.err"
tap_ok $([ $? -ne 0 ] && grep -q "already exists" "$D/dup.err"; echo $?) \
    "a second domain with the same name is refused"
printf 'name = "bad"\nmemory = "lots"\n' > "$D/bad.cfg"
timeout 30 "$XENSIM" create "$D/bad.cfg" 2>"$D/bad.err"
tap_ok $([ $? -ne 0 ] && grep -q "memory" "$D/bad.err"; echo $?) \
    "a bad config is refused: $(tail -1 "$D/bad.err")"
printf 'name = "bad"\ndisk = [ "vdev=xvda" ]\n' > "$D/bad.cfg"
timeout 30 "$XENSIM" create "$D/bad.cfg" 2>"$D/bad.err"
tap_ok $([ $? -ne 0 ]; echo $?) "a disk without target is refused: $(tail -1 "$D/bad.err")"
tap_is "$("$XENSIM" list | awk 'NR > 2' | wc -l)" 1 "refused configs leave no domain"
"$XENSIM" destroy nosuchdomain 2>/dev/null
tap_ok $([ $? -ne 0 ]; echo $?) "destroying an unknown domain fails"
for i in $(seq 100); do
    [ "$(xs_read /local/domain/$d/device/vkbd/0/state)" = 4 ] && break
    sleep 0.05
done
tap_is "$(xs_read /local/domain/$d/device/vkbd/0/state)/$(xs_read /local/domain/0/backend/vkbd/$d/0/state)" \
    4/4 "the guest's vkbd frontend and xendm's backend are Connected"
tap_ok $(xs_exists /local/domain/$d/device/vkbd/0/page-gref; echo $?) \
    "vkbd frontend wrote page-gref as xen-kbdfront does"
"$XENSIM" pause tspv
tap_is "$("$XENSIM" list | awk '$1 == "tspv" { print $5 }')" p----- "pause"
"$XENSIM" unpause tspv
tap_is "$("$XENSIM" list | awk '$1 == "tspv" { print substr($5, 3, 1) }')" - "unpause"
printf 'name = "tspaused"\nmemory = 32\n' > "$D/p.cfg"
timeout 30 "$XENSIM" create -p "$D/p.cfg"
tap_is "$("$XENSIM" list | awk '$1 == "tspaused" { print $5 }')" p----- \
    "create -p leaves the domain paused"
pd=$(domid_of tspaused)
sleep 0.3
tap_ok $(! grep -q "starting workload" "$D/toolstack/$pd/guest.log"; echo $?) \
    "the guest does not run while its domain is paused"
"$XENSIM" unpause tspaused
for i in $(seq 100); do
    grep -q "starting workload" "$D/toolstack/$pd/guest.log" && break
    sleep 0.05
done
tap_ok $(grep -q "starting workload" "$D/toolstack/$pd/guest.log"; echo $?) \
    "after unpause the guest runs"
timeout 30 "$XENSIM" destroy tspaused
xenstore-write /local/domain/$d/control/shutdown poweroff
timeout 30 "$XENSIM" wait tspv 20
tap_is $? 0 "the guest obeys control/shutdown=poweroff; wait returns its status"
timeout 60 "$XENSIM" destroy tspv
tap_ok $? "destroy tspv"
check_gone "$d" "$uuid" "PV" "$pid" "$gpid"

# ---- HVM
cat > "$D/hvm.cfg" <<CFG
name = "tshvm"
type = "hvm"
vga = "none"
memory = 32
vnc = 0
CFG
if ! timeout 90 "$XENSIM" create "$D/hvm.cfg" 2>"$D/create.err"; then
    if grep -q "not built into this xendm" "$D"/qemu-dm-tshvm.log 2>/dev/null; then
        tap_skip "xendm has no HVM machine (xenfv) yet"
        tap_end
        exit
    fi
    tap_ok 1 "create an idle HVM domain"
    sed 's/^/# /' "$D/create.err" "$D"/qemu-dm-tshvm.log
    tap_end
    exit
fi
tap_ok 0 "create an idle HVM domain"
d=$(domid_of tshvm)
pid=$(xs_read /local/domain/$d/image/device-model-pid)
uuid=$(xs_read /local/domain/$d/vm | sed 's|^/vm/||')
want="-xen-domid $d -no-shutdown -chardev socket,id=libxl-cmd,path=$D/qmp-libxl-$d,server=on,wait=off -mon chardev=libxl-cmd,mode=control -chardev socket,id=libxenstat-cmd,path=$D/qmp-libxenstat-$d,server=on,wait=off -mon chardev=libxenstat-cmd,mode=control -nodefaults -no-user-config -name tshvm -vnc none -display none -boot order=cda -net none -machine xenfv,suppress-vmdesc=on -m 32"
got=$(tr '\0' ' ' < /proc/$pid/cmdline | sed 's/ $//')
tap_is "${got#* }" "$want" "xendm runs with libxl 4.17's HVM argv"
tap_is "$(tr '\0' '\n' < /proc/$pid/environ | grep '^XEN_DOMAIN_ID=')" \
    "XEN_DOMAIN_ID=$d" "XEN_DOMAIN_ID in the HVM device model's environment"
tap_is "$(xs_read /local/domain/$d/hvmloader/bios)" seabios "hvmloader keys"
gpid=$(cat "$D/toolstack/$d/guest.pid")
timeout 60 "$XENSIM" destroy tshvm
tap_ok $? "destroy tshvm"
check_gone "$d" "$uuid" "HVM" "$pid" "$gpid"
tap_end
