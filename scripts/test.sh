#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The whole test suite, as CI runs it:
#   1. a -Werror build and `make check` (unit and integration tests);
#   2. the same suite built with ASan+UBSan;
#   3. a clang/libFuzzer build, each fuzz harness run for FUZZ_SECONDS
#      (default 20) on its seed corpus, under ASan+UBSan.
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

run_suite "$top/build" "werror" --enable-werror
if [ "${1:-}" != "--quick" ]; then
    run_suite "$top/build-san" "asan+ubsan" --enable-werror --enable-sanitizers
    run_fuzzers
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
