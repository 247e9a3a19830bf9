#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The whole test suite, as CI runs it:
#   1. a -Werror build and `make check` (unit and integration tests);
#   2. the same suite built with ASan+UBSan;
#   3. a clang/libFuzzer build, each fuzz harness run for FUZZ_SECONDS
#      (default 20) on its seed corpus, under ASan+UBSan;
#   4. real Xen: `tests/xen/check-xen.sh` (xendm under Debian's xl on Xen
#      4.17 in the nested lab of ../shared/lab, about 12 minutes), one
#      test per scenario.  Where the lab is absent or its image cannot be
#      built (check-xen.sh's exit status 2), the phase counts as one
#      skipped test and says why.  XENDM_CHECK_XEN=0 leaves it out.
# Prints a summary line per phase and, last, "N passed, N failed, N skipped".
# Usage: scripts/test.sh [--quick]   (--quick: phase 1 only)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
passed=0 failed=0 skipped=0

count_suite() { # $1 = builddir, $2 = phase name
    local log="$1/test-suite.log" p f s e
    if [ ! -f "$log" ]; then
        echo "$2: no test-suite.log" >&2
        failed=$((failed + 1))
        return
    fi
    p=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
    f=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
    s=$(sed -n 's/^# SKIP: *//p' "$log" | head -1)
    e=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0} + ${e:-0}))
    skipped=$((skipped + ${s:-0}))
    echo "$2: ${p:-0} passed, $(( ${f:-0} + ${e:-0} )) failed, ${s:-0} skipped"
}

run_suite() { # $1 = builddir, $2 = phase name, configure args...
    local dir=$1 name=$2
    shift 2
    if ! scripts/build.sh "$dir" "$@" >"$dir.build.log" 2>&1; then
        echo "$name: build failed:" >&2
        tail -40 "$dir.build.log" >&2
        failed=$((failed + 1))
        return
    fi
    rm -f "$dir/test-suite.log"
    make -C "$dir" -j"$(nproc)" check >"$dir.check.log" 2>&1
    grep -E '^(FAIL|ERROR):' "$dir.check.log" >&2
    if grep -qE '^(FAIL|ERROR):' "$dir.check.log"; then
        sed -n '/^FAIL\|^ERROR/,+0p' "$dir/test-suite.log" >/dev/null
        grep -B2 -A30 -E '^(not ok|Bail out)' "$dir"/tests/*/*.log 2>/dev/null | head -120 >&2
    fi
    count_suite "$dir" "$name"
}

run_fuzzers() {
    local dir=$top/build-fuzz f name corpus
    if ! CC=clang scripts/build.sh "$dir" --enable-werror --enable-fuzzing >"$dir.build.log" 2>&1; then
        echo "fuzz: build failed:" >&2
        tail -40 "$dir.build.log" >&2
        failed=$((failed + 1))
        return
    fi
    for f in "$dir"/tests/fuzz/fuzz-*; do
        [ -x "$f" ] || continue
        name=$(basename "$f")
        corpus=$(mktemp -d)
        if [ -d "tests/fuzz/corpus/${name#fuzz-}" ]; then
            cp -r "tests/fuzz/corpus/${name#fuzz-}/." "$corpus/"
        fi
        if "$f" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 "$corpus" >"$dir/$name.log" 2>&1; then
            execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/$name.log")
            echo "ok - $name: ${execs:-?} execs in ${FUZZ_SECONDS}s"
            passed=$((passed + 1))
        else
            echo "not ok - $name (see $dir/$name.log)"
            tail -30 "$dir/$name.log" >&2
            failed=$((failed + 1))
        fi
        rm -rf "$corpus"
    done
}

run_real_xen() {
    local log=$top/build.check-xen.log rc=0 p f
    if [ "${XENDM_CHECK_XEN:-1}" = 0 ]; then
        echo "real Xen: left out (XENDM_CHECK_XEN=0)"
        skipped=$((skipped + 1))
        return
    fi
    # A whole run takes about 7 minutes; the limit bounds a hung lab.
    XENDM_XEN_LIMIT=${XENDM_XEN_LIMIT:-1200} \
        tests/xen/check-xen.sh "$top/build" >"$log" 2>&1 || rc=$?
    if [ "$rc" -eq 2 ]; then
        echo "real Xen: skipped: $(grep 'check-xen:' "$log" | tail -1)"
        skipped=$((skipped + 1))
        return
    fi
    grep -E '^[a-z-]+ (PASS|FAIL) ' "$log" | sed 's/^/  /'
    p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$log" | tail -1)
    f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$log" | tail -1)
    if [ -z "$p" ] || [ -z "$f" ]; then
        echo "real Xen: no summary (exit $rc); see $log" >&2
        tail -20 "$log" >&2
        failed=$((failed + 1))
        return
    fi
    [ "$f" -eq 0 ] || grep -A40 'console tail' "$log" | head -60 >&2
    passed=$((passed + p))
    failed=$((failed + f))
    echo "real Xen: $p passed, $f failed"
}

run_suite "$top/build" "werror" --enable-werror
if [ "${1:-}" != "--quick" ]; then
    run_suite "$top/build-san" "asan+ubsan" --enable-werror --enable-sanitizers
    run_fuzzers
    run_real_xen
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
