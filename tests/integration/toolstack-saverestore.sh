#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Save/restore round trip of a PV domain with a device model, then a
# checkpoint (save -c) and a local live migration: the guest is asked
# to suspend through control/shutdown, its memory goes into the save
# file and comes back (the guest resumes from its own memory), the new
# domain gets a fresh device model and libxl's xenstore layout, and
# nothing of the old domain is left behind.
. "$(dirname "$0")/toolstack-lib.sh"
start_ts_host

truncate -s 8M "$D/pv.img"
cat > "$D/pv.cfg" <<CFG
name = "tssave"
type = "pv"
memory = 32
disk = [ 'format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$D/pv.img' ]
guest = "idle"
CFG
timeout 90 "$XENSIM" create "$D/pv.cfg"
tap_ok $? "create tssave"
d1=$(domid_of tssave)
pid1=$(xs_read /local/domain/$d1/image/device-model-pid)
uuid1=$(xs_read /local/domain/$d1/vm | sed 's|^/vm/||')
gpid1=$(cat "$D/toolstack/$d1/guest.pid")

timeout 90 "$XENSIM" save tssave "$D/tssave.save"
tap_ok $? "save tssave"
tap_is "$(head -c 8 "$D/tssave.save")" XSIMSAVE "the save file starts with our magic"
tap_is "$(domid_of tssave)" "" "the saved domain is gone"
check_gone "$d1" "$uuid1" "after save" "$pid1" "$gpid1"

timeout 90 "$XENSIM" restore "$D/tssave.save"
tap_ok $? "restore tssave"
d2=$(domid_of tssave)
tap_ok $([ -n "$d2" ] && [ "$d2" != "$d1" ]; echo $?) "restored as a new domain ($d1 -> ${d2:-?})"
tap_is "$(xs_read /local/domain/0/device-model/$d2/state)" running \
    "the new device model is running"
tap_is "$(xs_read /local/domain/0/backend/qdisk/$d2/51712/params)" "aio:$D/pv.img" \
    "the disk backend is back"
wait_until 60 grep -q "resuming workload idle" "$D/toolstack/$d2/guest.log"
tap_ok $? "the guest program resumed from the state in its memory"

timeout 90 "$XENSIM" save -c tssave "$D/tssave2.save"
tap_ok $? "save -c (checkpoint)"
tap_is "$(domid_of tssave)" "$d2" "after a checkpoint the domain carries on"
state=$("$XENSIM" list | awk '$1 == "tssave" { print substr($5, 1, 1) }')
tap_ok $([ "$state" != s ]; echo $?) \
    "and is no longer shut down (xc_domain_resume; state $state)"
resumed_twice() { [ "$(grep -c "resuming" "$D/toolstack/$d2/guest.log")" = 2 ]; }
wait_until 60 resumed_twice
tap_ok $? "the guest resumed in place (a second time)"

# A paused domain: its guest cannot answer the suspend request while
# paused (libxl would wait out 60 s), so save lets it run just to
# answer -- well inside that -- and a checkpoint leaves it paused.
"$XENSIM" pause tssave
start=$(date +%s)
timeout 90 "$XENSIM" save -c tssave "$D/tssave3.save" 2>"$D/psave.err"
tap_ok $? "save -c of a paused domain"
took=$(($(date +%s) - start))
tap_ok $([ "$took" -lt 45 ]; echo $?) \
    "it did not wait for the 60 s suspend timeout (${took} s)"
grep -q "is paused: letting it run" "$D/psave.err"
tap_ok $? "it said why the guest ran"
tap_is "$("$XENSIM" list | awk '$1 == "tssave" { print substr($5, 1, 1) }')" p \
    "after the checkpoint the domain is paused again"
"$XENSIM" unpause tssave
state=$("$XENSIM" list | awk '$1 == "tssave" { print substr($5, 1, 1) }')
tap_ok $([ "$state" = r ] || [ "$state" = b ]; echo $?) \
    "it unpauses as usual (state $state)"
resumed_thrice() { [ "$(grep -c "resuming" "$D/toolstack/$d2/guest.log")" = 3 ]; }
wait_until 60 resumed_thrice
tap_ok $? "the guest had suspended and now resumed in place (a third time)"

pid2=$(xs_read /local/domain/$d2/image/device-model-pid)
uuid2=$(xs_read /local/domain/$d2/vm | sed 's|^/vm/||')
gpid2=$(cat "$D/toolstack/$d2/guest.pid")
timeout 120 "$XENSIM" migrate tssave >/dev/null
tap_ok $? "migrate tssave (local live migration)"
d3=$(domid_of tssave)
tap_ok $([ -n "$d3" ] && [ "$d3" != "$d2" ]; echo $?) "migrated to a new domain ($d2 -> ${d3:-?})"
tap_is "$(xs_read /local/domain/$d3/name)" tssave "the incoming domain got its name back"
check_gone "$d2" "$uuid2" "source of the migration" "$pid2" "$gpid2"

pid3=$(xs_read /local/domain/$d3/image/device-model-pid)
uuid3=$(xs_read /local/domain/$d3/vm | sed 's|^/vm/||')
gpid3=$(cat "$D/toolstack/$d3/guest.pid")
timeout 60 "$XENSIM" destroy tssave
tap_ok $? "destroy"
check_gone "$d3" "$uuid3" "after destroy" "$pid3" "$gpid3"

# A corrupt save file is refused and leaves nothing behind.
head -c 100 "$D/tssave.save" > "$D/bad.save"
timeout 30 "$XENSIM" restore "$D/bad.save" 2>"$D/bad.err"
tap_ok $([ $? -ne 0 ]; echo $?) "a truncated save file is refused: $(head -1 "$D/bad.err")"
tap_is "$("$XENSIM" list | awk 'NR > 2' | wc -l)" 0 "no domain left over"
# After everything, the store is as libxl leaves it after a destroy.
tap_is "$(xenstore-ls -f / 2>/dev/null | grep -c '^/local/domain/0/backend')" 0 \
    "no backend directory left in the store"
tap_end
