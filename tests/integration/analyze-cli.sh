#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xendm-analyze as a command: the --json acceptance on the QEMU 7.2
# reference streams, --reencode of every vector to the same bytes, every
# negative vector refused with exit status 1 and an offset, usage errors
# with status 2.  Prints TAP.
set -u
tool="$top_builddir/xendm-analyze"
vec="$top_srcdir/tests/vectors"
ref="$vec/qemu-7.2/pc-serial.vmdesc.json"
m16="$vec/xendm-made/pc-m16.vmdesc.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
n=0 failed=0
t() { # $1 = status (0 ok), rest = description
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        failed=$((failed + 1))
    fi
}

for f in pc-serial-xenlike pc-serial; do
    "$tool" --json --layouts "$ref" "$vec/qemu-7.2/$f.bin" >"$tmp/$f.json" \
        2>"$tmp/err"
    t $? "$f.bin decodes with --json --layouts pc-serial.vmdesc.json"
    python3 - "$tmp/$f.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"version", "sections"} and d["version"] == 3
full = [s for s in d["sections"] if s["type"] == "full"]
for s in full:
    assert set(s) == {"type", "section_id", "idstr", "instance_id",
                      "version_id", "fields", "subsections"}, s.keys()
st = [s for s in full if s["idstr"] == "serial"][0]["fields"]["state"]
assert (st["divider"], st["lsr"], st["msr"]) == (12, 96, 176), st
PY
    t $? "$f: JSON shape, serial divider 12 lsr 96 msr 176"
done

"$tool" --layouts "$ref" "$vec/qemu-7.2/pc-serial.bin" >"$tmp/text"
grep -q "^0x00319d FULL (0x04) section_id=39 idstr='serial' instance_id=0 version_id=3" "$tmp/text" &&
    grep -q "^    state.divider = 12 (0xc)$" "$tmp/text"
t $? "text view: section offset, ids, version, state.divider = 12"

for f in "$vec"/qemu-7.2/*.bin "$vec"/xendm-made/*.bin; do
    b=$(basename "$f")
    "$tool" --layouts "$ref" --layouts "$m16" --reencode "$f" "$tmp/re.bin" &&
        cmp -s "$f" "$tmp/re.bin"
    t $? "--reencode $b gives the same bytes"
done

# Through the JSON text and back: --json, then --encode, same bytes.
for f in "$vec"/qemu-7.2/*xenlike.bin "$vec"/xendm-made/*xenlike.bin; do
    b=$(basename "$f")
    "$tool" --json --layouts "$ref" --layouts "$m16" "$f" >"$tmp/doc.json" &&
        "$tool" --layouts "$ref" --layouts "$m16" --encode "$tmp/doc.json" \
            "$tmp/enc.bin" && cmp -s "$f" "$tmp/enc.bin"
    t $? "--json then --encode gives $b back byte for byte"
done
"$tool" --json --layouts "$ref" "$vec/qemu-7.2/pc-serial-xenlike.bin" |
    sed 's/"divider":12/"divider":6/' >"$tmp/edit.json"
"$tool" --layouts "$ref" --encode "$tmp/edit.json" "$tmp/edit.bin" &&
    "$tool" --json --layouts "$ref" "$tmp/edit.bin" | grep -q '"divider":6,'
t $? "an edited JSON document encodes to a stream with the new value"
sed 's/"divider":6,/"divider":65536,/' "$tmp/edit.json" >"$tmp/bad.json"
"$tool" --layouts "$ref" --encode "$tmp/bad.json" "$tmp/bad.bin" \
    2>"$tmp/err"
[ $? -eq 1 ] && grep -q "'divider': 65536 does not fit uint16" "$tmp/err"
t $? "a value that does not fit its field is refused: $(cat "$tmp/err")"
"$tool" --json --layouts "$ref" "$vec/xendm-made/serial-div6-full.bin" \
    >"$tmp/full.json"
"$tool" --layouts "$m16" --encode "$tmp/full.json" "$tmp/full.bin" \
    2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'only "full" sections' "$tmp/err"
t $? "--encode refuses a full-shape document: $(cat "$tmp/err")"

for f in "$vec"/qemu-7.2/neg/*.bin; do
    "$tool" --layouts "$ref" "$f" >/dev/null 2>"$tmp/err"
    rc=$?
    [ "$rc" -eq 1 ] && grep -q "offset 0x[0-9a-f]*: ." "$tmp/err"
    t $? "$(basename "$f") refused, exit 1: $(cat "$tmp/err")"
done

"$tool" "$vec/qemu-7.2/pc-serial.bin" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "offset 0x[0-9a-f]*: section .*: no layout for section '" "$tmp/err"
t $? "footerless walk without a layout refused: $(cat "$tmp/err")"

"$tool" --json "$vec/xendm-made/serial-div6-full.bin" >"$tmp/full.json"
t $? "a full stream decodes on its own VMDESCRIPTION"

"$tool" --layouts "$ref" --modelled "$ref" --convert \
    "$vec/qemu-7.2/pc-serial-xenlike.bin" "$tmp/conv.bin" >"$tmp/report" &&
    cmp -s "$vec/qemu-7.2/pc-serial-xenlike.bin" "$tmp/conv.bin" &&
    [ "$(grep -c '^keep ' "$tmp/report")" -eq 30 ]
t $? "--convert with every section modelled keeps the stream as it is"
"$tool" --layouts "$ref" --convert "$vec/qemu-7.2/pc-serial-xenlike.bin" \
    "$tmp/conv2.bin" >"$tmp/report" 2>"$tmp/err"
[ $? -eq 1 ] && [ ! -e "$tmp/conv2.bin" ] &&
    grep -q "^drop 0x[0-9a-f]* 'cpu' instance 0: QEMU's shadow of a vCPU" \
        "$tmp/report" &&
    grep -q "refusing to convert: offset 0x[0-9a-f]*: section '.*' instance [0-9]*: xendm does not model it" "$tmp/err"
t $? "--convert refuses what it may not drop, writes nothing: $(cat "$tmp/err")"

"$tool" >/dev/null 2>&1
[ $? -eq 2 ]
t $? "no file: usage error, exit 2"
"$tool" --layouts "$tmp/none.json" "$vec/qemu-7.2/pc-serial.bin" \
    >/dev/null 2>&1
[ $? -eq 1 ]
t $? "missing layouts file: exit 1"
echo '{"devices":[{"name":"x"}]}' >"$tmp/bad.json"
"$tool" --layouts "$tmp/bad.json" "$vec/qemu-7.2/pc-serial.bin" \
    >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "lacks name/instance_id" "$tmp/err"
t $? "malformed layouts refused: $(cat "$tmp/err")"

echo "1..$n"
[ "$failed" -eq 0 ]
