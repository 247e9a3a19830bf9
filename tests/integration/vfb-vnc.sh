#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vfb + VNC end to end on xensim: a PV guest running fb-pattern (a vfb
# frontend drawing known pixels in guest memory, and vkbd) behind
# xendm started with libxl's argv (-vnc 127.0.0.1:0,to=99); a real RFB
# client (rfbclient.py) reads the screen pixel-exact, sends keys and
# pointer events that the guest's vkbd frontend must receive as Linux
# codes, and follows a resize.  Then VNC authentication with
# change-vnc-password, and a hostile second vfb per mode (bad page
# directory, bad geometry, ring games, event garbage): each is refused
# or contained, xendm stays up, and vfb 0 keeps serving.
. "$(dirname "$0")/toolstack-lib.sh"
start_ts_host
PY="python3 $top_srcdir/tests/integration/vfb-vnc.py"

# Turns vfb-vnc.py's PASS/FAIL lines into TAP.
py_tap() {
    local out st desc
    out=$("$@" 2>&1)
    while IFS= read -r line; do
        st=${line%% *}
        desc=${line#* }
        case $st in
        PASS) tap_ok 0 "$desc" ;;
        FAIL) tap_ok 1 "$desc" ;;
        *) echo "# $line" ;;
        esac
    done <<< "$out"
}

vnc_port() { # domid
    local p
    for _ in $(seq 100); do
        p=$(xs_read "/local/domain/$1/console/vnc-port") && [ -n "$p" ] &&
            break
        sleep 0.05
    done
    echo "$p"
}

wait_log() { # file pattern
    for _ in $(seq 200); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

cat > "$D/fb.cfg" <<CFG
name = "fbvnc"
type = "pv"
memory = 32
vfb = [ 'vnc=1,vnclisten=127.0.0.1' ]
guest = "fb-pattern"
CFG
timeout 60 "$XENSIM" create "$D/fb.cfg"
tap_ok $? "create a PV domain with a vfb (vnc=1)"
d=$(domid_of fbvnc)
dm=$(cat "$D/toolstack/$d/dm.pid")
tr '\0' ' ' < "/proc/$dm/cmdline" | grep -q -- "-vnc 127.0.0.1:0,to=99 -display none"
tap_ok $? "xendm got libxl's -vnc 127.0.0.1:0,to=99 -display none"
wait_log "$D/toolstack/$d/guest.log" "pattern 1"
tap_ok $? "the guest's vfb frontend connected and drew"
wait_log "$D/toolstack/$d/guest.log" "fb0: refresh 0"
tap_ok $? "no VNC client yet: the frontend was advised XENFB_NO_REFRESH"
be=/local/domain/0/backend/vfb/$d/0
tap_is "$(xs_read $be/state) $(xs_read $be/feature-resize) $(xs_read $be/request-update) $(xs_read $be/hotplug-status)" \
    "4 1 1 connected" "backend keys: state 4, feature-resize, request-update, hotplug-status"
xs_exists "/local/domain/0/device-model/$d/backends/vfb"
tap_ok $? "device-model/$d/backends/vfb advertised"
port=$(vnc_port "$d")
tap_ok $([ -n "$port" ] && [ "$port" -ge 5900 ] && [ "$port" -le 5999 ]; echo $?) \
    "console/vnc-port from query-vnc ($port)"
py_tap $PY main "$port" "$D/toolstack/$d/guest.log" "$D/qmp-libxl-$d"
# The last check read guest.log; show it when something failed.
[ "$failed" -eq 0 ] || sed 's/^/# /' "$D/toolstack/$d/guest.log" "$D/qemu-dm-fbvnc.log"
timeout 60 "$XENSIM" destroy fbvnc
tap_ok $? "destroy"

# VNC authentication: libxl passes password=on and sets the password
# with change-vnc-password after start.
cat > "$D/pw.cfg" <<CFG
name = "fbpw"
memory = 32
vfb = [ 'vnc=1,vncpasswd=s3cr3t' ]
guest = "fb-pattern"
CFG
timeout 60 "$XENSIM" create "$D/pw.cfg"
tap_ok $? "create a domain with vncpasswd"
d=$(domid_of fbpw)
wait_log "$D/toolstack/$d/guest.log" "pattern 1"
tap_is "$(xs_read /local/domain/$d/console/vnc-pass)" s3cr3t \
    "the toolstack set the password (console/vnc-pass)"
py_tap $PY auth "$(vnc_port "$d")" s3cr3t "$D/qmp-libxl-$d"
timeout 60 "$XENSIM" destroy fbpw
tap_ok $? "destroy"

# A hostile vfb 1 next to a good vfb 0, one mode per domain.
for mode in badpd baddir stride depth zero clip ring events; do
    case $mode in
    clip | ring | events) want=4 ;;
    *) want=5 ;;
    esac
    cat > "$D/h.cfg" <<CFG
name = "fbh-$mode"
memory = 32
vfb = [ 'vnc=1', 'vnc=0' ]
guest = "fb-pattern --hostile $mode"
CFG
    timeout 60 "$XENSIM" create "$D/h.cfg"
    tap_ok $? "$mode: create a domain with a hostile vfb 1"
    d=$(domid_of "fbh-$mode")
    dm=$(cat "$D/toolstack/$d/dm.pid")
    log=$D/toolstack/$d/guest.log
    wait_log "$log" "pattern 1"
    tap_is "$(xs_read /local/domain/0/backend/vfb/$d/1/state)" $want \
        "$mode: vfb 1 backend state $want"
    case $mode in
    ring) wait_log "$D/qemu-dm-fbh-$mode.log" "ring marked broken"
        tap_ok $? "$mode: xendm marked the ring broken" ;;
    badpd | baddir) wait_log "$D/qemu-dm-fbh-$mode.log" "refused"
        tap_ok $? "$mode: xendm says which frame was refused" ;;
    esac
    alive "$dm"
    tap_ok $? "$mode: xendm is still running"
    py_tap $PY serve "$(vnc_port "$d")" "$log"
    [ "$failed" -eq 0 ] || sed 's/^/# /' "$log" "$D/qemu-dm-fbh-$mode.log"
    timeout 60 "$XENSIM" destroy "fbh-$mode"
    tap_ok $? "$mode: destroy"
done

# An HVM guest has no vfb: a blank screen of a fixed size.
cat > "$D/hvm.cfg" <<CFG
name = "fbhvm"
type = "hvm"
memory = 32
vnc = 1
vga = "none"
CFG
if timeout 90 "$XENSIM" create "$D/hvm.cfg" 2>"$D/hvm.err"; then
    tap_ok 0 "create an HVM domain with vnc = 1"
    d=$(domid_of fbhvm)
    py_tap $PY blank "$(vnc_port "$d")"
    timeout 60 "$XENSIM" destroy fbhvm
    tap_ok $? "destroy the HVM domain"
elif grep -q "not built into this xendm" "$D"/qemu-dm-fbhvm.log 2>/dev/null; then
    tap_skip "xendm has no HVM machine"
else
    tap_ok 1 "create an HVM domain with vnc = 1"
    sed 's/^/# /' "$D/hvm.err" "$D"/qemu-dm-fbhvm.log
fi
tap_end
