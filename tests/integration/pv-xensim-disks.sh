#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# qdisk through `xensim create`: PV domains whose simulated blkfront
# (xensim's disk-verify workload, written independently of xendm)
# writes, reads back and checks a pattern on disks xendm serves, over a
# range of request shapes (4..256 KiB, 512-byte aligned, queue depth 1..16,
# ring order 0..4, indirect on and off, two disks at once), with several
# queues (multi-queue-num-queues, Linux blkfront's queue-N/ layout),
# random request sizes and in-page offsets, with and without persistent
# grants (without, every request's grants are ended after its response
# and one the backend still holds fails the run), and across a
# save/restore in the middle of a run.  Each case runs in its own
# domain on one private xensim host (mktemp dir), destroyed on exit.
: "${top_builddir:?}" "${top_srcdir:?}"
XENSIM=$top_builddir/xensim/xensim
export XENSIM_XENDM=$top_builddir/xendm
n=0
failed=0

ok_() { # rc description...
    local rc=$1
    shift
    n=$((n + 1))
    if [ "$rc" -eq 0 ]; then echo "ok $n - $*"; else
        echo "not ok $n - $*"; failed=$((failed + 1)); fi
}

cleanup() {
    if [ -n "${D:-}" ] && [ -f "$D/xensim.pid" ]; then
        for dom in $("$XENSIM" list 2>/dev/null | awk 'NR > 2 { print $1 }'); do
            timeout 30 "$XENSIM" destroy "$dom" >/dev/null 2>&1
        done
        "$XENSIM" stop >/dev/null 2>&1 || kill -9 "$(cat "$D/xensim.pid")" 2>/dev/null
    fi
    [ -n "${D:-}" ] && rm -rf "$D"
    return 0
}

if [ ! -x "$XENSIM" ] || [ ! -x "$XENSIM_XENDM" ]; then
    echo "1..0 # SKIP xensim or xendm not built"
    exit 0
fi
D=$(mktemp -d)
trap cleanup EXIT
trap 'exit 1' INT TERM
export XENSIM_DIR=$D XENSTORED_PATH=$D/xenstored.sock
"$XENSIM" start --dir "$D" >/dev/null || { echo "1..0 # SKIP xensim does not start"; exit 0; }

domid_of() { "$XENSIM" list | awk -v n="$1" '$1 == n { print $2 }'; }

run_case() { # name disks-count guest-args...
    local name=$1 ndisks=$2 disks="" i rc d
    shift 2
    for i in $(seq "$ndisks"); do
        truncate -s 16M "$D/$name-$i.img"
        disks="$disks'format=raw,vdev=xvd$(printf "\\x$(printf %x $((96 + i)))"),access=rw,backendtype=qdisk,target=$D/$name-$i.img',"
    done
    cat > "$D/$name.cfg" <<CFG
name = "$name"
type = "pv"
memory = 64
disk = [ ${disks%,} ]
guest = "disk-verify $*"
CFG
    timeout 90 "$XENSIM" create "$D/$name.cfg" >"$D/$name.create" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        timeout 120 "$XENSIM" wait "$name" 100
        rc=$?
    fi
    d=$(domid_of "$name")
    ok_ $rc "$name: disk-verify $* on $ndisks disk(s)"
    [ $rc -eq 0 ] || sed 's/^/# /' "$D/$name.create" "$D/toolstack/$d/guest.log" 2>/dev/null | tail -15
    if [ -n "${EXPECT:-}" ]; then
        grep -q -- "$EXPECT" "$D/toolstack/$d/guest.log" 2>/dev/null
        ok_ $? "$name: the guest connected with '$EXPECT'"
    fi
    timeout 60 "$XENSIM" destroy "$name" >/dev/null 2>&1
}

run_case small 1 --size 2M --io 4k --qd 1 --ring-order 0
run_case deep 1 --size 4M --io 4k --qd 16 --ring-order 0 --seed 3
run_case unaligned 1 --size 2M --io 12k --align 512 --qd 4 --seed 5
run_case indirect 1 --size 8M --io 256k --qd 4 --ring-order 4 --indirect 1
run_case noindirect 1 --size 4M --io 44k --qd 8 --indirect 0 --seed 9
run_case twodisks 2 --size 4M --io 64k --qd 8 --ring-order 2 --seed 11

# Multi-queue, random sizes and alignments, persistent grants on and off.
EXPECT="4 queue(s), ring order 2, persistent" \
    run_case mq4 1 --size 8M --io 64k --qd 8 --ring-order 2 --queues 4 --random 1 --seed 13
EXPECT="4 queue(s), ring order 0, not persistent" \
    run_case mq4np 1 --size 8M --io 32k --qd 8 --ring-order 0 --queues 4 --random 1 --persistent 0 --seed 15
EXPECT="2 queue(s), ring order 4, not persistent, indirect 65" \
    run_case mq2ind 1 --size 8M --io 256k --qd 4 --ring-order 4 --queues 2 --random 1 --persistent 0 --seed 17
EXPECT="3 queue(s), ring order 1, persistent, indirect 0" \
    run_case mq3noind 1 --size 4M --io 40k --qd 8 --ring-order 1 --queues 3 --random 1 --indirect 0 --seed 19
EXPECT="4 queue(s)" \
    run_case mq2disks 2 --size 4M --io 64k --qd 6 --ring-order 1 --queues 4 --random 1 --loops 2 --seed 21

# Save and restore in the middle of a run: the frontend reconnects to
# the new xendm and every sector still matches.
truncate -s 16M "$D/sr.img"
cat > "$D/sr.cfg" <<CFG
name = "sr"
type = "pv"
memory = 64
disk = [ 'format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$D/sr.img' ]
guest = "disk-verify --size 16M --io 4k --qd 1 --seed 7"
CFG
timeout 90 "$XENSIM" create "$D/sr.cfg" >/dev/null 2>&1
d=$(domid_of sr)
guest_says() { grep -q "$1" "$D/toolstack/$d/guest.log" 2>/dev/null; }
# saved in the middle of the run: once it is writing its first loop
wait_until 60 guest_says "vbd 51712 connected"
timeout 90 "$XENSIM" save sr "$D/sr.save" >/dev/null 2>&1
ok_ $? "save in the middle of disk-verify"
timeout 90 "$XENSIM" restore "$D/sr.save" >/dev/null 2>&1
ok_ $? "restore"
timeout 120 "$XENSIM" wait sr 100
rc=$?
d=$(domid_of sr)
ok_ $rc "disk-verify finished after the restore, every sector matching"
grep -q "resuming workload" "$D/toolstack/$d/guest.log" &&
    ! grep -q "all sectors matched (0 bad sectors, 0 resumes)" "$D/toolstack/$d/guest.log"
ok_ $? "the guest resumed mid-run and reconnected to the new xendm"
[ $rc -eq 0 ] || sed 's/^/# /' "$D/toolstack/$d/guest.log" | tail -10
timeout 60 "$XENSIM" destroy sr >/dev/null 2>&1

echo "1..$n"
[ "$failed" -eq 0 ]
