#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The vmstate compatibility check, as CI runs it: the current
# -dump-vmstate JSON (tests/vmstate-dump, which calls the same
# vmstate_dump_file() as `xendm -dump-vmstate`) must not break the
# committed baseline tests/vmstate-baseline.json.  Then the checker
# itself is exercised on a synthetic dump (a description with a nested
# struct, an array and nested subsections) against one mutation per
# kind of change: each breaking one must exit 1 naming the change,
# each compatible one must exit 0.  Prints TAP.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CHECK="$top_builddir/xendm-vmstate-check" DUMP="$top_builddir/tests/vmstate-dump"
export BASELINE="$top_srcdir/tests/vmstate-baseline.json" TMPD="$tmp"
exec python3 - <<'PY'
import copy, json, os, subprocess

check, dump, baseline, tmp = (os.environ[k] for k in ("CHECK", "DUMP", "BASELINE", "TMPD"))
n = 0
failed = 0

def ok(cond, what, extra=""):
    global n, failed
    n += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n, what))
    if not cond:
        failed += 1
        for line in extra.splitlines():
            print("#   " + line)

def run(old, new):
    p = subprocess.run([check, old, new], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr

cur = os.path.join(tmp, "current.json")
rc = subprocess.run([dump, cur]).returncode
ok(rc == 0, "vmstate_dump_file writes the current dump")
rc, out = run(baseline, cur)
ok(rc == 0, "current descriptions do not break the committed baseline", out)
with open(cur) as f:
    d = json.load(f)
ok("vmschkmachine" in d and d["timer"]["Description"]["Fields"][2]["field"] == "cpu_clock_offset",
   "dump has QEMU's shape (vmschkmachine, Description, Fields)")

def field(name, size, version=0, num=None, desc=None):
    f = {"field": name, "version_id": version, "field_exists": False, "size": size}
    if num:
        f["x-num"] = num
    if desc:
        f["Description"] = desc
    return f

inner = {"name": "inner", "version_id": 1, "minimum_version_id": 1,
         "Fields": [field("a", 2), field("b", 1)]}
subsub = {"name": "dev/sub/deep", "version_id": 1, "minimum_version_id": 1,
          "Fields": [field("z", 4)]}
sub = {"name": "dev/sub", "version_id": 1, "minimum_version_id": 1,
       "Fields": [field("y", 1)], "Subsections": [subsub]}
desc = {"name": "dev", "version_id": 3, "minimum_version_id": 2,
        "Fields": [field("x", 4), field("arr", 2, num=4), field("s", 3, desc=inner),
                   field("late", 1, version=3)],
        "Subsections": [sub]}
old = {"vmschkmachine": {"Name": "xenfv"},
       "dev": {"Name": "dev", "version_id": 3, "minimum_version_id": 2, "Description": desc}}

def write(name, obj):
    p = os.path.join(tmp, name + ".json")
    with open(p, "w") as f:
        json.dump(obj, f)
    return p

oldp = write("old", old)

def mut(fn):
    o = copy.deepcopy(old)
    fn(o["dev"]["Description"], o)
    return o

def D(o):
    return o

cases = [
    # (what, mutation, expected rc, expected text)
    ("identical dump", lambda d, o: None, 0, "0 breaking"),
    ("field removed", lambda d, o: d["Fields"].pop(0), 1, "field 'x' removed"),
    ("field resized", lambda d, o: d["Fields"][0].update(size=8), 1,
     "field 'x' resized from 4 to 8 bytes"),
    ("array length changed", lambda d, o: d["Fields"][1].update({"x-num": 5}), 1,
     "field 'arr' resized from 8 to 10 bytes"),
    ("fields reordered", lambda d, o: d["Fields"].insert(0, d["Fields"].pop(1)), 1,
     "moved"),
    ("field added without version bump", lambda d, o: d["Fields"].append(field("new", 1)), 1,
     "field 'new' added without a version bump"),
    ("field added with a version bump",
     lambda d, o: (d["Fields"].append(field("new", 1, version=4)), d.update(version_id=4)),
     0, "0 breaking"),
    ("minimum version raised", lambda d, o: d.update(minimum_version_id=3), 1,
     "minimum_version_id raised from 2 to 3"),
    ("version lowered", lambda d, o: d.update(version_id=2), 1,
     "version_id lowered from 3 to 2"),
    ("subsection renamed", lambda d, o: d["Subsections"][0].update(name="dev/other"), 1,
     "subsection 'dev/sub' removed or renamed"),
    ("nested subsection removed", lambda d, o: d["Subsections"][0].pop("Subsections"), 1,
     "subsection 'dev/sub/deep' removed or renamed"),
    ("nested subsection field resized",
     lambda d, o: d["Subsections"][0]["Subsections"][0]["Fields"][0].update(size=2), 1,
     "dev/dev/sub/dev/sub/deep: field 'z' resized"),
    ("nested struct field resized", lambda d, o: d["Fields"][2]["Description"]["Fields"][1].update(size=2), 1,
     "dev.s: field 'b' resized from 1 to 2 bytes (nested struct)"),
    ("nested struct field added with only its local version bumped",
     lambda d, o: (d["Fields"][2]["Description"]["Fields"].append(field("c", 1, version=2)),
                   d["Fields"][2]["Description"].update(version_id=2)), 1,
     "field 'c' added without a version bump (nested struct)"),
    ("struct became a scalar", lambda d, o: d["Fields"][2].pop("Description"), 1,
     "changed between a nested struct and a scalar"),
    ("description removed", lambda d, o: o.pop("dev"), 1,
     "dev: description removed"),
    ("field turned into unused bytes", lambda d, o: d["Fields"][0].update(field="unused"), 0,
     "0 breaking"),
    ("field renamed in place", lambda d, o: d["Fields"][0].update(field="xx"), 0,
     "warning: dev: field 'x' renamed to 'xx'"),
    ("v3-only field removed (breaks v3 streams)", lambda d, o: d["Fields"].pop(3), 1,
     "field 'late' removed (stream version 3)"),
]
for i, (what, fn, want_rc, text) in enumerate(cases):
    p = write("new%d" % i, mut(fn))
    rc, out = run(oldp, p)
    ok(rc == want_rc and text in out, "%s: exit %d, reports it" % (what, want_rc), out)

bad = os.path.join(tmp, "bad.json")
with open(bad, "w") as f:
    f.write("{not json")
rc, out = run(oldp, bad)
ok(rc == 2, "unparsable dump: exit 2", out)
rc, out = run(oldp, os.path.join(tmp, "missing.json"))
ok(rc == 2, "missing dump: exit 2", out)

print("1..%d" % n)
raise SystemExit(1 if failed else 0)
PY
