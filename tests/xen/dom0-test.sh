#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The dom0 half of `make check-xen`: runs inside the real-Xen lab's dom0
# (Xen 4.17, Debian's xl/libxl 4.17, qemu-xen 7.2) as the lab's test script,
# with the payload tests/xen/check-xen.sh prepared in /nxen-io/payload:
#
#   xendm, lib/       xendm and the shared libraries dom0 lacks
#   xendm-dm          exec wrapper (LD_LIBRARY_PATH), the DM libxl runs
#   domu-initrd.gz    the lab's domU kit with tests/xen/domu-init as /init
#   *.cfg             xl configs; @KERNEL@ @INITRD@ @DISK@ @DM@ @NAME@ filled in
#   scenarios         which scenarios to run (default: all)
#
# Each scenario prints `XENDM-RESULT name PASS|FAIL reason` to the console
# and appends it to $NXEN_OUT/results.txt; the host side collects them.
# Timings of xl commands land in timings.txt, DM memory in mem.txt (the
# lab's helpers); the side-by-side scenario turns them into ratios.
. /nxen-io/lib/nxen-lib.sh
P=/nxen-io/payload
RES=$NXEN_OUT/results.txt
SCENARIOS=$(cat $P/scenarios 2>/dev/null || echo "pv hvm migrate side-by-side")
: > "$RES"

result() { # result NAME PASS|FAIL REASON...
    local name=$1 verdict=$2; shift 2
    echo "XENDM-RESULT $name $verdict $*${RETRY_NOTE:-}" | tee -a "$RES"
}

# dm_conf xendm|qemu: which device model the lab's wrapper execs next.
dm_conf() {
    if [ "$1" = xendm ]; then
        printf 'NXEN_REAL_DM=%s\nNXEN_DM_TRACE=none\n' "$P/xendm-dm" > /run/nxen-dm.conf
    else
        printf 'NXEN_DM_TRACE=none\n' > /run/nxen-dm.conf
    fi
}

# make_cfg TEMPLATE NAME: an xl config for domain NAME with its own disk.
make_cfg() {
    local cfg=/root/$2.cfg
    truncate -s 64M /root/$2-disk.img
    sed -e "s#@KERNEL@#$NXEN_KERNEL#" -e "s#@INITRD@#$P/domu-initrd.gz#" \
        -e "s#@NAME@#$2#" -e "s#@DISK@#/root/$2-disk.img#" \
        -e "s#@DM@#$NXEN_WRAPPER#" "$P/$1" > "$cfg"
    cp "$cfg" "$NXEN_OUT/$2.cfg"
    echo "$cfg"
}

# qmp SOCKET COMMAND-JSON: one command on a fresh connection; prints replies.
qmp() {
    { echo '{"execute":"qmp_capabilities"}'; sleep 0.5; echo "$2"; sleep 1; } |
        timeout 10 socat -T 5 - "UNIX-CONNECT:$1" 2>/dev/null
}

# guest_logs NAME: every file the guest's output may land in: xenconsoled's
# log of its PV console -- also under the name NAME--incoming, which xl
# gives a domain while it is migrated in and which xenconsoled keeps for
# the log -- and the captured serial ports of an HVM guest.
guest_logs() {
    echo "$(console_log "$1") $(console_log "$1--incoming")"
    echo "$NXEN_OUT"/serial-"$1"-*.log
}

# pattern_count NAME: the highest XENDM-PATTERN-OK number in any output of
# the guest.
pattern_count() {
    cat $(guest_logs "$1") 2>/dev/null |
        grep -oE 'XENDM-PATTERN-OK [0-9]+' | awk '{print $2}' | sort -n | tail -1
}

# wait_pattern NAME MIN SECONDS: wait until the guest has verified its disk
# pattern at least MIN times in all; fail at once on a bad read.  The
# guest's new console lines are echoed to the lab console as they come.
wait_pattern() {
    local end=$(( $(date +%s) + $3 )) n f
    f=$(console_log "$1")
    while [ "$(date +%s)" -lt $end ]; do
        if [ -f "$f" ]; then
            n=$(wc -l < "$f")
            [ "$n" -gt "${SEEN[$1]:-0}" ] &&
                sed -n "$(( ${SEEN[$1]:-0} + 1 )),${n}p" "$f" | sed "s/^/  |$1| /"
            SEEN[$1]=$n
        fi
        if cat $(guest_logs "$1") 2>/dev/null |
                grep -qE 'XENDM-PATTERN-BAD|PATTERN-WRITE-FAILED|NO-PV-DISK'; then
            say "$1: the guest reports a bad disk"; return 1
        fi
        n=$(pattern_count "$1")
        [ "${n:-0}" -ge "$2" ] && return 0
        xl domid "$1" > /dev/null 2>&1 || { say "$1: the domain is gone"; return 1; }
        sleep 2
    done
    say "$1: pattern check count ${n:-0} < $2 after $3 s"
    return 1
}
declare -A SEEN

# dm_gone DOMID [xendm|qemu]: no device model process, socket or xenstore
# node of that domain is left.
dm_gone() {
    local id=$1 left="" pid
    sleep 2
    for pid in $(pgrep -f -- "-xen-domid $id "); do
        left="$left process($pid)"
    done
    ls /var/run/xen/qmp-libxl-$id /var/run/xen/qmp-libxenstat-$id > /dev/null 2>&1 &&
        left="$left socket"
    xenstore-exists /local/domain/0/device-model/$id 2> /dev/null && left="$left xenstore"
    [ -z "$left" ] || { say "left behind after destroy:$left"; return 1; }
}

dump_failure() { # dump_failure NAME: what a reader needs to see why
    say "---- xendm log of $1"
    tail -40 /var/log/xen/qemu-dm-$1.log 2>/dev/null
    cp /var/log/xen/qemu-dm-$1.log "$NXEN_OUT/qemu-dm-$1.log" 2>/dev/null
    say "---- serial of $1"
    tail -c 3000 "$NXEN_OUT"/serial-$1-1.log 2>/dev/null
    xl dmesg > "$NXEN_OUT/xl-dmesg-$1.txt" 2>&1
    for f in "$NXEN_OUT"/xl-*-$1.log; do
        [ -f "$f" ] && { say "---- $f"; tail -15 "$f"; }
    done
}

# xl_step WHAT NAME CMD...: a timed xl command, its output in xl-WHAT-NAME.log
xl_step() {
    local what=$1 D=$2; shift 2
    timed "xl_${what}_$D" "$@" > "$NXEN_OUT/xl-$what-$D.log" 2>&1
}

# cycle NAME TEMPLATE xendm|qemu: the whole life of a guest as xl drives it,
# checked at every step: create, boot until the disk pattern verifies, save,
# restore, two more verified patterns, destroy, nothing left behind.  Extra
# checks of a scenario run from the hooks `on_up NAME` and `on_restored NAME`.
# Sets WHY to the first failure (empty on success).
cycle() {
    local D=$1 cfg id before
    WHY=""
    cfg=$(make_cfg "$2" "$D")
    dm_conf "$3"
    xl_step create $D xl -vvv create "$cfg" || WHY="xl create failed"
    id=$(domid_of $D)
    [ -n "$WHY" ] || dm_mem $D after-create
    serial_capture $D 1
    [ -n "$WHY" ] || wait_pattern $D 1 "${BOOT_WAIT:-420}" || WHY="disk pattern never verified"
    [ -n "$WHY" ] || dm_mem $D guest-up
    xs_dump $D-1-running
    [ -n "$WHY" ] || on_up $D "$id" || true
    if [ -z "$WHY" ] && [ -z "${NOSAVE:-}" ]; then
        before=$(pattern_count $D)
        xl_step save $D xl -vvv save $D /root/$D.chk || WHY="xl save failed"
    fi
    if [ -z "$WHY" ] && [ -z "${NOSAVE:-}" ]; then
        dm_gone "$id" "$3" || WHY="old device model left behind after save"
        xl_step restore $D xl -vvv restore /root/$D.chk || WHY="xl restore failed"
        id=$(domid_of $D)
        [ -n "$WHY" ] || dm_mem $D after-restore
        serial_capture $D 3
    fi
    if [ -z "${NOSAVE:-}" ]; then
        [ -n "$WHY" ] || wait_pattern $D $(( before + 2 )) 240 ||
            WHY="pattern not verified after restore"
        xs_dump $D-3-restored
    fi
    [ -n "$WHY" ] || on_restored $D "$id" || true
    save_console $D
    [ -n "$WHY" ] && dump_failure $D
    rm -f /root/$D.chk
    xl_step destroy $D xl destroy $D
    [ -n "$WHY" ] || [ -z "$id" ] || dm_gone "$id" "$3" || WHY="leftovers after xl destroy"
    [ -z "$WHY" ]
}
on_up() { :; }
on_restored() { :; }

# vkbd_connected DOMID
vkbd_connected() {
    [ "$(xenstore-read /local/domain/0/backend/vkbd/$1/0/state 2>/dev/null)" = 4 ]
}

# Scenario pv: a PV guest with a qdisk disk, a second console and a vkbd
# (not saved: see pv.cfg), then one with the disk and vkbd, saved and
# restored.
pv_up() {
    vkbd_connected "$2" || WHY="vkbd backend not connected"
}
pv_console_up() {
    local D=$1 id=$2 pty
    vkbd_connected "$id" || { WHY="vkbd backend not connected"; return; }
    # Where libxl_device_channel_getinfo looks: the frontend's tty, which
    # the device model fills in (libxl 4.17 asks for output "pty").
    pty=$(xenstore-read /local/domain/$id/device/console/1/tty 2>/dev/null)
    if [ -z "$pty" ] || [ ! -c "$pty" ]; then
        WHY="no pty published for the channel (device/console/1/tty)"; return
    fi
    qmp /var/run/xen/qmp-libxenstat-$id '{"execute":"query-chardev"}' |
        grep -q "pty:$pty" || { WHY="query-chardev does not list $pty"; return; }
    stty -F "$pty" raw -echo 2>/dev/null
    timeout 40 cat "$pty" > "$NXEN_OUT/hvc-$D.log" 2>&1 &
    for i in $(seq 1 20); do
        grep -q 'XENDM-HVC' "$NXEN_OUT/hvc-$D.log" && break
        sleep 2
    done
    grep -q 'XENDM-HVC' "$NXEN_OUT/hvc-$D.log" ||
        WHY="nothing from the second console on $pty ($(wc -c < "$NXEN_OUT/hvc-$D.log") bytes)"
}
pv_restored() {
    vkbd_connected "$2" || WHY="vkbd backend not reconnected after restore"
}
scenario_pv() {
    on_up() { pv_console_up "$@"; }
    if NOSAVE=1 cycle xpvc pv-console.cfg xendm; then
        on_up() { pv_up "$@"; }
        on_restored() { pv_restored "$@"; }
        cycle xpv pv.cfg xendm
    fi
    if [ -z "$WHY" ]; then
        result pv PASS "disk pattern, second console, vkbd; then disk and vkbd across save, restore; destroy"
    else
        result pv FAIL "$WHY"
    fi
    on_up() { :; }
    on_restored() { :; }
}

# Scenarios console-save and console-save-qemu (on request): the guest
# with the second console taken through save and restore, with xendm and
# with qemu-xen, to tell Linux's hvc_xen resume bug (pv.cfg) from a fault
# of the device model: the same frontends run against either.
console_save_with() {
    on_up() { pv_console_up "$@"; }
    if cycle "$2" pv-console.cfg "$1"; then
        result "$3" PASS "second console, disk and vkbd across save and restore"
    else
        result "$3" FAIL "$WHY"
    fi
    on_up() { :; }
}
scenario_console_save() { console_save_with xendm xpvs console-save; }
scenario_console_save_qemu() { console_save_with qemu qpvs console-save-qemu; }

# Scenario hvm: xendm's machine boots Linux, which switches to PV drivers.
hvm_up() {
    grep -q 'Linux version' "$NXEN_OUT"/serial-"$1"-1.log 2>/dev/null ||
        WHY="no kernel output on the emulated serial port"
}
scenario_hvm() {
    on_up() { hvm_up "$@"; }
    if cycle xhvm hvm.cfg xendm; then
        result hvm PASS "boot on xendm's machine, serial output, PV disk after unplug, save, restore, destroy"
    else
        result hvm FAIL "$WHY"
    fi
    on_up() { :; }
}

# Scenario migrate: xl migrate of the HVM guest to this same host; xl's
# "ssh" is a script that runs migrate-receive locally.
scenario_migrate() {
    migrate_with xendm xmig migrate
}

# The same with qemu-xen: a control for the lab itself.
scenario_migrate_qemu() {
    migrate_with qemu qmig migrate-qemu
}

# migrate_with xendm|qemu NAME SCENARIO
migrate_with() {
    local D=$2 cfg id before why=""
    cfg=$(make_cfg hvm.cfg $D)
    dm_conf "$1"
    printf '#!/bin/sh\nshift\nexec "$@"\n' > /root/local-ssh; chmod +x /root/local-ssh
    xl_step create $D xl -vvv create "$cfg" || why="xl create failed"
    id=$(domid_of $D)
    [ -n "$why" ] || wait_pattern $D 1 600 || why="disk pattern never verified"
    if [ -z "$why" ]; then
        before=$(pattern_count $D)
        xl_step migrate $D xl -vvv migrate -s /root/local-ssh $D localhost ||
            why="xl migrate failed"
    fi
    if [ -z "$why" ]; then
        dm_gone "$id" || why="source device model left behind"
        id=$(domid_of $D)
        [ -n "$id" ] || why="no domain after migration"
    fi
    [ -n "$why" ] || wait_pattern $D $(( before + 2 )) 240 || why="pattern not verified after migration"
    # The live path: libxl turned on the dirty log, and (xendm only, whose
    # wrapper runs it with -v) the device model saved with live = true.
    [ -n "$why" ] || grep -q "cmd 'xen-set-global-dirty-log'" "$NXEN_OUT/xl-migrate-$D.log" ||
        why="libxl did not take the live path (no xen-set-global-dirty-log)"
    if [ -z "$why" ] && [ "$1" = xendm ]; then
        grep -q 'device state saved to .* (live)' /var/log/xen/qemu-dm-$D.log ||
            why="xendm's log does not show a live save"
    fi
    if [ -n "$why" ]; then
        dump_failure $D
        xl dmesg | grep -A3 "Triple fault" | head -8
    fi
    save_console $D
    cp "$(console_log "$D--incoming")" "$NXEN_OUT/console-$D-incoming.log" 2>/dev/null
    xl_step destroy $D xl destroy $D
    [ -n "$why" ] || dm_gone "$id" || why="leftovers after xl destroy"
    if [ -z "$why" ]; then
        result "$3" PASS "live migration to the same host, guest continues"
    else
        result "$3" FAIL "$why"
    fi
}

# fig LABEL: a figure from timings.txt (seconds) or mem.txt (VmRSS kB)
fig_time() { awk -v l="$1" '$1 == l {v = $2} END {print v}' "$NXEN_OUT/timings.txt"; }
fig_rss() {
    awk -v p="$1" -v d="$2" '$1 == p && $2 == d {
        for (i = 3; i < NF; i++) if ($i == "VmRSS:") v = $(i + 1) } END {print v}' "$NXEN_OUT/mem.txt"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# Scenario side-by-side: the same configs under qemu-xen, as ratios.
scenario_side_by_side() {
    local out=$NXEN_OUT/side-by-side.txt kind x q ok=1 step
    : > "$out"
    cycle qpv pv.cfg qemu || { ok=0; say "qemu-xen PV cycle: $WHY"; }
    cycle qhvm hvm.cfg qemu || { ok=0; say "qemu-xen HVM cycle: $WHY"; }
    echo "side by side, xendm / qemu-xen, one lab run (nested TCG: relative only)" >> "$out"
    for kind in pv hvm; do
        for step in create save restore; do
            x=$(fig_time xl_${step}_x$kind); q=$(fig_time xl_${step}_q$kind)
            printf '  %-4s xl %-8s %6ss / %6ss = %s\n' "$kind" "$step" "${x:-?}" "${q:-?}" "$(ratio "$x" "$q")" >> "$out"
        done
        x=$(fig_rss guest-up x$kind); q=$(fig_rss guest-up q$kind)
        printf '  %-4s DM VmRSS    %6s kB / %6s kB = %s\n' "$kind" "${x:-?}" "${q:-?}" "$(ratio "$x" "$q")" >> "$out"
    done
    cat "$out"
    grep -q ' n/a$' "$out" && ok=0
    if [ $ok = 1 ]; then
        result side-by-side PASS "ratios in side-by-side.txt"
    else
        result side-by-side FAIL "a cycle failed or a figure is missing (see side-by-side.txt)"
    fi
}

triple_faults() { xl dmesg 2>/dev/null | grep -c 'Triple fault'; }

# run_scenario NAME FUNCTION: runs it; if it failed while Xen saw an HVM
# guest triple-fault, runs it once more.  HVM guests of this nested lab
# (TCG emulating SVM) triple-fault now and then whatever their device
# model -- qemu-xen's too: the lab's README, and scenario migrate-qemu --
# in SeaBIOS, in the kernel, or after a migration.  The first attempt's
# result goes to lab-faults.txt and the second's says it is one.  A
# device model that makes its guest fault every time still fails.
run_scenario() {
    local s=$1 fn=$2 lines tf
    lines=$(wc -l < "$RES")
    tf=$(triple_faults)
    touch /run/xendm-scenario-start
    RETRY_NOTE=""
    "$fn"
    if tail -n +$(( lines + 1 )) "$RES" | grep -q " FAIL " &&
            [ "$(triple_faults)" -gt "$tf" ]; then
        say "$s: an HVM guest triple-faulted during this attempt; running it once more"
        tail -n +$(( lines + 1 )) "$RES" | sed 's/^/first attempt: /' >> "$NXEN_OUT/lab-faults.txt"
        head -n "$lines" "$RES" > "$RES.first" && mv "$RES.first" "$RES"
        # The guests' output of the first attempt must not count again.
        for f in /var/log/xen/console/guest-*.log "$NXEN_OUT"/serial-*.log; do
            [ "$f" -nt /run/xendm-scenario-start ] && mv "$f" "$f.attempt1"
        done
        unset SEEN; declare -gA SEEN
        RETRY_NOTE=" (second attempt: a guest triple-faulted in the first)"
        "$fn"
        RETRY_NOTE=""
    fi
}

for s in $SCENARIOS; do
    fn=scenario_${s//-/_}
    if [ "$(type -t "$fn")" = function ]; then
        run_scenario "$s" "$fn"
    else
        result "$s" FAIL "no such scenario"
    fi
done
grep -q ' FAIL ' "$RES" && exit 1
exit 0
